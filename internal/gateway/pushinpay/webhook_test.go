package pushinpay_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
	"github.com/grimbots/grimbots/internal/gateway/pushinpay"
)

const webhookPaid = `{"id":"9c29870c-9f69-4bb6-90d3-2dce9453bb45",
	"qr_code":"00020101021226770014BR.GOV.BCB.PIX2555api.pushinpay.example/pix/9c29870c...6304ABCD",
	"status":"paid","value":1990,"webhook_url":"https://app.example.com/webhook/payment/pushynpay","split_rules":[],
	"end_to_end_id":"E18236120202511201705s0123456789","payer_name":"FULANO DE TAL","payer_national_registration":"12345678909"}`

func TestParseWebhookFixture(t *testing.T) {
	ev, err := pushinpay.ParseWebhook(http.Header{"Content-Type": {"application/json"}}, []byte(webhookPaid))
	if err != nil {
		t.Fatal(err)
	}
	want := gateway.Event{TransactionID: txID, Status: gateway.StatusPaid, RawStatus: "paid", AmountCents: 1990,
		EndToEndID: "E18236120202511201705s0123456789"}
	if *ev != want {
		t.Errorf("event %+v", ev)
	}
}

func TestParseWebhookStatuses(t *testing.T) {
	for raw, want := range map[string]gateway.Status{
		"paid": gateway.StatusPaid, "PAID": gateway.StatusPaid,
		"expired":  gateway.StatusExpired,
		"refunded": gateway.StatusRefunded,
		"created":  gateway.StatusPending, "pending": gateway.StatusPending, "brand_new": gateway.StatusPending,
		"canceled": gateway.StatusFailed, "chargeback": gateway.StatusChargeback,
	} {
		// A refund notice still names the payer: the status word decides.
		body := `{"id":"9C29870C-9F69-4BB6-90D3-2DCE9453BB45","status":"` + raw + `","value":"100000","payer_name":"FULANO"}`
		ev, err := pushinpay.ParseWebhook(http.Header{}, []byte(body))
		if err != nil || ev.Status != want || ev.RawStatus != raw || ev.AmountCents != 100000 || ev.TransactionID != txID {
			t.Errorf("%s: %+v, %v; want %s", raw, ev, err, want)
		}
	}
}

func TestParseWebhookForm(t *testing.T) {
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=UTF-8"}}
	ev, err := pushinpay.ParseWebhook(form, []byte("id="+txID+"&status=paid&value=1999&end_to_end_id=E123&payer_name=FULANO"))
	if err != nil || ev.Status != gateway.StatusPaid || ev.AmountCents != 1999 || ev.TransactionID != txID || ev.EndToEndID != "E123" {
		t.Errorf("form: %+v, %v", ev, err)
	}
	if _, err := pushinpay.ParseWebhook(form, []byte("%zz")); !errors.Is(err, gateway.ErrMalformed) {
		t.Errorf("bad form: %v", err)
	}
	if _, err := pushinpay.ParseWebhook(form, []byte("")); !errors.Is(err, gateway.ErrIgnored) {
		t.Errorf("empty form: %v", err)
	}
}

func TestParseWebhookRejects(t *testing.T) {
	for body, want := range map[string]error{
		`{}`:                gateway.ErrIgnored,
		`{"event":"ping"}`:  gateway.ErrIgnored,
		`{"id":"x"}`:        gateway.ErrMalformed,
		`{"status":"paid"}`: gateway.ErrMalformed,
		`{"id":"x","status":"paid","value":"R$ 5"}`: gateway.ErrMalformed,
		`{"id":"x","status":"paid","value":-5}`:     gateway.ErrMalformed,
		`{"id":true,"status":"paid"}`:               gateway.ErrMalformed,
		`not json`:                                  gateway.ErrMalformed,
	} {
		if _, err := pushinpay.ParseWebhook(http.Header{}, []byte(body)); !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", body, err, want)
		}
	}
}

func TestVerifyWebhook(t *testing.T) {
	secret := "s3cr3t-value-0123456789"
	with := func(k, v string) http.Header { h := http.Header{}; h.Set(k, v); return h }
	for _, tc := range []struct {
		name   string
		header http.Header
		creds  gateway.Credentials
		ok     bool
	}{
		{"no secret configured", http.Header{}, gateway.Credentials{"api_key": apiKey}, true},
		{"default header", with("X-Webhook-Secret", secret), gateway.Credentials{"webhook_secret": secret}, true},
		{"custom header", with("X-Grim-Token", secret), gateway.Credentials{"webhook_secret": secret, "webhook_header": "x-grim-token"}, true},
		{"missing header", http.Header{}, gateway.Credentials{"webhook_secret": secret}, false},
		{"wrong value", with("X-Webhook-Secret", secret+"x"), gateway.Credentials{"webhook_secret": secret}, false},
		{"prefix only", with("X-Webhook-Secret", secret[:5]), gateway.Credentials{"webhook_secret": secret}, false},
		{"wrong header", with("X-Webhook-Secret", secret), gateway.Credentials{"webhook_secret": secret, "webhook_header": "X-Other"}, false},
	} {
		err := pushinpay.VerifyWebhook(tc.header, []byte(webhookPaid), tc.creds)
		if tc.ok && err != nil || !tc.ok && !errors.Is(err, gateway.ErrBadSignature) {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
}

func FuzzParseWebhook(f *testing.F) {
	gatewaytest.FuzzWebhook(f, pushinpay.Driver, []byte(webhookPaid), []byte(fixtureCharge(txID, "created", 1990)),
		[]byte(`{"id":"x","status":"refunded","value":"12"}`))
}
