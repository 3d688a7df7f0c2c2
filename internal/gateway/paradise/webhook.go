package paradise

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// ParseWebhook reads a Paradise notification: the current flat shape
// ({"transaction_id","external_id","status":"approved","amount":1990}) or
// the older one ({"id"|"hash","payment_status":"paid","amount_paid"}),
// bare or wrapped in "data" or "transaction". Amounts are in cents. It is
// pure and never panics.
func ParseWebhook(_ http.Header, body []byte) (*gateway.Event, error) {
	m, err := decodeObject(body)
	if err != nil {
		return nil, fmt.Errorf("paradise: parsing webhook: %w", err)
	}
	if !hasIDs(m) {
		for _, k := range []string{"data", "transaction"} {
			if inner, ok := m[k].(map[string]any); ok && hasIDs(inner) {
				m = inner
				break
			}
		}
	}
	ev, err := event(m)
	if err != nil {
		return nil, fmt.Errorf("paradise: parsing webhook: %w", err)
	}
	return ev, nil
}

// event maps one transaction object, from a webhook or a status query.
func event(m map[string]any) (*gateway.Event, error) {
	id, hash, err := ids(m)
	if err != nil {
		return nil, err
	}
	raw, err := text(m, "status", "payment_status", "state")
	if err != nil {
		return nil, err
	}
	switch {
	case id == "" && raw == "":
		return nil, fmt.Errorf("%w: no transaction and no status", gateway.ErrIgnored)
	case id == "":
		return nil, fmt.Errorf("%w: no transaction id", gateway.ErrMalformed)
	case raw == "":
		return nil, fmt.Errorf("%w: no status", gateway.ErrMalformed)
	}
	cents, err := amount(m)
	if err != nil {
		return nil, err
	}
	ref, err := text(m, "external_id", "external_reference", "reference")
	if err != nil {
		return nil, err
	}
	e2e, err := text(m, "end_to_end_id", "endToEndId", "e2e_id")
	if err != nil {
		return nil, err
	}
	ev := &gateway.Event{TransactionID: id, Hash: hash, Reference: ref, Status: mapStatus(raw), RawStatus: raw,
		AmountCents: cents, EndToEndID: e2e}
	if ev.Status == gateway.StatusPaid {
		ev.PaidAt = timeField(m, "paid_at", "paidAt", "approved_at", "updated_at")
	}
	return ev, nil
}

// amount reads the paid amount, else the charge amount, in cents.
func amount(m map[string]any) (int64, error) {
	paid, err := gateway.ParseCents(m["amount_paid"])
	if err != nil {
		return 0, err
	}
	if paid == 0 {
		if paid, err = gateway.ParseCents(m["amount"]); err != nil {
			return 0, err
		}
	}
	if paid < 0 {
		return 0, fmt.Errorf("%w: negative amount", gateway.ErrMalformed)
	}
	return paid, nil
}

// mapStatus maps Paradise's words. "paid" counts as paid in webhooks too:
// the reference accepted it only from the status query, which was an
// inconsistency, not a rule (webhooks are re-checked against the status
// query anyway). Unknown words stay pending.
func mapStatus(raw string) gateway.Status {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "approved", "paid", "completed", "confirmed":
		return gateway.StatusPaid
	case "refunded":
		return gateway.StatusRefunded
	case "expired":
		return gateway.StatusExpired
	case "chargeback", "chargedback", "charged_back":
		return gateway.StatusChargeback
	case "cancelled", "canceled", "failed", "refused", "rejected":
		return gateway.StatusFailed
	default: // pending, waiting_payment, processing and anything new
		return gateway.StatusPending
	}
}
