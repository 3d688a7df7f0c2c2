package grimbots

import (
	"errors"
	"fmt"
)

// Error codes. They are stable, machine-readable and mapped to HTTP statuses
// in one place (the HTTP adapter). Adding a code means adding its mapping.
const (
	ECONFLICT     = "conflict"     // the action conflicts with existing state (duplicate email, ...)
	EINTERNAL     = "internal"     // a bug or an unavailable dependency; the message is never shown
	EINVALID      = "invalid"      // the input is wrong; FieldErrors says where
	ENOTFOUND     = "not_found"    // the object does not exist or belongs to another seller
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EFORBIDDEN    = "forbidden"    // authenticated but not allowed
	ERATELIMIT    = "rate_limited" // too many attempts; RetryAfter says when to retry
	EUNAVAILABLE  = "unavailable"  // temporarily unable to serve (dependency down)
	EGONE         = "gone"         // the object existed but is no longer usable (expired token)
)

// Error is the application error: a code, a message safe to show to the user
// (pt-BR or English as the caller chooses) and, for EINVALID, field errors.
type Error struct {
	Code    string
	Message string
	// Fields lists per-field problems for EINVALID errors.
	Fields []FieldError
	// RetryAfterSeconds is set for ERATELIMIT.
	RetryAfterSeconds int
}

// FieldError names one invalid input field. Field uses the JSON name with a
// dotted path for nested fields ("body.password").
type FieldError struct {
	Field   string
	Message string
	Value   any
}

func (e *Error) Error() string {
	return fmt.Sprintf("grimbots error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error with the given field errors.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: fields}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err. Internal errors get a
// generic message so that no internal detail reaches a client.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Internal error."
}
