package wiinpay

import (
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

// Fixtures from gateways.md §5.5.
const (
	fixtureCreate = `{
  "id": "6650f1e2a3b4c5d6e7f80912",
  "pix_code": "00020101021226810014br.gov.bcb.pix2559pix.wiinpay.example/qr/6650f1e2a3b4c5d6e7f809125204000053039865406019.905802BR5907WIINPAY6009SAO PAULO62070503***6304ABCD",
  "qr_code_url": "https://api-v2.wiinpay.example/qr/6650f1e2a3b4c5d6e7f80912.png",
  "qr_code_base64": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "status": "pending",
  "value": 19.9,
  "expires_at": "2025-11-20T23:59:59Z"
}`
	fixtureCreateWrapped = `{"data": {"paymentId": "6650f1e2a3b4c5d6e7f80912", "qr_code": "000201...6304ABCD", "status": "pending"}}`
	fixtureWebhook       = `{
  "id": "6650f1e2a3b4c5d6e7f80912",
  "status": "paid",
  "value": 19.9,
  "payer_name": "FULANO DE TAL",
  "payer_document": "12345678909",
  "metadata": {"payment_id": "BOT12_1730000000_a1b2c3d4", "platform": "grimbots"}
}`

	testKey   = "wp_live_0123456789abcdef"
	paymentID = "6650f1e2a3b4c5d6e7f80912"
	ourRef    = "BOT12_1730000000_a1b2c3d4"
	hookURL   = "https://app.example/webhooks/wiinpay/tok"
)

// seenRequest is one request the fake server received.
type seenRequest struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// fake is an httptest server answering with a canned status and body (or a
// handler), recording every request.
type fake struct {
	*httptest.Server
	mu   sync.Mutex
	seen []seenRequest
}

func newFake(t *testing.T, status int, body string) *fake {
	return newFakeFunc(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
}

func newFakeFunc(t *testing.T, h http.HandlerFunc) *fake {
	t.Helper()
	f := &fake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.seen = append(f.seen, seenRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: b})
		f.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

// only returns the single request the server saw, failing otherwise.
func (f *fake) only(t *testing.T) seenRequest {
	t.Helper()
	got := f.requests()
	if len(got) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(got))
	}
	return got[0]
}

// sellerCreds are credentials with the seller's own default payer.
func sellerCreds() gateway.Credentials {
	return gateway.Credentials{"api_key": testKey, "payer_name": "Loja Exemplo", "payer_email": "financeiro@lojaexemplo.com.br"}
}

func newClient(t *testing.T, baseURL string, creds gateway.Credentials, timeout time.Duration) gateway.Gateway {
	t.Helper()
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	g, err := New(gateway.Config{BaseURL: baseURL, Credentials: creds, HTTPClient: &http.Client{Timeout: timeout}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

// assertJSON compares a request body with want structurally (numbers by value).
func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request body is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("request body\n got: %s\nwant: %s", got, want)
	}
}
