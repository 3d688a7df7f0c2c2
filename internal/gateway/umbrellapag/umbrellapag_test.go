package umbrellapag

import (
	"context"
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
	required := map[string]bool{}
	for _, f := range Driver.Fields {
		required[f.Name] = f.Required
	}
	for _, name := range []string{"api_key", "payer_name", "payer_document", "payer_email", "payer_phone", "payer_zip_code",
		"payer_street", "payer_street_number", "payer_neighborhood", "payer_city", "payer_state"} {
		if !required[name] {
			t.Errorf("field %s should be declared required", name)
		}
	}
	if Driver.SupportsSplit || Driver.SupportsRefund || Driver.VerifyWebhook != nil || !Driver.HasStatusAPI {
		t.Errorf("capabilities: %+v", Driver)
	}
}

func TestNewValidatesShape(t *testing.T) {
	for name, edit := range map[string]func(gateway.Credentials){
		"no key":       func(c gateway.Credentials) { delete(c, "api_key") },
		"spaced key":   func(c gateway.Credentials) { c["api_key"] = "a b" },
		"bad zip":      func(c gateway.Credentials) { c["payer_zip_code"] = "0101" },
		"bad state":    func(c gateway.Credentials) { c["payer_state"] = "XX" },
		"bad document": func(c gateway.Credentials) { c["payer_document"] = "123.456.789-00" },
		"bad email":    func(c gateway.Credentials) { c["payer_email"] = "x@y" },
		"bad phone":    func(c gateway.Credentials) { c["payer_phone"] = "987654" },
	} {
		creds := sellerCreds()
		edit(creds)
		if _, err := New(gateway.Config{Credentials: creds}); !errors.Is(err, gateway.ErrInvalidCredentials) {
			t.Errorf("%s: err = %v", name, err)
		} else if strings.Contains(err.Error(), testKey) {
			t.Errorf("%s: error leaks the key", name)
		}
	}
	g, err := New(gateway.Config{Credentials: gateway.Credentials{"api_key": testKey}})
	if err != nil || g.(*Client).baseURL != DefaultBaseURL || g.(*Client).http.Timeout != gateway.DefaultTimeout || len(g.(*Client).backoff) != 2 {
		t.Errorf("defaults: %v %+v", err, g)
	}
}

func TestCreateChargeRequest(t *testing.T) {
	sellerCustomer := `"name":"Loja Exemplo LTDA","email":"financeiro@lojaexemplo.com.br","document":{"number":"11222333000181","type":"CNPJ"},"phone":"+5511987654321"`
	buyer := &gateway.Payer{Name: "João da Conceição", Document: "529.982.247-25", Email: "joao@example.com", Phone: "5521998765432"}
	body := func(cents, customer, extra, title, desc string, days int) string {
		return `{"amount":` + cents + `,"currency":"BRL","paymentMethod":"pix","installments":1,"traceable":true,` + extra +
			`"metadata":"{\"payment_id\":\"` + ourRef + `\",\"description\":\"` + desc + `\"}",
			"customer":{` + customer + `,"externalRef":"` + ourRef + `","address":` + sellerAddress + `},
			"shipping":{"fee":0,"address":` + sellerAddress + `},
			"items":[{"title":"` + title + `","unitPrice":` + cents + `,"quantity":1,"tangible":false,"externalRef":"` + ourRef + `"}],
			"pix":{"expiresInDays":` + string(rune('0'+days)) + `}}`
	}
	for _, tc := range []struct {
		name string
		req  gateway.ChargeRequest
		want string
	}{
		{"R$ 19,90, seller's payer and address",
			gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990, Description: "Curso X", WebhookURL: hookURL},
			body("1990", sellerCustomer, `"postbackUrl":"`+hookURL+`",`, "Curso X", "Curso X", 3)},
		{"R$ 19,99, buyer's payer, accents folded, 36 h expiry",
			gateway.ChargeRequest{Reference: ourRef, AmountCents: 1999, Description: "Promoção Ação", WebhookURL: hookURL,
				Payer: buyer, ExpiresIn: 36 * time.Hour},
			body("1999", `"name":"Joao da Conceicao","email":"joao@example.com","document":{"number":"52998224725","type":"CPF"},"phone":"+5521998765432"`,
				`"postbackUrl":"`+hookURL+`",`, "Promocao Acao", "Promoção Ação", 2)},
		{"R$ 1.000,00, split ignored, no webhook URL",
			gateway.ChargeRequest{Reference: ourRef, AmountCents: 100000, Split: &gateway.Split{AccountID: "x", AmountCents: 100}},
			body("100000", sellerCustomer, ``, "Pagamento PIX", "", 3)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, http.StatusCreated, fixtureCreate)
			if _, err := newClient(t, f.URL+"/api/", sellerCreds(), 0).CreateCharge(context.Background(), tc.req); err != nil {
				t.Fatalf("CreateCharge: %v", err)
			}
			r := f.only(t)
			if r.Method != http.MethodPost || r.Path != "/api/user/transactions" || r.Query != "" {
				t.Errorf("request %s %s?%s", r.Method, r.Path, r.Query)
			}
			if r.Header.Get("X-Api-Key") != testKey || r.Header.Get("User-Agent") != "UmbrellaPagB2B/1.0" || r.Header.Get("Authorization") != "" {
				t.Errorf("auth headers: x-api-key %q, User-Agent %q", r.Header.Get("X-Api-Key"), r.Header.Get("User-Agent"))
			}
			if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Accept") != "application/json" {
				t.Errorf("Content-Type %q, Accept %q", r.Header.Get("Content-Type"), r.Header.Get("Accept"))
			}
			assertJSON(t, r.Body, tc.want)
		})
	}
}

func TestCreateChargeParsesAnswer(t *testing.T) {
	for _, status := range []int{http.StatusCreated, http.StatusOK} {
		f := newFake(t, status, fixtureCreate)
		ch, err := newClient(t, f.URL, sellerCreds(), 0).CreateCharge(context.Background(), gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990})
		if err != nil {
			t.Fatal(err)
		}
		wantExp := time.Date(2025, 11, 23, 23, 59, 59, 0, time.FixedZone("", -3*3600))
		if ch.TransactionID != txID || !strings.HasSuffix(ch.PixCode, "6304ABCD") || ch.Status != gateway.StatusPending ||
			ch.QRCodeImage != "https://api-gateway.umbrellapag.example/qr/c2f1a9e4.png" || ch.ExpiresAt == nil || !ch.ExpiresAt.Equal(wantExp) {
			t.Errorf("%d: charge = %+v (expires %v)", status, ch, ch.ExpiresAt)
		}
	}
	// The PIX code may come at the data level, and is never cut short.
	long := "000201" + strings.Repeat("9", 400) + "6304ABCD"
	f := newFake(t, http.StatusOK, `{"status":200,"data":{"id":"abc","status":"WAITING_PAYMENT","qrCode":"`+long+`"}}`)
	ch, err := newClient(t, f.URL, sellerCreds(), 0).CreateCharge(context.Background(), gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990})
	if err != nil || ch.TransactionID != "abc" || ch.PixCode != long {
		t.Errorf("data-level code: %+v %v", ch, err)
	}
}

func TestCreateChargeFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   error
		text   string
	}{
		{"400 refusal", http.StatusBadRequest, fixtureRefusal, gateway.ErrRejected, "invalid customer document"},
		{"401", http.StatusUnauthorized, `{"message":"Unauthorized"}`, gateway.ErrInvalidCredentials, ""},
		{"403", http.StatusForbidden, `{"message":"Forbidden"}`, gateway.ErrInvalidCredentials, ""},
		{"404", http.StatusNotFound, `{}`, gateway.ErrRejected, ""},
		{"422", http.StatusUnprocessableEntity, `{"message":"customer.phone invalid"}`, gateway.ErrRejected, "customer.phone"},
		{"500", http.StatusInternalServerError, `{}`, gateway.ErrUnavailable, ""},
		{"502 html", http.StatusBadGateway, `<html>502</html>`, gateway.ErrUnavailable, ""},
		{"200 html", http.StatusOK, `<!doctype html><html>login</html>`, gateway.ErrUnavailable, ""},
		{"201 truncated", http.StatusCreated, `{"status":201,"data":{"id":`, gateway.ErrUnavailable, ""},
		{"201 without pix", http.StatusCreated, `{"status":201,"data":{"id":"abc","status":"WAITING_PAYMENT"}}`, gateway.ErrUnavailable, ""},
		{"200 refusal body", http.StatusOK, fixtureRefusal, gateway.ErrRejected, "invalid customer document"},
		{"200 body status 400", http.StatusOK, `{"status":400,"message":"Dados inválidos"}`, gateway.ErrRejected, "Dados inválidos"},
		{"200 refused transaction", http.StatusOK, `{"status":200,"data":{"id":"abc","status":"REFUSED","refusedReason":"antifraude","pix":{"qrCode":"000201"}}}`, gateway.ErrRejected, "antifraude"},
		{"200 success false", http.StatusOK, `{"success":false,"message":"erro"}`, gateway.ErrRejected, "erro"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.status, tc.body)
			ch, err := newClient(t, f.URL, sellerCreds(), 0).CreateCharge(context.Background(), gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990})
			if !errors.Is(err, tc.want) || ch != nil {
				t.Fatalf("CreateCharge = %+v, %v; want %v", ch, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "umbrellapag: creating charge: ") || !strings.Contains(err.Error(), tc.text) || strings.Contains(err.Error(), testKey) {
				t.Errorf("error text %q", err)
			}
		})
	}
}

func TestCreateChargeTimeout(t *testing.T) {
	f := newFakeFunc(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	_, err := newClient(t, f.URL, sellerCreds(), 50*time.Millisecond).CreateCharge(context.Background(), gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990})
	if !errors.Is(err, gateway.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("a create must never be retried; saw %d requests", n)
	}
}

func TestCreateChargeRefusedLocally(t *testing.T) {
	without := func(keys ...string) gateway.Credentials {
		c := sellerCreds()
		for _, k := range keys {
			delete(c, k)
		}
		return c
	}
	for _, tc := range []struct {
		name  string
		creds gateway.Credentials
		req   gateway.ChargeRequest
		field string
	}{
		{"no payer", without("payer_name", "payer_document", "payer_email", "payer_phone"),
			gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990}, "payer_name, payer_document, payer_email, payer_phone"},
		{"buyer without phone, seller without phone", without("payer_phone"), gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990,
			Payer: &gateway.Payer{Name: "Maria", Document: "52998224725", Email: "m@example.com"}}, "payer_phone"},
		{"no address", without("payer_zip_code", "payer_city"), gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990}, "payer_zip_code, payer_city"},
		{"zero amount", sellerCreds(), gateway.ChargeRequest{Reference: ourRef}, "range"},
		{"over R$ 1.000.000", sellerCreds(), gateway.ChargeRequest{Reference: ourRef, AmountCents: 100_000_001}, "range"},
		{"no reference", sellerCreds(), gateway.ChargeRequest{AmountCents: 1990}, "reference"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, http.StatusCreated, fixtureCreate)
			_, err := newClient(t, f.URL, tc.creds, 0).CreateCharge(context.Background(), tc.req)
			if !errors.Is(err, gateway.ErrRejected) || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("err = %v, want ErrRejected naming %q", err, tc.field)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d HTTP calls, want none", n)
			}
		})
	}
}

func TestVerifyCredentials(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   error
	}{
		{http.StatusOK, `{"status":200,"message":"Dados encontrados","data":{"id":"s1"}}`, nil},
		{http.StatusCreated, `{}`, nil},
		{http.StatusUnauthorized, `{"message":"Unauthorized"}`, gateway.ErrInvalidCredentials},
		{http.StatusForbidden, `{}`, gateway.ErrInvalidCredentials},
		{http.StatusOK, `{"status":401,"message":"API key inválida"}`, gateway.ErrInvalidCredentials},
		{http.StatusOK, `<html>login</html>`, gateway.ErrUnavailable},
		{http.StatusInternalServerError, `{}`, gateway.ErrUnavailable},
	} {
		f := newFake(t, tc.status, tc.body)
		err := newClient(t, f.URL, gateway.Credentials{"api_key": testKey}, 0).VerifyCredentials(context.Background())
		if (tc.want == nil && err != nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%d %s: err = %v, want %v", tc.status, tc.body, err, tc.want)
		}
		r := f.only(t)
		if r.Method != http.MethodGet || r.Path != "/user/sellers" || r.Header.Get("X-Api-Key") != testKey || r.Header.Get("User-Agent") != userAgent {
			t.Errorf("verify request %s %s", r.Method, r.Path)
		}
	}
}

func TestRefundNotSupported(t *testing.T) {
	g := newClient(t, "http://127.0.0.1:1", sellerCreds(), 0)
	if err := g.Refund(context.Background(), txID, 1990); !errors.Is(err, gateway.ErrNotSupported) {
		t.Errorf("Refund err = %v", err)
	}
}
