package aguiapags

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

// Fixtures from the reference, §5.11.
const (
	fixtureCreate = `{
  "data": {
    "id": "agp_tx_5f4e3d2c1b",
    "status": "PENDING",
    "amount": 1990,
    "paymentMethod": "PIX",
    "externalRef": "BOT12_1730000000_a1b2c3d4",
    "pix": {"qrcode": "00020101021226800014br.gov.bcb.pix2558pix.aguiapags.example/qr/agptx5f4e3d2c1b5204000053039865406019.905802BR5905AGUIA6009SAO PAULO62070503***6304ABCD"}
  }
}`
	fixtureStatus = `{"id": "agp_tx_5f4e3d2c1b", "status": "CAPTURED", "amount": 1990, "customerName": "FULANO DE TAL", "customerDocument": "12345678909", "endToEndId": "E18236120202511201705aguia00001"}`
	fixtureTxID   = "agp_tx_5f4e3d2c1b"
	fixtureRef    = "BOT12_1730000000_a1b2c3d4"
	fixtureE2E    = "E18236120202511201705aguia00001"
)

func buyer() *gateway.Payer {
	return &gateway.Payer{Name: " Fulano  de Tal ", Document: "123.456.789-09", Email: "fulano@example.com", Phone: "(11) 98765-4321"}
}

func TestDriver(t *testing.T) {
	gatewaytest.CheckDriver(t, Driver)
	if Driver.Kind != "aguiapags" || Driver.SupportsRefund || Driver.SupportsSplit || !Driver.HasStatusAPI || Driver.VerifyWebhook != nil {
		t.Error("ÁguiaPags documents a status API and neither refunds, splits nor a webhook secret")
	}
	declared := map[string]bool{}
	for _, f := range Driver.Fields {
		declared[f.Name] = true
	}
	for _, p := range Driver.PayerFields {
		if !declared["payer_"+p] {
			t.Errorf("required payer field %s has no seller default field", p)
		}
	}
}

func TestNewValidates(t *testing.T) {
	for name, creds := range map[string]gateway.Credentials{
		"no key":        {},
		"short key":     {"api_key": "abcd"},
		"key w/ space":  {"api_key": "abc def"},
		"bad document":  {"api_key": testKey, "payer_document": "123.456.789-00"},
		"bad e-mail":    {"api_key": testKey, "payer_email": "fulano"},
		"phone w/o DDD": {"api_key": testKey, "payer_phone": "98765-4321"},
	} {
		if _, err := New(gateway.Config{Credentials: creds}); !errors.Is(err, gateway.ErrInvalidCredentials) {
			t.Errorf("%s: err = %v, want ErrInvalidCredentials", name, err)
		}
	}
	g, err := New(gateway.Config{Credentials: gateway.Credentials{"api_key": testKey, "payer_document": "11.222.333/0001-81"}})
	if err != nil {
		t.Fatal(err)
	}
	c := g.(*Client)
	if c.base != Driver.DefaultBaseURL || c.http == nil || c.http.Timeout != gateway.DefaultTimeout {
		t.Errorf("defaults not applied: base %q, client %+v", c.base, c.http)
	}
	if s := c.String() + c.GoString(); strings.Contains(s, testKey) {
		t.Error("String leaks the key")
	}
}

func TestCreateChargeRequest(t *testing.T) {
	cases := []struct {
		name string
		req  gateway.ChargeRequest
		want string
	}{
		{"R$ 19,90, CPF",
			gateway.ChargeRequest{Reference: fixtureRef, AmountCents: 1990, Description: "Curso X", Payer: buyer(),
				WebhookURL: "https://app.example/webhook/payment/aguiapags/tok"},
			`{"amount":1990,"paymentMethod":"PIX","externalRef":"BOT12_1730000000_a1b2c3d4",
			  "customer":{"name":"Fulano de Tal","email":"fulano@example.com","phone":"5511987654321","document":{"number":"12345678909","type":"cpf"}},
			  "items":[{"title":"Curso X","unitPrice":1990,"quantity":1}]}`},
		{"R$ 19,99, CNPJ, phone with country code, no description",
			gateway.ChargeRequest{Reference: "gbref1999", AmountCents: 1999,
				Payer: &gateway.Payer{Name: "Loja Exemplo Ltda", Document: "11.222.333/0001-81", Email: "loja@example.com", Phone: "+55 21 3333-4444"}},
			`{"amount":1999,"paymentMethod":"PIX","externalRef":"gbref1999",
			  "customer":{"name":"Loja Exemplo Ltda","email":"loja@example.com","phone":"552133334444","document":{"number":"11222333000181","type":"cnpj"}},
			  "items":[{"title":"Produto","unitPrice":1999,"quantity":1}]}`},
		{"R$ 1.000,00",
			gateway.ChargeRequest{Reference: "gbref100000", AmountCents: 100000, Description: "Mentoria", Payer: buyer()},
			`{"amount":100000,"paymentMethod":"PIX","externalRef":"gbref100000",
			  "customer":{"name":"Fulano de Tal","email":"fulano@example.com","phone":"5511987654321","document":{"number":"12345678909","type":"cpf"}},
			  "items":[{"title":"Mentoria","unitPrice":100000,"quantity":1}]}`},
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
			if ch.TransactionID != fixtureTxID || !strings.HasPrefix(ch.PixCode, "000201") || ch.QRCodeImage != "" ||
				ch.Status != gateway.StatusPending {
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
		{with(func(p *gateway.Payer) { p.Name = "  " }), "payer name"},
		{with(func(p *gateway.Payer) { p.Document = "" }), "payer document"},
		{with(func(p *gateway.Payer) { p.Document = "123.456.789-00" }), "payer document"},
		{with(func(p *gateway.Payer) { p.Email = "" }), "payer email"},
		{with(func(p *gateway.Payer) { p.Phone = "98765-4321" }), "payer phone"},
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
	emv := "00020101021226800014br.gov.bcb.pix5204000053039865406019.905802BR6304ABCD"
	cases := []struct {
		name   string
		status int
		body   string
		want   error // nil: success
	}{
		{"200 is as good as 201", 200, fixtureCreate, nil},
		{"transaction at the root", 201, `{"id":"t1","status":"PENDING","pix":{"qrcode":"` + emv + `"}}`, nil},
		{"401", 401, `{"message":"invalid api key"}`, gateway.ErrInvalidCredentials},
		{"403", 403, `{"message":"forbidden"}`, gateway.ErrInvalidCredentials},
		{"400", 400, `{"message":"invalid document"}`, gateway.ErrRejected},
		{"422", 422, `{"message":"invalid customer"}`, gateway.ErrRejected},
		{"500", 500, `{"message":"boom"}`, gateway.ErrUnavailable},
		{"503 HTML", 503, `<html>maintenance</html>`, gateway.ErrUnavailable},
		{"200 HTML", 200, `<html><body>Login</body></html>`, gateway.ErrUnavailable},
		{"200 truncated JSON", 200, `{"data":{"id":"t1"`, gateway.ErrUnavailable},
		{"200 status error", 200, `{"status":"error","error":"Erro ao gerar PIX"}`, gateway.ErrRejected},
		{"refused transaction", 201, `{"data":{"id":"t1","status":"REFUSED","pix":{}}}`, gateway.ErrRejected},
		{"no PIX code", 201, `{"data":{"id":"t1","status":"PENDING","pix":{}}}`, gateway.ErrUnavailable},
		{"no transaction id", 201, `{"data":{"status":"PENDING","pix":{"qrcode":"` + emv + `"}}}`, gateway.ErrUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.status, tc.body)
			ch, err := newClient(t, f.URL, f.Client()).CreateCharge(ctx(t),
				gateway.ChargeRequest{Reference: fixtureRef, AmountCents: 1990, Payer: buyer()})
			if tc.want == nil {
				if err != nil || ch.TransactionID == "" || ch.PixCode == "" {
					t.Fatalf("CreateCharge = %+v, %v", ch, err)
				}
				return
			}
			if !errors.Is(err, tc.want) || ch != nil {
				t.Fatalf("CreateCharge = %+v, %v; want %v", ch, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "aguiapags: creating charge: ") || strings.Contains(err.Error(), testKey) {
				t.Errorf("error without context or leaking the key: %v", err)
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

func TestChargeStatusCaptured(t *testing.T) {
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
	want := gateway.Event{TransactionID: fixtureTxID, Status: gateway.StatusPaid, RawStatus: "CAPTURED", AmountCents: 1990, EndToEndID: fixtureE2E}
	if *ev != want {
		t.Errorf("event = %+v\nwant    %+v", *ev, want)
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
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"unknown charge", 404, `{"message":"Transaction not found"}`, gateway.ErrNotFound},
		{"401", 401, `{}`, gateway.ErrInvalidCredentials},
		{"502", 502, `bad gateway`, gateway.ErrUnavailable},
		{"no status", 200, `{"id":"t1"}`, gateway.ErrUnavailable},
		{"another transaction", 200, `{"id":"t2","status":"CAPTURED"}`, gateway.ErrUnavailable},
	} {
		f := newFake(t, tc.status, tc.body)
		if _, err := newClient(t, f.URL, f.Client()).ChargeStatus(ctx(t), "t1"); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestVerifyCredentials(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   error
	}{
		{404, nil}, {200, nil}, {400, nil},
		{401, gateway.ErrInvalidCredentials}, {403, gateway.ErrInvalidCredentials}, {500, gateway.ErrUnavailable},
	} {
		f := newFake(t, tc.status, `{"message":"x"}`)
		err := newClient(t, f.URL, f.Client()).VerifyCredentials(ctx(t))
		if (tc.want == nil && err != nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%d: err = %v, want %v", tc.status, err, tc.want)
		}
		r := f.only(t)
		if r.Method != http.MethodGet || r.Path != "/transactions/"+probeID {
			t.Errorf("request %s %s", r.Method, r.Path)
		}
		assertAuth(t, r)
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
