package hoopay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// ParseWebhook reads a HooPay notification,
// {"orderUUID": …, "payment": {"status": …, "charges": [{"amount": <reais>}]}},
// which is also what GET /pix/consult answers. It is pure and never panics.
// HooPay echoes none of our references, so Event.Reference stays empty and
// matching is by orderUUID. A JSON object with neither an order id nor a
// status (a ping or test) yields gateway.ErrIgnored; anything else unusable
// yields an error wrapping gateway.ErrMalformed.
func ParseWebhook(_ http.Header, body []byte) (*gateway.Event, error) {
	root, err := decodeObject(body)
	if err != nil {
		return nil, fmt.Errorf("hoopay: parsing webhook: %w", err)
	}
	pay, _ := root["payment"].(map[string]any)
	var first map[string]any
	if charges, ok := pay["charges"].([]any); ok && len(charges) > 0 {
		first, _ = charges[0].(map[string]any)
	}
	id := text(root, "orderUUID")
	raw := word(pay, "status")
	if raw == "" {
		raw = word(first, "status")
	}
	switch {
	case id == "" && raw == "":
		return nil, fmt.Errorf("hoopay: parsing webhook: %w", gateway.ErrIgnored)
	case id == "":
		return nil, fmt.Errorf("hoopay: parsing webhook: %w: no orderUUID", gateway.ErrMalformed)
	case raw == "":
		return nil, fmt.Errorf("hoopay: parsing webhook: %w: no payment status", gateway.ErrMalformed)
	}
	amount, err := gateway.ParseReais(first["amount"])
	if err != nil || amount < 0 {
		return nil, fmt.Errorf("hoopay: parsing webhook: %w: bad amount", gateway.ErrMalformed)
	}
	return &gateway.Event{
		TransactionID: id,
		Hash:          text(first, "uuid"),
		Status:        mapStatus(raw),
		RawStatus:     raw,
		AmountCents:   amount,
	}, nil
}

// mapStatus maps HooPay's payment status to the platform's. The reference
// folded refused, cancelled and expired into failed; expired is kept apart,
// and refunds and chargebacks, should HooPay send them, are not lost.
// Anything unknown is pending: only an explicit word moves a charge.
func mapStatus(raw string) gateway.Status {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "paid", "approved", "confirmed", "completed":
		return gateway.StatusPaid
	case "refused", "cancelled", "canceled", "failed", "rejected":
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
