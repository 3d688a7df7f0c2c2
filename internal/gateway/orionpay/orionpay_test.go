package orionpay

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
)

var buyer = &gateway.Payer{Name: " Maria   Souza ", Email: "maria@example.com", Phone: "(21) 99999-8888", Document: "123.456.789-09"}

func chargeReq(cents int64) gateway.ChargeRequest {
	return gateway.ChargeRequest{Reference: "ref_9f8e7d6c5b4a", AmountCents: cents, Description: "Curso X",
		Payer: buyer, WebhookURL: "https://app.example/webhook/payment/orionpay/tok123",
		Split: &gateway.Split{AccountID: "platform", AmountCents: 40}}
}

func TestDriver(t *testing.T) {
	gatewaytest.CheckDriver(t, Driver)
	if Driver.SupportsRefund || Driver.SupportsSplit || !Driver.HasStatusAPI || Driver.VerifyWebhook == nil {
		t.Errorf("capabilities: %+v", Driver)
	}
}

func TestNewValidates(t *testing.T) {
	for name, creds := range map[string]gateway.Credentials{
		"empty": {}, "blank": {"api_key": " "}, "spaced": {"api_key": "opay_a b"},
		"bad CPF": {"api_key": "opay_x", "payer_document": "11111111111"},
	} {
		if _, err := New(gateway.Config{Credentials: creds}); !errors.Is(err, gateway.ErrInvalidCredentials) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	g, err := New(gateway.Config{Credentials: gateway.Credentials{"api_key": "any_prefix_key"}})
	if err != nil || g.(*client).base != DefaultBaseURL {
		t.Fatalf("defaults: %v %+v", err, g)
	}
}

// TestCreateCharge asserts the exact request (reais with two decimals; no
// split, reference or webhook URL, which OrionPay does not take) and the
// parsing of the §5.8 answer.
func TestCreateCharge(t *testing.T) {
	for _, tc := range []struct {
		cents int64
		reais string
	}{{1990, "19.90"}, {1999, "19.99"}, {100000, "1000.00"}} {
		t.Run(tc.reais, func(t *testing.T) {
			f := newFake(t, map[string]reply{"POST /api/v1/pix/personal": {200, fixtureCreated, 0}})
			ch, err := f.client(t, nil, 2*time.Second).CreateCharge(context.Background(), chargeReq(tc.cents))
			if err != nil {
				t.Fatal(err)
			}
			exp := time.Date(2025, 11, 20, 21, 30, 59, 63_000_000, time.UTC)
			if ch.TransactionID != "2531" || ch.Hash != "019a9383781b759c9be83e9cb2ad91df" || ch.Status != gateway.StatusPending ||
				!strings.HasPrefix(ch.PixCode, "000201010212267900") || ch.QRCodeImage != "https://payapi.orion.example/qr/019a9383781b759c9be83e9cb2ad91df.png" ||
				ch.ExpiresAt == nil || !ch.ExpiresAt.Equal(exp) {
				t.Errorf("charge %+v", ch)
			}
			calls := f.Calls()
			if len(calls) != 1 || calls[0].Method != "POST" || calls[0].Path != "/api/v1/pix/personal" {
				t.Fatalf("calls %+v", calls)
			}
			assertAuth(t, calls[0])
			assertJSON(t, "body", calls[0].Body, `{"amount": `+tc.reais+`, "name": "Maria Souza", "email": "maria@example.com",
				"description": "Curso X", "cpf": "123.456.789-09", "phone": "21999998888"}`)
		})
	}
}

func TestCreateChargeSellerPayerWithoutOptionalFields(t *testing.T) {
	f := newFake(t, map[string]reply{"POST /api/v1/pix/personal": {200, fixtureCreated, 0}})
	g := f.client(t, map[string]string{"payer_name": "Loja da Ana", "payer_email": "ana@example.com"}, 2*time.Second)
	req := chargeReq(500)
	req.Payer = &gateway.Payer{Name: "Só Nome"} // incomplete: the seller's default is used whole
	req.Description = ""
	if _, err := g.CreateCharge(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	assertJSON(t, "body", f.Calls()[0].Body, `{"amount": 5.00, "name": "Loja da Ana", "email": "ana@example.com"}`)
}

func TestCreateChargeRefusedBeforeAnyCall(t *testing.T) {
	f := newFake(t, map[string]reply{})
	g := f.client(t, nil, time.Second)
	for name, req := range map[string]gateway.ChargeRequest{
		"no payer":        {AmountCents: 1990},
		"payer w/o email": {AmountCents: 1990, Payer: &gateway.Payer{Name: "Maria"}},
		"below minimum":   {AmountCents: 499, Payer: buyer},
		"above maximum":   {AmountCents: 100_000_001, Payer: buyer},
	} {
		_, err := g.CreateCharge(context.Background(), req)
		if !errors.Is(err, gateway.ErrRejected) {
			t.Errorf("%s: err = %v", name, err)
		}
		if name == "payer w/o email" && !strings.Contains(err.Error(), "payer email") {
			t.Errorf("%s: error does not name the field: %v", name, err)
		}
	}
	if n := len(f.Calls()); n != 0 {
		t.Errorf("%d HTTP calls", n)
	}
}

func TestCreateChargeErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		rep  reply
		want error
	}{
		"success false":  {reply{200, `{"success": false, "message": "Valor mínimo R$ 5,00"}`, 0}, gateway.ErrRejected},
		"no success":     {reply{200, `{"data": {"transactionId": 1, "pixCode": "000201"}}`, 0}, gateway.ErrRejected},
		"no PIX code":    {reply{200, `{"success": true, "data": {"transactionId": 1, "status": "created"}}`, 0}, gateway.ErrUnavailable},
		"no id":          {reply{200, `{"success": true, "data": {"pixCode": "000201"}}`, 0}, gateway.ErrUnavailable},
		"failed at once": {reply{200, `{"success": true, "data": {"transactionId": 1, "pixCode": "000201", "status": "failed"}}`, 0}, gateway.ErrRejected},
		"timeout":        {reply{200, fixtureCreated, time.Second}, gateway.ErrUnavailable},
		"401":            {reply{401, `{"success": false, "message": "Invalid API key"}`, 0}, gateway.ErrInvalidCredentials},
		"403":            {reply{403, `{}`, 0}, gateway.ErrInvalidCredentials},
		"400":            {reply{400, `{"success": false, "message": "email inválido"}`, 0}, gateway.ErrRejected},
		"404":            {reply{404, `{}`, 0}, gateway.ErrRejected},
		"502":            {reply{502, `<html>Bad gateway</html>`, 0}, gateway.ErrUnavailable},
		"malformed":      {reply{200, `{"success": true,`, 0}, gateway.ErrUnavailable},
		"HTML with 200":  {reply{200, `<!DOCTYPE html><title>Login</title>`, 0}, gateway.ErrUnavailable},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, map[string]reply{"POST /api/v1/pix/personal": tc.rep})
			_, err := f.client(t, nil, 200*time.Millisecond).CreateCharge(context.Background(), chargeReq(1990))
			if !errors.Is(err, tc.want) || classes(err) != 1 {
				t.Fatalf("err = %v, want only %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "orionpay: creating charge: ") || strings.Contains(err.Error(), testKey) {
				t.Errorf("error text %q", err)
			}
		})
	}
}

func TestChargeStatus(t *testing.T) {
	f := newFake(t, map[string]reply{"GET /api/v1/pix/status/2531": {200, fixtureStatus, 0}})
	ev, err := f.client(t, nil, time.Second).ChargeStatus(context.Background(), "2531")
	if err != nil {
		t.Fatal(err)
	}
	want := gateway.Event{TransactionID: "2531", Status: gateway.StatusPaid, RawStatus: "paid", AmountCents: 1990}
	if *ev != want {
		t.Errorf("event %+v, want %+v", *ev, want)
	}
	if calls := f.Calls(); len(calls) != 1 {
		t.Errorf("calls %+v", calls)
	} else {
		assertAuth(t, calls[0])
	}
}

// TestChargeStatusFallbacks: 404 on /pix/status, then 200 on /card/status
// (§5.14); all three unknown; a refused key stops at once; an outage on one
// path is reported when no path knows the charge.
func TestChargeStatusFallbacks(t *testing.T) {
	notFound := reply{404, `{"success": false, "message": "Transaction not found"}`, 0}
	for name, tc := range map[string]struct {
		routes map[string]reply
		paths  []string
		want   error
		status gateway.Status
	}{
		"card": {map[string]reply{"GET /api/v1/pix/status/77": notFound,
			"GET /api/v1/card/status/77": {200, `{"success": true, "data": {"id": "77", "status": "expirado", "amount": "49.9"}}`, 0}},
			[]string{"/api/v1/pix/status/77", "/api/v1/card/status/77"}, nil, gateway.StatusExpired},
		"payment after success false": {map[string]reply{"GET /api/v1/pix/status/77": {200, `{"success": false}`, 0},
			"GET /api/v1/card/status/77":    notFound,
			"GET /api/v1/payment/status/77": {200, `{"success": true, "data": {"status": "PAGO", "amount": 49.9}}`, 0}},
			[]string{"/api/v1/pix/status/77", "/api/v1/card/status/77", "/api/v1/payment/status/77"}, nil, gateway.StatusPaid},
		"unknown": {map[string]reply{"GET /api/v1/pix/status/77": notFound, "GET /api/v1/card/status/77": notFound,
			"GET /api/v1/payment/status/77": notFound},
			[]string{"/api/v1/pix/status/77", "/api/v1/card/status/77", "/api/v1/payment/status/77"}, gateway.ErrNotFound, ""},
		"401 stops": {map[string]reply{"GET /api/v1/pix/status/77": {401, `{}`, 0}},
			[]string{"/api/v1/pix/status/77"}, gateway.ErrInvalidCredentials, ""},
		"outage reported": {map[string]reply{"GET /api/v1/pix/status/77": {503, `down`, 0}, "GET /api/v1/card/status/77": notFound,
			"GET /api/v1/payment/status/77": notFound},
			[]string{"/api/v1/pix/status/77", "/api/v1/card/status/77", "/api/v1/payment/status/77"}, gateway.ErrUnavailable, ""},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, tc.routes)
			ev, err := f.client(t, nil, time.Second).ChargeStatus(context.Background(), "77")
			if !errors.Is(err, tc.want) || (tc.want != nil && classes(err) != 1) || (tc.want == nil && (ev.Status != tc.status || ev.AmountCents != 4990 || ev.TransactionID != "77")) {
				t.Fatalf("ev %+v, err %v; want %v %s", ev, err, tc.want, tc.status)
			}
			calls := f.Calls()
			if len(calls) != len(tc.paths) {
				t.Fatalf("calls %+v, want %v", calls, tc.paths)
			}
			for i, c := range calls {
				if c.Path != tc.paths[i] {
					t.Errorf("call %d: %s, want %s", i, c.Path, tc.paths[i])
				}
			}
		})
	}
}

func TestVerifyCredentials(t *testing.T) {
	for name, tc := range map[string]struct {
		rep  reply
		want error
	}{
		"not found means accepted": {reply{404, `{"success": false}`, 0}, nil},
		"200":                      {reply{200, `{"success": false}`, 0}, nil},
		"401":                      {reply{401, `{"message": "invalid key"}`, 0}, gateway.ErrInvalidCredentials},
		"500":                      {reply{500, ``, 0}, gateway.ErrUnavailable},
	} {
		f := newFake(t, map[string]reply{"GET /api/v1/pix/status/0": tc.rep})
		err := f.client(t, nil, time.Second).VerifyCredentials(context.Background())
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: err = %v", name, err)
		}
		assertAuth(t, f.Calls()[0])
	}
}

func TestRefundNotSupported(t *testing.T) {
	g := newFake(t, nil).client(t, nil, time.Second)
	if err := g.Refund(context.Background(), "1", 100); !errors.Is(err, gateway.ErrNotSupported) {
		t.Errorf("err = %v", err)
	}
}

// classes counts the gateway sentinels err wraps: callers branch on them,
// so an error must carry exactly one.
func classes(err error) int {
	n := 0
	for _, s := range []error{gateway.ErrInvalidCredentials, gateway.ErrNotSupported, gateway.ErrNotFound,
		gateway.ErrRejected, gateway.ErrUnavailable, gateway.ErrMalformed, gateway.ErrIgnored, gateway.ErrBadSignature} {
		if errors.Is(err, s) {
			n++
		}
	}
	return n
}
