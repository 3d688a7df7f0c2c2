package orionpay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// statuses maps the status words of OrionPay's status endpoints. Expired
// stays distinct from failed (the reference folded them together).
var statuses = map[string]gateway.Status{
	"paid": gateway.StatusPaid, "pago": gateway.StatusPaid, "approved": gateway.StatusPaid, "aprovado": gateway.StatusPaid,
	"completed": gateway.StatusPaid, "concluido": gateway.StatusPaid, "concluído": gateway.StatusPaid,
	"pending": gateway.StatusPending, "pendente": gateway.StatusPending, "waiting": gateway.StatusPending,
	"aguardando": gateway.StatusPending, "created": gateway.StatusPending, "criado": gateway.StatusPending,
	"failed": gateway.StatusFailed, "falhou": gateway.StatusFailed, "refused": gateway.StatusFailed, "recusado": gateway.StatusFailed,
	"cancelled": gateway.StatusFailed, "canceled": gateway.StatusFailed, "cancelado": gateway.StatusFailed,
	"expired": gateway.StatusExpired, "expirado": gateway.StatusExpired,
	// Not in the reference's vocabulary; kept distinct should they appear.
	"refunded": gateway.StatusRefunded, "reembolsado": gateway.StatusRefunded, "estornado": gateway.StatusRefunded,
	"chargeback": gateway.StatusChargeback,
}

// mapStatus maps a status word; unknown words are pending, so a word the
// adapter does not know never moves a payment.
func mapStatus(raw string) gateway.Status {
	if s, ok := statuses[strings.ToLower(strings.TrimSpace(raw))]; ok {
		return s
	}
	return gateway.StatusPending
}

// events maps webhook event names, written with "." (OrionPay also sends
// them with "_", which ParseWebhook turns into "."). Any other event is
// pending: the status re-fetch decides.
var events = map[string]gateway.Status{
	"payment.success": gateway.StatusPaid, "purchase.completed": gateway.StatusPaid, "access.granted": gateway.StatusPaid,
	"purchase.created": gateway.StatusPending,
}

// ParseWebhook parses an OrionPay notification: {event, timestamp, data:
// {transactionId, price (reais), ...}}. The state comes from the event name.
// "webhook.test" is ignored. OrionPay never receives our reference, so the
// event's Reference is empty: purchaseId is OrionPay's own id.
func ParseWebhook(_ http.Header, body []byte) (*gateway.Event, error) {
	ev, err := parseWebhook(body)
	if err != nil {
		return nil, fmt.Errorf("orionpay: parsing webhook: %w", err)
	}
	return ev, nil
}

func parseWebhook(body []byte) (*gateway.Event, error) {
	v, err := decode(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", gateway.ErrMalformed, err)
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: not a JSON object", gateway.ErrMalformed)
	}
	event := str(root["event"])
	if event == "" {
		return nil, fmt.Errorf("%w: no event", gateway.ErrMalformed)
	}
	name := strings.ToLower(strings.ReplaceAll(event, "_", "."))
	if name == "webhook.test" {
		return nil, fmt.Errorf("%w: test event", gateway.ErrIgnored)
	}
	data, _ := root["data"].(map[string]any)
	txid := firstString(data, "transactionId", "transaction_id")
	if txid == "" {
		// purchaseId is not a fallback: it counts purchases, not
		// transactions, and could equal another charge's transaction id.
		return nil, fmt.Errorf("%w: %s event without a transaction id", gateway.ErrMalformed, event)
	}
	status, ok := events[name]
	if !ok {
		status = gateway.StatusPending
	}
	// The gross price: netAmount is after OrionPay's fee and would never
	// equal the charge's amount.
	var amount any
	for _, k := range []string{"price", "amount", "value", "total"} {
		if data[k] != nil {
			amount = data[k]
			break
		}
	}
	cents, err := gateway.ParseReais(amount)
	if err != nil {
		return nil, err
	}
	ev := &gateway.Event{TransactionID: txid, Status: status, RawStatus: event, AmountCents: cents}
	if id := str(data["id"]); id != txid {
		ev.Hash = id
	}
	if status == gateway.StatusPaid {
		ev.PaidAt = parseTime(str(root["timestamp"])) // a paid event's time is the payment's
	}
	return ev, nil
}

// parseTime reads an ISO 8601 time; one without a zone is UTC. It returns
// nil when s is empty or unreadable.
func parseTime(s string) *time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return &t
		}
	}
	return nil
}

// decode reads exactly one JSON value, keeping numbers exact.
func decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// str returns a string or number as text; anything else is "", so hostile
// types never pass as ids.
func str(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	}
	return ""
}

func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s := str(m[k]); s != "" {
			return s
		}
	}
	return ""
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
