package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultTimeout bounds one call to a provider.
const DefaultTimeout = 15 * time.Second

// maxResponse bounds how much of a provider's answer is read.
const maxResponse = 1 << 20

// APIError is a provider's non-2xx answer. Body is a short excerpt for logs;
// it may contain provider text and must not be shown to buyers.
type APIError struct {
	Status int
	Body   string
	kind   error
}

func (e *APIError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body)
}

// Unwrap classifies the error as ErrInvalidCredentials (401/403),
// ErrNotFound (404), ErrRejected (other 4xx) or ErrUnavailable (5xx).
func (e *APIError) Unwrap() error { return e.kind }

// Request describes one JSON call.
type Request struct {
	Method string
	URL    string
	Header http.Header
	// Body is marshalled as JSON unless it is []byte or nil.
	Body any
}

// Do performs req with client and decodes a 2xx JSON answer into out (which
// may be nil). It returns the raw body too, for adapters that must inspect it.
// Network failures and timeouts wrap ErrUnavailable; a 2xx answer that is not
// JSON wraps ErrUnavailable too (a provider answering an HTML page is down).
func Do(ctx context.Context, client *http.Client, req Request, out any) ([]byte, error) {
	if client == nil {
		client = &http.Client{Timeout: DefaultTimeout}
	}
	var body io.Reader
	switch b := req.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("encoding request: %w", err)
		}
		body = bytes.NewReader(raw)
	}
	if _, ok := ctx.Deadline(); !ok && client.Timeout == 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	if body != nil && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if hr.Header.Get("Accept") == "" {
		hr.Header.Set("Accept", "application/json")
	}
	resp, err := client.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("%w: reading answer: %w", ErrUnavailable, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return raw, &APIError{Status: resp.StatusCode, Body: excerpt(raw), kind: classify(resp.StatusCode)}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return raw, fmt.Errorf("%w: answer is not the expected JSON: %w", ErrUnavailable, err)
		}
	}
	return raw, nil
}

func classify(status int) error {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ErrInvalidCredentials
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusTooManyRequests || status >= 500:
		return ErrUnavailable
	default:
		return ErrRejected
	}
}

func excerpt(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// IsRetryable reports whether trying again (or another gateway) may help.
func IsRetryable(err error) bool { return errors.Is(err, ErrUnavailable) }
