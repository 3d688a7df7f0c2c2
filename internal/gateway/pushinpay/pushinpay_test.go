package pushinpay_test

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
	"github.com/grimbots/grimbots/internal/gateway/pushinpay"
)

const (
	apiKey = "12345|pushinpayFakeTokenDoNotLog0001"
	txID   = "9c29870c-9f69-4bb6-90d3-2dce9453bb45"
	pixEMV = "00020101021226770014BR.GOV.BCB.PIX2555api.pushinpay.example/pix/9c29870c9f694bb690d32dce9453bb455204000053039865406019.905802BR5907PUSHYN6009SAO PAULO62070503***6304ABCD"
	qrPNG  = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

// fixtureCharge is §5.2's creation answer for value cents.
func fixtureCharge(id, status string, value int64) string {
	return fmt.Sprintf(`{"id":%q,"qr_code":%q,"status":%q,"value":%d,"webhook_url":"https://app.example.com/webhook/payment/pushynpay",
		"qr_code_base64":%q,"webhook":null,"split_rules":[],"end_to_end_id":null,"payer_name":null,"payer_national_registration":null}`,
		id, pixEMV, status, value, qrPNG)
}

func TestDriver(t *testing.T) { gatewaytest.CheckDriver(t, pushinpay.Driver) }

type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                map[string]any
}

// fake answers with respond and records every request.
type fake struct {
	mu      sync.Mutex
	reqs    []recorded
	respond func(r *http.Request, body map[string]any) (int, string)
}

func newFake(t *testing.T, respond func(*http.Request, map[string]any) (int, string)) (*fake, gateway.Gateway) {
	t.Helper()
	f := &fake{respond: respond}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		body := decode(t, raw)
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		f.mu.Unlock()
		code, out := f.respond(r, body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprint(w, out)
	}))
	t.Cleanup(srv.Close)
	g, err := pushinpay.Driver.New(gateway.Config{BaseURL: srv.URL + "/", HTTPClient: &http.Client{Timeout: 200 * time.Millisecond},
		Credentials: gateway.Credentials{"api_key": apiKey}})
	if err != nil {
		t.Fatal(err)
	}
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

func checkAuth(t *testing.T, r recorded, method, path string) {
	t.Helper()
	if r.Method != method || r.Path != path || r.Query != "" || r.Header.Get("Authorization") != "Bearer "+apiKey ||
		r.Header.Get("Accept") != "application/json" {
		t.Errorf("request %s %s?%s %v", r.Method, r.Path, r.Query, r.Header)
	}
	if r.Body != nil && r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
	}
}

func TestCreateChargeSendsExactRequest(t *testing.T) {
	hook := "https://app.example.com/webhook/payment/pushinpay/tok"
	for _, tc := range []struct {
		cents int64
		split *gateway.Split
		want  string
	}{
		{1990, nil, `{"value":1990,"webhook_url":"` + hook + `"}`},
		{1999, nil, `{"value":1999,"webhook_url":"` + hook + `"}`},
		{100000, &gateway.Split{AccountID: "9C3AD98C-F00B-4729-BEAC-0A4B70B3A043", AmountCents: 2000},
			`{"value":100000,"webhook_url":"` + hook + `","split_rules":[{"value":2000,"account_id":"9C3AD98C-F00B-4729-BEAC-0A4B70B3A043"}]}`},
		{1990, &gateway.Split{AccountID: "acct", AmountCents: 995}, `{"value":1990,"webhook_url":"` + hook + `","split_rules":[{"value":995,"account_id":"acct"}]}`},
	} {
		t.Run(fmt.Sprint(tc.cents, tc.split != nil), func(t *testing.T) {
			f, g := newFake(t, func(_ *http.Request, body map[string]any) (int, string) {
				v, _ := body["value"].(json.Number).Int64()
				return 200, fixtureCharge(strings.ToUpper(txID), "created", v)
			})
			ch, err := g.CreateCharge(context.Background(), gateway.ChargeRequest{Reference: "gbabc", AmountCents: tc.cents,
				Description: "Curso", WebhookURL: hook, Split: tc.split})
			if err != nil {
				t.Fatal(err)
			}
			want := gateway.Charge{TransactionID: txID, PixCode: pixEMV, QRCodeImage: qrPNG, Status: gateway.StatusPending}
			if *ch != want {
				t.Errorf("charge = %+v", ch)
			}
			if len(f.reqs) != 1 {
				t.Fatalf("%d calls", len(f.reqs))
			}
			checkAuth(t, f.reqs[0], http.MethodPost, "/api/pix/cashIn")
			if w := decode(t, []byte(tc.want)); !reflect.DeepEqual(f.reqs[0].Body, w) {
				t.Errorf("body\n got %v\nwant %v", f.reqs[0].Body, w)
			}
		})
	}
}

func TestCreateChargeRefusesBeforeCalling(t *testing.T) {
	for name, req := range map[string]gateway.ChargeRequest{
		"below minimum":    {AmountCents: 49},
		"split over half":  {AmountCents: 1990, Split: &gateway.Split{AccountID: "a", AmountCents: 996}},
		"split zero":       {AmountCents: 1990, Split: &gateway.Split{AccountID: "a"}},
		"split no account": {AmountCents: 1990, Split: &gateway.Split{AmountCents: 10}},
	} {
		f, g := newFake(t, func(*http.Request, map[string]any) (int, string) { return 200, fixtureCharge(txID, "created", 1990) })
		if _, err := g.CreateCharge(context.Background(), req); !errors.Is(err, gateway.ErrRejected) || len(f.reqs) != 0 {
			t.Errorf("%s: err = %v after %d calls", name, err, len(f.reqs))
		}
	}
	for _, key := range []string{"", "short", "has a space in the middle of it"} {
		if _, err := pushinpay.Driver.New(gateway.Config{Credentials: gateway.Credentials{"api_key": key}}); !errors.Is(err, gateway.ErrInvalidCredentials) {
			t.Errorf("New(%q) err = %v", key, err)
		}
	}
}

func TestCreateChargeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int
		body string
		slow bool
		want error
	}{
		{"401", 401, `{"message":"Unauthenticated."}`, false, gateway.ErrInvalidCredentials},
		{"403", 403, `{"message":"Forbidden"}`, false, gateway.ErrInvalidCredentials},
		{"422", 422, `{"message":"O campo value deve ser no mínimo 50.","errors":{"value":["min"]}}`, false, gateway.ErrRejected},
		{"500", 500, `{"message":"Server Error"}`, false, gateway.ErrUnavailable},
		{"503 html", 503, `<html>down</html>`, false, gateway.ErrUnavailable},
		{"200 html", 200, `<!DOCTYPE html><html>login</html>`, false, gateway.ErrUnavailable},
		{"200 broken json", 200, `{"id":"x","qr_code":"0002`, false, gateway.ErrUnavailable},
		{"200 error body", 200, `{"error":"Conta bloqueada","message":"Conta bloqueada"}`, false, gateway.ErrRejected},
		{"200 no qr_code", 200, `{"id":"` + txID + `","status":"created","value":1990}`, false, gateway.ErrUnavailable},
		{"200 other amount", 200, fixtureCharge(txID, "created", 1989), false, gateway.ErrUnavailable},
		{"timeout", 200, fixtureCharge(txID, "created", 1990), true, gateway.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, g := newFake(t, func(*http.Request, map[string]any) (int, string) {
				if tc.slow {
					time.Sleep(400 * time.Millisecond)
				}
				return tc.code, tc.body
			})
			_, err := g.CreateCharge(context.Background(), gateway.ChargeRequest{AmountCents: 1990})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "pushinpay: creating charge: ") || strings.Contains(err.Error(), apiKey) {
				t.Errorf("error text %q", err)
			}
		})
	}
}

func TestChargeStatus(t *testing.T) {
	f, g := newFake(t, func(r *http.Request, _ map[string]any) (int, string) {
		switch strings.TrimPrefix(r.URL.Path, "/api/transactions/") {
		case txID:
			return 200, fixtureCharge(strings.ToUpper(txID), "paid", 1990)
		case "empty":
			return 200, `[]`
		case "other":
			return 200, fixtureCharge("11111111-0000-0000-0000-000000000000", "paid", 1990)
		case "down":
			return 502, `<html>bad gateway</html>`
		}
		return 404, `{"message":"Transação não encontrada"}`
	})
	ev, err := g.ChargeStatus(context.Background(), txID)
	if err != nil {
		t.Fatal(err)
	}
	checkAuth(t, f.reqs[0], http.MethodGet, "/api/transactions/"+txID)
	if ev.TransactionID != txID || ev.Status != gateway.StatusPaid || ev.AmountCents != 1990 || ev.RawStatus != "paid" {
		t.Errorf("event %+v", ev)
	}
	for id, want := range map[string]error{"nope": gateway.ErrNotFound, "empty": gateway.ErrNotFound, "": gateway.ErrNotFound,
		"other": gateway.ErrUnavailable, "down": gateway.ErrUnavailable} {
		if _, err := g.ChargeStatus(context.Background(), id); !errors.Is(err, want) {
			t.Errorf("%q: err = %v, want %v", id, err, want)
		}
	}
}

func TestVerifyCredentials(t *testing.T) {
	for code, want := range map[int]error{404: nil, 200: nil, 400: nil, 401: gateway.ErrInvalidCredentials,
		403: gateway.ErrInvalidCredentials, 500: gateway.ErrUnavailable} {
		f, g := newFake(t, func(*http.Request, map[string]any) (int, string) { return code, `{"message":"x"}` })
		err := g.VerifyCredentials(context.Background())
		if (want == nil && err != nil) || (want != nil && !errors.Is(err, want)) {
			t.Errorf("HTTP %d: err = %v, want %v", code, err, want)
		}
		checkAuth(t, f.reqs[0], http.MethodGet, "/api/transactions/00000000-0000-0000-0000-000000000000")
	}
}

func TestRefundNotSupported(t *testing.T) {
	_, g := newFake(t, func(*http.Request, map[string]any) (int, string) { return 500, "" })
	if err := g.Refund(context.Background(), txID, 100); !errors.Is(err, gateway.ErrNotSupported) {
		t.Errorf("err = %v", err)
	}
}
