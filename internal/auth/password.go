package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// HashParams are argon2id cost parameters. The defaults follow OWASP's
// recommendation (19 MiB, 2 iterations, 1 lane).
type HashParams struct {
	MemoryKiB  uint32
	Iterations uint32
	Threads    uint8
}

// DefaultHashParams is the production cost.
var DefaultHashParams = HashParams{MemoryKiB: 19 * 1024, Iterations: 2, Threads: 1}

// Hasher hashes and verifies passwords with argon2id. It bounds how many
// hashes run at once, because each holds MemoryKiB of RAM: a login storm
// queues instead of exhausting memory.
type Hasher struct {
	params HashParams
	slots  chan struct{}
	// dummy is a valid hash verified when a login names no account, so the
	// answer takes the same time either way. It is made on first use: each
	// hash holds MemoryKiB of RAM, which an idle server should not pay for.
	dummyOnce sync.Once
	dummy     string
}

// NewHasher returns a hasher running at most concurrency hashes at a time.
func NewHasher(p HashParams, concurrency int) *Hasher {
	return &Hasher{params: p, slots: make(chan struct{}, max(concurrency, 1))}
}

// Hash returns a PHC-format argon2id hash of password.
func (h *Hasher) Hash(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	h.slots <- struct{}{}
	key := argon2.IDKey([]byte(password), salt, h.params.Iterations, h.params.MemoryKiB, h.params.Threads, 32)
	<-h.slots
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.params.MemoryKiB, h.params.Iterations,
		h.params.Threads, base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: malformed password hash")

// Verify reports whether password matches the PHC hash encoded. The cost is
// read from the hash, so raising the defaults keeps old hashes valid.
func (h *Hasher) Verify(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	var p HashParams
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Iterations, &p.Threads); err != nil {
		return false, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	h.slots <- struct{}{}
	got := argon2.IDKey([]byte(password), salt, p.Iterations, p.MemoryKiB, p.Threads, uint32(len(want)))
	<-h.slots
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// burnTime verifies against the dummy hash to equalise timing.
func (h *Hasher) burnTime(password string) {
	h.dummyOnce.Do(func() { h.dummy, _ = h.Hash("grimbots-dummy-password") })
	_, _ = h.Verify(h.dummy, password)
}
