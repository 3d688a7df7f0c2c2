package secretbox_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/secretbox"
)

func key(id string) secretbox.Key {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return secretbox.Key{ID: id, Secret: b}
}

func TestRoundTripAndBinding(t *testing.T) {
	k1 := key("k1")
	ring, err := secretbox.New([]secretbox.Key{k1})
	if err != nil {
		t.Fatal(err)
	}
	ct, err := ring.Encrypt([]byte(`{"api_key":"sk_live_123"}`), "gateway:1:credentials")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ct, "sk_live") || !strings.HasPrefix(ct, "v1.k1.") {
		t.Fatalf("ciphertext %q", ct)
	}
	again, _ := ring.Encrypt([]byte(`{"api_key":"sk_live_123"}`), "gateway:1:credentials")
	if again == ct {
		t.Fatal("two encryptions of the same secret are identical (nonce reuse)")
	}
	plain, err := ring.Decrypt(ct, "gateway:1:credentials")
	if err != nil || string(plain) != `{"api_key":"sk_live_123"}` {
		t.Fatalf("Decrypt = %q, %v", plain, err)
	}
	// Moved to another row, tampered, or truncated: refused.
	tampered := []byte(ct)
	tampered[len(tampered)-2] ^= 1
	for name, bad := range map[string][2]string{
		"other row": {ct, "gateway:2:credentials"}, "tampered": {string(tampered), "gateway:1:credentials"},
		"truncated": {ct[:20], "gateway:1:credentials"}, "unknown key": {strings.Replace(ct, "v1.k1.", "v1.k9.", 1), "gateway:1:credentials"},
		"garbage": {"hello", ""}, "bad version": {strings.Replace(ct, "v1.", "v2.", 1), "gateway:1:credentials"},
	} {
		if _, err := ring.Decrypt(bad[0], bad[1]); !errors.Is(err, secretbox.ErrDecrypt) {
			t.Errorf("%s: err = %v, want ErrDecrypt", name, err)
		}
	}
}

func TestRotation(t *testing.T) {
	old, next := key("k2025"), key("k2026")
	oldRing, _ := secretbox.New([]secretbox.Key{old})
	ct, _ := oldRing.Encrypt([]byte("token"), "bot:7:token")
	ring, err := secretbox.New([]secretbox.Key{next, old})
	if err != nil {
		t.Fatal(err)
	}
	if !ring.NeedsRotation(ct) || ring.ActiveKeyID() != "k2026" {
		t.Fatal("old ciphertext not flagged for rotation")
	}
	plain, err := ring.Decrypt(ct, "bot:7:token")
	if err != nil || !bytes.Equal(plain, []byte("token")) {
		t.Fatalf("old ciphertext unreadable after adding a key: %v", err)
	}
	re, _ := ring.Encrypt(plain, "bot:7:token")
	if ring.NeedsRotation(re) || secretbox.KeyID(re) != "k2026" {
		t.Fatalf("re-encrypted with %q", secretbox.KeyID(re))
	}
}

func TestNewRejectsBadKeys(t *testing.T) {
	for name, keys := range map[string][]secretbox.Key{
		"none": nil, "short": {{ID: "a", Secret: []byte("short")}}, "dot in id": {{ID: "a.b", Secret: make([]byte, 32)}},
		"duplicate": {key("a"), key("a")},
	} {
		if _, err := secretbox.New(keys); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzDecryptNeverPanics(f *testing.F) {
	ring, _ := secretbox.New([]secretbox.Key{key("k1")})
	ct, _ := ring.Encrypt([]byte("x"), "ad")
	f.Add(ct, "ad")
	f.Add("v1..", "")
	f.Add("v1.k1.!!!!", "ad")
	f.Fuzz(func(t *testing.T, ciphertext, ad string) {
		_, _ = ring.Decrypt(ciphertext, ad)
	})
}
