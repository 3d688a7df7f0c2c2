package atomopay

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
)

func configFor(base string, creds map[string]string, timeout time.Duration) gateway.Config {
	return gateway.Config{BaseURL: base, Credentials: creds, HTTPClient: &http.Client{Timeout: timeout}}
}

var buyer = &gateway.Payer{Name: "João  da Silva 3º", Email: "joao@example.com", Phone: "(11) 98765-4321", Document: "123.456.789-09"}

func chargeReq(cents int64) gateway.ChargeRequest {
	return gateway.ChargeRequest{Reference: "ref_9f8e7d6c5b4a", AmountCents: cents, Description: "Curso X",
		Payer: buyer, WebhookURL: "https://app.example/webhook/payment/atomopay/tok123"}
}

func TestDriver(t *testing.T) {
	gatewaytest.CheckDriver(t, Driver)
	if Driver.SupportsRefund || Driver.SupportsSplit || !Driver.HasStatusAPI || Driver.VerifyWebhook != nil {
		t.Errorf("capabilities: %+v", Driver)
	}
}

func TestNewValidates(t *testing.T) {
	for name, creds := range map[string]gateway.Credentials{
		"empty":        {},
		"blank token":  {"api_token": "  "},
		"spaced token": {"api_token": "abc def"},
		"bad CPF":      {"api_token": "abc", "payer_document": "12345678900"},
	} {
		if _, err := New(gateway.Config{Credentials: creds}); !errors.Is(err, gateway.ErrInvalidCredentials) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	g, err := New(gateway.Config{Credentials: gateway.Credentials{"api_token": "abc"}})
	if err != nil || g.(*Client).base != DefaultBaseURL {
		t.Fatalf("defaults: %v %+v", err, g)
	}
}

// TestCreateCharge asserts the exact calls for an offer that exists (R$ 19,90)
// and offers that must be created (R$ 19,99 and R$ 1.000,00).
func TestCreateCharge(t *testing.T) {
	for _, tc := range []struct {
		cents      int64
		reais      string
		offer      string
		offerReply string
	}{
		{1990, "19.90", "ofr_19c0de", ""},
		{1999, "19.99", "ofr_29d1ef", fixtureOffer},
		{100000, "1000.00", "ofr_29d1ef", fixtureOffer},
	} {
		t.Run(tc.reais, func(t *testing.T) {
			routes := map[string]reply{
				"GET /products/prd_7f3a9c": {200, fixtureProduct, 0},
				"POST /transactions":       {201, fixtureCreated, 0},
			}
			if tc.offerReply != "" {
				routes["POST /products/prd_7f3a9c/offers"] = reply{201, tc.offerReply, 0}
			}
			f := newFake(t, routes)
			ch, err := f.client(t, map[string]string{"product_hash": "prd_7f3a9c"}).CreateCharge(context.Background(), chargeReq(tc.cents))
			if err != nil {
				t.Fatal(err)
			}
			want := gateway.Charge{TransactionID: "trx_5e8c1a2b3c", Hash: "987654", Status: gateway.StatusPending,
				PixCode:     "00020101021226820014br.gov.bcb.pix2560pix.atomopay.example/qr/trx5e8c1a2b3c5204000053039865406019.905802BR5905ATOMO6009SAO PAULO62070503***6304ABCD",
				QRCodeImage: "https://pay.atomopay.example/pix/trx_5e8c1a2b3c.png"}
			if *ch != want {
				t.Errorf("charge %+v\nwant %+v", *ch, want)
			}
			calls := f.Calls()
			paths := []string{"GET /products/prd_7f3a9c"}
			if tc.offerReply != "" {
				paths = append(paths, "POST /products/prd_7f3a9c/offers")
			}
			paths = append(paths, "POST /transactions")
			if len(calls) != len(paths) {
				t.Fatalf("%d calls, want %v", len(calls), paths)
			}
			for i, c := range calls {
				if c.Method+" "+c.Path != paths[i] {
					t.Errorf("call %d: %s %s, want %s", i, c.Method, c.Path, paths[i])
				}
				assertAuth(t, c, nil)
			}
			if tc.offerReply != "" {
				assertJSON(t, "offer body", calls[1].Body, `{"title": "Oferta R$ `+tc.reais+`", "price": `+itoa(tc.cents)+`}`)
			}
			assertJSON(t, "transaction body", calls[len(calls)-1].Body, `{
				"amount": `+itoa(tc.cents)+`, "payment_method": "pix",
				"customer": {"name": "Joao da Silva", "email": "joao@example.com", "phone_number": "11987654321", "document": "12345678909"},
				"postback_url": "https://app.example/webhook/payment/atomopay/tok123", "transaction_origin": "api",
				"description": "Curso X", "reference": "ref_9f8e7d6c5b4a", "installments": 1, "offer_hash": "`+tc.offer+`",
				"cart": [{"title": "Curso X", "price": `+itoa(tc.cents)+`, "quantity": 1, "operation_type": 1, "tangible": false,
					"product_hash": "prd_7f3a9c", "offer_hash": "`+tc.offer+`"}]}`)
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestCreateChargeCreatesProduct covers a seller without a product: one is
// created, kept on the client and offered for persistence; a fresh product
// needs no offer lookup; the next sale reuses it.
func TestCreateChargeCreatesProduct(t *testing.T) {
	f := newFake(t, map[string]reply{
		"POST /products":                   {201, fixtureNewProd, 0},
		"GET /products/prd_7f3a9c":         {200, fixtureProduct, 0},
		"POST /products/prd_7f3a9c/offers": {201, fixtureOffer, 0},
		"POST /transactions":               {201, fixtureCreated, 0},
	})
	c := f.client(t, map[string]string{"payer_name": "Loja da Maria", "payer_email": "maria@example.com", "payer_phone": "21999998888"})
	if c.ProductHash() != "" || c.CredentialUpdates() != nil {
		t.Fatal("product before the first sale")
	}
	req := chargeReq(1990)
	req.Payer = nil // the seller's default payer is used, without a CPF
	if _, err := c.CreateCharge(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	calls := f.Calls()
	if len(calls) != 3 || calls[0].Path != "/products" || calls[1].Path != "/products/prd_7f3a9c/offers" {
		t.Fatalf("calls %+v", calls)
	}
	assertJSON(t, "product body", calls[0].Body, `{"title": "Curso X", "description": "Curso X", "tangible": false}`)
	assertJSON(t, "customer", []byte(`{"c":`+string(jsonField(t, calls[2].Body, "customer"))+`}`),
		`{"c": {"name": "Loja da Maria", "email": "maria@example.com", "phone_number": "21999998888"}}`)
	if c.ProductHash() != "prd_7f3a9c" || c.CredentialUpdates()["product_hash"] != "prd_7f3a9c" {
		t.Errorf("product hash %q, updates %v", c.ProductHash(), c.CredentialUpdates())
	}
	if _, err := c.CreateCharge(context.Background(), chargeReq(1990)); err != nil {
		t.Fatal(err)
	}
	if calls = f.Calls()[3:]; len(calls) != 2 || calls[0].Path != "/products/prd_7f3a9c" || calls[1].Path != "/transactions" {
		t.Errorf("second sale calls %+v", calls)
	}
}

func TestConcurrentFirstSalesCreateOneProduct(t *testing.T) {
	f := newFake(t, map[string]reply{
		"POST /products":                   {201, fixtureNewProd, 20 * time.Millisecond},
		"GET /products/prd_7f3a9c":         {200, fixtureProduct, 0},
		"POST /products/prd_7f3a9c/offers": {201, fixtureOffer, 0},
		"POST /transactions":               {201, fixtureCreated, 0},
	})
	c := f.client(t, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.CreateCharge(context.Background(), chargeReq(1990)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	n := 0
	for _, c := range f.Calls() {
		if c.Method == "POST" && c.Path == "/products" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d products created, want 1", n)
	}
}

func TestChargeStatus(t *testing.T) {
	f := newFake(t, map[string]reply{
		"GET /transactions/trx_5e8c1a2b3c": {200, fixtureStatus, 0},
		"GET /transactions/trx_unknown":    {404, `{"success": false, "message": "not found"}`, 0},
		"GET /transactions/trx_odd":        {200, `{"success": false}`, 0},
	})
	c := f.client(t, nil)
	ev, err := c.ChargeStatus(context.Background(), "trx_5e8c1a2b3c")
	if err != nil {
		t.Fatal(err)
	}
	want := gateway.Event{TransactionID: "trx_5e8c1a2b3c", Hash: "987654", Status: gateway.StatusPaid, RawStatus: "paid",
		AmountCents: 1990, Reference: "BOT12-1730000000-a1b2c3d4-1730000000123-9f8e7d6c"}
	if *ev != want {
		t.Errorf("event %+v\nwant %+v", *ev, want)
	}
	assertAuth(t, f.Calls()[0], nil)
	if _, err := c.ChargeStatus(context.Background(), "trx_unknown"); !errors.Is(err, gateway.ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
	if _, err := c.ChargeStatus(context.Background(), "trx_odd"); !errors.Is(err, gateway.ErrUnavailable) || classes(err) != 1 {
		t.Errorf("success false: %v", err)
	}
}

func TestVerifyCredentials(t *testing.T) {
	ok := newFake(t, map[string]reply{"GET /products": {200, `{"data": [], "meta": {"total": 0}}`, 0}})
	if err := ok.client(t, nil).VerifyCredentials(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertAuth(t, ok.Calls()[0], url.Values{"page": {"1"}, "per_page": {"1"}})
	bad := newFake(t, map[string]reply{"GET /products": {401, `{"message": "Unauthenticated."}`, 0}})
	if err := bad.client(t, nil).VerifyCredentials(context.Background()); !errors.Is(err, gateway.ErrInvalidCredentials) {
		t.Errorf("401: %v", err)
	}
}

func TestRefundNotSupported(t *testing.T) {
	c := newFake(t, nil).client(t, nil)
	if err := c.Refund(context.Background(), "trx_1", 100); !errors.Is(err, gateway.ErrNotSupported) {
		t.Errorf("err = %v", err)
	}
}

func jsonField(t *testing.T, body []byte, key string) []byte {
	t.Helper()
	v, err := decode(body)
	m, _ := v.(map[string]any)
	if err != nil || m == nil {
		t.Fatalf("body %s", body)
	}
	b, _ := json.Marshal(m[key])
	return b
}
