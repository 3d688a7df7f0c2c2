package aguiapags

import (
	"errors"
	"testing"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
)

// §5.11's webhooks: the shape ÁguiaPags really sends, and the one the
// reference's parser demanded.
const (
	fixtureWebhookReal   = `{"event": "transaction.updated", "data": {"transactionId": "agp_tx_5f4e3d2c1b", "status": "CAPTURED", "providerReference": "E18236120202511201705aguia00001"}}`
	fixtureWebhookParser = `{"data": {"transactionId": "agp_tx_5f4e3d2c1b", "external_id": "BOT12_1730000000_a1b2c3d4", "status": "approved"}}`
)

// statusWords is ÁguiaPags' §4.3 row in both vocabularies, plus unknown
// words, which stay pending.
var statusWords = map[string]gateway.Status{
	"CAPTURED":  gateway.StatusPaid,
	"approved":  gateway.StatusPaid,
	"PENDING":   gateway.StatusPending,
	"pending":   gateway.StatusPending,
	"REFUSED":   gateway.StatusFailed,
	"refused":   gateway.StatusFailed,
	"CANCELED":  gateway.StatusFailed,
	"canceled":  gateway.StatusFailed,
	"REFUNDED":  gateway.StatusRefunded,
	"refunded":  gateway.StatusRefunded,
	"EXPIRED":   gateway.StatusExpired,
	"SOMETHING": gateway.StatusPending,
}

func TestParseWebhookRealShape(t *testing.T) {
	ev, err := ParseWebhook(nil, []byte(fixtureWebhookReal))
	if err != nil {
		t.Fatal(err)
	}
	want := gateway.Event{TransactionID: fixtureTxID, Status: gateway.StatusPaid, RawStatus: "CAPTURED", EndToEndID: fixtureE2E}
	if *ev != want {
		t.Errorf("event = %+v\nwant    %+v", *ev, want)
	}
}

func TestParseWebhookParserShape(t *testing.T) {
	ev, err := ParseWebhook(nil, []byte(fixtureWebhookParser))
	if err != nil {
		t.Fatal(err)
	}
	want := gateway.Event{TransactionID: fixtureTxID, Reference: fixtureRef, Status: gateway.StatusPaid, RawStatus: "approved"}
	if *ev != want {
		t.Errorf("event = %+v\nwant    %+v", *ev, want)
	}
}

func TestParseWebhookStatusWords(t *testing.T) {
	for word, want := range statusWords {
		body := `{"event":"transaction.updated","data":{"transactionId":"t1","status":"` + word + `","amount":1999}}`
		ev, err := ParseWebhook(nil, []byte(body))
		if err != nil || ev.Status != want || ev.RawStatus != word || ev.AmountCents != 1999 || ev.TransactionID != "t1" {
			t.Errorf("%q: %+v, %v; want %s", word, ev, err, want)
		}
	}
}

func TestParseWebhookRefusals(t *testing.T) {
	for body, want := range map[string]error{
		``:                                gateway.ErrMalformed,
		`<html>`:                          gateway.ErrMalformed,
		`{"data":"x"}`:                    gateway.ErrMalformed,
		`{"data":{"status":"CAPTURED"}}`:  gateway.ErrMalformed,
		`{"data":{"transactionId":"t1"}}`: gateway.ErrMalformed,
		`{"data":{"transactionId":"t1","status":"CAPTURED","amount":"x"}}`:  gateway.ErrMalformed,
		`{"data":{"transactionId":"t1","status":"CAPTURED","amount":-100}}`: gateway.ErrMalformed,
		`{}`:                       gateway.ErrIgnored,
		`{"event":"webhook.test"}`: gateway.ErrIgnored,
	} {
		if ev, err := ParseWebhook(nil, []byte(body)); !errors.Is(err, want) {
			t.Errorf("ParseWebhook(%s) = %+v, %v; want %v", body, ev, err, want)
		}
	}
}

func FuzzParseWebhook(f *testing.F) {
	gatewaytest.FuzzWebhook(f, Driver, []byte(fixtureWebhookReal), []byte(fixtureWebhookParser),
		[]byte(`{"event":"transaction.updated","data":{"transactionId":7,"status":"REFUNDED","amount":"1990"}}`))
}
