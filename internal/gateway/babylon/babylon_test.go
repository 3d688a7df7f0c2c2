package babylon

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
)

var buyer = &gateway.Payer{Name: "Fulano  de Tal", Email: "fulano@example.com", Phone: "+55 (11) 98765-4321", Document: "123.456.789-09"}

func chargeReq(cents int64) gateway.ChargeRequest {
	return gateway.ChargeRequest{Reference: "ref_9f8e7d6c5b4a", AmountCents: cents, Description: "Curso X",
		Payer: buyer, WebhookURL: "https://app.example/webhook/payment/babylon/tok123",
		Split: &gateway.Split{AccountID: "platform", AmountCents: 40}}
}

func TestDriver(t *testing.T) {
	gatewaytest.CheckDriver(t, Driver)
	if Driver.SupportsRefund || Driver.SupportsSplit || !Driver.HasStatusAPI || Driver.VerifyWebhook != nil {
		t.Errorf("capabilities: %+v", Driver)
	}
}

func TestNewValidates(t *testing.T) {
	for name, creds := range map[string]gateway.Credentials{
		"empty":       {},
		"no company":  {"api_key": testKey},
		"short key":   {"api_key": "sk_1", "company_id": testCompany},
		"colon key":   {"api_key": "sk_live:abcdef", "company_id": testCompany},
		"bad doc":     {"api_key": testKey, "company_id": testCompany, "payer_document": "00000000000"},
		"bad phone":   {"api_key": testKey, "company_id": testCompany, "payer_phone": "98765"},
		"short compa": {"api_key": testKey, "company_id": "c1"},
	} {
		if _, err := New(gateway.Config{Credentials: creds}); !errors.Is(err, gateway.ErrInvalidCredentials) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	g, err := New(gateway.Config{Credentials: gateway.Credentials{"api_key": testKey, "company_id": testCompany,
		"payer_document": "11.222.333/0001-81"}})
	if err != nil || g.(*client).base != DefaultBaseURL || g.(*client).auth != testAuth {
		t.Fatalf("defaults: %v %+v", err, g)
	}
}

// TestCreateCharge asserts the exact request (cents, Basic auth, the
// reference as externalRef, no split) and the parsing of the §5.9 answer.
func TestCreateCharge(t *testing.T) {
	for _, cents := range []int64{1990, 1999, 100000} {
		t.Run(strconv.FormatInt(cents, 10), func(t *testing.T) {
			f := newFake(t, map[string]reply{"POST /transactions": {201, fixtureCreated, 0}})
			ch, err := f.client(t, nil, 2*time.Second).CreateCharge(context.Background(), chargeReq(cents))
			if err != nil {
				t.Fatal(err)
			}
			exp := time.Date(2025, 11, 21, 19, 19, 43, 0, time.UTC)
			if ch.TransactionID != "28a65292-6c74-4368-924d-f52a653706be" || ch.Status != gateway.StatusPending ||
				!strings.HasPrefix(ch.PixCode, "00020101021226810014br.gov.bcb.pix") || ch.QRCodeImage != "" ||
				ch.ExpiresAt == nil || !ch.ExpiresAt.Equal(exp) {
				t.Errorf("charge %+v", ch)
			}
			calls := f.Calls()
			if len(calls) != 1 || calls[0].Method != "POST" || calls[0].Path != "/transactions" {
				t.Fatalf("calls %+v", calls)
			}
			assertAuth(t, calls[0])
			n := strconv.FormatInt(cents, 10)
			assertJSON(t, "body", calls[0].Body, `{
				"customer": {"name": "Fulano de Tal", "email": "fulano@example.com", "phone": "11987654321",
					"document": {"number": "12345678909", "type": "CPF"}},
				"paymentMethod": "PIX", "amount": `+n+`,
				"items": [{"title": "Curso X", "unitPrice": `+n+`, "quantity": 1, "externalRef": "ref_9f8e7d6c5b4a"}],
				"pix": {"expiresInDays": 1}, "postbackUrl": "https://app.example/webhook/payment/babylon/tok123",
				"description": "Curso X"}`)
		})
	}
}

func TestCreateChargeSellerPayerCNPJ(t *testing.T) {
	f := newFake(t, map[string]reply{"POST /transactions": {200, fixtureCreated, 0}})
	g := f.client(t, map[string]string{"payer_name": "Loja Exemplo Ltda", "payer_email": "fin@loja.example",
		"payer_phone": "4833334444", "payer_document": "11.222.333/0001-81"}, time.Second)
	req := chargeReq(100)
	req.Payer = &gateway.Payer{Name: "Só Nome", Email: "x@y.z", Phone: "11999998888", Document: "12345678900"} // bad CPF
	req.Description, req.WebhookURL, req.ExpiresIn = "", "", 50*time.Hour
	if _, err := g.CreateCharge(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	assertJSON(t, "body", f.Calls()[0].Body, `{
		"customer": {"name": "Loja Exemplo Ltda", "email": "fin@loja.example", "phone": "4833334444",
			"document": {"number": "11222333000181", "type": "CNPJ"}},
		"paymentMethod": "PIX", "amount": 100,
		"items": [{"title": "Produto", "unitPrice": 100, "quantity": 1, "externalRef": "ref_9f8e7d6c5b4a"}],
		"pix": {"expiresInDays": 3}}`)
}

func TestExpiresInDays(t *testing.T) {
	for d, want := range map[time.Duration]int{0: 1, time.Minute: 1, 24 * time.Hour: 1, 25 * time.Hour: 2, 30 * 24 * time.Hour: 7} {
		if got := expiresInDays(d); got != want {
			t.Errorf("expiresInDays(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestCreateChargeRefusedBeforeAnyCall(t *testing.T) {
	f := newFake(t, map[string]reply{})
	g := f.client(t, nil, time.Second)
	for name, tc := range map[string]struct {
		req   gateway.ChargeRequest
		field string
	}{
		"no payer":         {gateway.ChargeRequest{AmountCents: 1990}, "payer name"},
		"no document":      {gateway.ChargeRequest{AmountCents: 1990, Payer: &gateway.Payer{Name: "A B", Email: "a@b.c", Phone: "11999998888"}}, "payer document"},
		"phone = document": {gateway.ChargeRequest{AmountCents: 1990, Payer: &gateway.Payer{Name: "A B", Email: "a@b.c", Phone: "12345678909", Document: "12345678909"}}, "payer phone"},
		"below minimum":    {gateway.ChargeRequest{AmountCents: 99, Payer: buyer}, "minimum"},
	} {
		_, err := g.CreateCharge(context.Background(), tc.req)
		if !errors.Is(err, gateway.ErrRejected) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: err = %v", name, err)
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
		"HTML login page with 200": {reply{200, fixtureHTMLLogin, 0}, gateway.ErrUnavailable},
		"refused":                  {reply{200, fixtureRefused, 0}, gateway.ErrRejected},
		"error body":               {reply{200, `{"error": "Invalid customer document"}`, 0}, gateway.ErrRejected},
		"no PIX code":              {reply{201, `{"id": "x1", "status": "waiting_payment", "pix": {}}`, 0}, gateway.ErrUnavailable},
		"no id":                    {reply{201, `{"status": "waiting_payment", "pix": {"qrcode": "000201"}}`, 0}, gateway.ErrUnavailable},
		"timeout":                  {reply{201, fixtureCreated, time.Second}, gateway.ErrUnavailable},
		"401":                      {reply{401, `{"message": "Unauthorized"}`, 0}, gateway.ErrInvalidCredentials},
		"403":                      {reply{403, `{"message": "Forbidden"}`, 0}, gateway.ErrInvalidCredentials},
		"422":                      {reply{422, `{"message": "amount must be >= 100"}`, 0}, gateway.ErrRejected},
		"500":                      {reply{500, `{"message": "internal"}`, 0}, gateway.ErrUnavailable},
		"malformed":                {reply{200, `{"id": "x1",`, 0}, gateway.ErrUnavailable},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, map[string]reply{"POST /transactions": tc.rep})
			_, err := f.client(t, nil, 200*time.Millisecond).CreateCharge(context.Background(), chargeReq(1990))
			if !errors.Is(err, tc.want) || classes(err) != 1 {
				t.Fatalf("err = %v, want only %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "babylon: creating charge: ") || strings.Contains(err.Error(), testKey) {
				t.Errorf("error text %q", err)
			}
			if name == "refused" && !strings.Contains(err.Error(), "Transação recusada") {
				t.Errorf("refusal reason missing: %v", err)
			}
		})
	}
}

func TestCreateChargeCodeAsURL(t *testing.T) {
	f := newFake(t, map[string]reply{"POST /transactions": {200,
		`{"id": "x2", "status": "waiting_payment", "copyPaste": "000201abc", "pix": {"qrcode": "https://qr.babylon.example/x2.png"}}`, 0}})
	ch, err := f.client(t, nil, time.Second).CreateCharge(context.Background(), chargeReq(1990))
	if err != nil || ch.PixCode != "000201abc" || ch.QRCodeImage != "https://qr.babylon.example/x2.png" {
		t.Errorf("%+v, %v", ch, err)
	}
	f = newFake(t, map[string]reply{"POST /transactions": {200, `{"id": "x3", "status": "waiting_payment", "pix": {"qrcode": "https://qr.example/x3.png"}}`, 0}})
	if _, err := f.client(t, nil, time.Second).CreateCharge(context.Background(), chargeReq(1990)); !errors.Is(err, gateway.ErrUnavailable) {
		t.Errorf("URL only: %v", err)
	}
}

func TestChargeStatus(t *testing.T) {
	inner := fixtureWebhook[strings.Index(fixtureWebhook, `"data": `)+8 : len(fixtureWebhook)-1]
	f := newFake(t, map[string]reply{
		"GET /transactions/28a65292-6c74-4368-924d-f52a653706be": {200, inner, 0},
		"GET /transactions/nope":                                 {404, `{"message": "Transaction not found"}`, 0},
		"GET /transactions/html":                                 {200, fixtureHTMLLogin, 0},
	})
	g := f.client(t, nil, time.Second)
	ev, err := g.ChargeStatus(context.Background(), "28a65292-6c74-4368-924d-f52a653706be")
	if err != nil {
		t.Fatal(err)
	}
	if ev.TransactionID != "28a65292-6c74-4368-924d-f52a653706be" || ev.Status != gateway.StatusPaid || ev.AmountCents != 1990 ||
		ev.EndToEndID != "E12345678202511201705abcdef12345" || ev.PaidAt == nil || !ev.PaidAt.Equal(time.Date(2025, 11, 20, 20, 5, 43, 0, time.UTC)) {
		t.Errorf("event %+v", ev)
	}
	assertAuth(t, f.Calls()[0])
	if _, err := g.ChargeStatus(context.Background(), "nope"); !errors.Is(err, gateway.ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
	if _, err := g.ChargeStatus(context.Background(), "html"); !errors.Is(err, gateway.ErrUnavailable) || classes(err) != 1 {
		t.Errorf("html: %v", err)
	}
}

func TestVerifyCredentials(t *testing.T) {
	for name, tc := range map[string]struct {
		rep  reply
		want error
	}{
		"not found means accepted": {reply{404, `{"message": "Transaction not found"}`, 0}, nil},
		"401":                      {reply{401, `{"message": "Unauthorized"}`, 0}, gateway.ErrInvalidCredentials},
		"HTML login page":          {reply{200, fixtureHTMLLogin, 0}, gateway.ErrUnavailable},
		"500":                      {reply{500, ``, 0}, gateway.ErrUnavailable},
	} {
		f := newFake(t, map[string]reply{"GET /transactions/00000000-0000-0000-0000-000000000000": tc.rep})
		err := f.client(t, nil, time.Second).VerifyCredentials(context.Background())
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: err = %v", name, err)
		}
		assertAuth(t, f.Calls()[0])
	}
}

func TestRefundNotSupported(t *testing.T) {
	g := newFake(t, nil).client(t, nil, time.Second)
	if err := g.Refund(context.Background(), "x", 100); !errors.Is(err, gateway.ErrNotSupported) {
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
