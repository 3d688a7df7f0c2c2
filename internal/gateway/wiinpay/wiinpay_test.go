package wiinpay

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
)

func TestDriver(t *testing.T) {
	gatewaytest.CheckDriver(t, Driver)
	if Driver.MinAmountCents != 300 || Driver.VerifyWebhook != nil {
		t.Errorf("MinAmountCents %d, VerifyWebhook set %v", Driver.MinAmountCents, Driver.VerifyWebhook != nil)
	}
}

func TestNewValidatesShape(t *testing.T) {
	for name, creds := range map[string]gateway.Credentials{
		"no key":    {},
		"short key": {"api_key": "abc"},
		"bad email": {"api_key": testKey, "payer_email": "loja"},
	} {
		if _, err := New(gateway.Config{Credentials: creds}); !errors.Is(err, gateway.ErrInvalidCredentials) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	g, err := New(gateway.Config{BaseURL: "https://proxy.example/", Credentials: gateway.Credentials{"api_key": testKey}})
	if err != nil || g.(*Client).baseURL != "https://proxy.example" || g.(*Client).http.Timeout != gateway.DefaultTimeout {
		t.Errorf("New: %v %+v", err, g)
	}
}

func TestCreateChargeRequest(t *testing.T) {
	seller := `"name":"Loja Exemplo","email":"financeiro@lojaexemplo.com.br"`
	meta := `"metadata":{"payment_id":"` + ourRef + `","platform":"grimbots"}`
	for _, tc := range []struct {
		name string
		req  gateway.ChargeRequest
		want string
	}{
		{"R$ 19,90 without split, seller's payer",
			gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990, Description: "Curso X", WebhookURL: hookURL},
			`{"api_key":"` + testKey + `","value":19.90,` + seller + `,"description":"Curso X","webhook_url":"` + hookURL + `",` + meta + `}`},
		{"R$ 19,99 with the buyer's payer",
			gateway.ChargeRequest{Reference: ourRef, AmountCents: 1999, Description: "Curso Y", WebhookURL: hookURL,
				Payer: &gateway.Payer{Name: " Maria  Silva ", Email: "maria@example.com"}},
			`{"api_key":"` + testKey + `","value":19.99,"name":"Maria Silva","email":"maria@example.com","description":"Curso Y","webhook_url":"` + hookURL + `",` + meta + `}`},
		{"R$ 1.000,00 with split to the operator's account",
			gateway.ChargeRequest{Reference: ourRef, AmountCents: 100000, WebhookURL: hookURL,
				Payer: &gateway.Payer{Name: "Só nome"}, Split: &gateway.Split{AccountID: "operator-acct", AmountCents: 2000}},
			`{"api_key":"` + testKey + `","value":1000.00,` + seller + `,"description":"Pagamento PIX","webhook_url":"` + hookURL + `",` + meta + `,
			  "split":{"percentage":2.00,"value":20.00,"user_id":"operator-acct"}}`},
		{"R$ 19,90 with a split that is not a round percentage",
			gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990, WebhookURL: hookURL, Split: &gateway.Split{AccountID: "operator-acct", AmountCents: 40}},
			`{"api_key":"` + testKey + `","value":19.90,` + seller + `,"description":"Pagamento PIX","webhook_url":"` + hookURL + `",` + meta + `,
			  "split":{"percentage":2.01,"value":0.40,"user_id":"operator-acct"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, http.StatusCreated, fixtureCreate)
			if _, err := newClient(t, f.URL+"/", sellerCreds(), 0).CreateCharge(context.Background(), tc.req); err != nil {
				t.Fatalf("CreateCharge: %v", err)
			}
			r := f.only(t)
			if r.Method != http.MethodPost || r.Path != "/payment/create" || r.Query != "" {
				t.Errorf("request %s %s?%s, want POST /payment/create", r.Method, r.Path, r.Query)
			}
			if r.Header.Get("Authorization") != "" {
				t.Errorf("WiinPay takes the key in the body; got an Authorization header")
			}
			if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Accept") != "application/json" {
				t.Errorf("Content-Type %q, Accept %q", r.Header.Get("Content-Type"), r.Header.Get("Accept"))
			}
			assertJSON(t, r.Body, tc.want)
		})
	}
}

func TestCreateChargeSkipsSplitToItself(t *testing.T) {
	claims := base64.RawURLEncoding.EncodeToString([]byte(`{"userId":"operator-acct","iat":1730000000}`))
	creds := sellerCreds()
	creds["api_key"] = "eyJhbGciOiJIUzI1NiJ9." + claims + ".c2lnbmF0dXJl"
	f := newFake(t, http.StatusCreated, fixtureCreate)
	_, err := newClient(t, f.URL, creds, 0).CreateCharge(context.Background(), gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990,
		WebhookURL: hookURL, Split: &gateway.Split{AccountID: "operator-acct", AmountCents: 40}})
	if err != nil {
		t.Fatal(err)
	}
	if body := string(f.only(t).Body); strings.Contains(body, `"split"`) {
		t.Errorf("split to the receiving account itself was sent: %s", body)
	}
}

func TestCreateChargeAccepts201And200(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		qr     string
	}{
		{"201 flat", http.StatusCreated, fixtureCreate, "https://api-v2.wiinpay.example/qr/6650f1e2a3b4c5d6e7f80912.png"},
		{"200 flat", http.StatusOK, fixtureCreate, "https://api-v2.wiinpay.example/qr/6650f1e2a3b4c5d6e7f80912.png"},
		{"201 wrapped", http.StatusCreated, fixtureCreateWrapped, ""},
		{"200 wrapped", http.StatusOK, fixtureCreateWrapped, ""},
		{"base64 only", http.StatusCreated, `{"status":"created","id":"abc","qr_code":"000201x","qr_code_base64":"iVBOR"}`, "data:image/png;base64,iVBOR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.status, tc.body)
			ch, err := newClient(t, f.URL, sellerCreds(), 0).CreateCharge(context.Background(),
				gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990, WebhookURL: hookURL})
			if err != nil {
				t.Fatal(err)
			}
			if ch.TransactionID == "" || !strings.HasPrefix(ch.PixCode, "000201") || ch.QRCodeImage != tc.qr || ch.Status != gateway.StatusPending {
				t.Errorf("charge = %+v", ch)
			}
		})
	}
	f := newFake(t, http.StatusCreated, fixtureCreate)
	ch, _ := newClient(t, f.URL, sellerCreds(), 0).CreateCharge(context.Background(), gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990, WebhookURL: hookURL})
	if ch.TransactionID != paymentID || ch.ExpiresAt == nil || !ch.ExpiresAt.Equal(time.Date(2025, 11, 20, 23, 59, 59, 0, time.UTC)) {
		t.Errorf("charge = %+v", ch)
	}
}

func TestCreateChargeFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"401 bad key", http.StatusUnauthorized, `{"message":"Invalid api_key"}`, gateway.ErrInvalidCredentials},
		{"403", http.StatusForbidden, `{}`, gateway.ErrInvalidCredentials},
		{"422 split account", http.StatusUnprocessableEntity, `{"message":"split account cannot be the receiving account"}`, gateway.ErrRejected},
		{"422 echoing the key", http.StatusUnprocessableEntity, `{"message":"invalid field","received":{"api_key":"` + testKey + `"}}`, gateway.ErrRejected},
		{"404", http.StatusNotFound, `{}`, gateway.ErrRejected},
		{"500", http.StatusInternalServerError, `{"message":"Internal"}`, gateway.ErrUnavailable},
		{"503 html", http.StatusServiceUnavailable, `<html>maintenance</html>`, gateway.ErrUnavailable},
		{"201 html", http.StatusCreated, `<html>login</html>`, gateway.ErrUnavailable},
		{"201 broken json", http.StatusCreated, `{"id": "abc", `, gateway.ErrUnavailable},
		{"201 no pix code", http.StatusCreated, `{"id":"abc","status":"pending"}`, gateway.ErrUnavailable},
		{"200 error body", http.StatusOK, `{"error":"Valor mínimo R$ 3,00"}`, gateway.ErrRejected},
		{"200 success false", http.StatusOK, `{"success":false,"message":"Conta inativa"}`, gateway.ErrRejected},
		{"200 status error", http.StatusOK, `{"status":"error","message":"falha"}`, gateway.ErrRejected},
		{"200 numeric 422", http.StatusOK, `{"status":422,"message":"invalid"}`, gateway.ErrRejected},
		{"201 failed payment", http.StatusCreated, `{"data":{"paymentId":"abc","qr_code":"000201","status":"failed"}}`, gateway.ErrRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.status, tc.body)
			ch, err := newClient(t, f.URL, sellerCreds(), 0).CreateCharge(context.Background(),
				gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990, WebhookURL: hookURL})
			if !errors.Is(err, tc.want) || ch != nil {
				t.Fatalf("CreateCharge = %+v, %v; want %v", ch, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "wiinpay: creating charge: ") || strings.Contains(err.Error(), testKey) {
				t.Errorf("error text %q", err)
			}
		})
	}
}

func TestCreateChargeRefusedLocally(t *testing.T) {
	ok := gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990, WebhookURL: hookURL}
	for _, tc := range []struct {
		name  string
		creds gateway.Credentials
		edit  func(*gateway.ChargeRequest)
		field string
	}{
		{"no payer", gateway.Credentials{"api_key": testKey}, func(*gateway.ChargeRequest) {}, "payer_name, payer_email"},
		{"buyer without e-mail, seller without e-mail", gateway.Credentials{"api_key": testKey, "payer_name": "Loja"},
			func(r *gateway.ChargeRequest) { r.Payer = &gateway.Payer{Name: "Maria"} }, "payer_email"},
		{"R$ 2,99", sellerCreds(), func(r *gateway.ChargeRequest) { r.AmountCents = 299 }, "minimum"},
		{"no webhook URL", sellerCreds(), func(r *gateway.ChargeRequest) { r.WebhookURL = "" }, "webhook"},
		{"relative webhook URL", sellerCreds(), func(r *gateway.ChargeRequest) { r.WebhookURL = "/webhooks/wiinpay" }, "webhook"},
		{"no reference", sellerCreds(), func(r *gateway.ChargeRequest) { r.Reference = "" }, "reference"},
		{"split not below the charge", sellerCreds(), func(r *gateway.ChargeRequest) {
			r.Split = &gateway.Split{AccountID: "operator-acct", AmountCents: 1990}
		}, "split"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, http.StatusCreated, fixtureCreate)
			req := ok
			tc.edit(&req)
			_, err := newClient(t, f.URL, tc.creds, 0).CreateCharge(context.Background(), req)
			if !errors.Is(err, gateway.ErrRejected) || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("err = %v, want ErrRejected naming %q", err, tc.field)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d HTTP calls, want none", n)
			}
		})
	}
}

func TestChargeStatus(t *testing.T) {
	f := newFake(t, http.StatusOK, fixtureWebhook)
	ev, err := newClient(t, f.URL, sellerCreds(), 0).ChargeStatus(context.Background(), paymentID)
	if err != nil {
		t.Fatal(err)
	}
	r := f.only(t)
	if r.Method != http.MethodGet || r.Path != "/payment/"+paymentID || r.Query != "api_key="+url.QueryEscape(testKey) || len(r.Body) != 0 {
		t.Errorf("request %s %s?%s", r.Method, r.Path, r.Query)
	}
	if ev.TransactionID != paymentID || ev.Status != gateway.StatusPaid || ev.AmountCents != 1990 || ev.Reference != ourRef {
		t.Errorf("event = %+v", ev)
	}
	for _, tc := range []struct {
		status int
		body   string
		want   error
	}{
		{http.StatusNotFound, `{"message":"Payment not found"}`, gateway.ErrNotFound},
		{http.StatusUnauthorized, `{}`, gateway.ErrInvalidCredentials},
		{http.StatusInternalServerError, `{}`, gateway.ErrUnavailable},
		{http.StatusOK, `not json`, gateway.ErrUnavailable},
	} {
		f := newFake(t, tc.status, tc.body)
		if _, err := newClient(t, f.URL, sellerCreds(), 0).ChargeStatus(context.Background(), paymentID); !errors.Is(err, tc.want) {
			t.Errorf("%d: err = %v, want %v", tc.status, err, tc.want)
		}
	}
}

// The key is in the status query's URL, which net/http repeats in transport
// errors: the error must still classify but never show the key.
func TestChargeStatusTimeoutDoesNotLeakKey(t *testing.T) {
	f := newFakeFunc(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	_, err := newClient(t, f.URL, sellerCreds(), 50*time.Millisecond).ChargeStatus(context.Background(), paymentID)
	if !errors.Is(err, gateway.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), testKey) {
			t.Fatalf("error chain leaks the key: %v", e)
		}
	}
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("expected the URL with the key redacted, got %v", err)
	}
}

func TestCreateChargeTimeout(t *testing.T) {
	f := newFakeFunc(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	_, err := newClient(t, f.URL, sellerCreds(), 50*time.Millisecond).CreateCharge(context.Background(),
		gateway.ChargeRequest{Reference: ourRef, AmountCents: 1990, WebhookURL: hookURL})
	if !errors.Is(err, gateway.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
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
		{http.StatusBadGateway, gateway.ErrUnavailable},
	} {
		f := newFake(t, tc.status, `{"message":"x"}`)
		err := newClient(t, f.URL, gateway.Credentials{"api_key": testKey}, 0).VerifyCredentials(context.Background())
		if (tc.want == nil && err != nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%d: err = %v, want %v", tc.status, err, tc.want)
		}
		if r := f.only(t); r.Method != http.MethodGet || r.Path != "/payment/"+verifyProbe || r.Query != "api_key="+url.QueryEscape(testKey) {
			t.Errorf("verify request %s %s?%s", r.Method, r.Path, r.Query)
		}
	}
}

func TestRefundNotSupported(t *testing.T) {
	g := newClient(t, "http://127.0.0.1:1", sellerCreds(), 0)
	if err := g.Refund(context.Background(), paymentID, 1990); !errors.Is(err, gateway.ErrNotSupported) {
		t.Errorf("Refund err = %v", err)
	}
}
