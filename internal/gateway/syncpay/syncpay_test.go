package syncpay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
	"github.com/grimbots/grimbots/internal/gateway/syncpay"
)

const (
	fixtureCashIn = `{"message":"Cashin request successfully submitted","pix_code":"00020101021226830014br.gov.bcb.pix2561pix.example.com/qr/v2/3df0319decf7455a84c4070aee2779c15204000053039865406019.905802BR5909SYNCPAY106009SAO PAULO62070503***6304ABCD","identifier":"3df0319d-ecf7-455a-84c4-070aee2779c1"}`
	clientID      = "client-id-0001"
	clientSecret  = "client-secret-do-not-log"
)

var payer = &gateway.Payer{Name: "Maria da Silva", Document: "123.456.789-09", Email: "maria@example.com", Phone: "+55 (11) 98765-4321"}

func TestDriver(t *testing.T) { gatewaytest.CheckDriver(t, syncpay.Driver) }

// fake is a SyncPay server built from the reference fixtures. Tokens are
// "tok-N"; only tokens in live are accepted by the cash-in endpoint.
type fake struct {
	t         *testing.T
	mu        sync.Mutex
	tokenHits int
	cashIns   []recorded
	live      map[string]bool
	expiresIn int
	tokenCode int // answer of the token endpoint when not 0
	tokenBody string
	cashCode  int    // answer of the cash-in endpoint when not 0
	cashBody  string // replaces the fixture when not ""
	delay     time.Duration
}

type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                map[string]any
}

func newFake(t *testing.T) (*fake, *httptest.Server) {
	f := &fake{t: t, live: map[string]bool{}, expiresIn: 3600}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	raw, _ := io.ReadAll(r.Body)
	rec := recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: decode(f.t, raw)}
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/api/partner/v1/auth-token":
		f.tokenHits++
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" ||
			!reflect.DeepEqual(rec.Body, map[string]any{"client_id": clientID, "client_secret": clientSecret}) {
			f.t.Errorf("token request: %s %+v", r.Method, rec.Body)
		}
		if f.tokenCode != 0 {
			w.WriteHeader(f.tokenCode)
			fmt.Fprint(w, f.tokenBody)
			return
		}
		tok := fmt.Sprintf("tok-%d", f.tokenHits)
		f.live[tok] = true
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%d}`, tok, f.expiresIn)
	case "/api/partner/v1/cash-in":
		f.cashIns = append(f.cashIns, rec)
		if !f.live[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"message":"Unauthenticated."}`)
			return
		}
		if f.delay > 0 {
			f.mu.Unlock()
			time.Sleep(f.delay)
			f.mu.Lock()
		}
		if f.cashCode != 0 {
			w.WriteHeader(f.cashCode)
		}
		if f.cashBody != "" {
			fmt.Fprint(w, f.cashBody)
			return
		}
		fmt.Fprint(w, fixtureCashIn)
	default:
		http.NotFound(w, r)
	}
}

func (f *fake) counts() (tokens, cashIns int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenHits, len(f.cashIns)
}

func decode(t *testing.T, raw []byte) map[string]any {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Errorf("body %q is not a JSON object: %v", raw, err)
	}
	return m
}

func newClient(t *testing.T, srv *httptest.Server, timeout time.Duration) gateway.Gateway {
	t.Helper()
	g, err := syncpay.Driver.New(gateway.Config{BaseURL: srv.URL + "/", HTTPClient: &http.Client{Timeout: timeout},
		Credentials: gateway.Credentials{"client_id": clientID, "client_secret": clientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func chargeReq(cents int64) gateway.ChargeRequest {
	return gateway.ChargeRequest{Reference: "gbabc123", AmountCents: cents, Description: "Curso VIP", Payer: payer,
		WebhookURL: "https://app.example.com/webhook/payment/syncpay/tok"}
}

func TestCreateChargeSendsExactRequest(t *testing.T) {
	for _, tc := range []struct {
		cents int64
		split *gateway.Split
		want  string
	}{
		{1990, nil, `{"amount":19.90,"description":"Curso VIP","webhook_url":"https://app.example.com/webhook/payment/syncpay/tok",
			"client":{"name":"Maria da Silva","cpf":"12345678909","email":"maria@example.com","phone":"11987654321"},"external_reference":"gbabc123"}`},
		{1999, nil, `{"amount":19.99,"description":"Curso VIP","webhook_url":"https://app.example.com/webhook/payment/syncpay/tok",
			"client":{"name":"Maria da Silva","cpf":"12345678909","email":"maria@example.com","phone":"11987654321"},"external_reference":"gbabc123"}`},
		{100000, &gateway.Split{AccountID: "9f0c1e2d-platform", AmountCents: 2000}, `{"amount":1000.00,"description":"Curso VIP",
			"webhook_url":"https://app.example.com/webhook/payment/syncpay/tok","client":{"name":"Maria da Silva","cpf":"12345678909",
			"email":"maria@example.com","phone":"11987654321"},"external_reference":"gbabc123","split":[{"percentage":2,"user_id":"9f0c1e2d-platform"}]}`},
		{1990, &gateway.Split{AccountID: "acct", AmountCents: 40}, `{"amount":19.90,"description":"Curso VIP",
			"webhook_url":"https://app.example.com/webhook/payment/syncpay/tok","client":{"name":"Maria da Silva","cpf":"12345678909",
			"email":"maria@example.com","phone":"11987654321"},"external_reference":"gbabc123","split":[{"percentage":2,"user_id":"acct"}]}`},
	} {
		t.Run(fmt.Sprint(tc.cents, tc.split != nil), func(t *testing.T) {
			f, srv := newFake(t)
			req := chargeReq(tc.cents)
			req.Split = tc.split
			ch, err := newClient(t, srv, time.Second).CreateCharge(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			want := gateway.Charge{TransactionID: "3df0319d-ecf7-455a-84c4-070aee2779c1", Status: gateway.StatusPending,
				PixCode: "00020101021226830014br.gov.bcb.pix2561pix.example.com/qr/v2/3df0319decf7455a84c4070aee2779c15204000053039865406019.905802BR5909SYNCPAY106009SAO PAULO62070503***6304ABCD"}
			if *ch != want {
				t.Errorf("charge = %+v", ch)
			}
			if len(f.cashIns) != 1 {
				t.Fatalf("%d cash-in calls", len(f.cashIns))
			}
			got := f.cashIns[0]
			if got.Method != http.MethodPost || got.Path != "/api/partner/v1/cash-in" || got.Query != "" ||
				got.Header.Get("Authorization") != "Bearer tok-1" || got.Header.Get("Content-Type") != "application/json" ||
				got.Header.Get("Accept") != "application/json" {
				t.Errorf("request %s %s?%s %v", got.Method, got.Path, got.Query, got.Header)
			}
			if w := decode(t, []byte(tc.want)); !reflect.DeepEqual(got.Body, w) {
				t.Errorf("body\n got %v\nwant %v", got.Body, w)
			}
		})
	}
}

func TestCreateChargeRefusesBeforeCalling(t *testing.T) {
	cases := map[string]func(*gateway.ChargeRequest){
		"no payer":         func(r *gateway.ChargeRequest) { r.Payer = nil },
		"no name":          func(r *gateway.ChargeRequest) { p := *payer; p.Name = ""; r.Payer = &p },
		"no document":      func(r *gateway.ChargeRequest) { p := *payer; p.Document = ""; r.Payer = &p },
		"bad CPF":          func(r *gateway.ChargeRequest) { p := *payer; p.Document = "12345678900"; r.Payer = &p },
		"no email":         func(r *gateway.ChargeRequest) { p := *payer; p.Email = ""; r.Payer = &p },
		"no phone":         func(r *gateway.ChargeRequest) { p := *payer; p.Phone = ""; r.Payer = &p },
		"no webhook":       func(r *gateway.ChargeRequest) { r.WebhookURL = "" },
		"zero amount":      func(r *gateway.ChargeRequest) { r.AmountCents = 0 },
		"split whole":      func(r *gateway.ChargeRequest) { r.Split = &gateway.Split{AccountID: "a", AmountCents: 1990} },
		"split no account": func(r *gateway.ChargeRequest) { r.Split = &gateway.Split{AmountCents: 10} },
		"split below 0.5%": func(r *gateway.ChargeRequest) { r.Split = &gateway.Split{AccountID: "a", AmountCents: 9} },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			f, srv := newFake(t)
			req := chargeReq(1990)
			mutate(&req)
			_, err := newClient(t, srv, time.Second).CreateCharge(context.Background(), req)
			if !errors.Is(err, gateway.ErrRejected) {
				t.Errorf("err = %v, want ErrRejected", err)
			}
			if tokens, calls := f.counts(); tokens+calls != 0 {
				t.Errorf("%d token and %d cash-in calls; want none", tokens, calls)
			}
		})
	}
	_, err := syncpay.Driver.New(gateway.Config{Credentials: gateway.Credentials{"client_id": "x"}})
	if err == nil {
		t.Error("New accepted a missing client_secret")
	}
}

func TestCreateChargeErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*fake)
		want  error
	}{
		{"token 401", func(f *fake) { f.tokenCode, f.tokenBody = 401, `{"message":"bad `+clientSecret+`"}` }, gateway.ErrInvalidCredentials},
		{"token 422", func(f *fake) { f.tokenCode, f.tokenBody = 422, `{"message":"invalid"}` }, gateway.ErrInvalidCredentials},
		{"token 500", func(f *fake) { f.tokenCode, f.tokenBody = 500, `oops` }, gateway.ErrUnavailable},
		{"token empty", func(f *fake) { f.tokenCode, f.tokenBody = 200, `{"token_type":"Bearer"}` }, gateway.ErrUnavailable},
		{"cash-in 403", func(f *fake) { f.cashCode, f.cashBody = 403, `{"message":"Forbidden"}` }, gateway.ErrInvalidCredentials},
		{"cash-in 422", func(f *fake) { f.cashCode, f.cashBody = 422, `{"message":"The amount field is invalid."}` }, gateway.ErrRejected},
		{"cash-in 500", func(f *fake) { f.cashCode, f.cashBody = 500, `{"message":"Server Error"}` }, gateway.ErrUnavailable},
		{"cash-in 502 html", func(f *fake) { f.cashCode, f.cashBody = 502, `<html>Bad Gateway</html>` }, gateway.ErrUnavailable},
		{"200 html", func(f *fake) { f.cashBody = `<!DOCTYPE html><html><body>Login</body></html>` }, gateway.ErrUnavailable},
		{"200 broken json", func(f *fake) { f.cashBody = `{"pix_code":"000201` }, gateway.ErrUnavailable},
		{"200 error body", func(f *fake) { f.cashBody = `{"error":true,"message":"Saldo bloqueado"}` }, gateway.ErrRejected},
		{"200 no identifier", func(f *fake) { f.cashBody = `{"message":"ok","pix_code":"000201abc"}` }, gateway.ErrUnavailable},
		{"timeout", func(f *fake) { f.delay = 300 * time.Millisecond }, gateway.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			tc.setup(f)
			_, err := newClient(t, srv, 100*time.Millisecond).CreateCharge(context.Background(), chargeReq(1990))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "syncpay: creating charge: ") || strings.Contains(err.Error(), clientSecret) {
				t.Errorf("error text %q", err)
			}
		})
	}
}

func TestNoStatusNoRefund(t *testing.T) {
	_, srv := newFake(t)
	g := newClient(t, srv, time.Second)
	if _, err := g.ChargeStatus(context.Background(), "x"); !errors.Is(err, gateway.ErrNotSupported) {
		t.Errorf("ChargeStatus err = %v", err)
	}
	if err := g.Refund(context.Background(), "x", 100); !errors.Is(err, gateway.ErrNotSupported) {
		t.Errorf("Refund err = %v", err)
	}
}
