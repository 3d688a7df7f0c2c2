package umbrellapag

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

// ParseWebhook reads an UmbrellaPag postback: {"objectId", "type", "data":
// {"id", "status", "amount": <cents>, "metadata": "<JSON string>",
// "endToEndId", "paidAt", …}}, possibly wrapped twice (data.data) or not at
// all. It is pure and never panics. Our reference comes from
// metadata.payment_id (metadata as a JSON string or an object), else the
// echoed externalRef. A JSON object with neither a transaction id nor a
// status (a ping or test) yields gateway.ErrIgnored; anything else unusable
// yields an error wrapping gateway.ErrMalformed.
func ParseWebhook(_ http.Header, body []byte) (*gateway.Event, error) {
	root, err := decodeObject(body)
	if err != nil {
		return nil, fmt.Errorf("umbrellapag: parsing webhook: %w", err)
	}
	d := inner(root)
	id := text(root, "objectId", "object_id")
	if id == "" {
		id = text(d, "id", "transactionId", "transaction_id")
	}
	statusKeys := []string{"status", "paymentStatus", "payment_status"}
	raw := word(d, statusKeys...)
	if raw == "" {
		// A root "status" is read only as a word: in wrapped bodies a number
		// there is the HTTP-like envelope status, not the transaction's.
		raw = word(root, statusKeys...)
	}
	switch {
	case id == "" && raw == "":
		return nil, fmt.Errorf("umbrellapag: parsing webhook: %w", gateway.ErrIgnored)
	case id == "":
		return nil, fmt.Errorf("umbrellapag: parsing webhook: %w: no transaction id", gateway.ErrMalformed)
	case raw == "":
		return nil, fmt.Errorf("umbrellapag: parsing webhook: %w: no status", gateway.ErrMalformed)
	}
	amount, err := gateway.ParseCents(first(d, "amount", "value", "total"))
	if err != nil || amount < 0 {
		return nil, fmt.Errorf("umbrellapag: parsing webhook: %w: bad amount", gateway.ErrMalformed)
	}
	pix, _ := d["pix"].(map[string]any)
	e2eKeys := []string{"endToEndId", "end_to_end_id", "e2eId", "e2e_id"}
	ev := &gateway.Event{
		TransactionID: id,
		Reference:     reference(d),
		Status:        mapStatus(raw),
		RawStatus:     raw,
		AmountCents:   amount,
		EndToEndID:    coalesce(text(d, e2eKeys...), text(root, e2eKeys...), text(pix, e2eKeys...)),
	}
	if t, err := time.Parse(time.RFC3339, text(d, "paidAt", "paid_at")); err == nil {
		ev.PaidAt = &t
	}
	return ev, nil
}

// inner is the transaction object: data.data, else data, else the root.
func inner(root map[string]any) map[string]any {
	d, ok := root["data"].(map[string]any)
	if !ok {
		return root
	}
	if dd, ok := d["data"].(map[string]any); ok {
		return dd
	}
	return d
}

// reference is our payment id: metadata.payment_id (metadata is a JSON
// string when we created the charge, an object in some payloads), else the
// fields UmbrellaPag echoes our reference in.
func reference(d map[string]any) string {
	md, _ := d["metadata"].(map[string]any)
	if s, ok := d["metadata"].(string); ok {
		md, _ = decodeObject([]byte(s))
	}
	if r := text(md, "payment_id", "paymentId"); r != "" {
		return r
	}
	return text(d, "paymentId", "payment_id", "reference", "externalRef")
}

// mapStatus maps UmbrellaPag's status (any case) to the platform's. The
// reference folded refunded and expired into failed; they are kept apart,
// as are chargebacks. Anything unknown is pending: only an explicit word
// moves a charge.
func mapStatus(raw string) gateway.Status {
	switch strings.ToUpper(strings.TrimSpace(raw)) {
	case "PAID", "AUTHORIZED", "APPROVED", "CONFIRMED", "COMPLETED":
		return gateway.StatusPaid
	case "REFUSED", "FAILED", "CANCELLED", "CANCELED", "REJECTED":
		return gateway.StatusFailed
	case "EXPIRED":
		return gateway.StatusExpired
	case "REFUNDED":
		return gateway.StatusRefunded
	case "CHARGEDBACK", "CHARGEBACK", "CHARGED_BACK":
		return gateway.StatusChargeback
	}
	return gateway.StatusPending
}

// decodeObject decodes body as exactly one JSON object, keeping numbers as
// json.Number so amounts stay exact.
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
