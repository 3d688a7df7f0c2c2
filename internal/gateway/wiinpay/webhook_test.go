package wiinpay

import (
	"errors"
	"net/http"
	"testing"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
)

func hook(status, value string) string {
	return `{"id":"` + paymentID + `","status":"` + status + `","value":` + value +
		`,"metadata":{"payment_id":"` + ourRef + `","platform":"grimbots"}}`
}

func TestParseWebhook(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   string
		status gateway.Status
		cents  int64
		ref    string
	}{
		{"fixture", fixtureWebhook, gateway.StatusPaid, 1990, ourRef},
		{"paid 19.99", hook("paid", "19.99"), gateway.StatusPaid, 1999, ourRef},
		{"paid 1000", hook("paid", "1000.00"), gateway.StatusPaid, 100000, ourRef},
		{"approved", hook("approved", "19.9"), gateway.StatusPaid, 1990, ourRef},
		{"confirmed", hook("confirmed", "19.9"), gateway.StatusPaid, 1990, ourRef},
		{"pending", hook("pending", "19.9"), gateway.StatusPending, 1990, ourRef},
		{"waiting", hook("waiting", "19.9"), gateway.StatusPending, 1990, ourRef},
		{"processing", hook("processing", "19.9"), gateway.StatusPending, 1990, ourRef},
		{"cancelled", hook("cancelled", "19.9"), gateway.StatusFailed, 1990, ourRef},
		{"canceled", hook("canceled", "19.9"), gateway.StatusFailed, 1990, ourRef},
		{"failed", hook("failed", "19.9"), gateway.StatusFailed, 1990, ourRef},
		{"expired stays expired", hook("expired", "19.9"), gateway.StatusExpired, 1990, ourRef},
		{"refunded", hook("refunded", "19.9"), gateway.StatusRefunded, 1990, ourRef},
		{"chargeback", hook("chargeback", "19.9"), gateway.StatusChargeback, 1990, ourRef},
		{"upper case", hook("PAID", "19.9"), gateway.StatusPaid, 1990, ourRef},
		{"unknown stays pending", hook("under_review", "19.9"), gateway.StatusPending, 1990, ourRef},
		{"amount key, string reais", `{"transaction_id":"` + paymentID + `","status":"paid","amount":"19,90","payment_id":"` + ourRef + `"}`, gateway.StatusPaid, 1990, ourRef},
		{"wrapped in data", `{"event":"payment.updated","data":` + hook("paid", "19.9") + `}`, gateway.StatusPaid, 1990, ourRef},
		{"metadata as JSON string", `{"id":"` + paymentID + `","status":"paid","value":19.9,"metadata":"{\"payment_id\":\"` + ourRef + `\"}"}`, gateway.StatusPaid, 1990, ourRef},
		{"no metadata", `{"id":"` + paymentID + `","status":"paid","value":3}`, gateway.StatusPaid, 300, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := ParseWebhook(http.Header{}, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if ev.TransactionID != paymentID || ev.Status != tc.status || ev.AmountCents != tc.cents || ev.Reference != tc.ref {
				t.Errorf("event = %+v, want %s %d %q", ev, tc.status, tc.cents, tc.ref)
			}
		})
	}
}

func TestParseWebhookRejects(t *testing.T) {
	for body, want := range map[string]error{
		`{}`:                                  gateway.ErrIgnored,
		`{"message":"webhook test"}`:          gateway.ErrIgnored,
		`{"status":"paid","value":19.9}`:      gateway.ErrMalformed,
		`{"id":"abc"}`:                        gateway.ErrMalformed,
		`{"id":"abc","status":true}`:          gateway.ErrMalformed,
		hook("paid", `"dezenove"`):            gateway.ErrMalformed,
		hook("paid", `{"v":1}`):               gateway.ErrMalformed,
		`[` + fixtureWebhook + `]`:            gateway.ErrMalformed,
		`id=abc&status=paid`:                  gateway.ErrMalformed,
		fixtureWebhook + `garbage`:            gateway.ErrMalformed,
		`{"data":{"id":null,"status":null}}`:  gateway.ErrIgnored,
		`{"id":"None","status":"paid","value`: gateway.ErrMalformed,
	} {
		if ev, err := ParseWebhook(nil, []byte(body)); !errors.Is(err, want) {
			t.Errorf("ParseWebhook(%s) = %+v, %v; want %v", body, ev, err, want)
		}
	}
}

func FuzzParseWebhook(f *testing.F) {
	gatewaytest.FuzzWebhook(f, Driver, []byte(fixtureWebhook), []byte(fixtureCreate), []byte(fixtureCreateWrapped),
		[]byte(`{"data":`+hook("expired", "3")+`}`), []byte(`{"id":1,"status":"paid","metadata":"{\"payment_id\":1}"}`))
}
