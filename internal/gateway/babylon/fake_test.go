package babylon

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// Credentials and their Basic value: base64("sk_live_abcdef123456:cmp_98765").
const (
	testKey     = "sk_live_abcdef123456"
	testCompany = "cmp_98765"
	testAuth    = "Basic c2tfbGl2ZV9hYmNkZWYxMjM0NTY6Y21wXzk4NzY1"
)

// Fixtures from the reference, §5.9.
const (
	fixtureCreated = `{"id": "28a65292-6c74-4368-924d-f52a653706be", "status": "waiting_payment", "amount": 1990, "paymentMethod": "PIX",
		"customer": {"name": "FULANO DE TAL", "email": "cliente@email.com", "phone": "11987654321", "document": {"number": "12345678909", "type": "CPF"}},
		"items": [{"title": "Curso X", "unitPrice": 1990, "quantity": 1, "externalRef": "BOT12_1730000000_a1b2c3d4"}],
		"pix": {"qrcode": "00020101021226810014br.gov.bcb.pix2559pix.babylon.example/qr/28a652926c744368924df52a653706be5204000053039865406019.905802BR5907BABYLON6009SAO PAULO62070503***6304ABCD",
			"expirationDate": "2025-11-21T16:19:43-03:00", "end2EndId": null}}`
	fixtureRefused = `{"id": "5d1e2f3a-0000-4000-8000-000000000001", "status": "refused", "amount": 1990, "refusedReason": {"acquirerCode": "51", "description": "Transação recusada", "antifraud": true}}`
	fixtureWebhook = `{"id": "F92XRTVSGB2B", "type": "transaction", "objectId": "28a65292-6c74-4368-924d-f52a653706be",
		"data": {"id": "28a65292-6c74-4368-924d-f52a653706be", "amount": 1990, "status": "paid",
			"pix": {"end2EndId": "E12345678202511201705abcdef12345"},
			"customer": {"name": "FULANO DE TAL", "document": "12345678909"}, "paidAt": "2025-11-20T17:05:43-03:00"}}`
	fixtureEnvelope  = `{"event": "transaction.completed", "timestamp": "2025-11-20T20:05:43.373Z", "transaction": {"id": "28a65292-6c74-4368-924d-f52a653706be", "amount": 1990, "status": "paid", "pix": {"end_to_end_id": "E12345678202511201705abcdef12345"}, "paid_at": "2025-11-20T20:05:43"}}`
	fixtureHTMLLogin = `<!DOCTYPE html><html><head><title>Banco Babylon - Login</title></head><body><form action="/login"></form></body></html>`
)

type call struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Body         []byte
}

type reply struct {
	status int
	body   string
	delay  time.Duration
}

type fake struct {
	*httptest.Server
	mu     sync.Mutex
	calls  []call
	routes map[string]reply
}

func newFake(t *testing.T, routes map[string]reply) *fake {
	f := &fake{routes: routes}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.calls = append(f.calls, call{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
		rep, ok := f.routes[r.Method+" "+r.URL.Path]
		f.mu.Unlock()
		if !ok {
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			w.WriteHeader(http.StatusTeapot)
			return
		}
		if rep.delay > 0 {
			select {
			case <-time.After(rep.delay):
			case <-r.Context().Done():
				return
			}
		}
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) Calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

func (f *fake) client(t *testing.T, creds map[string]string, timeout time.Duration) gateway.Gateway {
	t.Helper()
	c := map[string]string{"api_key": testKey, "company_id": testCompany}
	for k, v := range creds {
		c[k] = v
	}
	g, err := New(gateway.Config{BaseURL: f.URL + "/", Credentials: c, HTTPClient: &http.Client{Timeout: timeout}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

func assertJSON(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	g, err1 := decode(got)
	w, err2 := decode([]byte(want))
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: decoding: %v / %v (got %s)", what, err1, err2, got)
	}
	if !reflect.DeepEqual(g, w) {
		var b bytes.Buffer
		_ = json.Compact(&b, []byte(want))
		t.Errorf("%s:\n got %s\nwant %s", what, got, b.String())
	}
}

// assertAuth checks the headers every call carries and that nothing else
// (no query string) is sent.
func assertAuth(t *testing.T, c call) {
	t.Helper()
	if got := c.Header.Get("Authorization"); got != testAuth {
		t.Errorf("%s %s: Authorization %q", c.Method, c.Path, got)
	}
	if len(c.Query) != 0 {
		t.Errorf("%s %s: unexpected query %v", c.Method, c.Path, c.Query)
	}
	if got := c.Header.Get("Accept"); got != "application/json" {
		t.Errorf("%s %s: Accept %q", c.Method, c.Path, got)
	}
	if len(c.Body) > 0 && c.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s %s: Content-Type %q", c.Method, c.Path, c.Header.Get("Content-Type"))
	}
}
