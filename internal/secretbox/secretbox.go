// Package secretbox encrypts secrets at rest (gateway credentials, bot
// tokens) with AES-256-GCM under a keyring: the first key encrypts, every key
// decrypts, and each ciphertext names its key so keys can be rotated by
// re-encrypting in the background while old ciphertexts stay readable.
//
// A ciphertext is "v1.<key id>.<base64url(nonce || sealed)>". The caller
// passes associated data naming where the secret belongs (for example
// "gateway:42:credentials"), so a ciphertext copied to another row fails to
// decrypt instead of leaking into the wrong tenant.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Key is one AES-256 key and its id.
type Key struct {
	ID     string
	Secret []byte
}

// Keyring holds the keys. It is safe for concurrent use.
type Keyring struct {
	activeID string
	aeads    map[string]cipher.AEAD
}

// ErrDecrypt is returned for any ciphertext that cannot be opened: unknown
// key, tampering, wrong associated data or bad encoding. The cause is not
// distinguished, so the error reveals nothing to a prober.
var ErrDecrypt = errors.New("secretbox: cannot decrypt")

const version = "v1"

// New builds a keyring; keys[0] encrypts.
func New(keys []Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("secretbox: no keys")
	}
	k := &Keyring{activeID: keys[0].ID, aeads: map[string]cipher.AEAD{}}
	for _, key := range keys {
		if len(key.Secret) != 32 {
			return nil, fmt.Errorf("secretbox: key %q must be 32 bytes, got %d", key.ID, len(key.Secret))
		}
		if key.ID == "" || strings.Contains(key.ID, ".") {
			return nil, fmt.Errorf("secretbox: invalid key id %q", key.ID)
		}
		if _, dup := k.aeads[key.ID]; dup {
			return nil, fmt.Errorf("secretbox: duplicate key id %q", key.ID)
		}
		block, err := aes.NewCipher(key.Secret)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads[key.ID] = aead
	}
	return k, nil
}

// ActiveKeyID is the id of the key that encrypts.
func (k *Keyring) ActiveKeyID() string { return k.activeID }

// Encrypt seals plaintext under the active key, bound to associated data ad.
func (k *Keyring) Encrypt(plaintext []byte, ad string) (string, error) {
	aead := k.aeads[k.activeID]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := aead.Seal(nonce, nonce, plaintext, []byte(ad))
	return version + "." + k.activeID + "." + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Decrypt opens a ciphertext made by Encrypt with the same associated data.
func (k *Keyring) Decrypt(ciphertext, ad string) ([]byte, error) {
	v, rest, ok := strings.Cut(ciphertext, ".")
	if !ok || v != version {
		return nil, ErrDecrypt
	}
	id, enc, ok := strings.Cut(rest, ".")
	aead := k.aeads[id]
	if !ok || aead == nil {
		return nil, ErrDecrypt
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrDecrypt
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(ad))
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// KeyID returns the id of the key a ciphertext was sealed with, or "".
func KeyID(ciphertext string) string {
	parts := strings.SplitN(ciphertext, ".", 3)
	if len(parts) != 3 || parts[0] != version {
		return ""
	}
	return parts[1]
}

// NeedsRotation reports whether ciphertext was sealed with a key other than
// the active one.
func (k *Keyring) NeedsRotation(ciphertext string) bool { return KeyID(ciphertext) != k.activeID }
