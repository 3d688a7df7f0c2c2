package hoopay

import (
	"errors"
	"net/http"
	"testing"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
)

func hook(status, amount string) string {
	return `{"orderUUID":"` + orderUUID + `","payment":{"status":"` + status + `","charges":[{"amount":` + amount + `,"status":"` + status + `"}]}}`
}

func TestParseWebhook(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   string
		status gateway.Status
		cents  int64
	}{
		{"fixture", fixtureWebhook, gateway.StatusPaid, 1990},
		{"paid 19.99", hook("paid", "19.99"), gateway.StatusPaid, 1999},
		{"paid 1000", hook("paid", "1000"), gateway.StatusPaid, 100000},
		{"paid as string amount", hook("paid", `"19.90"`), gateway.StatusPaid, 1990},
		{"refused", hook("refused", "19.9"), gateway.StatusFailed, 1990},
		{"cancelled", hook("cancelled", "19.9"), gateway.StatusFailed, 1990},
		{"expired stays expired", hook("expired", "19.9"), gateway.StatusExpired, 1990},
		{"pending", hook("pending", "19.9"), gateway.StatusPending, 1990},
		{"refunded", hook("refunded", "19.9"), gateway.StatusRefunded, 1990},
		{"upper case", hook("PAID", "19.9"), gateway.StatusPaid, 1990},
		{"unknown stays pending", hook("in_review", "19.9"), gateway.StatusPending, 1990},
		{"no charges", `{"orderUUID":"` + orderUUID + `","payment":{"status":"paid"}}`, gateway.StatusPaid, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := ParseWebhook(http.Header{}, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if ev.TransactionID != orderUUID || ev.Status != tc.status || ev.AmountCents != tc.cents || ev.Reference != "" {
				t.Errorf("event = %+v, want %s %d", ev, tc.status, tc.cents)
			}
		})
	}
}

func TestParseWebhookRejects(t *testing.T) {
	for body, want := range map[string]error{
		`{}`:                            gateway.ErrIgnored,
		`{"event":"ping"}`:              gateway.ErrIgnored,
		`{"payment":{"status":"paid"}}`: gateway.ErrMalformed,
		`{"orderUUID":"x"}`:             gateway.ErrMalformed,
		`{"orderUUID":"x","payment":{"status":7}}`:  gateway.ErrMalformed,
		hook("paid", `"abc"`):                       gateway.ErrMalformed,
		hook("paid", `-1`):                          gateway.ErrMalformed,
		`[` + fixtureWebhook + `]`:                  gateway.ErrMalformed,
		fixtureWebhook + `{}`:                       gateway.ErrMalformed,
		`orderUUID=x&status=paid`:                   gateway.ErrMalformed,
		`{"orderUUID":{"a":1},"payment":"paid"}`:    gateway.ErrIgnored,
		`{"orderUUID":"x","payment":{"charges":1}}`: gateway.ErrMalformed,
	} {
		if ev, err := ParseWebhook(nil, []byte(body)); !errors.Is(err, want) {
			t.Errorf("ParseWebhook(%s) = %+v, %v; want %v", body, ev, err, want)
		}
	}
}

func FuzzParseWebhook(f *testing.F) {
	gatewaytest.FuzzWebhook(f, Driver, []byte(fixtureWebhook), []byte(fixtureCreate), []byte(hook("expired", "0.5")),
		[]byte(`{"orderUUID":1,"payment":{"status":"paid","charges":[{"amount":"1,5"}]}}`))
}
