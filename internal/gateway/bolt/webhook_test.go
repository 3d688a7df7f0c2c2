package bolt

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
)

// fixtureWebhook is §5.10's postback.
const fixtureWebhook = `{
  "id": "evt_01JD2K3M4N5P6Q7R8S9T",
  "type": "transaction",
  "objectId": "b7e0c1d2-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
  "data": {
    "id": "b7e0c1d2-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
    "status": "paid",
    "amount": 1990,
    "paymentMethod": "PIX",
    "items": [{"title": "Curso X", "unitPrice": 1990, "quantity": 1, "externalRef": "BOT12_1730000000_a1b2c3d4"}]
  }
}`

// statusWords is Bolt's documented vocabulary (§2.10, §4.3) plus an unknown
// word. The reference folds everything but "paid" into pending; the platform
// keeps refunds, chargebacks, expiry and refusals apart, and unknown words
// stay pending (§5.14).
var statusWords = map[string]gateway.Status{
	"waiting_payment": gateway.StatusPending,
	"paid":            gateway.StatusPaid,
	"PAID":            gateway.StatusPaid,
	"refused":         gateway.StatusFailed,
	"canceled":        gateway.StatusFailed,
	"failed":          gateway.StatusFailed,
	"refunded":        gateway.StatusRefunded,
	"chargedback":     gateway.StatusChargeback,
	"expired":         gateway.StatusExpired,
	"in_analisys":     gateway.StatusPending,
	"in_protest":      gateway.StatusPending,
	"brand_new_state": gateway.StatusPending,
}

func TestParseWebhookFixture(t *testing.T) {
	ev, err := ParseWebhook(http.Header{}, []byte(fixtureWebhook))
	if err != nil {
		t.Fatal(err)
	}
	want := gateway.Event{TransactionID: fixtureTxID, Reference: fixtureRef, Status: gateway.StatusPaid,
		RawStatus: "paid", AmountCents: 1990}
	if *ev != want {
		t.Errorf("event = %+v\nwant    %+v", *ev, want)
	}
}

func TestParseWebhookStatusWords(t *testing.T) {
	for word, want := range statusWords {
		body := `{"type":"transaction","objectId":"t1","data":{"id":"t1","status":"` + word + `","amount":1990}}`
		ev, err := ParseWebhook(nil, []byte(body))
		if err != nil || ev.Status != want || ev.RawStatus != word {
			t.Errorf("%q: %+v, %v; want %s", word, ev, err, want)
		}
	}
}

func TestParseWebhookShapes(t *testing.T) {
	paidAt := time.Date(2025, 11, 20, 20, 5, 0, 0, time.UTC)
	cases := []struct {
		name string
		body string
		want gateway.Event
	}{
		{"id only in objectId", `{"type":"transaction","objectId":"t9","data":{"status":"paid","amount":"1999"}}`,
			gateway.Event{TransactionID: "t9", Status: gateway.StatusPaid, RawStatus: "paid", AmountCents: 1999}},
		{"numeric id, big amount, e2e and paidAt",
			`{"data":{"id":42,"status":"paid","amount":100000,"paidAt":"2025-11-20T17:05:00-03:00","pix":{"end2EndId":"E123"},"items":[{"externalRef":"gbX"}]}}`,
			gateway.Event{TransactionID: "42", Reference: "gbX", Status: gateway.StatusPaid, RawStatus: "paid", AmountCents: 100000,
				EndToEndID: "E123", PaidAt: &paidAt}},
		{"Babylon-family envelope", `{"event":"transaction.completed","transaction":{"id":"t3","status":"refunded","amount":1990}}`,
			gateway.Event{TransactionID: "t3", Status: gateway.StatusRefunded, RawStatus: "refunded", AmountCents: 1990}},
		{"no amount", `{"data":{"id":"t4","status":"waiting_payment"}}`,
			gateway.Event{TransactionID: "t4", Status: gateway.StatusPending, RawStatus: "waiting_payment"}},
	}
	for _, tc := range cases {
		ev, err := ParseWebhook(nil, []byte(tc.body))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		gotPaid, wantPaid := ev.PaidAt, tc.want.PaidAt
		ev.PaidAt, tc.want.PaidAt = nil, nil
		if *ev != tc.want || (gotPaid == nil) != (wantPaid == nil) || (gotPaid != nil && !gotPaid.Equal(*wantPaid)) {
			t.Errorf("%s: event = %+v (paid at %v)\nwant %+v (paid at %v)", tc.name, *ev, gotPaid, tc.want, wantPaid)
		}
	}
}

func TestParseWebhookRefusals(t *testing.T) {
	for body, want := range map[string]error{
		``:         gateway.ErrMalformed,
		`not json`: gateway.ErrMalformed,
		`{"data":{"id":"t1","status":"paid"}} {}`:             gateway.ErrMalformed,
		`{"data":{"id":"t1"}}`:                                gateway.ErrMalformed,
		`{"data":{"status":"paid"}}`:                          gateway.ErrMalformed,
		`{"data":{"id":"t1","status":"paid","amount":-5}}`:    gateway.ErrMalformed,
		`{"data":{"id":"t1","status":"paid","amount":"abc"}}`: gateway.ErrMalformed,
		`{"data":{"id":"t1","status":"paid","amount":1e300}}`: gateway.ErrMalformed,
		`{"data":"x"}`:      gateway.ErrMalformed,
		`{"objectId":"t1"}`: gateway.ErrMalformed,
		`{}`:                gateway.ErrIgnored,
		`{"type":"ping"}`:   gateway.ErrIgnored,
		`{"type":"transfer","data":{"id":"w1","status":"paid"}}`: gateway.ErrIgnored,
	} {
		if ev, err := ParseWebhook(nil, []byte(body)); !errors.Is(err, want) {
			t.Errorf("ParseWebhook(%s) = %+v, %v; want %v", body, ev, err, want)
		}
	}
}

func FuzzParseWebhook(f *testing.F) {
	gatewaytest.FuzzWebhook(f, Driver, []byte(fixtureWebhook),
		[]byte(`{"event":"transaction.completed","transaction":{"id":"t3","status":"refunded","amount":1990}}`),
		[]byte(`{"type":"transaction","objectId":"t9","data":{"status":"chargedback","amount":"19.90","paidAt":"x"}}`))
}
