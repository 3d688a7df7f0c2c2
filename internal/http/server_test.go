package http

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/prometheus/client_golang/prometheus"
)

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	tests := []struct {
		name, remote, xff string
		trusted           []netip.Prefix
		want              string
	}{
		{"direct client, header ignored", "203.0.113.9:5555", "1.2.3.4", trusted, "203.0.113.9"},
		{"no trusted proxies configured", "127.0.0.1:5555", "1.2.3.4", nil, "127.0.0.1"},
		{"one trusted proxy", "127.0.0.1:5555", "198.51.100.7", trusted, "198.51.100.7"},
		{"chain of trusted proxies", "10.1.1.1:80", "198.51.100.7, 10.2.2.2, 10.3.3.3", trusted, "198.51.100.7"},
		{"spoofed left entries are ignored", "127.0.0.1:80", "6.6.6.6, 198.51.100.7", trusted, "198.51.100.7"},
		{"garbage hop stops the walk", "127.0.0.1:80", "198.51.100.7, garbage", trusted, "127.0.0.1"},
		{"ipv6 peer", "[2001:db8::1]:443", "", trusted, "2001:db8::1"},
		{"ipv4-mapped peer", "[::ffff:127.0.0.1]:80", "198.51.100.7", trusted, "198.51.100.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := ClientIP(r, tt.trusted); got != tt.want {
				t.Fatalf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

// sentryTransport records the events the SDK would send.
type sentryTransport struct {
	mu     sync.Mutex
	events []*sentry.Event
}

func (s *sentryTransport) Configure(sentry.ClientOptions)        {}
func (s *sentryTransport) Flush(time.Duration) bool              { return true }
func (s *sentryTransport) FlushWithContext(context.Context) bool { return true }
func (s *sentryTransport) Close()                                {}
func (s *sentryTransport) SendEvent(e *sentry.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
}

func newTestServer(t *testing.T, sentryOn bool, checks []Check, mount func(*http.ServeMux)) (*Server, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := New(Config{Logger: logger, Registry: prometheus.NewRegistry(), Sentry: sentryOn, Checks: checks},
		func(mux *http.ServeMux, _ *http.CrossOriginProtection) { mount(mux) })
	return s, &logs
}

func TestPanicIsRecoveredLoggedAndReported(t *testing.T) {
	tr := &sentryTransport{}
	if err := sentry.Init(sentry.ClientOptions{Dsn: "http://public@127.0.0.1:1/1", Transport: tr}); err != nil {
		t.Fatal(err)
	}
	defer sentry.Init(sentry.ClientOptions{}) //nolint:errcheck // reset the global hub for other tests
	s, logs := newTestServer(t, true, nil, func(mux *http.ServeMux) {
		mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("secret internal detail") })
	})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/boom", nil))
	if rec.Code != 500 {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	body := rec.Body.String()
	if strings.Contains(body, "secret internal detail") || !strings.Contains(body, `"code":"internal"`) {
		t.Fatalf("body leaks or lacks code: %s", body)
	}
	id := rec.Header().Get("X-Request-ID")
	if id == "" || !strings.Contains(body, id) {
		t.Fatalf("request id %q not echoed in body %s", id, body)
	}
	if !strings.Contains(logs.String(), "secret internal detail") || !strings.Contains(logs.String(), `"status":500`) {
		t.Fatalf("panic not logged with detail and status:\n%s", logs.String())
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.events) != 1 || tr.events[0].Tags["request_id"] != id {
		t.Fatalf("sentry events = %d (tags %v), want 1 tagged with the request id", len(tr.events), tr.events)
	}
}

func TestReadyzReportsFailuresWithoutDetail(t *testing.T) {
	checks := []Check{
		{Name: "database", Run: func(context.Context) (string, error) { return "sqlite", nil }},
		{Name: "redis", Run: func(context.Context) (string, error) {
			return "", errors.New("dial tcp 10.9.9.9:6379: connection refused")
		}},
		{Name: "replicas", Optional: true, Run: func(context.Context) (string, error) { return "", errors.New("down") }},
	}
	s, logs := newTestServer(t, false, checks, func(*http.ServeMux) {})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", rec.Code)
	}
	body := rec.Body.String()
	if strings.Contains(body, "10.9.9.9") || !strings.Contains(body, `"redis":{"status":"fail"}`) ||
		!strings.Contains(body, `"database":{"status":"ok","detail":"sqlite"}`) {
		t.Fatalf("readyz body: %s", body)
	}
	if !strings.Contains(logs.String(), "10.9.9.9") {
		t.Fatal("failure detail not logged")
	}

	// Only an optional check failing: still ready.
	s, _ = newTestServer(t, false, []Check{checks[0], checks[2]}, func(*http.ServeMux) {})
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d with only an optional check failing, want 200", rec.Code)
	}
}

func TestShutdownDrainsInFlightRequests(t *testing.T) {
	started := make(chan struct{})
	s, _ := newTestServer(t, false, nil, func(mux *http.ServeMux) {
		mux.HandleFunc("GET /slow", func(w http.ResponseWriter, _ *http.Request) {
			close(started)
			time.Sleep(200 * time.Millisecond)
			_, _ = io.WriteString(w, "done")
		})
	})
	s.srv.Addr = "127.0.0.1:0"
	ln, err := s.Listen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	result := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			result <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		result <- string(b)
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := <-result; got != "done" {
		t.Fatalf("in-flight request got %q, want it completed", got)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("server still accepting after Shutdown")
	}
}
