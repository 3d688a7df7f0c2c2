package hoopay

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

// Fixtures from gateways.md §5.4.
const (
	fixtureCreate = `{
  "orderUUID": "0c9d6f1e-6d1a-4f0b-9a55-3b1f2f1c7a10",
  "payment": {
    "status": "pending",
    "charges": [
      {
        "uuid": "7e1b2c3d-1111-4222-8333-944455556666",
        "type": "pix",
        "amount": 19.9,
        "status": "pending",
        "pixPayload": "00020101021226800014br.gov.bcb.pix2558pix.hoopay.example/qr/0c9d6f1e6d1a4f0b9a553b1f2f1c7a105204000053039865406019.905802BR5906HOOPAY6009SAO PAULO62070503***6304ABCD",
        "pixQrCode": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
      }
    ]
  }
}`
	fixtureWebhook = `{"orderUUID": "0c9d6f1e-6d1a-4f0b-9a55-3b1f2f1c7a10", "payment": {"status": "paid", "charges": [{"amount": 19.9, "status": "paid"}]}}`

	testKey   = "hp_test_token_0123456789abcdef"
	testOrgID = "5b0c7f8e-2a3d-4c1b-9e8f-7a6b5c4d3e2f"
	orderUUID = "0c9d6f1e-6d1a-4f0b-9a55-3b1f2f1c7a10"
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

// sellerCreds are credentials with a complete default payer (the seller's own).
func sellerCreds() gateway.Credentials {
	return gateway.Credentials{
		"api_key": testKey, "organization_id": testOrgID,
		"payer_name": "Loja Exemplo LTDA", "payer_document": "11.222.333/0001-81",
		"payer_email": "financeiro@lojaexemplo.com.br", "payer_phone": "(11) 98765-4321",
	}
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
