package apptest

import (
	"context"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/mail"
)

// Mailer records the messages the instance sends. Safe for concurrent use:
// some emails (password resets) are sent after the request has answered.
type Mailer struct {
	mu      sync.Mutex
	msgs    []mail.Message
	changed chan struct{} // closed and replaced on every message
}

// NewMailer returns an empty Mailer.
func NewMailer() *Mailer { return &Mailer{changed: make(chan struct{})} }

// Send records m.
func (m *Mailer) Send(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	close(m.changed)
	m.changed = make(chan struct{})
	return nil
}

// Messages returns the messages sent so far, oldest first.
func (m *Mailer) Messages() []mail.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mail.Message(nil), m.msgs...)
}

// WaitTimeout bounds Mailer.Wait.
var WaitTimeout = 10 * time.Second

// Wait returns the first message matching match, waiting for it up to
// WaitTimeout; the test fails if none arrives.
func (m *Mailer) Wait(t testing.TB, match func(mail.Message) bool) mail.Message {
	t.Helper()
	deadline := time.NewTimer(WaitTimeout)
	defer deadline.Stop()
	for {
		m.mu.Lock()
		for _, msg := range m.msgs {
			if match(msg) {
				m.mu.Unlock()
				return msg
			}
		}
		changed := m.changed
		m.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("apptest: no matching email within %s; sent: %d", WaitTimeout, len(m.Messages()))
			return mail.Message{}
		}
	}
}

// WaitTo waits for a message to addr.
func (m *Mailer) WaitTo(t testing.TB, addr string) mail.Message {
	t.Helper()
	return m.Wait(t, func(msg mail.Message) bool { return msg.To == addr })
}

var resetTokenPattern = regexp.MustCompile(`[?&]token=(gbr_[A-Za-z0-9_-]+)`)

// ResetToken extracts the password reset token from a reset email's link,
// or returns "".
func ResetToken(msg mail.Message) string {
	if m := resetTokenPattern.FindStringSubmatch(msg.Text); m != nil {
		return m[1]
	}
	return ""
}
