package aguiapags

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// recorded is one request the fake provider received.
type recorded struct {
	Method, Path, RawPath, Query string
	Header                       http.Header
	Body                         []byte
}

// fake is a provider stand-in that answers every request with one canned
// response and records what it got.
type fake struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newFake(t *testing.T, status int, body string) *fake {
	t.Helper()
	f := &fake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{r.Method, r.URL.Path, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), b})
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(f.Close)
	return f
}

// only returns the single request the fake received.
func (f *fake) only(t *testing.T) recorded {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) != 1 {
		t.Fatalf("fake provider got %d requests, want 1", len(f.reqs))
	}
	return f.reqs[0]
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

const testKey = "agp_live_k3yValue"

func testCreds() gateway.Credentials {
	return gateway.Credentials{"api_key": testKey}
}

// newClient builds a client against base, with a trailing slash to check
// that it is trimmed.
func newClient(t *testing.T, base string, hc *http.Client) gateway.Gateway {
	t.Helper()
	c, err := Driver.New(gateway.Config{BaseURL: base + "/", Credentials: testCreds(), HTTPClient: hc})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

// decodeAny decodes JSON keeping numbers textual, so 19.9 and 19.90 or 1990
// and 1990.0 compare as different.
func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return v
}

func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	if g, w := decodeAny(t, got), decodeAny(t, []byte(want)); !reflect.DeepEqual(g, w) {
		t.Errorf("body mismatch\n got: %s\nwant: %s", got, want)
	}
}

// assertAuth checks the x-api-key header and that nothing else carries the key.
func assertAuth(t *testing.T, r recorded) {
	t.Helper()
	if got := r.Header.Values("X-Api-Key"); len(got) != 1 || got[0] != testKey {
		t.Errorf("x-api-key = %q", got)
	}
	if got := r.Header.Get("Authorization"); got != "" {
		t.Errorf("unexpected Authorization %q", got)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q", got)
	}
}
