package paradise

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// decodeObject decodes body as one JSON object, numbers kept as json.Number
// so amounts convert exactly.
func decodeObject(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %w", gateway.ErrMalformed, err)
	}
	if m == nil {
		return nil, fmt.Errorf("%w: null payload", gateway.ErrMalformed)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the JSON object", gateway.ErrMalformed)
	}
	return m, nil
}

// text returns the first of keys present with a non-null value, as a string;
// ids may come as numbers. Objects, arrays and booleans are malformed.
func text(m map[string]any, keys ...string) (string, error) {
	for _, k := range keys {
		switch v := m[k].(type) {
		case nil:
			continue
		case string:
			if s := strings.TrimSpace(v); s != "" {
				return s, nil
			}
		case json.Number:
			return v.String(), nil
		default:
			return "", fmt.Errorf("%w: field %q has type %T", gateway.ErrMalformed, k, v)
		}
	}
	return "", nil
}

// timeField parses the first RFC 3339 time among keys; a bad time is not
// worth refusing a notification over, so it is skipped.
func timeField(m map[string]any, keys ...string) *time.Time {
	for _, k := range keys {
		if s, ok := m[k].(string); ok {
			if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
				return &t
			}
		}
	}
	return nil
}

// errorSignal reports whether a 2xx answer nonetheless says the request
// failed, with the provider's message for the error.
func errorSignal(raw []byte) (string, bool) {
	m, err := decodeObject(raw)
	if err != nil {
		return "", false
	}
	bad := false
	switch v := m["error"].(type) {
	case nil:
	case bool:
		bad = v
	case string:
		bad = strings.TrimSpace(v) != ""
	default:
		bad = true
	}
	switch v := m["errors"].(type) {
	case []any:
		bad = bad || len(v) > 0
	case map[string]any:
		bad = bad || len(v) > 0
	case string:
		bad = bad || v != ""
	}
	if v, ok := m["success"].(bool); ok && !v {
		bad = true
	}
	if s, ok := m["status"].(string); ok {
		switch strings.ToLower(s) {
		case "error", "fail", "failed", "failure":
			bad = true
		}
	}
	if !bad {
		return "", false
	}
	msg, _ := text(m, "message", "error", "msg")
	return truncate(msg, 200), true
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
