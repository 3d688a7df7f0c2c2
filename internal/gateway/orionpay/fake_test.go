package orionpay

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

const testKey = "opay_live_0123456789abcdef"

// Fixtures from the reference, §5.8.
const (
	fixtureCreated = `{"success": true, "data": {"transactionId": 2531, "id": "019a9383781b759c9be83e9cb2ad91df",
		"pixCode": "00020101021226790014br.gov.bcb.pix2557pix.orion.example/qr/019a9383781b759c9be83e9cb2ad91df5204000053039865406019.905802BR5905ORION6009SAO PAULO62070503***6304ABCD",
		"qrCode": "https://payapi.orion.example/qr/019a9383781b759c9be83e9cb2ad91df.png",
		"amount": 19.9, "description": "Curso X", "expiresAt": "2025-11-20T21:30:59.063Z", "status": "created"}}`
	fixtureStatus  = `{"success": true, "data": {"id": "2531", "status": "paid", "amount": 19.9, "pixCode": "000201...6304ABCD", "qrCode": "https://...png", "expiresAt": "2025-11-20T21:30:59Z"}}`
	fixtureWebhook = `{"event": "payment.success", "productId": null, "productTitle": "Curso X", "webhookName": "GRIM",
		"timestamp": "2025-11-20T20:45:10.000Z",
		"data": {"purchaseId": 999, "transactionId": "2531", "productId": null, "pixCode": "000201...6304ABCD",
			"buyerEmail": "comprador@example.com", "buyerName": "FULANO DE TAL", "accessToken": "acc_fake_123",
			"price": 19.9, "netAmount": 18.5, "platformFee": 1.4, "distributions": []}}`
	fixtureTest = `{"event": "webhook.test", "webhookName": "GRIM", "timestamp": "2025-11-20T20:00:00Z", "data": {}}`
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
	c := map[string]string{"api_key": testKey}
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
	if got := c.Header.Get("X-API-Key"); got != testKey {
		t.Errorf("%s %s: X-API-Key %q", c.Method, c.Path, got)
	}
	if c.Header.Get("Authorization") != "" || len(c.Query) != 0 {
		t.Errorf("%s %s: unexpected Authorization or query %v", c.Method, c.Path, c.Query)
	}
	if got := c.Header.Get("Accept"); got != "application/json" {
		t.Errorf("%s %s: Accept %q", c.Method, c.Path, got)
	}
	if len(c.Body) > 0 && c.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s %s: Content-Type %q", c.Method, c.Path, c.Header.Get("Content-Type"))
	}
}
