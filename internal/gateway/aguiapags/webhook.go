package aguiapags

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// maxCents bounds amounts read from untrusted JSON (R$ 10 billion), so a
// huge number cannot overflow into a plausible one.
const maxCents = 1_000_000_000_000

// ParseWebhook reads an ÁguiaPags notification. The shape ÁguiaPags really
// sends is
//
//	{"event": "transaction.updated", "data": {"transactionId", "status":
//	 "CAPTURED" | "PENDING" | "REFUSED" | "CANCELED" | "REFUNDED",
//	 "providerReference": <PIX end-to-end id>}}
//
// The shape the reference's parser expected, {"data": {"transactionId",
// "external_id", "status": "approved"}}, is accepted too. It is pure and
// never panics.
func ParseWebhook(_ http.Header, body []byte) (*gateway.Event, error) {
	root, err := decodeObject(body)
	if err != nil {
		return nil, fmt.Errorf("aguiapags: parsing webhook: %w: %v", gateway.ErrMalformed, err)
	}
	tx := object(root, "data")
	if tx == nil {
		if root["data"] != nil {
			return nil, fmt.Errorf("aguiapags: parsing webhook: %w: data is not an object", gateway.ErrMalformed)
		}
		// A ping or test event: well-formed, no transaction.
		return nil, fmt.Errorf("aguiapags: webhook without a transaction: %w", gateway.ErrIgnored)
	}
	ev, err := eventFrom(tx)
	if err != nil {
		return nil, fmt.Errorf("aguiapags: parsing webhook: %w", err)
	}
	if ev.TransactionID = firstText(tx, "transactionId", "id"); ev.TransactionID == "" {
		return nil, fmt.Errorf("aguiapags: parsing webhook: %w: no transaction id", gateway.ErrMalformed)
	}
	return ev, nil
}

// eventFrom reads the fields webhooks and status answers share. Errors wrap
// ErrMalformed.
func eventFrom(tx map[string]any) (*gateway.Event, error) {
	raw := text(tx, "status")
	if raw == "" {
		return nil, fmt.Errorf("%w: no status", gateway.ErrMalformed)
	}
	amount, err := cents(tx["amount"])
	if err != nil {
		return nil, err
	}
	return &gateway.Event{
		Status:      mapStatus(raw),
		RawStatus:   truncate(raw, 64),
		AmountCents: amount,
		Reference:   firstText(tx, "external_id", "externalRef", "externalId"),
		// providerReference carries the PIX end-to-end id in webhooks.
		EndToEndID: firstText(tx, "endToEndId", "providerReference"),
	}, nil
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

// mapStatus maps both vocabularies, case-insensitively: the API's (CAPTURED,
// PENDING, REFUSED, CANCELED, REFUNDED) and the lower-case one of the older
// webhook shape (approved, refused, canceled, refunded). Refunds stay
// refunds, not failures. Unknown words stay pending instead of failing a
// charge the reconciler may still see paid.
func mapStatus(raw string) gateway.Status {
	switch strings.ToUpper(strings.TrimSpace(raw)) {
	case "CAPTURED", "APPROVED", "PAID":
		return gateway.StatusPaid
	case "REFUSED", "CANCELED", "CANCELLED", "FAILED":
		return gateway.StatusFailed
	case "EXPIRED":
		return gateway.StatusExpired
	case "REFUNDED":
		return gateway.StatusRefunded
	case "CHARGEBACK", "CHARGEDBACK", "CHARGED_BACK":
		return gateway.StatusChargeback
	}
	return gateway.StatusPending
}
