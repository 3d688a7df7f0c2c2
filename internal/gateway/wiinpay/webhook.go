package wiinpay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// ParseWebhook reads a WiinPay notification, flat
// ({"id", "status", "value": <reais>, "metadata": {"payment_id"}}) or wrapped
// in "data", which is also what GET /payment/{id} answers. It needs no
// credentials (the v2 reference never parsed WiinPay webhooks because it
// insisted on them) and never panics. A JSON object with neither an id nor a
// status (a ping or test) yields gateway.ErrIgnored; anything else unusable
// yields an error wrapping gateway.ErrMalformed.
func ParseWebhook(_ http.Header, body []byte) (*gateway.Event, error) {
	root, err := decodeObject(body)
	if err != nil {
		return nil, fmt.Errorf("wiinpay: parsing webhook: %w", err)
	}
	// When wrapped, root-level fields describe the envelope, not the
	// payment, so only the inner object is read.
	m := root
	if d, ok := root["data"].(map[string]any); ok {
		m = d
	}
	id := text(m, "id", "paymentId", "transaction_id", "uuid")
	raw := word(m, "status")
	switch {
	case id == "" && raw == "":
		return nil, fmt.Errorf("wiinpay: parsing webhook: %w", gateway.ErrIgnored)
	case id == "":
		return nil, fmt.Errorf("wiinpay: parsing webhook: %w: no payment id", gateway.ErrMalformed)
	case raw == "":
		return nil, fmt.Errorf("wiinpay: parsing webhook: %w: no status", gateway.ErrMalformed)
	}
	amount, err := gateway.ParseReais(first(m, "value", "amount"))
	if err != nil || amount < 0 {
		return nil, fmt.Errorf("wiinpay: parsing webhook: %w: bad amount", gateway.ErrMalformed)
	}
	ev := &gateway.Event{
		TransactionID: id,
		Reference:     reference(m),
		Status:        mapStatus(raw),
		RawStatus:     raw,
		AmountCents:   amount,
		EndToEndID:    text(m, "end_to_end_id", "endToEndId", "e2e_id", "e2eId"),
	}
	if t, err := time.Parse(time.RFC3339, text(m, "paid_at", "paidAt")); err == nil {
		ev.PaidAt = &t
	}
	return ev, nil
}

// reference is our payment id as echoed in metadata.payment_id (metadata as
// an object or, tolerated, a JSON string), else a root payment_id.
func reference(m map[string]any) string {
	md, _ := m["metadata"].(map[string]any)
	if s, ok := m["metadata"].(string); ok {
		md, _ = decodeObject([]byte(s))
	}
	if r := text(md, "payment_id"); r != "" {
		return r
	}
	return text(m, "payment_id")
}

// mapStatus maps WiinPay's status word to the platform's. The reference
// folded expired into failed; it is kept apart, and refunds and chargebacks
// are not lost. Anything unknown is pending: only an explicit word moves a
// charge.
func mapStatus(raw string) gateway.Status {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "paid", "approved", "confirmed", "completed":
		return gateway.StatusPaid
	case "cancelled", "canceled", "failed", "refused", "rejected":
		return gateway.StatusFailed
	case "expired":
		return gateway.StatusExpired
	case "refunded":
		return gateway.StatusRefunded
	case "chargeback", "chargedback", "charged_back":
		return gateway.StatusChargeback
	}
	return gateway.StatusPending
}

// decodeObject decodes body as exactly one JSON object, keeping numbers as
// json.Number so amounts convert to cents exactly.
func decodeObject(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: not JSON: %w", gateway.ErrMalformed, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the JSON value", gateway.ErrMalformed)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: not a JSON object", gateway.ErrMalformed)
	}
	return m, nil
}

// text returns the first of keys in m that holds a non-empty string or a
// number, as a string; other types count as absent.
func text(m map[string]any, keys ...string) string {
	for _, k := range keys {
		switch v := m[k].(type) {
		case string:
			if s := strings.TrimSpace(v); s != "" {
				return s
			}
		case json.Number:
			return v.String()
		}
	}
	return ""
}

// word returns the first of keys in m that holds a non-empty string. Status
// words must be strings: a number there is not a state we understand.
func word(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// first returns the value of the first of keys present (non-null) in m.
func first(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil {
			return v
		}
	}
	return nil
}
