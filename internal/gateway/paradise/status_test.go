package paradise_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/paradise"
)

// refusing fails the first n round trips as a refused connection would,
// before anything is sent, then lets requests through.
type refusing struct {
	n     int32
	tries atomic.Int32
}

func (r *refusing) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.tries.Add(1) <= r.n {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestCreateChargeRetries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answers []int // HTTP codes in turn; 0 sleeps past the client timeout
		calls   int
		want    error
	}{
		{"503 then success", []int{503, 503, 200}, 3, nil},
		{"429 then success", []int{429, 200}, 2, nil},
		{"503 three times", []int{503, 503, 503, 200}, 3, gateway.ErrUnavailable},
		{"400 is final", []int{400, 200}, 1, gateway.ErrRejected},
		{"500 may have created", []int{500, 200}, 1, gateway.ErrUnavailable},
		{"502 may have created", []int{502, 200}, 1, gateway.ErrUnavailable},
		{"504 may have created", []int{504, 200}, 1, gateway.ErrUnavailable},
		{"timeout may have created", []int{0, 200}, 1, gateway.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, g := newFake(t, nil, func(n int, _ *http.Request, _ map[string]any) (int, string) {
				code := tc.answers[n-1]
				if code == 0 {
					time.Sleep(400 * time.Millisecond)
					code = 200
				}
				if code == 200 {
					return 200, fixtureCreate(1990, "")
				}
				return code, `{"error":"try later"}`
			})
			_, err := g.CreateCharge(context.Background(), chargeReq(1990))
			if (tc.want == nil && err != nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if f.calls() != tc.calls {
				t.Errorf("%d calls, want %d", f.calls(), tc.calls)
			}
		})
	}
	t.Run("refused connection", func(t *testing.T) {
		rt := &refusing{n: 2}
		f, g := newFake(t, rt, func(int, *http.Request, map[string]any) (int, string) { return 200, fixtureCreate(1990, "") })
		if _, err := g.CreateCharge(context.Background(), chargeReq(1990)); err != nil || f.calls() != 1 || rt.tries.Load() != 3 {
			t.Errorf("err %v after %d tries, %d served", err, rt.tries.Load(), f.calls())
		}
	})
	t.Run("context ends during backoff", func(t *testing.T) {
		_, g := newFake(t, nil, func(int, *http.Request, map[string]any) (int, string) { return 503, `{}` })
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		paradise.SetBackoff(g, time.Second, time.Second)
		if _, err := g.CreateCharge(ctx, chargeReq(1990)); !errors.Is(err, gateway.ErrUnavailable) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestChargeStatus(t *testing.T) {
	f, g := newFake(t, nil, func(n int, r *http.Request, _ map[string]any) (int, string) {
		switch r.URL.Query().Get("hash") {
		case panelID:
			return 200, `{"transaction_id":"151299","id":"` + panelID + `","status":"approved","amount":1990,"amount_paid":1990}`
		case "151299":
			return 200, `{"payment_status":"paid"}`
		case "flaky":
			if n%2 == 1 {
				return 502, `<html>bad gateway</html>`
			}
			return 200, `{"transaction_id":"flaky","status":"refunded","amount":1999}`
		case "dead":
			return 200, `{"transaction_id":"dead","status":"failed","error":null,"amount":1990}`
		case "other":
			return 200, `{"transaction_id":"999","status":"approved"}`
		case "404":
			return 404, `{"error":"not found"}`
		}
		return 200, `{"error":"Transação não encontrada"}`
	})
	ctx := context.Background()
	ev, err := g.ChargeStatus(ctx, panelID)
	if err != nil {
		t.Fatal(err)
	}
	r := f.reqs[0]
	if r.Method != http.MethodGet || r.Path != "/api/v1/check_status.php" || r.Query != "hash="+panelID ||
		r.Header.Get("X-API-Key") != apiKey || r.Header.Get("Accept") != "application/json" || r.Body != nil {
		t.Errorf("request %s %s?%s %v", r.Method, r.Path, r.Query, r.Header)
	}
	if ev.TransactionID != "151299" || ev.Hash != panelID || ev.Status != gateway.StatusPaid || ev.AmountCents != 1990 {
		t.Errorf("event %+v", ev)
	}
	if ev, err = g.ChargeStatus(ctx, "151299"); err != nil || ev.TransactionID != "151299" || ev.Status != gateway.StatusPaid {
		t.Errorf("status-only answer: %+v, %v", ev, err)
	}
	if ev, err = g.ChargeStatus(ctx, "flaky"); err != nil || ev.Status != gateway.StatusRefunded || ev.AmountCents != 1999 {
		t.Errorf("retried read: %+v, %v", ev, err)
	}
	if ev, err = g.ChargeStatus(ctx, "dead"); err != nil || ev.Status != gateway.StatusFailed {
		t.Errorf("failed charge: %+v, %v", ev, err)
	}
	for id, want := range map[string]error{"unknown": gateway.ErrNotFound, "404": gateway.ErrNotFound, "": gateway.ErrNotFound,
		"other": gateway.ErrUnavailable} {
		if _, err := g.ChargeStatus(ctx, id); !errors.Is(err, want) {
			t.Errorf("%q: err = %v, want %v", id, err, want)
		}
	}
}

func TestVerifyCredentials(t *testing.T) {
	for _, tc := range []struct {
		code int
		body string
		want error
	}{
		{200, `{"error":"Transação não encontrada"}`, nil},
		{404, `{"error":"not found"}`, nil},
		{401, `{"error":"Invalid API key"}`, gateway.ErrInvalidCredentials},
		{403, `{"error":"Forbidden"}`, gateway.ErrInvalidCredentials},
		{500, `oops`, gateway.ErrUnavailable},
	} {
		f, g := newFake(t, nil, func(int, *http.Request, map[string]any) (int, string) { return tc.code, tc.body })
		err := g.VerifyCredentials(context.Background())
		if (tc.want == nil && err != nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("HTTP %d: err = %v, want %v", tc.code, err, tc.want)
		}
		if r := f.reqs[0]; r.Path != "/api/v1/check_status.php" || r.Query != "hash=grimbots-credentials-check" || r.Header.Get("X-API-Key") != apiKey {
			t.Errorf("request %s?%s %v", r.Path, r.Query, r.Header)
		}
	}
}

func TestRefundNotSupported(t *testing.T) {
	_, g := newFake(t, nil, func(int, *http.Request, map[string]any) (int, string) { return 500, "" })
	if err := g.Refund(context.Background(), "151299", 100); !errors.Is(err, gateway.ErrNotSupported) {
		t.Errorf("err = %v", err)
	}
}
