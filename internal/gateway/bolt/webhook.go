package bolt

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// maxCents bounds amounts read from untrusted JSON (R$ 10 billion), so a
// huge number cannot overflow into a plausible one.
const maxCents = 1_000_000_000_000

// ParseWebhook reads a Bolt postback:
//
//	{"id": <event id>, "type": "transaction", "objectId": <tx id>,
//	 "data": {"id", "status", "amount" (cents), "items": [{"externalRef"}]}}
//
// The Babylon-family envelope {"event", "transaction": {...}} is accepted
// too. It is pure and never panics.
func ParseWebhook(_ http.Header, body []byte) (*gateway.Event, error) {
	root, err := decodeObject(body)
	if err != nil {
		return nil, fmt.Errorf("bolt: parsing webhook: %w: %v", gateway.ErrMalformed, err)
	}
	// Postbacks about other objects (transfers, withdrawals) carry no
	// charge state.
	if t := strings.ToLower(text(root, "type")); t != "" && !strings.HasPrefix(t, "transaction") {
		return nil, fmt.Errorf("bolt: webhook of type %q: %w", truncate(t, 50), gateway.ErrIgnored)
	}
	tx := object(root, "data")
	if tx == nil {
		tx = object(root, "transaction")
	}
	if tx == nil {
		for _, k := range []string{"data", "transaction", "objectId", "status"} {
			if root[k] != nil {
				return nil, fmt.Errorf("bolt: parsing webhook: %w: no transaction object", gateway.ErrMalformed)
			}
		}
		// A ping or test notification: well-formed, no charge.
		return nil, fmt.Errorf("bolt: webhook without a transaction: %w", gateway.ErrIgnored)
	}
	ev, err := eventFrom(tx)
	if err != nil {
		return nil, fmt.Errorf("bolt: parsing webhook: %w", err)
	}
	ev.TransactionID = text(tx, "id")
	if ev.TransactionID == "" {
		ev.TransactionID = text(root, "objectId")
	}
	if ev.TransactionID == "" {
		return nil, fmt.Errorf("bolt: parsing webhook: %w: no transaction id", gateway.ErrMalformed)
	}
	return ev, nil
}

// eventFrom reads the fields a transaction object shares between webhooks
// and status answers. Errors wrap ErrMalformed.
func eventFrom(tx map[string]any) (*gateway.Event, error) {
	raw := text(tx, "status")
	if raw == "" {
		return nil, fmt.Errorf("%w: no status", gateway.ErrMalformed)
	}
	amount, err := cents(tx["amount"])
	if err != nil {
		return nil, err
	}
	ev := &gateway.Event{
		Status:      mapStatus(raw),
		RawStatus:   truncate(raw, 64),
		AmountCents: amount,
		Reference:   text(tx, "externalRef"),
		EndToEndID:  firstText(object(tx, "pix"), "end2EndId", "endToEndId", "end_to_end_id"),
		PaidAt:      timeField(tx, "paidAt"),
	}
	// Our reference travels in the first item's externalRef.
	if items, ok := tx["items"].([]any); ok && len(items) > 0 {
		if it, ok := items[0].(map[string]any); ok && text(it, "externalRef") != "" {
			ev.Reference = text(it, "externalRef")
		}
	}
	return ev, nil
}

// cents reads an integer cents amount; absent is 0.
func cents(v any) (int64, error) {
	n, err := gateway.ParseCents(v)
	if err != nil {
		return 0, fmt.Errorf("amount: %w", err)
	}
	if n < 0 || n > maxCents {
		return 0, fmt.Errorf("%w: amount %d out of range", gateway.ErrMalformed, n)
	}
	return n, nil
}

// mapStatus maps Bolt's vocabulary (waiting_payment, paid, refused,
// canceled, refunded, chargedback, failed, expired, in_analisys,
// in_protest). Unknown words stay pending: only the provider saying "paid"
// may confirm a payment, and guessing a failure would drop a sale the
// reconciler can still confirm.
func mapStatus(raw string) gateway.Status {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "paid":
		return gateway.StatusPaid
	case "refused", "canceled", "cancelled", "failed":
		return gateway.StatusFailed
	case "expired":
		return gateway.StatusExpired
	case "refunded":
		return gateway.StatusRefunded
	case "chargedback", "chargeback", "charged_back":
		return gateway.StatusChargeback
	}
	return gateway.StatusPending
}
