package sigilopay

import (
	"errors"
	"net/http"
	"testing"

	"github.com/grimbots/grimbots/internal/gateway"
)

// statusWords is the status query's vocabulary (§2.12), with refunds and
// chargebacks kept apart and unknown words left pending.
var statusWords = map[string]gateway.Status{
	"PAID":         gateway.StatusPaid,
	"COMPLETED":    gateway.StatusPaid,
	"PENDING":      gateway.StatusPending,
	"REFUNDED":     gateway.StatusRefunded,
	"CHARGED_BACK": gateway.StatusChargeback,
	"CANCELED":     gateway.StatusFailed,
	"EXPIRED":      gateway.StatusExpired,
	"SOMETHING":    gateway.StatusPending,
}

func TestChargeStatus(t *testing.T) {
	f := newFake(t, 200, fixtureStatus)
	ev, err := newClient(t, f.URL, f.Client()).ChargeStatus(ctx(t), fixtureTxID)
	if err != nil {
		t.Fatal(err)
	}
	r := f.only(t)
	if r.Method != http.MethodGet || r.Path != "/gateway/transactions" || r.Query != "id="+fixtureTxID || len(r.Body) != 0 {
		t.Errorf("request %s %s?%s", r.Method, r.Path, r.Query)
	}
	assertAuth(t, r)
	want := gateway.Event{TransactionID: fixtureTxID, Reference: fixtureRef, Status: gateway.StatusPaid, RawStatus: "PAID", AmountCents: 1990}
	if *ev != want {
		t.Errorf("event = %+v\nwant    %+v", *ev, want)
	}
}

func TestChargeStatusWords(t *testing.T) {
	for word, want := range statusWords {
		f := newFake(t, 200, `{"id":"t1","status":"`+word+`","amount":1999}`)
		ev, err := newClient(t, f.URL, f.Client()).ChargeStatus(ctx(t), "t1")
		if err != nil || ev.Status != want || ev.AmountCents != 1999 {
			t.Errorf("status %q: %+v, %v; want %s", word, ev, err, want)
		}
	}
}

func TestChargeStatusShapes(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       gateway.Status
		err        error
	}{
		{"data object", `{"data":{"id":"t1","status":"PAID","amount":1990}}`, gateway.StatusPaid, nil},
		{"data list", `{"data":[{"id":"t0","status":"PENDING"},{"id":"t1","status":"REFUNDED"}]}`, gateway.StatusRefunded, nil},
		{"empty list", `{"data":[]}`, "", gateway.ErrNotFound},
		{"empty object", `{}`, "", gateway.ErrNotFound},
		{"another transaction", `{"id":"t2","status":"PAID"}`, "", gateway.ErrUnavailable},
		{"no status", `{"id":"t1"}`, "", gateway.ErrUnavailable},
		{"bad amount", `{"id":"t1","status":"PAID","amount":"x"}`, "", gateway.ErrUnavailable},
	} {
		f := newFake(t, 200, tc.body)
		ev, err := newClient(t, f.URL, f.Client()).ChargeStatus(ctx(t), "t1")
		if tc.err != nil {
			if !errors.Is(err, tc.err) || errors.Is(err, gateway.ErrMalformed) {
				t.Errorf("%s: err = %v, want %v", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || ev.Status != tc.want || ev.TransactionID != "t1" {
			t.Errorf("%s: %+v, %v; want %s", tc.name, ev, err, tc.want)
		}
	}
}

func TestChargeStatusErrors(t *testing.T) {
	for code, want := range map[int]error{404: gateway.ErrNotFound, 401: gateway.ErrInvalidCredentials,
		403: gateway.ErrInvalidCredentials, 500: gateway.ErrUnavailable} {
		f := newFake(t, code, `{"message":"x"}`)
		if _, err := newClient(t, f.URL, f.Client()).ChargeStatus(ctx(t), "t1"); !errors.Is(err, want) {
			t.Errorf("%d: err = %v, want %v", code, err, want)
		}
	}
	f := newFake(t, 200, `{"status":"PAID"}`)
	if _, err := newClient(t, f.URL, f.Client()).ChargeStatus(ctx(t), "a&b=c"); err != nil {
		t.Fatal(err)
	}
	if r := f.only(t); r.Query != "id=a%26b%3Dc" {
		t.Errorf("id not escaped: query %q", r.Query)
	}
}

func TestVerifyCredentials(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   error
	}{
		{404, nil}, {200, nil}, {400, nil},
		{401, gateway.ErrInvalidCredentials}, {403, gateway.ErrInvalidCredentials}, {502, gateway.ErrUnavailable},
	} {
		f := newFake(t, tc.status, `{"message":"x"}`)
		err := newClient(t, f.URL, f.Client()).VerifyCredentials(ctx(t))
		if (tc.want == nil && err != nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%d: err = %v, want %v", tc.status, err, tc.want)
		}
		r := f.only(t)
		if r.Method != http.MethodGet || r.Path != "/gateway/transactions" || r.Query != "id="+probeID {
			t.Errorf("request %s %s?%s", r.Method, r.Path, r.Query)
		}
		assertAuth(t, r)
	}
}
