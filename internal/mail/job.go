package mail

import (
	"fmt"

	"github.com/grimbots/grimbots/internal/secretbox"
)

// Job is a queued email. It is inserted in the same transaction as the
// change that causes it and sent by a worker, retried until the server takes
// it. A sensitive body (a reset link) is stored sealed, so the job table
// never holds a usable secret.
type Job struct {
	To        string `json:"to"`
	Subject   string `json:"subject"`
	Text      string `json:"text,omitempty"`
	Sealed    string `json:"sealed,omitempty"`
	Sensitive bool   `json:"sensitive,omitempty"`
}

// Kind names the job type for the queue.
func (Job) Kind() string { return "send_email" }

// sealAD binds a sealed body to its recipient.
func sealAD(to string) string { return "email:" + to }

// NewJob prepares m for the queue, sealing its body when it is sensitive.
func NewJob(keys *secretbox.Keyring, m Message) (Job, error) {
	j := Job{To: m.To, Subject: m.Subject, Sensitive: m.Sensitive}
	if !m.Sensitive {
		j.Text = m.Text
		return j, nil
	}
	sealed, err := keys.Encrypt([]byte(m.Text), sealAD(m.To))
	if err != nil {
		return Job{}, fmt.Errorf("mail: sealing body: %w", err)
	}
	j.Sealed = sealed
	return j, nil
}

// Message opens the job back into a message.
func (j Job) Message(keys *secretbox.Keyring) (Message, error) {
	m := Message{To: j.To, Subject: j.Subject, Text: j.Text, Sensitive: j.Sensitive}
	if j.Sealed != "" {
		plain, err := keys.Decrypt(j.Sealed, sealAD(j.To))
		if err != nil {
			return Message{}, fmt.Errorf("mail: opening sealed body: %w", err)
		}
		m.Text = string(plain)
	}
	return m, nil
}
