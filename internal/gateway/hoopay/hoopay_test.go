package hoopay

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
)

func TestDriver(t *testing.T) {
	gatewaytest.CheckDriver(t, Driver)
	if Driver.VerifyWebhook != nil {
		t.Error("HooPay offers no webhook secret; VerifyWebhook must be nil")
	}
}

func TestNewValidatesShape(t *testing.T) {
	for name, creds := range map[string]gateway.Credentials{
		"no key":        {},
		"short key":     {"api_key": "short"},
		"key w/ space":  {"api_key": "abcdefghij klmnopqrstu"},
		"bad org":       {"api_key": testKey, "organization_id": "not-a-uuid"},
		"bad document":  {"api_key": testKey, "payer_document": "12345678900"},
		"bad email":     {"api_key": testKey, "payer_email": "nobody"},
		"bad phone":     {"api_key": testKey, "payer_phone": "1234"},
		"bad cnpj only": {"api_key": testKey, "payer_document": "11222333000180"},
	} {
		_, err := New(gateway.Config{Credentials: creds})
		if !errors.Is(err, gateway.ErrInvalidCredentials) {
			t.Errorf("%s: err = %v, want ErrInvalidCredentials", name, err)
		}
		if err != nil && strings.Contains(err.Error(), testKey) {
			t.Errorf("%s: error leaks the key: %v", name, err)
		}
	}
	g, err := New(gateway.Config{Credentials: gateway.Credentials{"api_key": testKey}})
	if err != nil {
		t.Fatal(err)
	}
	c := g.(*Client)
	if c.baseURL != DefaultBaseURL || c.http == nil || c.http.Timeout != gateway.DefaultTimeout {
		t.Errorf("defaults: base %q, client %+v", c.baseURL, c.http)
	}
}

func TestCreateChargeRequest(t *testing.T) {
	buyer := &gateway.Payer{Name: "Maria da Silva", Document: "529.982.247-25", Email: "maria@example.com", Phone: "+55 21 99876-5432"}
	sellerCustomer := `{"email":"financeiro@lojaexemplo.com.br","name":"Loja Exemplo LTDA","phone":"11987654321","document":"11222333000181"}`
	for _, tc := range []struct {
		name  string
		creds gateway.Credentials
		req   gateway.ChargeRequest
		want  string
	}{
		{
			name:  "R$ 19,90, seller's payer, webhook",
			creds: sellerCreds(),
			req:   gateway.ChargeRequest{Reference: "ref1", AmountCents: 1990, Description: "Curso X", WebhookURL: "https://app.example/webhooks/hoopay/tok"},
			want: `{"amount":19.90,"customer":` + sellerCustomer + `,
				"products":[{"title":"Curso X","amount":19.90,"quantity":1}],"payments":[{"amount":19.90,"type":"pix"}],
				"data":{"callbackURL":"https://app.example/webhooks/hoopay/tok"}}`,
		},
		{
			name:  "R$ 19,99, buyer's complete payer wins",
			creds: sellerCreds(),
			req:   gateway.ChargeRequest{Reference: "ref2", AmountCents: 1999, Description: "Curso Y", Payer: buyer},
			want: `{"amount":19.99,"customer":{"email":"maria@example.com","name":"Maria da Silva","phone":"21998765432","document":"52998224725"},
				"products":[{"title":"Curso Y","amount":19.99,"quantity":1}],"payments":[{"amount":19.99,"type":"pix"}]}`,
		},
		{
			name:  "R$ 1.000,00 with split to the operator and the seller's organisation",
			creds: sellerCreds(),
			req: gateway.ChargeRequest{Reference: "ref3", AmountCents: 100000, Description: "Mentoria",
				Payer: &gateway.Payer{Name: "Só Nome"}, Split: &gateway.Split{AccountID: "platform-org", AmountCents: 4000}},
			want: `{"amount":1000.00,"customer":` + sellerCustomer + `,
				"products":[{"title":"Mentoria","amount":1000.00,"quantity":1}],"payments":[{"amount":1000.00,"type":"pix"}],
				"commissions":[{"userId":"platform-org","type":"platform","amount":40.00},{"userId":"` + testOrgID + `","type":"organization","amount":960.00}]}`,
		},
		{
			name: "split without the seller's organisation sends only the platform entry",
			creds: func() gateway.Credentials {
				c := sellerCreds()
				delete(c, "organization_id")
				return c
			}(),
			req: gateway.ChargeRequest{Reference: "ref4", AmountCents: 1990, Split: &gateway.Split{AccountID: "platform-org", AmountCents: 40}},
			want: `{"amount":19.90,"customer":` + sellerCustomer + `,
				"products":[{"title":"Pagamento PIX","amount":19.90,"quantity":1}],"payments":[{"amount":19.90,"type":"pix"}],
				"commissions":[{"userId":"platform-org","type":"platform","amount":0.40}]}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, http.StatusOK, fixtureCreate)
			g := newClient(t, f.URL+"/api/v1/", tc.creds, 0)
			if _, err := g.CreateCharge(context.Background(), tc.req); err != nil {
				t.Fatalf("CreateCharge: %v", err)
			}
			r := f.only(t)
			if r.Method != http.MethodPost || r.Path != "/api/v1/charge" || r.Query != "" {
				t.Errorf("request %s %s?%s, want POST /api/v1/charge", r.Method, r.Path, r.Query)
			}
			wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(testKey+":"))
			if got := r.Header.Get("Authorization"); got != wantAuth {
				t.Errorf("Authorization = %q, want %q", got, wantAuth)
			}
			if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Accept") != "application/json" {
				t.Errorf("Content-Type %q, Accept %q", r.Header.Get("Content-Type"), r.Header.Get("Accept"))
			}
			assertJSON(t, r.Body, tc.want)
		})
	}
}

func TestCreateChargeAmountsAreExactDecimals(t *testing.T) {
	for cents, want := range map[int64]string{1990: `"amount":19.90`, 1999: `"amount":19.99`, 100000: `"amount":1000.00`} {
		f := newFake(t, http.StatusOK, fixtureCreate)
		g := newClient(t, f.URL, sellerCreds(), 0)
		if _, err := g.CreateCharge(context.Background(), gateway.ChargeRequest{Reference: "r", AmountCents: cents}); err != nil {
			t.Fatal(err)
		}
		if body := string(f.only(t).Body); !strings.HasPrefix(body, "{"+want+",") {
			t.Errorf("%d cents: body %s, want it to start with %s", cents, body, want)
		}
	}
}

func TestCreateChargeParsesAnswer(t *testing.T) {
	f := newFake(t, http.StatusOK, fixtureCreate)
	ch, err := newClient(t, f.URL, sellerCreds(), 0).CreateCharge(context.Background(), gateway.ChargeRequest{Reference: "r", AmountCents: 1990})
	if err != nil {
		t.Fatal(err)
	}
	if ch.TransactionID != orderUUID || ch.Hash != "7e1b2c3d-1111-4222-8333-944455556666" || ch.Status != gateway.StatusPending {
		t.Errorf("charge = %+v", ch)
	}
	if !strings.HasPrefix(ch.PixCode, "000201") || !strings.HasSuffix(ch.PixCode, "6304ABCD") {
		t.Errorf("PixCode = %q", ch.PixCode)
	}
	if !strings.HasPrefix(ch.QRCodeImage, "data:image/png;base64,iVBOR") {
		t.Errorf("QRCodeImage = %q", ch.QRCodeImage)
	}
}

func TestCreateChargeFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"401", http.StatusUnauthorized, `{"message":"Unauthenticated."}`, gateway.ErrInvalidCredentials},
		{"403", http.StatusForbidden, `{"message":"Forbidden"}`, gateway.ErrInvalidCredentials},
		{"400", http.StatusBadRequest, `{"message":"invalid document"}`, gateway.ErrRejected},
		{"404 wrong endpoint", http.StatusNotFound, `{}`, gateway.ErrRejected},
		{"422", http.StatusUnprocessableEntity, `{"errors":{"amount":["required"]}}`, gateway.ErrRejected},
		{"429", http.StatusTooManyRequests, `{}`, gateway.ErrUnavailable},
		{"500", http.StatusInternalServerError, `{"message":"oops"}`, gateway.ErrUnavailable},
		{"502", http.StatusBadGateway, `<html>bad gateway</html>`, gateway.ErrUnavailable},
		{"200 html", http.StatusOK, `<html><body>login</body></html>`, gateway.ErrUnavailable},
		{"200 truncated json", http.StatusOK, `{"orderUUID": "x", "payment": {`, gateway.ErrUnavailable},
		{"200 empty object", http.StatusOK, `{}`, gateway.ErrUnavailable},
		{"200 no pix payload", http.StatusOK, `{"orderUUID":"x","payment":{"status":"pending","charges":[{"uuid":"y"}]}}`, gateway.ErrUnavailable},
		{"200 success false", http.StatusOK, `{"success":false,"message":"Conta bloqueada"}`, gateway.ErrRejected},
		{"200 error field", http.StatusOK, `{"error":"Valor inválido"}`, gateway.ErrRejected},
		{"200 refused payment", http.StatusOK, strings.Replace(fixtureCreate, `"status": "pending",
    "charges"`, `"status": "refused",
    "charges"`, 1), gateway.ErrRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.status, tc.body)
			ch, err := newClient(t, f.URL, sellerCreds(), 0).CreateCharge(context.Background(), gateway.ChargeRequest{Reference: "r", AmountCents: 1990})
			if !errors.Is(err, tc.want) || ch != nil {
				t.Fatalf("CreateCharge = %+v, %v; want %v", ch, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "hoopay: creating charge: ") || strings.Contains(err.Error(), testKey) {
				t.Errorf("error text %q", err)
			}
		})
	}
}

func TestCreateChargeTimeout(t *testing.T) {
	f := newFakeFunc(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	_, err := newClient(t, f.URL, sellerCreds(), 50*time.Millisecond).CreateCharge(context.Background(), gateway.ChargeRequest{Reference: "r", AmountCents: 1990})
	if !errors.Is(err, gateway.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

func TestCreateChargeRefusedLocally(t *testing.T) {
	noPayer := gateway.Credentials{"api_key": testKey}
	for _, tc := range []struct {
		name  string
		creds gateway.Credentials
		req   gateway.ChargeRequest
		field string
	}{
		{"no payer at all", noPayer, gateway.ChargeRequest{AmountCents: 1990}, "payer_name"},
		{"buyer without document", noPayer, gateway.ChargeRequest{AmountCents: 1990,
			Payer: &gateway.Payer{Name: "Maria", Email: "m@example.com", Phone: "11987654321"}}, "payer_document"},
		{"buyer with invalid CPF", noPayer, gateway.ChargeRequest{AmountCents: 1990,
			Payer: &gateway.Payer{Name: "Maria", Document: "12345678900", Email: "m@example.com", Phone: "11987654321"}}, "payer_document"},
		{"seller without phone", gateway.Credentials{"api_key": testKey, "payer_name": "Loja", "payer_document": "11222333000181",
			"payer_email": "a@b.co"}, gateway.ChargeRequest{AmountCents: 1990}, "payer_phone"},
		{"below minimum", sellerCreds(), gateway.ChargeRequest{AmountCents: 49}, "minimum"},
		{"split too big", sellerCreds(), gateway.ChargeRequest{AmountCents: 1990, Split: &gateway.Split{AccountID: "p", AmountCents: 1990}}, "split"},
		{"split without account", sellerCreds(), gateway.ChargeRequest{AmountCents: 1990, Split: &gateway.Split{AmountCents: 40}}, "account"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, http.StatusOK, fixtureCreate)
			_, err := newClient(t, f.URL, tc.creds, 0).CreateCharge(context.Background(), tc.req)
			if !errors.Is(err, gateway.ErrRejected) || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("err = %v, want ErrRejected naming %s", err, tc.field)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d HTTP calls, want none", n)
			}
		})
	}
}

func TestChargeStatus(t *testing.T) {
	f := newFake(t, http.StatusOK, fixtureWebhook)
	ev, err := newClient(t, f.URL+"/api/v1", sellerCreds(), 0).ChargeStatus(context.Background(), orderUUID)
	if err != nil {
		t.Fatal(err)
	}
	r := f.only(t)
	if r.Method != http.MethodGet || r.Path != "/api/v1/pix/consult/"+orderUUID || r.Query != "" || len(r.Body) != 0 {
		t.Errorf("request %s %s?%s body %q", r.Method, r.Path, r.Query, r.Body)
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Basic ") {
		t.Errorf("no Basic auth on the status query")
	}
	if ev.TransactionID != orderUUID || ev.Status != gateway.StatusPaid || ev.AmountCents != 1990 || ev.RawStatus != "paid" {
		t.Errorf("event = %+v", ev)
	}

	for _, tc := range []struct {
		status int
		body   string
		want   error
	}{
		{http.StatusNotFound, `{"message":"Order not found"}`, gateway.ErrNotFound},
		{http.StatusUnauthorized, `{}`, gateway.ErrInvalidCredentials},
		{http.StatusInternalServerError, `{}`, gateway.ErrUnavailable},
		{http.StatusOK, `<html></html>`, gateway.ErrUnavailable},
		{http.StatusOK, `{"message":"ok"}`, gateway.ErrUnavailable},
	} {
		f := newFake(t, tc.status, tc.body)
		if _, err := newClient(t, f.URL, sellerCreds(), 0).ChargeStatus(context.Background(), orderUUID); !errors.Is(err, tc.want) {
			t.Errorf("%d %s: err = %v, want %v", tc.status, tc.body, err, tc.want)
		}
	}
}

func TestVerifyCredentials(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   error
	}{
		{http.StatusNotFound, nil},
		{http.StatusOK, nil},
		{http.StatusUnauthorized, gateway.ErrInvalidCredentials},
		{http.StatusForbidden, gateway.ErrInvalidCredentials},
		{http.StatusInternalServerError, gateway.ErrUnavailable},
	} {
		f := newFake(t, tc.status, `{"message":"x"}`)
		err := newClient(t, f.URL, gateway.Credentials{"api_key": testKey}, 0).VerifyCredentials(context.Background())
		if (tc.want == nil && err != nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%d: err = %v, want %v", tc.status, err, tc.want)
		}
		r := f.only(t)
		if r.Method != http.MethodGet || r.Path != "/pix/consult/"+verifyProbe || !strings.HasPrefix(r.Header.Get("Authorization"), "Basic ") {
			t.Errorf("verify request %s %s auth %q", r.Method, r.Path, r.Header.Get("Authorization"))
		}
	}
}

func TestRefundNotSupported(t *testing.T) {
	g := newClient(t, "http://127.0.0.1:1", gateway.Credentials{"api_key": testKey}, 0)
	if err := g.Refund(context.Background(), orderUUID, 1990); !errors.Is(err, gateway.ErrNotSupported) {
		t.Errorf("Refund err = %v", err)
	}
}
