package atomopay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// statuses maps Átomo Pay's payment_status words. Expired, refunded and
// chargeback stay distinct (the reference folded them into failed).
var statuses = map[string]gateway.Status{
	"paid": gateway.StatusPaid, "approved": gateway.StatusPaid, "confirmed": gateway.StatusPaid, "completed": gateway.StatusPaid,
	"pending": gateway.StatusPending, "waiting": gateway.StatusPending, "processing": gateway.StatusPending,
	"failed": gateway.StatusFailed, "cancelled": gateway.StatusFailed, "canceled": gateway.StatusFailed,
	"rejected": gateway.StatusFailed, "refused": gateway.StatusFailed,
	"expired":  gateway.StatusExpired,
	"refunded": gateway.StatusRefunded,
	// Not in the reference's vocabulary; kept distinct should they appear.
	"chargeback": gateway.StatusChargeback, "chargedback": gateway.StatusChargeback,
}

// mapStatus maps a provider word; unknown words are pending, so a status
// the adapter does not know never moves a payment.
func mapStatus(raw string) gateway.Status {
	if s, ok := statuses[strings.ToLower(strings.TrimSpace(raw))]; ok {
		return s
	}
	return gateway.StatusPending
}

// ParseWebhook parses an Átomo Pay postback: a transaction object at the
// root, or wrapped in "data", "payload" or "transaction". Amounts are cents.
func ParseWebhook(_ http.Header, body []byte) (*gateway.Event, error) {
	v, err := decode(body)
	if err != nil {
		return nil, fmt.Errorf("atomopay: parsing webhook: %w: %v", gateway.ErrMalformed, err)
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("atomopay: parsing webhook: %w: not a JSON object", gateway.ErrMalformed)
	}
	ev, err := eventFrom(root)
	if err != nil {
		return nil, fmt.Errorf("atomopay: parsing webhook: %w", err)
	}
	return ev, nil
}

// eventFrom reads a transaction, from a postback or a status answer.
func eventFrom(root map[string]any) (*gateway.Event, error) {
	tx := root
	for _, k := range []string{"data", "payload", "transaction"} {
		if m, ok := root[k].(map[string]any); ok && hasAny(m, "id", "hash", "transaction_id", "transaction_hash") {
			tx = m
			break
		}
	}
	txid, second := ids(tx)
	if txid == "" {
		txid = str(root["token"])
	}
	if txid == "" {
		return nil, fmt.Errorf("%w: no transaction id", gateway.ErrMalformed)
	}
	// The status and our reference may sit beside the wrapper.
	rawStatus := firstNonEmpty(firstString(tx, "payment_status", "status"), firstString(root, "payment_status", "status"))
	if rawStatus == "" {
		return nil, fmt.Errorf("%w: notification without a status", gateway.ErrIgnored)
	}
	amount := tx["amount"]
	if amount == nil {
		amount = tx["amount_paid"]
	}
	cents, err := parseCents(amount)
	if err != nil {
		return nil, err
	}
	ref := firstNonEmpty(firstString(tx, "reference", "external_reference", "reference_id"),
		firstString(root, "reference", "external_reference", "reference_id"))
	return &gateway.Event{TransactionID: txid, Hash: second, Reference: ref, Status: mapStatus(rawStatus),
		RawStatus: rawStatus, AmountCents: cents}, nil
}

// ids returns the transaction's primary id and its second id. The hash comes
// first because the documented status endpoint addresses transactions by
// hash, and ChargeStatus only receives the primary id; the numeric id is
// the second one. Create answers, postbacks and status answers all agree.
func ids(tx map[string]any) (primary, second string) {
	hash, id := str(tx["hash"]), str(tx["id"])
	if hash != "" {
		if id == hash {
			id = ""
		}
		return hash, id
	}
	return firstNonEmpty(id, str(tx["transaction_id"]), str(tx["transaction_hash"])), ""
}

// parseCents reads an integer cents amount. A fractional number means the
// field is not cents after all; it is refused rather than rounded.
func parseCents(v any) (int64, error) {
	if n, ok := v.(json.Number); ok {
		if _, err := n.Int64(); err != nil {
			r, err := gateway.ParseReais(n) // exact: "1990.00" is 199000
			if err != nil || r%100 != 0 {
				return 0, fmt.Errorf("%w: cents amount %q is not an integer", gateway.ErrMalformed, n)
			}
			return r / 100, nil
		}
	}
	return gateway.ParseCents(v)
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

// unwrapData returns the "data" object of a {success, data} answer, or the
// root when there is none.
func unwrapData(root map[string]any) map[string]any {
	if d, ok := root["data"].(map[string]any); ok {
		return d
	}
	return root
}

// str returns a string or number as text; anything else (objects, arrays,
// booleans, null) is "", so hostile types never pass as ids.
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

func hasAny(m map[string]any, keys ...string) bool {
	for _, k := range keys {
		if str(m[k]) != "" {
			return true
		}
	}
	return false
}
