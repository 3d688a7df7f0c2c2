package syncpay

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// ParseWebhook reads a SyncPay notification. The current shape wraps the
// charge in "data" ({"data":{"id","status":"PAID_OUT","amount":19.9,
// "externalreference",...}}); the older one is flat ({"identifier","status":
// "paid","amount"}). Both carry the amount in reais. It is pure and never
// panics.
func ParseWebhook(_ http.Header, body []byte) (*gateway.Event, error) {
	ev, err := parse(body)
	if err != nil {
		return nil, fmt.Errorf("syncpay: parsing webhook: %w", err)
	}
	return ev, nil
}

func parse(body []byte) (*gateway.Event, error) {
	root, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	obj, wrapped := root, false
	switch d := root["data"].(type) {
	case nil:
	case map[string]any:
		if len(d) > 0 {
			obj, wrapped = d, true
		}
	default:
		return nil, fmt.Errorf("%w: data is a %T", gateway.ErrMalformed, d)
	}
	id, err := text(obj, "id", "idtransaction", "identifier")
	if err != nil {
		return nil, err
	}
	if id == "" && wrapped {
		if id, err = text(root, "identifier", "id"); err != nil {
			return nil, err
		}
	}
	raw, err := text(obj, "status")
	if err != nil {
		return nil, err
	}
	if raw == "" {
		if raw, err = text(root, "status"); err != nil {
			return nil, err
		}
	}
	switch {
	case id == "" && raw == "":
		return nil, fmt.Errorf("%w: no transaction and no status", gateway.ErrIgnored)
	case id == "":
		return nil, fmt.Errorf("%w: no transaction id", gateway.ErrMalformed)
	case raw == "":
		return nil, fmt.Errorf("%w: no status", gateway.ErrMalformed)
	}
	amount := obj["amount"]
	if amount == nil {
		amount = root["amount"]
	}
	cents, err := gateway.ParseReais(amount)
	if err != nil {
		return nil, err
	}
	if cents < 0 {
		return nil, fmt.Errorf("%w: negative amount", gateway.ErrMalformed)
	}
	ref, err := text(obj, "externalreference", "external_reference", "externalReference")
	if err != nil {
		return nil, err
	}
	e2e, err := text(obj, "end_to_end_id", "endToEndId", "e2e_id")
	if err != nil {
		return nil, err
	}
	ev := &gateway.Event{TransactionID: id, Reference: ref, Status: mapStatus(raw), RawStatus: raw,
		AmountCents: cents, EndToEndID: e2e}
	if ev.Status == gateway.StatusPaid {
		// The notification of payment is sent when it happens; its update
		// time is the payment time when no explicit one is given.
		ev.PaidAt = timeField(obj, "paid_at", "paidAt", "updated_at")
	}
	return ev, nil
}

// mapStatus maps SyncPay's vocabulary (upper-case in the current API,
// lower-case in the older one). Unknown words stay pending: only a known
// final word moves a charge.
func mapStatus(raw string) gateway.Status {
	switch strings.ToUpper(strings.TrimSpace(raw)) {
	case "PAID_OUT", "PAID", "CONFIRMED", "APPROVED", "COMPLETED":
		return gateway.StatusPaid
	case "CANCELLED", "CANCELED", "FAILED", "REFUSED", "REJECTED":
		return gateway.StatusFailed
	case "EXPIRED":
		return gateway.StatusExpired
	case "REFUNDED":
		return gateway.StatusRefunded
	case "CHARGEBACK", "CHARGED_BACK", "MED":
		return gateway.StatusChargeback
	default: // PENDING, WAITING, PROCESSING and anything new
		return gateway.StatusPending
	}
}
