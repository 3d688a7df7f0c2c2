package bolt

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
)

// Fixtures from the reference, §5.10.
const (
	fixtureCreate = `{
  "id": "b7e0c1d2-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
  "status": "waiting_payment",
  "amount": 1990,
  "paymentMethod": "PIX",
  "items": [{"title": "Curso X", "unitPrice": 1990, "quantity": 1, "externalRef": "BOT12_1730000000_a1b2c3d4"}],
  "pix": {
    "qrcode": "https://api.sistema.boltpagamentos.example/qr/b7e0c1d2.png",
    "qrcodeText": "00020101021226780014br.gov.bcb.pix2556pix.bolt.example/qr/b7e0c1d23e4f4a5b8c6d7e8f9a0b1c2d5204000053039865406019.905802BR5904BOLT6009SAO PAULO62070503***6304ABCD",
    "expirationDate": "2025-11-21T17:00:00-03:00"
  }
}`
	fixtureStatus = `{"id": "b7e0c1d2-3e4f-4a5b-8c6d-7e8f9a0b1c2d", "status": "paid", "amount": 1990, "paymentMethod": "PIX"}`
	fixtureTxID   = "b7e0c1d2-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
	fixtureRef    = "BOT12_1730000000_a1b2c3d4"
)

func TestDriver(t *testing.T) {
	gatewaytest.CheckDriver(t, Driver)
	if Driver.SupportsRefund || Driver.SupportsSplit || !Driver.HasStatusAPI || Driver.VerifyWebhook != nil {
		t.Error("Bolt documents a status API and neither refunds, splits nor a webhook secret")
	}
	if len(Driver.PayerFields) != 0 {
		t.Error("Bolt's customer is optional: no payer field is required")
	}
}

func TestNewValidates(t *testing.T) {
	for name, creds := range map[string]gateway.Credentials{
		"no secret":        {"company_id": testCompany},
		"no company":       {"secret_key": testSecret},
		"colon in secret":  {"secret_key": "a:b", "company_id": testCompany},
		"space in company": {"secret_key": testSecret, "company_id": "a b"},
	} {
		if _, err := New(gateway.Config{Credentials: creds}); !errors.Is(err, gateway.ErrInvalidCredentials) {
			t.Errorf("%s: err = %v, want ErrInvalidCredentials", name, err)
		}
	}
	if _, err := New(gateway.Config{Credentials: testCreds(), BaseURL: "not a url"}); err == nil {
		t.Error("accepted a base URL without host")
	}
	g, err := New(gateway.Config{Credentials: testCreds()})
	if err != nil {
		t.Fatal(err)
	}
	c := g.(*Client)
	if c.base != Driver.DefaultBaseURL || c.http == nil || c.http.Timeout != gateway.DefaultTimeout {
		t.Errorf("defaults not applied: base %q, client %+v", c.base, c.http)
	}
	if s := c.String() + c.GoString(); strings.Contains(s, testSecret) || strings.Contains(s, c.auth) {
		t.Error("String leaks the credentials")
	}
}

func TestCreateChargeRequest(t *testing.T) {
	cases := []struct {
		name string
		req  gateway.ChargeRequest
		want string
	}{
		{"R$ 19,90 with buyer data",
			gateway.ChargeRequest{Reference: fixtureRef, AmountCents: 1990, Description: "Curso X",
				WebhookURL: "https://app.example/webhook/payment/bolt/tok",
				Payer:      &gateway.Payer{Name: "Fulano de Tal", Document: "123.456.789-09", Email: "f@example.com", Phone: "(11) 98765-4321"}},
			`{"paymentMethod":"PIX","amount":1990,"postbackUrl":"https://app.example/webhook/payment/bolt/tok",
			  "description":"Curso X","items":[{"title":"Curso X","unitPrice":1990,"quantity":1,"externalRef":"BOT12_1730000000_a1b2c3d4"}],
			  "customer":{"name":"Fulano de Tal","email":"f@example.com","phone":"11987654321","document":"12345678909"}}`},
		{"R$ 19,99 without payer nor description",
			gateway.ChargeRequest{Reference: "gbref1999", AmountCents: 1999, WebhookURL: "https://app.example/w"},
			`{"paymentMethod":"PIX","amount":1999,"postbackUrl":"https://app.example/w",
			  "items":[{"title":"Produto","unitPrice":1999,"quantity":1,"externalRef":"gbref1999"}]}`},
		{"R$ 1.000,00, invalid document dropped, long description cut",
			gateway.ChargeRequest{Reference: "gbref100000", AmountCents: 100000, Description: strings.Repeat("é", 600),
				Payer: &gateway.Payer{Name: "Ana", Document: "11111111111"}},
			`{"paymentMethod":"PIX","amount":100000,"description":"` + strings.Repeat("é", 500) + `",
			  "items":[{"title":"` + strings.Repeat("é", 100) + `","unitPrice":100000,"quantity":1,"externalRef":"gbref100000"}],
			  "customer":{"name":"Ana"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, http.StatusCreated, fixtureCreate)
			ch, err := newClient(t, f.URL, f.Client()).CreateCharge(ctx(t), tc.req)
			if err != nil {
				t.Fatalf("CreateCharge: %v", err)
			}
			r := f.only(t)
			if r.Method != http.MethodPost || r.Path != "/transactions" || r.Query != "" {
				t.Errorf("request %s %s?%s; want POST /transactions", r.Method, r.Path, r.Query)
			}
			assertAuth(t, r)
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			assertJSON(t, r.Body, tc.want)
			if ch.TransactionID != fixtureTxID || !strings.HasPrefix(ch.PixCode, "000201") ||
				ch.QRCodeImage != "https://api.sistema.boltpagamentos.example/qr/b7e0c1d2.png" || ch.Status != gateway.StatusPending {
				t.Errorf("charge = %+v", ch)
			}
			if want := time.Date(2025, 11, 21, 20, 0, 0, 0, time.UTC); ch.ExpiresAt == nil || !ch.ExpiresAt.Equal(want) {
				t.Errorf("ExpiresAt = %v, want %v", ch.ExpiresAt, want)
			}
		})
	}
}

func TestCreateChargeAnswers(t *testing.T) {
	emv := "00020101021226780014br.gov.bcb.pix5204000053039865406019.905802BR6304ABCD"
	cases := []struct {
		name   string
		status int
		body   string
		want   error // nil: success
	}{
		{"200 is as good as 201", 200, fixtureCreate, nil},
		{"code under qrCodeText", 201, `{"id":"t1","status":"waiting_payment","pix":{"qrCodeText":"` + emv + `"}}`, nil},
		{"EMV in qrcode", 201, `{"id":"t1","status":"waiting_payment","pix":{"qrcode":"` + emv + `"}}`, nil},
		{"401", 401, `{"message":"Unauthorized"}`, gateway.ErrInvalidCredentials},
		{"403", 403, `{"message":"Forbidden"}`, gateway.ErrInvalidCredentials},
		{"400", 400, `{"message":"amount must be positive"}`, gateway.ErrRejected},
		{"422", 422, `{"message":"invalid customer"}`, gateway.ErrRejected},
		{"429", 429, `{"message":"slow down"}`, gateway.ErrUnavailable},
		{"500", 500, `{"message":"boom"}`, gateway.ErrUnavailable},
		{"502 HTML", 502, `<html>Bad Gateway</html>`, gateway.ErrUnavailable},
		{"200 HTML login page", 200, `<!doctype html><html><body>Login</body></html>`, gateway.ErrUnavailable},
		{"200 truncated JSON", 200, `{"id":"t1","pix":{`, gateway.ErrUnavailable},
		{"200 JSON array", 200, `[]`, gateway.ErrUnavailable},
		{"200 status error", 200, `{"status":"error","message":"conta bloqueada"}`, gateway.ErrRejected},
		{"200 success false", 200, `{"success":false,"message":"conta bloqueada"}`, gateway.ErrRejected},
		{"refused transaction", 201, `{"id":"t1","status":"refused","refusedReason":{"description":"antifraude"}}`, gateway.ErrRejected},
		{"no PIX code", 201, `{"id":"t1","status":"waiting_payment","pix":{"qrcode":"https://x.example/q.png"}}`, gateway.ErrUnavailable},
		{"no transaction id", 201, `{"status":"waiting_payment","pix":{"qrcodeText":"` + emv + `"}}`, gateway.ErrUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.status, tc.body)
			ch, err := newClient(t, f.URL, f.Client()).CreateCharge(ctx(t),
				gateway.ChargeRequest{Reference: fixtureRef, AmountCents: 1990})
			if tc.want == nil {
				if err != nil || ch.TransactionID == "" || ch.PixCode == "" {
					t.Fatalf("CreateCharge = %+v, %v", ch, err)
				}
				if strings.HasPrefix(ch.QRCodeImage, "000201") {
					t.Errorf("a BR Code was taken for an image: %q", ch.QRCodeImage)
				}
				return
			}
			if !errors.Is(err, tc.want) || ch != nil {
				t.Fatalf("CreateCharge = %+v, %v; want %v", ch, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "bolt: creating charge: ") {
				t.Errorf("error not wrapped with context: %v", err)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestCreateChargeRefusesLocally(t *testing.T) {
	f := newFake(t, 201, fixtureCreate)
	c := newClient(t, f.URL, f.Client())
	for name, req := range map[string]gateway.ChargeRequest{
		"zero amount":    {Reference: fixtureRef},
		"no reference":   {AmountCents: 1990},
		"long reference": {AmountCents: 1990, Reference: strings.Repeat("x", 101)},
	} {
		if _, err := c.CreateCharge(ctx(t), req); !errors.Is(err, gateway.ErrRejected) {
			t.Errorf("%s: err = %v, want ErrRejected", name, err)
		}
	}
	if f.count() != 0 {
		t.Errorf("made %d HTTP calls for requests refused locally", f.count())
	}
}

func TestTimeoutIsUnavailable(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release) // before Close, which waits for the handlers
	hc := srv.Client()
	hc.Timeout = 50 * time.Millisecond
	c := newClient(t, srv.URL, hc)
	if _, err := c.CreateCharge(ctx(t), gateway.ChargeRequest{Reference: fixtureRef, AmountCents: 1990}); !errors.Is(err, gateway.ErrUnavailable) {
		t.Errorf("CreateCharge err = %v, want ErrUnavailable", err)
	}
	if _, err := c.ChargeStatus(ctx(t), fixtureTxID); !errors.Is(err, gateway.ErrUnavailable) {
		t.Errorf("ChargeStatus err = %v, want ErrUnavailable", err)
	}
}

func TestChargeStatus(t *testing.T) {
	f := newFake(t, 200, fixtureStatus)
	ev, err := newClient(t, f.URL, f.Client()).ChargeStatus(ctx(t), fixtureTxID)
	if err != nil {
		t.Fatal(err)
	}
	r := f.only(t)
	if r.Method != http.MethodGet || r.Path != "/transactions/"+fixtureTxID || r.Query != "" || len(r.Body) != 0 {
		t.Errorf("request %s %s?%s", r.Method, r.Path, r.Query)
	}
	assertAuth(t, r)
	if ev.TransactionID != fixtureTxID || ev.Status != gateway.StatusPaid || ev.RawStatus != "paid" || ev.AmountCents != 1990 {
		t.Errorf("event = %+v", ev)
	}
}

func TestChargeStatusWords(t *testing.T) {
	for word, want := range statusWords {
		f := newFake(t, 200, `{"id":"t1","status":"`+word+`","amount":1990}`)
		ev, err := newClient(t, f.URL, f.Client()).ChargeStatus(ctx(t), "t1")
		if err != nil || ev.Status != want {
			t.Errorf("status %q: %+v, %v; want %s", word, ev, err, want)
		}
	}
}

func TestChargeStatusErrors(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"unknown charge", 404, `{"message":"Transaction not found"}`, gateway.ErrNotFound},
		{"401", 401, `{}`, gateway.ErrInvalidCredentials},
		{"500", 500, `{}`, gateway.ErrUnavailable},
		{"no status", 200, `{"id":"t1"}`, gateway.ErrUnavailable},
		{"another transaction", 200, `{"id":"t2","status":"paid"}`, gateway.ErrUnavailable},
		{"HTML", 200, `<html></html>`, gateway.ErrUnavailable},
	}
	for _, tc := range cases {
		f := newFake(t, tc.status, tc.body)
		if _, err := newClient(t, f.URL, f.Client()).ChargeStatus(ctx(t), "t1"); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		} else if errors.Is(err, gateway.ErrMalformed) {
			t.Errorf("%s: a status answer must not look like a malformed webhook: %v", tc.name, err)
		}
	}
	f := newFake(t, 200, `{"status":"paid"}`)
	if _, err := newClient(t, f.URL, f.Client()).ChargeStatus(ctx(t), "a/b?c"); err != nil {
		t.Fatal(err)
	}
	if r := f.only(t); r.RawPath != "/transactions/a%2Fb%3Fc" || r.Query != "" {
		t.Errorf("id not escaped: path %q query %q", r.RawPath, r.Query)
	}
}

func TestVerifyCredentials(t *testing.T) {
	f := newFake(t, 200, `{"data":[],"pagination":{"page":1,"limit":1}}`)
	if err := newClient(t, f.URL, f.Client()).VerifyCredentials(ctx(t)); err != nil {
		t.Fatal(err)
	}
	r := f.only(t)
	if r.Method != http.MethodGet || r.Path != "/transactions" || r.Query != "page=1&limit=1" {
		t.Errorf("request %s %s?%s", r.Method, r.Path, r.Query)
	}
	assertAuth(t, r)
	for _, code := range []int{401, 403} {
		f := newFake(t, code, `{"message":"invalid credentials"}`)
		if err := newClient(t, f.URL, f.Client()).VerifyCredentials(ctx(t)); !errors.Is(err, gateway.ErrInvalidCredentials) {
			t.Errorf("%d: err = %v, want ErrInvalidCredentials", code, err)
		}
	}
	f = newFake(t, 503, `down`)
	if err := newClient(t, f.URL, f.Client()).VerifyCredentials(ctx(t)); !errors.Is(err, gateway.ErrUnavailable) {
		t.Errorf("503: err = %v, want ErrUnavailable", err)
	}
}

func TestRefundNotSupported(t *testing.T) {
	f := newFake(t, 200, `{}`)
	if err := newClient(t, f.URL, f.Client()).Refund(ctx(t), fixtureTxID, 1990); !errors.Is(err, gateway.ErrNotSupported) {
		t.Errorf("Refund err = %v", err)
	}
	if f.count() != 0 {
		t.Error("Refund called the provider")
	}
}
