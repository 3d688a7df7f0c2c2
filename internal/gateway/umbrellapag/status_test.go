package umbrellapag

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

func TestChargeStatus(t *testing.T) {
	f := newFake(t, http.StatusOK, fixtureStatus)
	ev, err := newClient(t, f.URL+"/api", sellerCreds(), 0).ChargeStatus(context.Background(), txID)
	if err != nil {
		t.Fatal(err)
	}
	r := f.only(t)
	if r.Method != http.MethodGet || r.Path != "/api/user/transactions/"+txID || r.Query != "" || len(r.Body) != 0 {
		t.Errorf("request %s %s?%s", r.Method, r.Path, r.Query)
	}
	if r.Header.Get("X-Api-Key") != testKey || r.Header.Get("User-Agent") != userAgent {
		t.Errorf("headers %v", r.Header)
	}
	if ev.TransactionID != txID || ev.Status != gateway.StatusPaid || ev.AmountCents != 1990 || ev.Reference != ourRef || ev.RawStatus != "PAID" {
		t.Errorf("event = %+v", ev)
	}

	f = newFake(t, http.StatusOK, `{"data":{"data":{"id":"`+txID+`","status":"EXPIRED","amount":1999}}}`)
	if ev, err := newClient(t, f.URL, sellerCreds(), 0).ChargeStatus(context.Background(), txID); err != nil || ev.Status != gateway.StatusExpired || ev.AmountCents != 1999 {
		t.Errorf("double-wrapped: %+v %v", ev, err)
	}
}

func TestChargeStatusNotFoundIsNotRetried(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
	}{
		{http.StatusNotFound, `{"message":"Transação não encontrada"}`},
		{http.StatusOK, `{"status":404,"message":"Transação não encontrada"}`},
	} {
		f := newFake(t, tc.status, tc.body)
		_, err := newClient(t, f.URL, sellerCreds(), 0).ChargeStatus(context.Background(), txID)
		if !errors.Is(err, gateway.ErrNotFound) {
			t.Errorf("%d: err = %v, want ErrNotFound", tc.status, err)
		}
		if n := len(f.requests()); n != 1 {
			t.Errorf("%d: %d requests, want 1", tc.status, n)
		}
	}
}

// §5.14: 5xx on the status query exercises the 3-attempt backoff.
func TestChargeStatusRetries5xx(t *testing.T) {
	var calls atomic.Int32
	f := newFakeFunc(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, `<html>bad gateway</html>`)
			return
		}
		_, _ = io.WriteString(w, fixtureStatus)
	})
	ev, err := newClient(t, f.URL, sellerCreds(), 0).ChargeStatus(context.Background(), txID)
	if err != nil || ev.Status != gateway.StatusPaid {
		t.Fatalf("after two 502s: %+v %v", ev, err)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}

	f = newFake(t, http.StatusServiceUnavailable, `{}`)
	if _, err := newClient(t, f.URL, sellerCreds(), 0).ChargeStatus(context.Background(), txID); !errors.Is(err, gateway.ErrUnavailable) {
		t.Errorf("always 503: err = %v", err)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("always 503: %d requests, want exactly 3", n)
	}

	f = newFake(t, http.StatusUnauthorized, `{}`)
	if _, err := newClient(t, f.URL, sellerCreds(), 0).ChargeStatus(context.Background(), txID); !errors.Is(err, gateway.ErrInvalidCredentials) {
		t.Errorf("401: err = %v", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("401 must not be retried: %d requests", n)
	}
}

func TestChargeStatusTimeoutRetriesThenFails(t *testing.T) {
	f := newFakeFunc(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	_, err := newClient(t, f.URL, sellerCreds(), 30*time.Millisecond).ChargeStatus(context.Background(), txID)
	if !errors.Is(err, gateway.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	// The client gives up on its side first; let the server log the last one.
	deadline := time.Now().Add(2 * time.Second)
	for len(f.requests()) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestChargeStatusBackoffHonoursContext(t *testing.T) {
	f := newFake(t, http.StatusInternalServerError, `{}`)
	g := newClient(t, f.URL, sellerCreds(), 0)
	g.(*Client).backoff = []time.Duration{time.Hour, time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := g.ChargeStatus(ctx, txID)
	if !errors.Is(err, gateway.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("backoff ignored the context")
	}
}

func TestChargeStatusUnreadableAnswer(t *testing.T) {
	for _, body := range []string{`<html></html>`, `{"data":{"foo":1}}`, `{"data":{"id":"x","status":"PAID","amount":"19.90"}}`} {
		f := newFake(t, http.StatusOK, body)
		if _, err := newClient(t, f.URL, sellerCreds(), 0).ChargeStatus(context.Background(), txID); !errors.Is(err, gateway.ErrUnavailable) {
			t.Errorf("%s: err = %v", body, err)
		}
	}
}
