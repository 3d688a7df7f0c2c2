package grimbots

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestErrorCode(t *testing.T) {
	t.Parallel()
	notFound := Errorf(ENOTFOUND, "bot %d not found", 7)
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{notFound, ENOTFOUND},
		{fmt.Errorf("loading: %w", notFound), ENOTFOUND},
		{fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", Invalid("bad"))), EINVALID},
		{errors.Join(io.EOF, Errorf(ECONFLICT, "taken")), ECONFLICT},
		{io.EOF, EINTERNAL},
		{errors.New("pq: connection refused"), EINTERNAL},
		{&Error{Code: EGONE}, EGONE},
	}
	for _, tt := range tests {
		if got := ErrorCode(tt.err); got != tt.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{Errorf(ENOTFOUND, "bot %d not found", 7), "bot 7 not found"},
		{fmt.Errorf("wrapped: %w", Errorf(ERATELIMIT, "try again later")), "try again later"},
		// Internal errors never leak their detail.
		{errors.New("dial tcp 10.0.0.5:5432: password authentication failed for user grimbots"), "Internal error."},
		{Errorf(EINTERNAL, "secret detail: %s", "postgres://user:pw@db"), "Internal error."},
		{fmt.Errorf("x: %w", Errorf(EINTERNAL, "leak")), "Internal error."},
	}
	for _, tt := range tests {
		got := ErrorMessage(tt.err)
		if got != tt.want {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tt.err, got, tt.want)
		}
		if tt.err != nil && ErrorCode(tt.err) == EINTERNAL && (strings.Contains(got, "password") || strings.Contains(got, "leak")) {
			t.Errorf("ErrorMessage leaked an internal detail: %q", got)
		}
	}
}

func TestErrorConstructors(t *testing.T) {
	t.Parallel()
	e := Errorf(ECONFLICT, "%s is taken", "maria")
	if e.Code != ECONFLICT || e.Message != "maria is taken" || e.Fields != nil {
		t.Fatalf("Errorf = %+v", e)
	}
	if s := e.Error(); !strings.Contains(s, "code=conflict") || !strings.Contains(s, "message=maria is taken") {
		t.Errorf("Error() = %q", s)
	}
	inv := Invalid("check the form", FieldError{Field: "body.email", Message: "invalid"},
		FieldError{Field: "body.password", Message: "too short", Value: 3})
	if inv.Code != EINVALID || inv.Message != "check the form" || len(inv.Fields) != 2 ||
		inv.Fields[0].Field != "body.email" || inv.Fields[1].Value != 3 {
		t.Fatalf("Invalid = %+v", inv)
	}
	var target *Error
	if !errors.As(fmt.Errorf("w: %w", inv), &target) || target != inv {
		t.Error("errors.As does not find the *Error")
	}
}
