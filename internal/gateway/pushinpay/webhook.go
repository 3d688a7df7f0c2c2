package pushinpay

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// ParseWebhook reads a PushinPay notification: the same object the create
// and status calls return ({"id","status":"paid","value":1990,
// "end_to_end_id",...}), as JSON or, when the Content-Type says so, as a
// form. The value is in cents. It is pure and never panics.
func ParseWebhook(header http.Header, body []byte) (*gateway.Event, error) {
	var (
		ev  *gateway.Event
		err error
	)
	if isForm(header) {
		ev, err = parseForm(body)
	} else {
		ev, err = parse(body)
	}
	if err != nil {
		return nil, fmt.Errorf("pushinpay: parsing webhook: %w", err)
	}
	return ev, nil
}

// VerifyWebhook checks the custom header a seller attached to PushinPay's
// webhook, when the seller configured a secret; without one there is
// nothing to check and the per-seller URL plus the status re-query protect.
// Both sides are hashed first so the comparison takes the same time
// whatever the lengths.
func VerifyWebhook(header http.Header, _ []byte, creds gateway.Credentials) error {
	secret := strings.TrimSpace(creds["webhook_secret"])
	if secret == "" {
		return nil
	}
	name := strings.TrimSpace(creds["webhook_header"])
	if name == "" {
		name = defaultSecretHeader
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(header.Get(name))))
	want := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return fmt.Errorf("pushinpay: verifying webhook: %w: header %s missing or wrong", gateway.ErrBadSignature, name)
	}
	return nil
}

func isForm(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

func parseForm(body []byte) (*gateway.Event, error) {
	q, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("%w: bad form body: %w", gateway.ErrMalformed, err)
	}
	m := make(map[string]any, len(q))
	for k, vs := range q {
		if len(vs) > 0 {
			m[k] = vs[0]
		}
	}
	return event(m)
}

func parse(body []byte) (*gateway.Event, error) {
	m, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	return event(m)
}

// event maps one transaction object. Payment is decided by the status word
// alone: the reference's habit of inferring "paid" from payer fields would
// turn a refund notice carrying the payer's name into a payment.
func event(m map[string]any) (*gateway.Event, error) {
	id, err := text(m, "id")
	if err != nil {
		return nil, err
	}
	raw, err := text(m, "status")
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
	cents, err := gateway.ParseCents(m["value"])
	if err != nil {
		return nil, err
	}
	if cents < 0 {
		return nil, fmt.Errorf("%w: negative value", gateway.ErrMalformed)
	}
	e2e, err := text(m, "end_to_end_id", "endToEndId")
	if err != nil {
		return nil, err
	}
	ev := &gateway.Event{TransactionID: normalizeID(id), Status: mapStatus(raw), RawStatus: raw, AmountCents: cents, EndToEndID: e2e}
	if ev.Status == gateway.StatusPaid {
		ev.PaidAt = timeField(m, "paid_at", "paidAt", "updated_at")
	}
	return ev, nil
}

// mapStatus maps PushinPay's words; the documented ones are created, paid,
// expired and refunded. Unknown words stay pending.
func mapStatus(raw string) gateway.Status {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "paid", "approved", "confirmed", "completed":
		return gateway.StatusPaid
	case "expired":
		return gateway.StatusExpired
	case "refunded":
		return gateway.StatusRefunded
	case "chargeback", "charged_back", "chargedback":
		return gateway.StatusChargeback
	case "canceled", "cancelled", "failed", "refused", "rejected":
		return gateway.StatusFailed
	default: // created, pending, processing and anything new
		return gateway.StatusPending
	}
}
