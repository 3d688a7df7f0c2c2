package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Token prefixes make leaked tokens recognisable (secret scanners) and tell
// the kinds apart.
const (
	apiTokenPrefix = "gbt_"
	resetPrefix    = "gbr_"
)

// newToken returns prefix + 32 random bytes in base64url.
func newToken(prefix string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on supported platforms
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// tokenHash is the keyed hash stored for a token. Keying it with the secret
// key means a database dump alone cannot be matched against guesses.
func (s *Service) tokenHash(kind, token string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// plausibleToken rejects obviously malformed tokens before any lookup.
func plausibleToken(token, prefix string) bool {
	return len(token) == len(prefix)+43 && strings.HasPrefix(token, prefix)
}
