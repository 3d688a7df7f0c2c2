package umbrellapag

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
)

func hook(status, amount string) string {
	return `{"id":"evt_1","type":"transaction","objectId":"` + txID + `","data":{"id":"` + txID + `","status":"` + status +
		`","amount":` + amount + `,"metadata":"{\"payment_id\": \"` + ourRef + `\"}"}}`
}

func TestParseWebhookFixture(t *testing.T) {
	ev, err := ParseWebhook(http.Header{}, []byte(fixtureWebhook))
	if err != nil {
		t.Fatal(err)
	}
	paid := time.Date(2025, 11, 20, 20, 5, 33, 0, time.UTC)
	if ev.TransactionID != txID || ev.Status != gateway.StatusPaid || ev.AmountCents != 1990 || ev.Reference != ourRef ||
		ev.EndToEndID != "E00416968202511201705abcdef123456" || ev.PaidAt == nil || !ev.PaidAt.Equal(paid) || ev.RawStatus != "paid" {
		t.Errorf("event = %+v", ev)
	}
}

func TestParseWebhookStatuses(t *testing.T) {
	for word, want := range map[string]gateway.Status{
		"PAID": gateway.StatusPaid, "AUTHORIZED": gateway.StatusPaid, "APPROVED": gateway.StatusPaid,
		"CONFIRMED": gateway.StatusPaid, "COMPLETED": gateway.StatusPaid, "paid": gateway.StatusPaid,
		"WAITING_PAYMENT": gateway.StatusPending, "PENDING": gateway.StatusPending, "PROCESSING": gateway.StatusPending,
		"REFUSED": gateway.StatusFailed, "FAILED": gateway.StatusFailed, "CANCELLED": gateway.StatusFailed,
		"CANCELED": gateway.StatusFailed, "REJECTED": gateway.StatusFailed,
		"REFUNDED": gateway.StatusRefunded, "EXPIRED": gateway.StatusExpired, "CHARGEDBACK": gateway.StatusChargeback,
		"IN_PROTEST": gateway.StatusPending, "something_new": gateway.StatusPending,
	} {
		ev, err := ParseWebhook(nil, []byte(hook(word, "1990")))
		if err != nil || ev.Status != want || ev.RawStatus != word {
			t.Errorf("%s: %+v %v, want %s", word, ev, err, want)
		}
	}
}

func TestParseWebhookShapes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		body  string
		cents int64
		ref   string
	}{
		{"19.99", hook("PAID", "1999"), 1999, ourRef},
		{"1000.00", hook("PAID", "100000"), 100000, ourRef},
		{"amount as string", hook("PAID", `"1990"`), 1990, ourRef},
		{"unwrapped", `{"id":"` + txID + `","status":"PAID","value":1990,"externalRef":"` + ourRef + `"}`, 1990, ourRef},
		{"double wrapped", `{"objectId":"` + txID + `","data":{"data":{"status":"PAID","total":1990,"metadata":{"payment_id":"` + ourRef + `"}}}}`, 1990, ourRef},
		{"paymentStatus, no amount", `{"data":{"transactionId":"` + txID + `","paymentStatus":"PAID"}}`, 0, ""},
		{"bad metadata string falls back", `{"data":{"id":"` + txID + `","status":"PAID","amount":1990,"metadata":"not json","externalRef":"` + ourRef + `"}}`, 1990, ourRef},
		{"envelope numeric status ignored", `{"status":200,"data":{"id":"` + txID + `","status":"PAID","amount":1990}}`, 1990, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := ParseWebhook(nil, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if ev.TransactionID != txID || ev.Status != gateway.StatusPaid || ev.AmountCents != tc.cents || ev.Reference != tc.ref {
				t.Errorf("event = %+v", ev)
			}
		})
	}
}

func TestParseWebhookRejects(t *testing.T) {
	for body, want := range map[string]error{
		`{}`:                                   gateway.ErrIgnored,
		`{"type":"test"}`:                      gateway.ErrIgnored,
		`{"status":201,"message":"ok"}`:        gateway.ErrIgnored,
		`{"data":{"status":"PAID"}}`:           gateway.ErrMalformed,
		`{"objectId":"x","data":{}}`:           gateway.ErrMalformed,
		`{"objectId":"x","data":{"status":1}}`: gateway.ErrMalformed,
		hook("PAID", `"19,90"`):                gateway.ErrMalformed,
		hook("PAID", `-5`):                     gateway.ErrMalformed,
		hook("PAID", `[1]`):                    gateway.ErrMalformed,
		`[` + fixtureWebhook + `]`:             gateway.ErrMalformed,
		fixtureWebhook + `x`:                   gateway.ErrMalformed,
		`objectId=x`:                           gateway.ErrMalformed,
		`{"objectId":{"a":1},"data":"PAID"}`:   gateway.ErrIgnored,
		`{"objectId":"x","data":{"status":"PA`: gateway.ErrMalformed,
	} {
		if ev, err := ParseWebhook(nil, []byte(body)); !errors.Is(err, want) {
			t.Errorf("ParseWebhook(%s) = %+v, %v; want %v", body, ev, err, want)
		}
	}
}

func FuzzParseWebhook(f *testing.F) {
	gatewaytest.FuzzWebhook(f, Driver, []byte(fixtureWebhook), []byte(fixtureStatus), []byte(fixtureCreate), []byte(fixtureRefusal),
		[]byte(`{"objectId":"x","data":{"data":{"status":"PAID","amount":1.5,"metadata":{"payment_id":1}}}}`))
}
