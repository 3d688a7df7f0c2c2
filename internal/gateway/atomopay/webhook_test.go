package atomopay

import (
	"errors"
	"net/http"
	"testing"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
)

func TestParseWebhookFixture(t *testing.T) {
	ev, err := ParseWebhook(http.Header{}, []byte(fixtureWebhook))
	if err != nil {
		t.Fatal(err)
	}
	want := gateway.Event{TransactionID: "trx_5e8c1a2b3c", Hash: "987654", Status: gateway.StatusPaid, RawStatus: "paid",
		AmountCents: 1990, Reference: "BOT12-1730000000-a1b2c3d4-1730000000123-9f8e7d6c"}
	if *ev != want {
		t.Errorf("event %+v\nwant %+v", *ev, want)
	}
}

// TestParseWebhookStatuses covers every word of Átomo Pay's row in the
// reference's mapping table (§4.3), with expired, refunded and chargeback
// kept distinct from failed.
func TestParseWebhookStatuses(t *testing.T) {
	for word, want := range map[string]gateway.Status{
		"paid": gateway.StatusPaid, "approved": gateway.StatusPaid, "confirmed": gateway.StatusPaid, "completed": gateway.StatusPaid,
		"PAID":    gateway.StatusPaid,
		"pending": gateway.StatusPending, "waiting": gateway.StatusPending, "processing": gateway.StatusPending,
		"something_new": gateway.StatusPending,
		"failed":        gateway.StatusFailed, "cancelled": gateway.StatusFailed, "canceled": gateway.StatusFailed,
		"rejected": gateway.StatusFailed, "refused": gateway.StatusFailed,
		"expired":    gateway.StatusExpired,
		"refunded":   gateway.StatusRefunded,
		"chargeback": gateway.StatusChargeback,
	} {
		ev, err := ParseWebhook(nil, []byte(`{"id": 1, "hash": "trx_1", "payment_status": "`+word+`", "amount": 1999}`))
		if err != nil || ev.Status != want || ev.RawStatus != word || ev.AmountCents != 1999 {
			t.Errorf("%s: %+v, %v; want %s", word, ev, err, want)
		}
	}
}

func TestParseWebhookShapes(t *testing.T) {
	for name, tc := range map[string]struct {
		body string
		want gateway.Event
	}{
		"data wrapper": {`{"event": "transaction.paid", "data": {"id": 5, "hash": "trx_5", "status": "paid", "amount": 100000, "reference": "ref_a"}}`,
			gateway.Event{TransactionID: "trx_5", Hash: "5", Status: gateway.StatusPaid, RawStatus: "paid", AmountCents: 100000, Reference: "ref_a"}},
		"payload wrapper, payment_status wins": {`{"payload": {"hash": "trx_6", "payment_status": "refunded", "status": "paid", "amount_paid": "1990"}}`,
			gateway.Event{TransactionID: "trx_6", Status: gateway.StatusRefunded, RawStatus: "refunded", AmountCents: 1990}},
		"transaction wrapper, root reference and status": {`{"reference": "ref_b", "status": "paid", "transaction": {"id": "7", "amount": 50}}`,
			gateway.Event{TransactionID: "7", Status: gateway.StatusPaid, RawStatus: "paid", AmountCents: 50, Reference: "ref_b"}},
		"transaction_id only": {`{"transaction_id": "tx9", "status": "waiting", "external_reference": "ref_c"}`,
			gateway.Event{TransactionID: "tx9", Status: gateway.StatusPending, RawStatus: "waiting", Reference: "ref_c"}},
		"root token": {`{"token": "tok_1", "payment_status": "expired"}`,
			gateway.Event{TransactionID: "tok_1", Status: gateway.StatusExpired, RawStatus: "expired"}},
		"data without ids is not the object": {`{"id": 3, "status": "paid", "data": {"note": "x"}}`,
			gateway.Event{TransactionID: "3", Status: gateway.StatusPaid, RawStatus: "paid"}},
	} {
		ev, err := ParseWebhook(nil, []byte(tc.body))
		if err != nil || *ev != tc.want {
			t.Errorf("%s: %+v, %v\nwant %+v", name, ev, err, tc.want)
		}
	}
}

func TestParseWebhookRefusals(t *testing.T) {
	for body, want := range map[string]error{
		`{"id": 1, "hash": "trx_1"}`:                     gateway.ErrIgnored,
		`{"status": "paid"}`:                             gateway.ErrMalformed,
		`{"id": {"x": 1}, "status": "paid"}`:             gateway.ErrMalformed,
		`{"id": 1, "status": "paid", "amount": "19,90"}`: gateway.ErrMalformed, // cents are integers
		`{"id": 1, "status": "paid"} {"id": 2}`:          gateway.ErrMalformed,
		`<html>`:                                         gateway.ErrMalformed,
		`[{"id": 1, "status": "paid"}]`:                  gateway.ErrMalformed,
		``:                                               gateway.ErrMalformed,
		`{"id": 1, "status": "paid", "amount": [1, 2, 3]}`: gateway.ErrMalformed,
		`{"id": 1, "status": "paid", "amount": 19.9}`:      gateway.ErrMalformed, // reais in a cents field
	} {
		if _, err := ParseWebhook(nil, []byte(body)); !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", body, err, want)
		}
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"João  da Silva": "Joao da Silva", "Ana-Júlia Conceição": "Ana Julia Conceicao", "🙂 Zé 123": "Ze",
		"Maria Aparecida dos Santos Oliveira": "Maria Aparecida dos Santos Oli", "": "",
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseWebhook(f *testing.F) {
	gatewaytest.FuzzWebhook(f, Driver, []byte(fixtureWebhook), []byte(fixtureStatus), []byte(fixtureCreated),
		[]byte(`{"payload": {"hash": "trx_6", "payment_status": "refunded", "amount_paid": "1990"}}`),
		[]byte(`{"reference": "r", "transaction": {"id": "7", "amount": 50}, "status": "paid"}`))
}
