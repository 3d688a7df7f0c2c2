package syncpay_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
	"github.com/grimbots/grimbots/internal/gateway/syncpay"
)

const (
	webhookHead = `{"data":{"id":"3df0319d-ecf7-455a-84c4-070aee2779c1","idtransaction":"3df0319d-ecf7-455a-84c4-070aee2779c1",
		"externalreference":"BOT12_1730000000_a1b2c3d4","status":"PAID_OUT","amount":19.9,"paymentmethod":"PIX",
		"updated_at":"2025-11-20T14:05:12-03:00"}}`
	webhookV2 = `{"identifier":"3df0319d-ecf7-455a-84c4-070aee2779c1","status":"paid","amount":19.9}`
)

func TestParseWebhookFixtures(t *testing.T) {
	paidAt := time.Date(2025, 11, 20, 14, 5, 12, 0, time.FixedZone("", -3*3600))
	ev, err := syncpay.ParseWebhook(http.Header{}, []byte(webhookHead))
	if err != nil {
		t.Fatal(err)
	}
	if ev.TransactionID != "3df0319d-ecf7-455a-84c4-070aee2779c1" || ev.Reference != "BOT12_1730000000_a1b2c3d4" ||
		ev.Status != gateway.StatusPaid || ev.RawStatus != "PAID_OUT" || ev.AmountCents != 1990 ||
		ev.PaidAt == nil || !ev.PaidAt.Equal(paidAt) {
		t.Errorf("head fixture: %+v", ev)
	}
	ev, err = syncpay.ParseWebhook(http.Header{}, []byte(webhookV2))
	if err != nil {
		t.Fatal(err)
	}
	if ev.TransactionID != "3df0319d-ecf7-455a-84c4-070aee2779c1" || ev.Status != gateway.StatusPaid || ev.AmountCents != 1990 {
		t.Errorf("v2 fixture: %+v", ev)
	}
}

func TestParseWebhookStatuses(t *testing.T) {
	for raw, want := range map[string]gateway.Status{
		"PAID_OUT": gateway.StatusPaid, "PAID": gateway.StatusPaid, "CONFIRMED": gateway.StatusPaid, "APPROVED": gateway.StatusPaid,
		"paid": gateway.StatusPaid, "confirmed": gateway.StatusPaid, "approved": gateway.StatusPaid,
		"CANCELLED": gateway.StatusFailed, "CANCELED": gateway.StatusFailed, "FAILED": gateway.StatusFailed, "cancelled": gateway.StatusFailed,
		"EXPIRED": gateway.StatusExpired, "expired": gateway.StatusExpired,
		"REFUNDED": gateway.StatusRefunded, "CHARGEBACK": gateway.StatusChargeback, "MED": gateway.StatusChargeback,
		"PENDING": gateway.StatusPending, "WAITING": gateway.StatusPending, "PROCESSING": gateway.StatusPending,
		"SOMETHING_NEW": gateway.StatusPending,
	} {
		body := `{"data":{"id":"tx-1","status":"` + raw + `","amount":"1000.00","external_reference":"gbref"}}`
		ev, err := syncpay.ParseWebhook(http.Header{}, []byte(body))
		if err != nil {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		if ev.Status != want || ev.RawStatus != raw || ev.AmountCents != 100000 || ev.Reference != "gbref" {
			t.Errorf("%s: %+v, want %s", raw, ev, want)
		}
	}
}

func TestParseWebhookShapes(t *testing.T) {
	for body, want := range map[string]int64{
		`{"data":{"idtransaction":"tx-1","status":"PAID","amount":19.99}}`: 1999,
		`{"data":{"identifier":"tx-1","status":"PAID","amount":0.29}}`:     29,
		`{"data":{},"id":"tx-1","status":"paid","amount":"19,90"}`:         1990,
		`{"data":{"status":"PAID","amount":19.9},"identifier":"tx-1"}`:     1990,
		`{"data":{"id":12345,"status":"PAID"}}`:                            0,
	} {
		ev, err := syncpay.ParseWebhook(http.Header{}, []byte(body))
		if err != nil || ev.AmountCents != want || ev.Status != gateway.StatusPaid || (ev.TransactionID != "tx-1" && ev.TransactionID != "12345") {
			t.Errorf("%s: %+v, %v", body, ev, err)
		}
	}
	for body, want := range map[string]error{
		`{}`:                         gateway.ErrIgnored,
		`{"data":{"event":"test"}}`:  gateway.ErrIgnored,
		`{"data":{"status":"PAID"}}`: gateway.ErrMalformed,
		`{"data":{"id":"tx-1"}}`:     gateway.ErrMalformed,
		`{"data":{"id":"tx-1","status":["PAID"]}}`:            gateway.ErrMalformed,
		`{"data":{"id":"tx","status":"PAID","amount":"dez"}}`: gateway.ErrMalformed,
		`{"data":{"id":"tx","status":"PAID","amount":-1}}`:    gateway.ErrMalformed,
		`{"data":[1]}`:                         gateway.ErrMalformed,
		`{"id":"tx","status":"paid"} trailing`: gateway.ErrMalformed,
		`<html></html>`:                        gateway.ErrMalformed,
	} {
		if _, err := syncpay.ParseWebhook(http.Header{}, []byte(body)); !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", body, err, want)
		}
	}
}

func FuzzParseWebhook(f *testing.F) {
	gatewaytest.FuzzWebhook(f, syncpay.Driver, []byte(webhookHead), []byte(webhookV2),
		[]byte(`{"data":{"id":"x","status":"EXPIRED","amount":"1,5"}}`))
}
