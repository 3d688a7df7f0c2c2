package aguiapags

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// decodeObject decodes body as exactly one JSON object, keeping numbers as
// json.Number so amounts convert exactly.
func decodeObject(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("JSON null, not an object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return m, nil
}

// object returns m[key] when it is a JSON object, else nil (reading a nil
// map is safe, so callers can chain without checks).
func object(m map[string]any, key string) map[string]any {
	v, _ := m[key].(map[string]any)
	return v
}

// text returns m[key] as a trimmed string when it is a string or a number
// (some providers send numeric ids), else "".
func text(m map[string]any, key string) string {
	switch v := m[key].(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	}
	return ""
}

// firstText returns the first non-empty text(m, key).
func firstText(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s := text(m, k); s != "" {
			return s
		}
	}
	return ""
}

// truncate cuts s to at most n runes, as the provider's field limits count
// characters, and never splits a UTF-8 sequence.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
