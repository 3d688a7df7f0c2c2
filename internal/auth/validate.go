package auth

import (
	_ "embed"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// Password policy bounds. The upper bound keeps hashing cost predictable.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 128
)

//go:embed common_passwords.txt
var commonPasswordsText string

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

var usernamePattern = regexp.MustCompile(`^[a-z0-9_]{3,32}$`)

// NormalizeEmail lower-cases and trims an email address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NormalizeUsername lower-cases and trims a username.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// checkEmail returns a field error for an unusable (normalised) address.
func checkEmail(field, email string) *grimbots.FieldError {
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") {
		return &grimbots.FieldError{Field: field, Message: "must be a valid email address", Value: email}
	}
	return nil
}

func checkUsername(field, username string) *grimbots.FieldError {
	if !usernamePattern.MatchString(username) {
		return &grimbots.FieldError{Field: field, Message: "must be 3 to 32 letters, digits or underscores", Value: username}
	}
	return nil
}

// checkPassword applies the password policy: length, not a common password,
// not the account's own name, not one repeated character.
func checkPassword(field, password string, personal ...string) *grimbots.FieldError {
	n := utf8.RuneCountInString(password)
	msg := ""
	lower := strings.ToLower(password)
	switch {
	case n < MinPasswordLength:
		msg = "must be at least 10 characters"
	case n > MaxPasswordLength:
		msg = "must be at most 128 characters"
	case !utf8.ValidString(password):
		msg = "must be valid UTF-8 text"
	case commonPasswords[lower] || strings.Count(lower, string([]rune(lower)[0])) == len(lower):
		msg = "is too common; choose a less predictable password"
	}
	for _, p := range personal {
		if msg == "" && len(p) >= 3 && strings.Contains(lower, strings.ToLower(p)) {
			msg = "must not contain your email or username"
		}
	}
	if msg == "" {
		return nil
	}
	return &grimbots.FieldError{Field: field, Message: msg}
}

// collect returns an EINVALID error for the non-nil field errors, or nil.
func collect(fields ...*grimbots.FieldError) error {
	var out []grimbots.FieldError
	for _, f := range fields {
		if f != nil {
			out = append(out, *f)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return grimbots.Invalid("validation failed", out...)
}
