package mail_test

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/mail"
	"github.com/grimbots/grimbots/internal/secretbox"
)

func TestJobSealsSensitiveBodies(t *testing.T) {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	keys, err := secretbox.New([]secretbox.Key{{ID: "k1", Secret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	msg := mail.Message{To: "maria@example.com", Subject: "reset", Text: "link ?token=gbr_abc", Sensitive: true}
	job, err := mail.NewJob(keys, msg)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(job)
	if strings.Contains(string(raw), "gbr_abc") {
		t.Fatalf("serialised job holds the secret: %s", raw)
	}
	back, err := job.Message(keys)
	if err != nil || back != msg {
		t.Fatalf("Message() = %+v, %v", back, err)
	}
	// A sealed body moved to another recipient does not open.
	job.To = "mallory@example.com"
	if _, err := job.Message(keys); err == nil {
		t.Fatal("sealed body opened for another recipient")
	}
	plain, _ := mail.NewJob(keys, mail.Message{To: "a@b.example", Subject: "hi", Text: "hello"})
	if plain.Text != "hello" || plain.Sealed != "" {
		t.Fatalf("plain job: %+v", plain)
	}
}
