package apptest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Client is one "browser": a cookie jar plus headers sent with every request.
// Its methods fail the test on transport errors, so use a Client from the
// test's goroutine.
type Client struct {
	t    testing.TB
	base *url.URL
	http *http.Client
	// Header is sent with every request (before per-request headers).
	Header http.Header
}

// Raw is a request body sent as is, with Content-Type application/json.
type Raw string

// Do sends a request and reads the whole answer. body is nil (no body), a
// Raw or []byte (sent as is), or any value (encoded as JSON). headers are
// name, value pairs.
func (c *Client) Do(method, path string, body any, headers ...string) *Response {
	c.t.Helper()
	if len(headers)%2 != 0 {
		c.t.Fatalf("apptest: Do(%s %s): headers must be name, value pairs", method, path)
	}
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case Raw:
		r = strings.NewReader(string(b))
	case []byte:
		r = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			c.t.Fatalf("apptest: encoding body of %s %s: %v", method, path, err)
		}
		r = bytes.NewReader(enc)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base.String()+path, r)
	if err != nil {
		c.t.Fatalf("apptest: %s %s: %v", method, path, err)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range c.Header {
		req.Header[k] = slices.Clone(vs)
	}
	for i := 0; i < len(headers); i += 2 {
		if strings.EqualFold(headers[i], "Host") {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("apptest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("apptest: reading answer of %s %s: %v", method, path, err)
	}
	res := &Response{Method: method, Path: path, Status: resp.StatusCode, Header: resp.Header, Body: raw,
		Cookies: resp.Cookies()}
	if len(raw) > 0 && raw[0] == '{' {
		_ = json.Unmarshal(raw, &res.JSON)
	}
	return res
}

// Session returns the session cookie value the browser holds, or "".
func (c *Client) Session() string {
	for _, ck := range c.http.Jar.Cookies(c.base) {
		if ck.Name == SessionCookie {
			return ck.Value
		}
	}
	return ""
}

// SetSession puts a session cookie value in the browser.
func (c *Client) SetSession(value string) {
	// The test server speaks plain HTTP: a Secure cookie would never be sent.
	c.http.Jar.SetCookies(c.base, []*http.Cookie{{Name: SessionCookie, Value: value, Path: "/", //nolint:gosec // see above
		HttpOnly: true, SameSite: http.SameSiteLaxMode}})
}

// Response is an answer, read in full.
type Response struct {
	Method, Path string
	Status       int
	Header       http.Header
	Body         []byte
	// JSON is the decoded body when it is a JSON object, else nil.
	JSON map[string]any
	// Cookies are the cookies set by the answer.
	Cookies []*http.Cookie
}

// String describes the answer for failure messages.
func (r *Response) String() string {
	body := string(r.Body)
	if len(body) > 2000 {
		body = body[:2000] + "…"
	}
	return r.Method + " " + r.Path + " → " + strconv.Itoa(r.Status) + " " + body
}

// RequireStatus fails the test unless the answer has status want.
func (r *Response) RequireStatus(t testing.TB, want int) *Response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("want status %d: %s", want, r)
	}
	return r
}

// Get returns the value at a dotted path into the JSON body: "user.email",
// "sessions.0.id". Missing values are nil.
func (r *Response) Get(path string) any {
	var v any = r.JSON
	if path == "" {
		return v
	}
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// Str returns the string at path, or "".
func (r *Response) Str(path string) string {
	s, _ := r.Get(path).(string)
	return s
}

// Int returns the number at path, or 0.
func (r *Response) Int(path string) int64 {
	f, _ := r.Get(path).(float64)
	return int64(f)
}

// Bool returns the boolean at path, or false.
func (r *Response) Bool(path string) bool {
	b, _ := r.Get(path).(bool)
	return b
}

// List returns the array at path, or nil.
func (r *Response) List(path string) []any {
	l, _ := r.Get(path).([]any)
	return l
}

// FieldError is one entry of a problem's errors list.
type FieldError struct {
	Location string
	Message  string
}

// FieldErrors returns the problem's field-level errors.
func (r *Response) FieldErrors() []FieldError {
	var out []FieldError
	for _, e := range r.List("errors") {
		m, _ := e.(map[string]any)
		loc, _ := m["location"].(string)
		msg, _ := m["message"].(string)
		out = append(out, FieldError{Location: loc, Message: msg})
	}
	return out
}

// HasFieldError reports whether an error names location (exactly).
func (r *Response) HasFieldError(location string) bool {
	for _, e := range r.FieldErrors() {
		if e.Location == location {
			return true
		}
	}
	return false
}

// Cookie returns the cookie named name set by the answer, or nil.
func (r *Response) Cookie(name string) *http.Cookie {
	for _, c := range r.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}
