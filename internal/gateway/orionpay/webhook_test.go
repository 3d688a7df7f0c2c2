package orionpay

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
)

func TestParseWebhookFixture(t *testing.T) {
	ev, err := ParseWebhook(http.Header{"X-Webhook-Secret": {"s"}}, []byte(fixtureWebhook))
	if err != nil {
		t.Fatal(err)
	}
	paid := time.Date(2025, 11, 20, 20, 45, 10, 0, time.UTC)
	// The gross price (19.9), not netAmount; no Reference: purchaseId is theirs.
	if ev.TransactionID != "2531" || ev.Status != gateway.StatusPaid || ev.RawStatus != "payment.success" ||
		ev.AmountCents != 1990 || ev.Reference != "" || ev.Hash != "" || ev.PaidAt == nil || !ev.PaidAt.Equal(paid) {
		t.Errorf("event %+v", ev)
	}
}

// TestParseWebhookEvents covers every event of OrionPay's row in the
// reference's mapping table (§4.3), in both spellings.
func TestParseWebhookEvents(t *testing.T) {
	for event, want := range map[string]gateway.Status{
		"payment.success": gateway.StatusPaid, "payment_success": gateway.StatusPaid,
		"purchase.completed": gateway.StatusPaid, "purchase_completed": gateway.StatusPaid,
		"access.granted": gateway.StatusPaid, "access_granted": gateway.StatusPaid, "ACCESS.GRANTED": gateway.StatusPaid,
		"purchase.created": gateway.StatusPending, "purchase_created": gateway.StatusPending,
		"something.else": gateway.StatusPending,
	} {
		ev, err := ParseWebhook(nil, []byte(`{"event": "`+event+`", "data": {"transactionId": 12, "price": "1000", "netAmount": 950}}`))
		if err != nil || ev.Status != want || ev.RawStatus != event || ev.TransactionID != "12" || ev.AmountCents != 100000 {
			t.Errorf("%s: %+v, %v; want %s", event, ev, err, want)
		}
		if want != gateway.StatusPaid && ev != nil && ev.PaidAt != nil {
			t.Errorf("%s: PaidAt set on a non-paid event", event)
		}
	}
}

func TestParseWebhookRefusals(t *testing.T) {
	for body, want := range map[string]error{
		fixtureTest:                        gateway.ErrIgnored,
		`{"event": "webhook_test"}`:        gateway.ErrIgnored,
		`{"data": {"transactionId": "1"}}`: gateway.ErrMalformed,
		`{"event": "payment.success", "data": {"purchaseId": 999, "price": 19.9}}`:   gateway.ErrMalformed,
		`{"event": "payment.success", "data": {"transactionId": "1", "price": "x"}}`: gateway.ErrMalformed,
		`{"event": "payment.success", "data": "x"}`:                                  gateway.ErrMalformed,
		`not json`:            gateway.ErrMalformed,
		`["payment.success"]`: gateway.ErrMalformed,
	} {
		if _, err := ParseWebhook(nil, []byte(body)); !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", body, err, want)
		}
	}
}

func TestVerifyWebhook(t *testing.T) {
	withSecret := gateway.Credentials{"api_key": testKey, "webhook_secret": "whsec_abc123"}
	for name, tc := range map[string]struct {
		header http.Header
		creds  gateway.Credentials
		ok     bool
	}{
		"match":              {http.Header{"X-Webhook-Secret": {"whsec_abc123"}}, withSecret, true},
		"mismatch":           {http.Header{"X-Webhook-Secret": {"whsec_abc124"}}, withSecret, false},
		"prefix":             {http.Header{"X-Webhook-Secret": {"whsec_abc"}}, withSecret, false},
		"missing header":     {http.Header{}, withSecret, false},
		"no secret set":      {http.Header{}, gateway.Credentials{"api_key": testKey}, true},
		"no secret, header":  {http.Header{"X-Webhook-Secret": {"anything"}}, gateway.Credentials{"api_key": testKey}, true},
		"lower-case header":  {http.Header{"x-webhook-secret": {"whsec_abc123"}}, withSecret, false}, // not canonical: net/http never delivers this
		"canonicalized name": {headerOf("x-webhook-secret", "whsec_abc123"), withSecret, true},
	} {
		err := VerifyWebhook(tc.header, []byte(fixtureWebhook), tc.creds)
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, gateway.ErrBadSignature)) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func headerOf(k, v string) http.Header {
	h := http.Header{}
	h.Set(k, v)
	return h
}

func FuzzParseWebhook(f *testing.F) {
	gatewaytest.FuzzWebhook(f, Driver, []byte(fixtureWebhook), []byte(fixtureTest),
		[]byte(`{"event": "purchase_created", "data": {"transactionId": 12, "amount": "19,90"}}`))
}
