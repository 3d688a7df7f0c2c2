// Package gatewaytest holds checks every gateway adapter's tests run, so the
// twelve adapters keep one contract.
package gatewaytest

import (
	"errors"
	"net/http"
	"regexp"
	"testing"

	"github.com/grimbots/grimbots/internal/gateway"
)

var kindPattern = regexp.MustCompile(`^[a-z][a-z0-9]{1,31}$`)

// CheckDriver verifies a Driver's static contract: naming, fields, that New
// refuses empty credentials, and that ParseWebhook survives hostile input
// (empty, not JSON, wrong types, deep nesting) with an error, not a panic.
func CheckDriver(t *testing.T, d gateway.Driver) {
	t.Helper()
	if !kindPattern.MatchString(string(d.Kind)) {
		t.Errorf("Kind %q: want lower-case letters and digits", d.Kind)
	}
	if d.Name == "" || d.DefaultBaseURL == "" || d.New == nil || d.ParseWebhook == nil {
		t.Errorf("Driver %s: Name, DefaultBaseURL, New and ParseWebhook are required", d.Kind)
	}
	if d.MinAmountCents < 1 {
		t.Errorf("Driver %s: MinAmountCents must be at least 1", d.Kind)
	}
	seen := map[string]bool{}
	required := 0
	for _, f := range d.Fields {
		if f.Name == "" || f.Label == "" || seen[f.Name] {
			t.Errorf("Driver %s: field %+v: empty or duplicate name/label", d.Kind, f)
		}
		seen[f.Name] = true
		if f.Pattern != "" {
			if _, err := regexp.Compile(f.Pattern); err != nil {
				t.Errorf("Driver %s: field %s: bad pattern: %v", d.Kind, f.Name, err)
			}
		}
		if f.Required {
			required++
		}
	}
	if required > 0 {
		if _, err := d.New(gateway.Config{Credentials: gateway.Credentials{}}); err == nil {
			t.Errorf("Driver %s: New accepted empty credentials", d.Kind)
		}
	}
	for _, body := range [][]byte{nil, []byte(""), []byte("not json"), []byte("[]"), []byte("null"), []byte(`"x"`),
		[]byte(`{}`), []byte(`{"data":null}`), []byte(`{"data":"x"}`), []byte(`{"status":5,"id":{"a":1},"data":[1,2]}`),
		[]byte(`{"amount":"abc","value":[],"transaction":{"id":true}}`), deep(200)} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("Driver %s: ParseWebhook(%q) panicked: %v", d.Kind, body, r)
				}
			}()
			ev, err := d.ParseWebhook(http.Header{}, body)
			if err == nil && (ev == nil || !ev.Status.Valid()) {
				t.Errorf("Driver %s: ParseWebhook(%q) = %+v with no error; want an error or a valid event", d.Kind, body, ev)
			}
			if err != nil && !errors.Is(err, gateway.ErrMalformed) && !errors.Is(err, gateway.ErrIgnored) {
				t.Errorf("Driver %s: ParseWebhook(%q) error %v wraps neither ErrMalformed nor ErrIgnored", d.Kind, body, err)
			}
		}()
	}
}

func deep(n int) []byte {
	b := make([]byte, 0, 2*n+10)
	for range n {
		b = append(b, `{"data":`...)
	}
	b = append(b, `1`...)
	for range n {
		b = append(b, '}')
	}
	return b
}

// FuzzWebhook is the body of every adapter's fuzz target: no input panics,
// and every accepted input yields a valid status.
func FuzzWebhook(f *testing.F, d gateway.Driver, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := d.ParseWebhook(http.Header{}, body)
		if err == nil && (ev == nil || !ev.Status.Valid()) {
			t.Fatalf("accepted %q as %+v", body, ev)
		}
	})
}
