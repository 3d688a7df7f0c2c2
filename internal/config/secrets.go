package config

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// devSecretsFile holds the secrets generated for a development setup, so a
// restart keeps sessions and encrypted data readable.
const devSecretsFile = "dev-secrets.json"

type devSecrets struct {
	SecretKey      string `json:"secret_key"`
	EncryptionKeys string `json:"encryption_keys"`
}

func (c *Config) loadDevSecrets() error {
	path := filepath.Join(c.DataDir, devSecretsFile)
	var s devSecrets
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s = devSecrets{SecretKey: encodeKey(RandomKey()), EncryptionKeys: NewKeyID(time.Now()) + ":" + encodeKey(RandomKey())}
		if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
			return fmt.Errorf("creating data dir: %w", err)
		}
		out, _ := json.MarshalIndent(s, "", "  ")
		if err := os.WriteFile(path, out, 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	case err != nil:
		return fmt.Errorf("reading %s: %w", path, err)
	default:
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
	}
	if len(c.SecretKey) == 0 {
		if c.SecretKey, err = decodeKey(s.SecretKey); err != nil {
			return fmt.Errorf("%s: secret_key: %w", path, err)
		}
		c.sources["GRIMBOTS_SECRET_KEY"] = "generated (" + path + ")"
	}
	if len(c.EncryptionKeys) == 0 {
		if err := setEncryptionKeys(c, s.EncryptionKeys); err != nil {
			return fmt.Errorf("%s: encryption_keys: %w", path, err)
		}
		c.sources["GRIMBOTS_ENCRYPTION_KEYS"] = "generated (" + path + ")"
	}
	return nil
}

// RandomKey returns 32 bytes from the system's secure random source.
func RandomKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return b
}

// EncodeKey formats a key the way the configuration expects it.
func EncodeKey(b []byte) string { return encodeKey(b) }

// NewKeyID names an encryption key after its creation time, so key ids sort
// by age and are unique in practice.
func NewKeyID(t time.Time) string { return "k" + t.UTC().Format("20060102150405") }
