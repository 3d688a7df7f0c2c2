package sigilopay

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// maxCents bounds amounts read from untrusted JSON (R$ 10 billion), so a
// huge number cannot overflow into a plausible one.
const maxCents = 1_000_000_000_000

// ParseWebhook reads a SigiloPay notification:
//
//	{"event": "TRANSACTION_PAID", "token", "client"?, "transaction": {"id",
//	 "identifier" (our reference), "status", "amount" (cents),
//	 "pixInformation": {"endToEndId"}}}
//
// The event names the new state; the transaction's own status is used only
// when the event is not one we know. It is pure and never panics; the token
// is checked by VerifyWebhook.
func ParseWebhook(_ http.Header, body []byte) (*gateway.Event, error) {
	root, err := decodeObject(body)
	if err != nil {
		return nil, fmt.Errorf("sigilopay: parsing webhook: %w: %v", gateway.ErrMalformed, err)
	}
	tx := object(root, "transaction")
	if tx == nil {
		if root["transaction"] != nil {
			return nil, fmt.Errorf("sigilopay: parsing webhook: %w: transaction is not an object", gateway.ErrMalformed)
		}
		// A test or ping event: well-formed, no transaction.
		return nil, fmt.Errorf("sigilopay: webhook without a transaction: %w", gateway.ErrIgnored)
	}
	id := text(tx, "id")
	if id == "" {
		return nil, fmt.Errorf("sigilopay: parsing webhook: %w: no transaction id", gateway.ErrMalformed)
	}
	event, txStatus := text(root, "event"), text(tx, "status")
	status, known := mapEvent(event)
	raw := event
	if !known {
		if txStatus == "" && event == "" {
			return nil, fmt.Errorf("sigilopay: parsing webhook: %w: no event nor status", gateway.ErrMalformed)
		}
		status = mapStatus(txStatus)
		if raw == "" {
			raw = txStatus
		}
	}
	amount, err := cents(tx["amount"])
	if err != nil {
		return nil, fmt.Errorf("sigilopay: parsing webhook: %w", err)
	}
	return &gateway.Event{
		TransactionID: id,
		Reference:     text(tx, "identifier"),
		Status:        status,
		RawStatus:     truncate(raw, 64),
		AmountCents:   amount,
		EndToEndID:    text(object(tx, "pixInformation"), "endToEndId"),
	}, nil
}

// mapEvent maps the webhook event names. Refunds and MED chargebacks stay
// distinct from failures (the reference folds both into "refunded").
func mapEvent(event string) (gateway.Status, bool) {
	switch strings.ToUpper(strings.TrimSpace(event)) {
	case "TRANSACTION_PAID":
		return gateway.StatusPaid, true
	case "TRANSACTION_CREATED", "TRANSACTION_PENDING":
		return gateway.StatusPending, true
	case "TRANSACTION_CANCELED", "TRANSACTION_CANCELLED", "TRANSACTION_FAILED":
		return gateway.StatusFailed, true
	case "TRANSACTION_EXPIRED":
		return gateway.StatusExpired, true
	case "TRANSACTION_REFUNDED":
		return gateway.StatusRefunded, true
	case "TRANSACTION_CHARGED_BACK", "TRANSACTION_CHARGEDBACK":
		return gateway.StatusChargeback, true
	}
	return gateway.StatusPending, false
}

// mapStatus maps a transaction status (status query and the transaction
// object of webhooks). Unknown words stay pending instead of failing a
// charge the reconciler may still see paid.
func mapStatus(raw string) gateway.Status {
	switch strings.ToUpper(strings.TrimSpace(raw)) {
	case "PAID", "COMPLETED", "APPROVED":
		return gateway.StatusPaid
	case "CANCELED", "CANCELLED", "FAILED", "REFUSED":
		return gateway.StatusFailed
	case "EXPIRED":
		return gateway.StatusExpired
	case "REFUNDED":
		return gateway.StatusRefunded
	case "CHARGED_BACK", "CHARGEDBACK", "CHARGEBACK":
		return gateway.StatusChargeback
	}
	return gateway.StatusPending
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
