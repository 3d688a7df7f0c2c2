package sigilopay

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
)

// fixtureWebhook is §5.12's notification.
const fixtureWebhook = `{
  "event": "TRANSACTION_PAID",
  "token": "whk_fake_shared_token",
  "client": {"name": "FULANO DE TAL", "cpf": "123.456.789-09"},
  "transaction": {
    "id": "cm3sig0000000000000000001",
    "identifier": "BOT12_1730000000_a1b2c3d4",
    "status": "COMPLETED",
    "amount": 1990,
    "pixInformation": {"endToEndId": "E18236120202511201705sigilo0001"}
  }
}`

func TestParseWebhookFixture(t *testing.T) {
	ev, err := ParseWebhook(http.Header{}, []byte(fixtureWebhook))
	if err != nil {
		t.Fatal(err)
	}
	want := gateway.Event{TransactionID: fixtureTxID, Reference: fixtureRef, Status: gateway.StatusPaid,
		RawStatus: "TRANSACTION_PAID", AmountCents: 1990, EndToEndID: "E18236120202511201705sigilo0001"}
	if *ev != want {
		t.Errorf("event = %+v\nwant    %+v", *ev, want)
	}
}

// TestParseWebhookEvents covers SigiloPay's §4.3 row, refunds (§5.14) and
// chargebacks kept apart.
func TestParseWebhookEvents(t *testing.T) {
	for event, want := range map[string]gateway.Status{
		"TRANSACTION_PAID":         gateway.StatusPaid,
		"TRANSACTION_CANCELED":     gateway.StatusFailed,
		"TRANSACTION_REFUNDED":     gateway.StatusRefunded,
		"TRANSACTION_CHARGED_BACK": gateway.StatusChargeback,
		"TRANSACTION_CREATED":      gateway.StatusPending,
		"TRANSACTION_WHATEVER":     gateway.StatusPending,
	} {
		// The transaction's own status must not override a known event.
		body := strings.Replace(fixtureWebhook, "TRANSACTION_PAID", event, 1)
		body = strings.Replace(body, `"amount": 1990`, `"amount": "1999"`, 1)
		ev, err := ParseWebhook(nil, []byte(body))
		if event == "TRANSACTION_WHATEVER" {
			want = gateway.StatusPaid // unknown event: the transaction says COMPLETED
		}
		if err != nil || ev.Status != want || ev.RawStatus != event || ev.AmountCents != 1999 || ev.Reference != fixtureRef {
			t.Errorf("%s: %+v, %v; want %s", event, ev, err, want)
		}
	}
	ev, err := ParseWebhook(nil, []byte(`{"event":"TRANSACTION_NEW","transaction":{"id":"t1"}}`))
	if err != nil || ev.Status != gateway.StatusPending {
		t.Errorf("unknown event without status: %+v, %v; want pending", ev, err)
	}
	ev, err = ParseWebhook(nil, []byte(`{"transaction":{"id":"t1","status":"REFUNDED","amount":100000}}`))
	if err != nil || ev.Status != gateway.StatusRefunded || ev.RawStatus != "REFUNDED" || ev.AmountCents != 100000 {
		t.Errorf("no event: %+v, %v; want refunded", ev, err)
	}
}

func TestParseWebhookRefusals(t *testing.T) {
	for body, want := range map[string]error{
		``:                    gateway.ErrMalformed,
		`{"event":`:           gateway.ErrMalformed,
		`{"transaction":"x"}`: gateway.ErrMalformed,
		`{"event":"TRANSACTION_PAID","transaction":{}}`:                          gateway.ErrMalformed,
		`{"transaction":{"id":"t1"}}`:                                            gateway.ErrMalformed,
		`{"event":"TRANSACTION_PAID","transaction":{"id":"t1","amount":-1}}`:     gateway.ErrMalformed,
		`{"event":"TRANSACTION_PAID","transaction":{"id":"t1","amount":[1990]}}`: gateway.ErrMalformed,
		`{}`:                           gateway.ErrIgnored,
		`{"event":"TEST","token":"x"}`: gateway.ErrIgnored,
	} {
		if ev, err := ParseWebhook(nil, []byte(body)); !errors.Is(err, want) {
			t.Errorf("ParseWebhook(%s) = %+v, %v; want %v", body, ev, err, want)
		}
	}
}

func TestVerifyWebhook(t *testing.T) {
	withToken := func(tok string) gateway.Credentials {
		c := testCreds()
		c["webhook_token"] = tok
		return c
	}
	body := []byte(fixtureWebhook)
	if err := VerifyWebhook(nil, body, testCreds()); err != nil {
		t.Errorf("no token configured: %v", err)
	}
	if err := VerifyWebhook(nil, body, withToken(" whk_fake_shared_token ")); err != nil {
		t.Errorf("matching token: %v", err)
	}
	for name, tc := range map[string]struct {
		body []byte
		tok  string
	}{
		"other token":   {body, "whk_other"},
		"prefix only":   {body, "whk_fake"},
		"no token":      {[]byte(`{"event":"TRANSACTION_PAID","transaction":{"id":"t1"}}`), "whk_fake_shared_token"},
		"numeric token": {[]byte(`{"token":12,"transaction":{"id":"t1"}}`), "12"},
		"not JSON":      {[]byte(`whk_fake_shared_token`), "whk_fake_shared_token"},
	} {
		err := VerifyWebhook(nil, tc.body, withToken(tc.tok))
		if !errors.Is(err, gateway.ErrBadSignature) {
			t.Errorf("%s: err = %v, want ErrBadSignature", name, err)
		} else if strings.Contains(err.Error(), tc.tok) {
			t.Errorf("%s: error reveals the token: %v", name, err)
		}
	}
}

func FuzzParseWebhook(f *testing.F) {
	gatewaytest.FuzzWebhook(f, Driver, []byte(fixtureWebhook),
		[]byte(`{"event":"TRANSACTION_REFUNDED","transaction":{"id":"t1","identifier":"gb1","amount":"1990"}}`),
		[]byte(`{"transaction":{"id":7,"status":"CHARGED_BACK","pixInformation":null}}`))
}
