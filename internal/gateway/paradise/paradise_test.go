package paradise_test

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
	"github.com/grimbots/grimbots/internal/gateway/paradise"
)

const (
	apiKey  = "sk_live_fakeParadiseKeyDoNotLog000000000001"
	product = "prod_9f8e7d6c5b4a"
	panelID = "BOT12-1730000000-a1b2c3d4-1730000000123-9f8e7d6c"
	pixEMV  = "00020101021226840014br.gov.bcb.pix2562qrpix.paradise.example/qr/v3/at/151299abcdef5204000053039865406019.905802BR5908PARADISE6009SAO PAULO62070503***6304ABCD"
	qrPNG   = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

// fixtureCreate is §5.3's head-format creation answer for amount cents.
func fixtureCreate(amount int64, extra string) string {
	return fmt.Sprintf(`{"status":"success","transaction_id":"151299","id":%q,"qr_code":%q,"qr_code_base64":%q,"amount":%d,
		"expires_at":"2025-11-20T15:00:00-03:00"%s}`, panelID, pixEMV, qrPNG, amount, extra)
}

var payer = &gateway.Payer{Name: "Maria da Silva", Document: "11.222.333/0001-81", Email: "financeiro@loja.example.com", Phone: "(11) 3333-4444"}

func TestDriver(t *testing.T) { gatewaytest.CheckDriver(t, paradise.Driver) }

type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                map[string]any
}

type fake struct {
	mu      sync.Mutex
	reqs    []recorded
	respond func(n int, r *http.Request, body map[string]any) (int, string)
}

func (f *fake) calls() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.reqs) }

// newFake serves respond (n counts calls from 1) to a client with the given
// transport (nil: the default) and no retry delays.
func newFake(t *testing.T, rt http.RoundTripper, respond func(int, *http.Request, map[string]any) (int, string)) (*fake, gateway.Gateway) {
	t.Helper()
	f := &fake{respond: respond}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		body := decode(t, raw)
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		n := len(f.reqs)
		f.mu.Unlock()
		code, out := f.respond(n, r, body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprint(w, out)
	}))
	t.Cleanup(srv.Close)
	g, err := paradise.Driver.New(gateway.Config{BaseURL: srv.URL + "/api/v1/", HTTPClient: &http.Client{Timeout: 200 * time.Millisecond, Transport: rt},
		Credentials: gateway.Credentials{"api_key": apiKey, "product_hash": product}})
	if err != nil {
		t.Fatal(err)
	}
	paradise.SetBackoff(g, time.Millisecond, time.Millisecond)
	return f, g
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

func chargeReq(cents int64) gateway.ChargeRequest {
	return gateway.ChargeRequest{Reference: "gbabc123", AmountCents: cents, Description: "Curso VIP", Payer: payer,
		WebhookURL: "https://app.example.com/webhook/payment/paradise/tok"}
}

func TestCreateChargeSendsExactRequest(t *testing.T) {
	long := strings.Repeat("é", 120)
	for _, tc := range []struct {
		cents int64
		desc  string
		split *gateway.Split
	}{{1990, "Curso VIP", nil}, {1999, "", nil}, {100000, long, &gateway.Split{AccountID: "177", AmountCents: 2000}}} {
		t.Run(fmt.Sprint(tc.cents), func(t *testing.T) {
			f, g := newFake(t, nil, func(_ int, _ *http.Request, body map[string]any) (int, string) {
				n, _ := body["amount"].(json.Number).Int64()
				return 200, fixtureCreate(n, "")
			})
			req := chargeReq(tc.cents)
			req.Description, req.Split = tc.desc, tc.split
			ch, err := g.CreateCharge(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			exp := time.Date(2025, 11, 20, 18, 0, 0, 0, time.UTC)
			if ch.TransactionID != "151299" || ch.Hash != panelID || ch.PixCode != pixEMV || ch.QRCodeImage != qrPNG ||
				ch.Status != gateway.StatusPending || ch.ExpiresAt == nil || !ch.ExpiresAt.Equal(exp) {
				t.Errorf("charge %+v", ch)
			}
			if f.calls() != 1 {
				t.Fatalf("%d calls", f.calls())
			}
			r := f.reqs[0]
			if r.Method != http.MethodPost || r.Path != "/api/v1/transaction.php" || r.Query != "" || r.Header.Get("X-API-Key") != apiKey ||
				r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Accept") != "application/json" {
				t.Errorf("request %s %s?%s %v", r.Method, r.Path, r.Query, r.Header)
			}
			desc := map[string]string{"Curso VIP": "Curso VIP", "": "Pagamento", long: strings.Repeat("é", 100)}[tc.desc]
			want := map[string]any{"amount": json.Number(fmt.Sprint(tc.cents)), "description": desc, "reference": "gbabc123",
				"webhookUrl": "https://app.example.com/webhook/payment/paradise/tok", "productHash": product,
				"customer": map[string]any{"name": "Maria da Silva", "email": "financeiro@loja.example.com", "phone": "1133334444", "document": "11222333000181"}}
			if !reflect.DeepEqual(r.Body, want) {
				t.Errorf("body\n got %v\nwant %v", r.Body, want)
			}
		})
	}
}

func TestCreateChargeRefusesBeforeCalling(t *testing.T) {
	cases := map[string]func(*gateway.ChargeRequest){
		"no payer":     func(r *gateway.ChargeRequest) { r.Payer = nil },
		"no name":      func(r *gateway.ChargeRequest) { p := *payer; p.Name = " "; r.Payer = &p },
		"no document":  func(r *gateway.ChargeRequest) { p := *payer; p.Document = ""; r.Payer = &p },
		"bad document": func(r *gateway.ChargeRequest) { p := *payer; p.Document = "11222333000180"; r.Payer = &p },
		"no email":     func(r *gateway.ChargeRequest) { p := *payer; p.Email = ""; r.Payer = &p },
		"bad email":    func(r *gateway.ChargeRequest) { p := *payer; p.Email = "maria"; r.Payer = &p },
		"no phone":     func(r *gateway.ChargeRequest) { p := *payer; p.Phone = ""; r.Payer = &p },
		"short phone":  func(r *gateway.ChargeRequest) { p := *payer; p.Phone = "3333-4444"; r.Payer = &p },
		"no reference": func(r *gateway.ChargeRequest) { r.Reference = "" },
		"long ref":     func(r *gateway.ChargeRequest) { r.Reference = strings.Repeat("a", 51) },
		"over R$ 1 mi": func(r *gateway.ChargeRequest) { r.AmountCents = 100_000_001 },
		"zero amount":  func(r *gateway.ChargeRequest) { r.AmountCents = 0 },
	}
	for name, mutate := range cases {
		f, g := newFake(t, nil, func(int, *http.Request, map[string]any) (int, string) { return 200, fixtureCreate(1990, "") })
		req := chargeReq(1990)
		mutate(&req)
		_, err := g.CreateCharge(context.Background(), req)
		if !errors.Is(err, gateway.ErrRejected) || f.calls() != 0 {
			t.Errorf("%s: err = %v after %d calls", name, err, f.calls())
		}
		if name == "no document" && !strings.Contains(err.Error(), "document") {
			t.Errorf("error does not name the field: %v", err)
		}
	}
	for _, creds := range []gateway.Credentials{{"api_key": "pk_x", "product_hash": product}, {"api_key": apiKey, "product_hash": "abc"},
		{"api_key": apiKey}, {"product_hash": product}} {
		if _, err := paradise.Driver.New(gateway.Config{Credentials: creds}); !errors.Is(err, gateway.ErrInvalidCredentials) ||
			strings.Contains(err.Error(), apiKey) {
			t.Errorf("New(%v) err = %v", creds, err)
		}
	}
}

func TestCreateChargeAnswers(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int
		body string
		want error // nil: success
	}{
		{"error null is fine", 200, fixtureCreate(1990, `,"error":null,"message":"no errors"`), nil},
		{"raw base64 image", 200, strings.Replace(fixtureCreate(1990, ""), "data:image/png;base64,", "", 1), nil},
		{"error field", 200, fixtureCreate(1990, `,"error":"Produto inválido"`), gateway.ErrRejected},
		{"status error", 200, `{"status":"error","message":"Produto não encontrado"}`, gateway.ErrRejected},
		{"status pending", 200, strings.Replace(fixtureCreate(1990, ""), `"success"`, `"pending"`, 1), gateway.ErrUnavailable},
		{"v2 shape has no status", 200, `{"transaction":{"id":"151299","qr_code":"000201...6304ABCD"}}`, gateway.ErrUnavailable},
		{"no BR Code", 200, `{"status":"success","transaction_id":"151299","qr_code":"https://pay.example/151299"}`, gateway.ErrUnavailable},
		{"no id", 200, `{"status":"success","qr_code":"000201abc"}`, gateway.ErrUnavailable},
		{"other amount", 200, fixtureCreate(1989, ""), gateway.ErrUnavailable},
		{"html", 200, `<html><body>Login</body></html>`, gateway.ErrUnavailable},
		{"broken json", 200, `{"status":"success",`, gateway.ErrUnavailable},
		{"401", 401, `{"error":"Invalid API key"}`, gateway.ErrInvalidCredentials},
		{"403", 403, `{"error":"Forbidden"}`, gateway.ErrInvalidCredentials},
		{"422", 422, `{"error":"invalid document"}`, gateway.ErrRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, g := newFake(t, nil, func(int, *http.Request, map[string]any) (int, string) { return tc.code, tc.body })
			ch, err := g.CreateCharge(context.Background(), chargeReq(1990))
			if tc.want == nil {
				if err != nil || ch.TransactionID != "151299" || ch.QRCodeImage != qrPNG {
					t.Errorf("charge %+v, err %v", ch, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "paradise: creating charge: ") || strings.Contains(err.Error(), apiKey) {
				t.Errorf("error text %q", err)
			}
		})
	}
}
