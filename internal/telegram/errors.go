package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error classes. Every error a Client returns for a failed Bot API call
// matches at most one of them with errors.Is (a 429 is a *RetryAfterError
// instead); errors.As with *APIError gives the code and description.
var (
	// ErrBlocked means the chat cannot be reached: the user blocked the bot
	// or was deactivated, the bot was kicked, or the chat does not exist.
	// Stop sending to that chat; the lead is unreachable.
	ErrBlocked = errors.New("telegram: chat unreachable")
	// ErrUnauthorized means the token is revoked or the bot was deleted.
	// Stop using the bot.
	ErrUnauthorized = errors.New("telegram: unauthorized")
	// ErrBadRequest means Telegram refused the request as malformed (bad
	// HTML, a wrong file_id, an invalid keyboard). Retrying will not help.
	ErrBadRequest = errors.New("telegram: bad request")
	// ErrConflict means a webhook is active while getUpdates was called, or
	// another poller took over the token.
	ErrConflict = errors.New("telegram: conflict")
	// ErrTemporary means a 5xx answer, an answer that is not the Bot API's,
	// or a network failure. Retrying later may succeed.
	ErrTemporary = errors.New("telegram: temporary failure")
)

// APIError is an error answer of the Bot API:
// {"ok":false,"error_code":Code,"description":Description}.
type APIError struct {
	Method      string
	Code        int
	Description string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("telegram: %s: %d %s", e.Method, e.Code, e.Description)
}

// Is reports whether target is the error class of e.
func (e *APIError) Is(target error) bool { return target != nil && target == e.class() }

func (e *APIError) class() error {
	switch {
	case e.Code == http.StatusForbidden, e.Code == http.StatusBadRequest && chatGone(e.Description):
		return ErrBlocked
	case e.Code == http.StatusBadRequest:
		return ErrBadRequest
	case e.Code == http.StatusUnauthorized:
		return ErrUnauthorized
	case e.Code == http.StatusConflict:
		return ErrConflict
	case e.Code >= 500:
		return ErrTemporary
	}
	return nil
}

// chatGone reports whether a 400 description says the chat is unreachable.
// Telegram signals these only in the text (it even answers some blocks with
// 400 USER_IS_BLOCKED instead of 403), so matching it here, in one place, is
// the lesser evil.
func chatGone(description string) bool {
	d := strings.ToLower(description)
	for _, s := range []string{"chat not found", "user_is_blocked", "user is deactivated", "peer_id_invalid"} {
		if strings.Contains(d, s) {
			return true
		}
	}
	return false
}

// RetryAfterError says to retry no sooner than After: Telegram answered 429
// with parameters.retry_after, or the bot is paused (by an earlier 429,
// possibly seen by another instance) or rate limited for longer than the
// client was allowed to wait.
type RetryAfterError struct {
	Method      string
	After       time.Duration
	Description string
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("telegram: %s: %s (retry after %s)", e.Method, e.Description, e.After)
}

// temporaryError is a failed round trip or an answer that is not the Bot
// API's. Its text is scrubbed of the token; it unwraps to
// context.DeadlineExceeded when a deadline caused it.
type temporaryError struct {
	method string
	msg    string
	cause  error
	// unsent is set when the request certainly never reached the server.
	unsent bool
}

func (e *temporaryError) Error() string {
	return fmt.Sprintf("telegram: %s: %s", e.method, e.msg)
}

func (e *temporaryError) Is(target error) bool { return target == ErrTemporary }
func (e *temporaryError) Unwrap() error        { return e.cause }

// Retryable reports whether the failed call may succeed if repeated, and the
// least delay before repeating it (zero: the caller's own backoff). A
// cancelled context is not retryable.
func Retryable(err error) (bool, time.Duration) {
	var ra *RetryAfterError
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return false, 0
	case errors.As(err, &ra):
		return true, ra.After
	case errors.Is(err, ErrTemporary):
		return true, 0
	}
	return false, 0
}

// Undelivered reports whether a failed send certainly did not deliver its
// message: Telegram answered with an error (429 included), or the request
// never left (refused by a local check, or the connection to Telegram
// could not be made). For any other failure (a timeout or a broken
// connection after the request was written, an answer that is not the Bot
// API's) the message may have been delivered: a sender that must not send
// twice treats it as delivered. Errors of the wait for a send's turn, and
// of a WithTurn hook, are the caller's to know.
func Undelivered(err error) bool {
	var api *APIError
	var ra *RetryAfterError
	var te *temporaryError
	switch {
	case err == nil:
		return false
	case errors.As(err, &api), errors.As(err, &ra):
		return true
	case errors.As(err, &te):
		return te.unsent
	}
	// Refused by a local check before any request.
	return errors.Is(err, ErrBadRequest)
}

// outcome names the class of a call's result, for metrics and logs.
func outcome(err error) string {
	var ra *RetryAfterError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ra):
		return "retry_after"
	case errors.Is(err, ErrBlocked):
		return "blocked"
	case errors.Is(err, ErrUnauthorized):
		return "unauthorized"
	case errors.Is(err, ErrBadRequest):
		return "bad_request"
	case errors.Is(err, ErrConflict):
		return "conflict"
	case errors.Is(err, ErrTemporary):
		return "temporary"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "error"
}
