package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path"
	"strings"
	"time"
)

// maxAnswer bounds how much of an answer is read (getUpdates with 100 large
// updates stays far below it).
const maxAnswer = 32 << 20

// transport is the HTTP client handed to the library. It does the round
// trip itself so that failures are classified from the wire (HTTP status,
// error_code, parameters.retry_after) rather than from the library's error
// strings, which lose the code of 5xx answers. Classified errors travel
// through the library inside a carried and are unwrapped by Client.fail.
// Successful answers are handed back untouched for the library to decode.
type transport struct {
	client *http.Client
	scrub  func(string) string
}

// carried wraps an error already classified and scrubbed by the transport.
type carried struct{ err error }

func (c *carried) Error() string { return c.err.Error() }

// Do performs req and returns an error for anything but an ok answer.
func (t *transport) Do(req *http.Request) (*http.Response, error) {
	method := path.Base(req.URL.Path)
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, &carried{t.networkError(req.Context(), method, err)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	_ = resp.Body.Close()
	if err != nil {
		return nil, &carried{t.networkError(req.Context(), method, err)}
	}
	if err := answerError(method, resp.StatusCode, body, t.scrub); err != nil {
		return nil, &carried{err}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func (t *transport) networkError(ctx context.Context, method string, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("telegram: %s: %w", method, context.Canceled)
	}
	var cause error
	if errors.Is(err, context.DeadlineExceeded) {
		cause = context.DeadlineExceeded
	}
	// A failed dial means the request never left: nothing was delivered.
	var op *net.OpError
	unsent := errors.As(err, &op) && op.Op == "dial"
	return &temporaryError{method: method, msg: t.scrub(err.Error()), cause: cause, unsent: unsent}
}

// envelope is the frame of every Bot API answer.
type envelope struct {
	OK          *bool           `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// answerError classifies an answer: nil when ok, *RetryAfterError for 429,
// *APIError for other Bot API errors, and a temporary error when the body is
// not a Bot API answer at all (a proxy's HTML page, a truncated body): that
// says nothing about the chat or the token. Descriptions are scrubbed in
// case something between us and Telegram echoes the request path.
func answerError(method string, status int, body []byte, scrub func(string) string) error {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || env.OK == nil {
		return &temporaryError{method: method, msg: fmt.Sprintf("unexpected answer: HTTP %d", status)}
	}
	if *env.OK {
		return nil
	}
	desc := scrub(env.Description)
	code := env.ErrorCode
	if code == 0 {
		code = status
	}
	if code == http.StatusTooManyRequests {
		return &RetryAfterError{Method: method, After: time.Duration(max(env.Parameters.RetryAfter, 1)) * time.Second, Description: desc}
	}
	return &APIError{Method: method, Code: code, Description: desc}
}

// scrubber returns a function that removes the token, and its secret part
// alone, from a text. The bot id before the colon is public and kept.
func scrubber(token string) func(string) string {
	const redacted = "<token>"
	_, secret, _ := strings.Cut(token, ":")
	r := strings.NewReplacer(token, redacted, secret, redacted)
	return r.Replace
}
