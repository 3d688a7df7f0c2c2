package babylon

import (
	"errors"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
)

// TestParseWebhookEnvelopes: the legacy envelope and the event envelope
// (which the reference could not parse) give the same event; amounts are
// cents with no magnitude heuristic (990 is R$ 9,90, not R$ 990).
func TestParseWebhookEnvelopes(t *testing.T) {
	paid := time.Date(2025, 11, 20, 20, 5, 43, 0, time.UTC)
	for name, body := range map[string]string{"legacy": fixtureWebhook, "event": fixtureEnvelope} {
		ev, err := ParseWebhook(nil, []byte(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ev.TransactionID != "28a65292-6c74-4368-924d-f52a653706be" || ev.Status != gateway.StatusPaid || ev.RawStatus != "paid" ||
			ev.AmountCents != 1990 || ev.EndToEndID != "E12345678202511201705abcdef12345" || ev.PaidAt == nil || !ev.PaidAt.Equal(paid) {
			t.Errorf("%s: event %+v", name, ev)
		}
	}
	for body, want := range map[string]gateway.Event{
		`{"id": "evt1", "type": "transaction", "objectId": "tx1", "data": {"amount": 990, "status": "waiting_payment",
			"items": [{"title": "X", "externalRef": "ref_abc"}]}}`: {TransactionID: "tx1", Reference: "ref_abc", Status: gateway.StatusPending, RawStatus: "waiting_payment", AmountCents: 990},
		`{"id": "tx2", "status": "refunded", "requested_amount": "100000"}`:             {TransactionID: "tx2", Status: gateway.StatusRefunded, RawStatus: "refunded", AmountCents: 100000},
		`{"id": "evt3", "objectId": "tx3", "status": "chargedback", "amount": 1999.00}`: {TransactionID: "tx3", Status: gateway.StatusChargeback, RawStatus: "chargedback", AmountCents: 1999},
	} {
		ev, err := ParseWebhook(nil, []byte(body))
		if err != nil || *ev != want {
			t.Errorf("%s: %+v, %v\nwant %+v", body, ev, err, want)
		}
	}
}

// TestParseWebhookStatuses covers every word of Babylon's row in the
// reference's mapping table (§4.3), with expired, refunded and chargeback
// kept distinct from failed.
func TestParseWebhookStatuses(t *testing.T) {
	for word, want := range map[string]gateway.Status{
		"paid":            gateway.StatusPaid,
		"waiting_payment": gateway.StatusPending, "in_analisys": gateway.StatusPending, "in_protest": gateway.StatusPending,
		"brand_new": gateway.StatusPending,
		"refused":   gateway.StatusFailed, "canceled": gateway.StatusFailed, "failed": gateway.StatusFailed,
		"expired":     gateway.StatusExpired,
		"refunded":    gateway.StatusRefunded,
		"chargedback": gateway.StatusChargeback,
		"PAID":        gateway.StatusPaid,
	} {
		ev, err := ParseWebhook(nil, []byte(`{"type": "transaction", "data": {"id": "tx", "status": "`+word+`", "amount": 100}}`))
		if err != nil || ev.Status != want || ev.RawStatus != word || ev.AmountCents != 100 {
			t.Errorf("%s: %+v, %v; want %s", word, ev, err, want)
		}
	}
}

func TestParseWebhookRefusals(t *testing.T) {
	for body, want := range map[string]error{
		`{"type": "transaction", "data": {"id": "tx"}}`:                         gateway.ErrIgnored,
		`{"event": "transaction.created", "transaction": {"id": "tx"}}`:         gateway.ErrIgnored,
		`{"type": "transaction", "data": {"status": "paid"}}`:                   gateway.ErrMalformed,
		`{"event": "transaction.completed", "transaction": {"status": "paid"}}`: gateway.ErrMalformed,
		`{"data": {"id": "tx", "status": "paid", "amount": 19.9}}`:              gateway.ErrMalformed, // not cents
		`{"data": {"id": "tx", "status": "paid", "amount": "19.90"}}`:           gateway.ErrMalformed,
		`{"data": {"id": "tx", "status": "paid", "amount": 1e3}}`:               gateway.ErrMalformed,
		fixtureHTMLLogin: gateway.ErrMalformed,
		`null`:           gateway.ErrMalformed,
	} {
		if _, err := ParseWebhook(nil, []byte(body)); !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", body, err, want)
		}
	}
}

func FuzzParseWebhook(f *testing.F) {
	gatewaytest.FuzzWebhook(f, Driver, []byte(fixtureWebhook), []byte(fixtureEnvelope), []byte(fixtureCreated), []byte(fixtureRefused))
}
