package paradise_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
	"github.com/grimbots/grimbots/internal/gateway/paradise"
)

const (
	webhookHead = `{"transaction_id":"151299","external_id":"BOT12-1730000000-a1b2c3d4-1730000000123-9f8e7d6c","status":"approved",
		"amount":1990,"payment_method":"pix","customer":{"name":"FULANO DE TAL","document":"12345678909"}}`
	webhookV2 = `{"id":"151299","payment_status":"paid","amount":1990}`
)

func TestParseWebhookFixtures(t *testing.T) {
	ev, err := paradise.ParseWebhook(http.Header{}, []byte(webhookHead))
	if err != nil {
		t.Fatal(err)
	}
	want := gateway.Event{TransactionID: "151299", Reference: panelID, Status: gateway.StatusPaid, RawStatus: "approved", AmountCents: 1990}
	if *ev != want {
		t.Errorf("head: %+v", ev)
	}
	ev, err = paradise.ParseWebhook(http.Header{}, []byte(webhookV2))
	if err != nil {
		t.Fatal(err)
	}
	if want := (gateway.Event{TransactionID: "151299", Status: gateway.StatusPaid, RawStatus: "paid", AmountCents: 1990}); *ev != want {
		t.Errorf("v2: %+v", ev)
	}
}

func TestParseWebhookStatuses(t *testing.T) {
	for raw, want := range map[string]gateway.Status{
		"approved": gateway.StatusPaid, "APPROVED": gateway.StatusPaid, "paid": gateway.StatusPaid, "completed": gateway.StatusPaid,
		"refunded": gateway.StatusRefunded,
		"pending":  gateway.StatusPending, "waiting_payment": gateway.StatusPending, "whatever": gateway.StatusPending,
		"cancelled": gateway.StatusFailed, "failed": gateway.StatusFailed,
		"expired":    gateway.StatusExpired,
		"chargeback": gateway.StatusChargeback,
	} {
		body := `{"transaction_id":151299,"external_id":"gbref","status":"` + raw + `","amount":"100000"}`
		ev, err := paradise.ParseWebhook(http.Header{}, []byte(body))
		if err != nil || ev.Status != want || ev.RawStatus != raw || ev.AmountCents != 100000 || ev.Reference != "gbref" || ev.TransactionID != "151299" {
			t.Errorf("%s: %+v, %v; want %s", raw, ev, err, want)
		}
	}
}

func TestParseWebhookShapes(t *testing.T) {
	for body, want := range map[string]gateway.Event{
		`{"hash":"h1","payment_status":"paid","amount_paid":1999,"amount":2000}`: {TransactionID: "h1", Status: gateway.StatusPaid, RawStatus: "paid", AmountCents: 1999},
		`{"data":{"transaction_id":"7","status":"approved","amount":29}}`:        {TransactionID: "7", Status: gateway.StatusPaid, RawStatus: "approved", AmountCents: 29},
		`{"transaction":{"id":"7","hash":"h7","status":"pending"}}`:              {TransactionID: "7", Hash: "h7", Status: gateway.StatusPending, RawStatus: "pending"},
	} {
		ev, err := paradise.ParseWebhook(http.Header{}, []byte(body))
		if err != nil || *ev != want {
			t.Errorf("%s: %+v, %v", body, ev, err)
		}
	}
	for body, want := range map[string]error{
		`{}`:                     gateway.ErrIgnored,
		`{"event":"test"}`:       gateway.ErrIgnored,
		`{"transaction_id":"1"}`: gateway.ErrMalformed,
		`{"status":"approved"}`:  gateway.ErrMalformed,
		`{"transaction_id":"1","status":"approved","amount":"19,90"}`: gateway.ErrMalformed,
		`{"transaction_id":"1","status":"approved","amount":-1}`:      gateway.ErrMalformed,
		`{"transaction_id":["1"],"status":"approved"}`:                gateway.ErrMalformed,
		`[{"transaction_id":"1"}]`:                                    gateway.ErrMalformed,
	} {
		if _, err := paradise.ParseWebhook(http.Header{}, []byte(body)); !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", body, err, want)
		}
	}
}

func FuzzParseWebhook(f *testing.F) {
	gatewaytest.FuzzWebhook(f, paradise.Driver, []byte(webhookHead), []byte(webhookV2),
		[]byte(`{"data":{"transaction_id":"7","status":"refunded","amount_paid":"5"}}`))
}
