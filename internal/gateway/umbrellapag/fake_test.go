package umbrellapag

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

// Fixtures from gateways.md §5.7.
const (
	fixtureCreate = `{
  "status": 201,
  "message": "Transação criada com sucesso",
  "data": {
    "id": "c2f1a9e4-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
    "status": "WAITING_PAYMENT",
    "amount": 1990,
    "paymentMethod": "PIX",
    "externalRef": "BOT12_1730000000_a1b2c3d4",
    "pix": {
      "qrCode": "00020101021226850014br.gov.bcb.pix2563pix.umbrellapag.example/qr/c2f1a9e45b6d4e7f8a9b0c1d2e3f4a5b5204000053039865406019.905802BR5908UMBRELLA6009SAO PAULO62070503***6304ABCD",
      "qrCodeUrl": "https://api-gateway.umbrellapag.example/qr/c2f1a9e4.png",
      "expirationDate": "2025-11-23"
    }
  }
}`
	fixtureRefusal = `{"message": "Transação recusada", "error": {"provider": "PluggouV2", "refusedReason": "invalid customer document"}}`
	fixtureStatus  = `{"data": {"id": "c2f1a9e4-5b6d-4e7f-8a9b-0c1d2e3f4a5b", "status": "PAID", "amount": 1990, "metadata": "{\"payment_id\": \"BOT12_1730000000_a1b2c3d4\", \"description\": \"Curso X\"}"}}`
	fixtureWebhook = `{
  "id": "evt_8c7b6a5d",
  "type": "transaction",
  "objectId": "c2f1a9e4-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
  "data": {
    "id": "c2f1a9e4-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
    "status": "paid",
    "amount": 1990,
    "endToEndId": "E00416968202511201705abcdef123456",
    "paidAt": "2025-11-20T17:05:33-03:00",
    "metadata": "{\"payment_id\": \"BOT12_1730000000_a1b2c3d4\", \"description\": \"Curso X\"}",
    "customer": {"name": "FULANO DE TAL", "document": {"number": "12345678909", "type": "CPF"}}
  }
}`

	testKey = "84f2022f-0000-4d63-a727-000000000000"
	txID    = "c2f1a9e4-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
	ourRef  = "BOT12_1730000000_a1b2c3d4"
	hookURL = "https://app.example/webhooks/umbrellapag/tok"
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

// sellerCreds are credentials with the seller's own payer and address.
func sellerCreds() gateway.Credentials {
	return gateway.Credentials{
		"api_key": testKey, "payer_name": "Loja Exemplo LTDA", "payer_document": "11.222.333/0001-81",
		"payer_email": "financeiro@lojaexemplo.com.br", "payer_phone": "(11) 98765-4321",
		"payer_zip_code": "01010-000", "payer_street": "Rua São Bento", "payer_street_number": "100",
		"payer_complement": "Sala 5", "payer_neighborhood": "Centro Histórico", "payer_city": "São Paulo", "payer_state": "sp",
	}
}

// sellerAddress is sellerCreds' address as UmbrellaPag must receive it.
const sellerAddress = `{"street":"Rua Sao Bento","streetNumber":"100","complement":"Sala 5","zipCode":"01010000",
	"neighborhood":"Centro Historico","city":"Sao Paulo","state":"SP","country":"BR"}`

func newClient(t *testing.T, baseURL string, creds gateway.Credentials, timeout time.Duration) gateway.Gateway {
	t.Helper()
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	g, err := New(gateway.Config{BaseURL: baseURL, Credentials: creds, HTTPClient: &http.Client{Timeout: timeout}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	g.(*Client).backoff = []time.Duration{time.Millisecond, 2 * time.Millisecond}
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
