package sigilopay

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

// Fixtures from the reference, §5.12.
const (
	pngBase64     = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
	fixtureCreate = `{
  "transactionId": "cm3sig0000000000000000001",
  "status": "PENDING",
  "pix": {
    "code": "00020101021226820014br.gov.bcb.pix2560pix.sigilopay.example/qr/cm3sig00000000000000000015204000053039865406019.905802BR5906SIGILO6009SAO PAULO62070503***6304ABCD",
    "image": "data:image/png;base64,` + pngBase64 + `"
  }
}`
	fixtureStatus = `{"id": "cm3sig0000000000000000001", "identifier": "BOT12_1730000000_a1b2c3d4", "status": "PAID", "amount": 1990}`
	fixtureTxID   = "cm3sig0000000000000000001"
	fixtureRef    = "BOT12_1730000000_a1b2c3d4"
)

func buyer() *gateway.Payer {
	return &gateway.Payer{Name: "Fulano de Tal", Document: "12345678909", Email: "fulano@example.com", Phone: "11987654321"}
}

func TestDriver(t *testing.T) {
	gatewaytest.CheckDriver(t, Driver)
	if Driver.SupportsRefund || Driver.SupportsSplit || !Driver.HasStatusAPI || Driver.VerifyWebhook == nil {
		t.Error("SigiloPay documents a status API and a webhook token, and neither refunds nor splits")
	}
	fields := map[string]gateway.Field{}
	for _, f := range Driver.Fields {
		fields[f.Name] = f
	}
	if f := fields["webhook_token"]; !f.Secret || f.Required {
		t.Errorf("webhook_token must be an optional secret: %+v", f)
	}
	if !fields["public_key"].Secret || !fields["secret_key"].Secret {
		t.Error("keys must be secret")
	}
	for _, p := range Driver.PayerFields {
		if _, ok := fields["payer_"+p]; !ok {
			t.Errorf("required payer field %s has no seller default field", p)
		}
	}
}

func TestNewValidates(t *testing.T) {
	for name, creds := range map[string]gateway.Credentials{
		"no public key":   {"secret_key": testSecret},
		"no secret key":   {"public_key": testPublic},
		"space in key":    {"public_key": "a b", "secret_key": testSecret},
		"space in token":  {"public_key": testPublic, "secret_key": testSecret, "webhook_token": "a b"},
		"CNPJ as default": {"public_key": testPublic, "secret_key": testSecret, "payer_document": "11.222.333/0001-81"},
		"bad e-mail":      {"public_key": testPublic, "secret_key": testSecret, "payer_email": "x@"},
		"phone w/o DDD":   {"public_key": testPublic, "secret_key": testSecret, "payer_phone": "987654321"},
	} {
		if _, err := New(gateway.Config{Credentials: creds}); !errors.Is(err, gateway.ErrInvalidCredentials) {
			t.Errorf("%s: err = %v, want ErrInvalidCredentials", name, err)
		}
	}
	g, err := New(gateway.Config{Credentials: testCreds()})
	if err != nil {
		t.Fatal(err)
	}
	c := g.(*Client)
	if c.base != Driver.DefaultBaseURL || c.http == nil || c.http.Timeout != gateway.DefaultTimeout {
		t.Errorf("defaults not applied: base %q, client %+v", c.base, c.http)
	}
	if s := c.String() + c.GoString(); strings.Contains(s, testSecret) || strings.Contains(s, testPublic) {
		t.Error("String leaks the keys")
	}
}

func TestCreateChargeRequest(t *testing.T) {
	cases := []struct {
		name string
		req  gateway.ChargeRequest
		want string
	}{
		{"R$ 19,90",
			gateway.ChargeRequest{Reference: fixtureRef, AmountCents: 1990, Description: "Curso X", Payer: buyer(),
				WebhookURL: "https://app.example/webhook/payment/sigilopay/tok"},
			`{"identifier":"BOT12_1730000000_a1b2c3d4","amount":1990,
			  "client":{"name":"Fulano de Tal","email":"fulano@example.com","cpf":"123.456.789-09","phone":"+5511987654321"},
			  "products":[{"id":"BOT12_1730000000_a1b","name":"Curso X","title":"Curso X","price":1990,"value":1990,"amount":1}],
			  "callbackUrl":"https://app.example/webhook/payment/sigilopay/tok"}`},
		{"R$ 19,99, long name cut to 30, no description nor callback",
			gateway.ChargeRequest{Reference: "gbref1999", AmountCents: 1999,
				Payer: &gateway.Payer{Name: "Maria da Conceição Albuquerque Figueiredo", Document: "123.456.789-09",
					Email: "maria@example.com", Phone: "+55 (21) 3333-4444"}},
			`{"identifier":"gbref1999","amount":1999,
			  "client":{"name":"Maria da Conceição Albuquerque","email":"maria@example.com","cpf":"123.456.789-09","phone":"+552133334444"},
			  "products":[{"id":"gbref1999","name":"Produto","title":"Produto","price":1999,"value":1999,"amount":1}]}`},
		{"R$ 1.000,00",
			gateway.ChargeRequest{Reference: "gbref100000", AmountCents: 100000, Description: "Mentoria", Payer: buyer(),
				WebhookURL: "https://app.example/w"},
			`{"identifier":"gbref100000","amount":100000,
			  "client":{"name":"Fulano de Tal","email":"fulano@example.com","cpf":"123.456.789-09","phone":"+5511987654321"},
			  "products":[{"id":"gbref100000","name":"Mentoria","title":"Mentoria","price":100000,"value":100000,"amount":1}],
			  "callbackUrl":"https://app.example/w"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, http.StatusCreated, fixtureCreate)
			ch, err := newClient(t, f.URL, f.Client()).CreateCharge(ctx(t), tc.req)
			if err != nil {
				t.Fatalf("CreateCharge: %v", err)
			}
			r := f.only(t)
			if r.Method != http.MethodPost || r.Path != "/gateway/pix/receive" || r.Query != "" {
				t.Errorf("request %s %s?%s; want POST /gateway/pix/receive", r.Method, r.Path, r.Query)
			}
			assertAuth(t, r)
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			assertJSON(t, r.Body, tc.want)
			if ch.TransactionID != fixtureTxID || !strings.HasPrefix(ch.PixCode, "000201") ||
				ch.QRCodeImage != "data:image/png;base64,"+pngBase64 || ch.Status != gateway.StatusPending {
				t.Errorf("charge = %+v", ch)
			}
		})
	}
}

func TestCreateChargeRequiresPayer(t *testing.T) {
	f := newFake(t, 201, fixtureCreate)
	c := newClient(t, f.URL, f.Client())
	with := func(mod func(p *gateway.Payer)) *gateway.Payer { p := buyer(); mod(p); return p }
	for _, tc := range []struct {
		payer *gateway.Payer
		field string // named in the error
	}{
		{nil, "payer name"},
		{with(func(p *gateway.Payer) { p.Document = "" }), "payer document"},
		{with(func(p *gateway.Payer) { p.Document = "11.222.333/0001-81" }), "payer document"},
		{with(func(p *gateway.Payer) { p.Email = "fulano" }), "payer email"},
		{with(func(p *gateway.Payer) { p.Phone = "" }), "payer phone"},
	} {
		_, err := c.CreateCharge(ctx(t), gateway.ChargeRequest{Reference: fixtureRef, AmountCents: 1990, Payer: tc.payer})
		if !errors.Is(err, gateway.ErrRejected) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%+v: err = %v, want ErrRejected naming %q", tc.payer, err, tc.field)
		}
	}
	for name, req := range map[string]gateway.ChargeRequest{
		"zero amount":  {Reference: fixtureRef, Payer: buyer()},
		"no reference": {AmountCents: 1990, Payer: buyer()},
	} {
		if _, err := c.CreateCharge(ctx(t), req); !errors.Is(err, gateway.ErrRejected) {
			t.Errorf("%s: err = %v, want ErrRejected", name, err)
		}
	}
	if f.count() != 0 {
		t.Errorf("made %d HTTP calls for requests refused locally", f.count())
	}
}

func TestCreateChargeAnswers(t *testing.T) {
	emv := "00020101021226820014br.gov.bcb.pix5204000053039865406019.905802BR6304ABCD"
	ok := func(image string) string {
		return `{"transactionId":"t1","status":"PENDING","pix":{"code":"` + emv + `","image":"` + image + `"}}`
	}
	cases := []struct {
		name   string
		status int
		body   string
		want   error  // nil: success
		image  string // expected QRCodeImage on success
	}{
		{"200 is as good as 201", 200, fixtureCreate, nil, "data:image/png;base64," + pngBase64},
		{"bare base64 PNG", 201, ok(pngBase64), nil, "data:image/png;base64," + pngBase64},
		{"image URL", 201, ok("https://x.example/q.png"), nil, "https://x.example/q.png"},
		{"image not an image", 201, ok("bm90IGFuIGltYWdl"), nil, ""},
		{"401", 401, `{"message":"invalid keys"}`, gateway.ErrInvalidCredentials, ""},
		{"403", 403, `{"message":"forbidden"}`, gateway.ErrInvalidCredentials, ""},
		{"400", 400, `{"message":"cpf inválido"}`, gateway.ErrRejected, ""},
		{"422", 422, `{"message":"invalid"}`, gateway.ErrRejected, ""},
		{"500", 500, `{"message":"boom"}`, gateway.ErrUnavailable, ""},
		{"200 HTML", 200, `<html>Cloudflare</html>`, gateway.ErrUnavailable, ""},
		{"200 truncated JSON", 200, `{"transactionId":`, gateway.ErrUnavailable, ""},
		{"200 status error", 200, `{"status":"error","error":"Erro ao gerar PIX"}`, gateway.ErrRejected, ""},
		{"canceled at birth", 201, `{"transactionId":"t1","status":"CANCELED","pix":{}}`, gateway.ErrRejected, ""},
		{"no PIX code", 201, `{"transactionId":"t1","status":"PENDING","pix":{}}`, gateway.ErrUnavailable, ""},
		{"no transaction id", 201, `{"status":"PENDING","pix":{"code":"` + emv + `"}}`, gateway.ErrUnavailable, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.status, tc.body)
			ch, err := newClient(t, f.URL, f.Client()).CreateCharge(ctx(t),
				gateway.ChargeRequest{Reference: fixtureRef, AmountCents: 1990, Payer: buyer()})
			if tc.want == nil {
				if err != nil || ch.TransactionID == "" || ch.PixCode == "" || ch.QRCodeImage != tc.image {
					t.Fatalf("CreateCharge = %+v, %v; want image %q", ch, err, tc.image)
				}
				return
			}
			if !errors.Is(err, tc.want) || ch != nil {
				t.Fatalf("CreateCharge = %+v, %v; want %v", ch, err, tc.want)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "sigilopay: creating charge: ") ||
				strings.Contains(msg, testSecret) || strings.Contains(msg, testPublic) {
				t.Errorf("error without context or leaking a key: %v", err)
			}
		})
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
	_, err := c.CreateCharge(ctx(t), gateway.ChargeRequest{Reference: fixtureRef, AmountCents: 1990, Payer: buyer()})
	if !errors.Is(err, gateway.ErrUnavailable) {
		t.Errorf("CreateCharge err = %v, want ErrUnavailable", err)
	}
	if _, err := c.ChargeStatus(ctx(t), fixtureTxID); !errors.Is(err, gateway.ErrUnavailable) {
		t.Errorf("ChargeStatus err = %v, want ErrUnavailable", err)
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
