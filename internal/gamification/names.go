package gamification

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// Sellers are anonymous in rankings unless they choose a public name (the
// reference showed every seller's full name, revenue and bot count to
// every other seller). The anonymous name is "Vendedor #" and a six-letter
// code: a keyed permutation of the seller id, so it is stable (others can
// follow a competitor over time), distinct for every seller, and tells
// nothing about the id.
type aliaser struct{ key []byte }

const (
	aliasBits     = 30
	aliasHalf     = aliasBits / 2
	aliasHalfMask = 1<<aliasHalf - 1
	aliasRounds   = 4
	// Crockford's base 32: no I, L, O, U.
	aliasAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	anonymousName = "Vendedor #"
)

// name returns the anonymous name of seller id.
func (a aliaser) name(id int64) string {
	if id < 0 || id >= 1<<aliasBits {
		return anonymousName + strconv.FormatInt(id, 10)
	}
	// A balanced Feistel network over 30 bits is a permutation of them:
	// two ids never share a code.
	l, r := uint32(id)>>aliasHalf, uint32(id)&aliasHalfMask
	for round := range aliasRounds {
		l, r = r, l^a.round(round, r)
	}
	v := l<<aliasHalf | r
	var code [aliasBits / 5]byte
	for i := len(code) - 1; i >= 0; i-- {
		code[i] = aliasAlphabet[v&31]
		v >>= 5
	}
	return anonymousName + string(code[:])
}

func (a aliaser) round(n int, half uint32) uint32 {
	mac := hmac.New(sha256.New, a.key)
	var in [5]byte
	in[0] = byte(n)
	binary.BigEndian.PutUint32(in[1:], half)
	mac.Write(in[:])
	return binary.BigEndian.Uint32(mac.Sum(nil)) & aliasHalfMask
}

// Display name limits.
const (
	minNameRunes = 3
	maxNameRunes = 30
)

// cleanName trims and collapses the spaces of a display name and checks
// it: 3 to 30 letters, digits, spaces and . _ - ' (so no "#": nobody can
// pose as an anonymous seller).
func cleanName(raw string) (string, error) {
	name := strings.Join(strings.Fields(norm.NFC.String(raw)), " ")
	bad := func(msg string) error {
		return grimbots.Invalid("invalid display name", grimbots.FieldError{Field: "body.display_name", Message: msg, Value: raw})
	}
	if n := len([]rune(name)); n < minNameRunes || n > maxNameRunes {
		return "", bad("must have 3 to 30 characters")
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" ._-'", r) {
			return "", bad("may contain only letters, digits, spaces and . _ - '")
		}
	}
	return name, nil
}

// nameKey is what makes two names the same: case and accents ignored
// ("José" and "jose"), so that no one can show a look-alike of another
// seller's public name.
func nameKey(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(name) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
