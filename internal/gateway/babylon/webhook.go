package babylon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// statuses maps Babylon's status words. Expired, refunded and chargeback
// stay distinct (the reference folded them into failed).
var statuses = map[string]gateway.Status{
	"paid":            gateway.StatusPaid,
	"waiting_payment": gateway.StatusPending, "pending": gateway.StatusPending, "processing": gateway.StatusPending,
	"in_analisys": gateway.StatusPending, "in_analysis": gateway.StatusPending, "in_protest": gateway.StatusPending,
	"refused": gateway.StatusFailed, "canceled": gateway.StatusFailed, "cancelled": gateway.StatusFailed, "failed": gateway.StatusFailed,
	"expired":     gateway.StatusExpired,
	"refunded":    gateway.StatusRefunded,
	"chargedback": gateway.StatusChargeback, "chargeback": gateway.StatusChargeback,
}

// mapStatus maps a status word; unknown words are pending, so a word the
// adapter does not know never moves a payment.
func mapStatus(raw string) gateway.Status {
	if s, ok := statuses[strings.ToLower(strings.TrimSpace(raw))]; ok {
		return s
	}
	return gateway.StatusPending
}

// ParseWebhook parses a Babylon postback in either envelope: {id (the
// event's), type, objectId, data: {transaction}} or {event, timestamp,
// transaction: {...}}; a bare transaction (the status answer) works too.
// Amounts are cents, always: there is no magnitude heuristic.
func ParseWebhook(_ http.Header, body []byte) (*gateway.Event, error) {
	ev, err := parseEvent(body)
	if err != nil {
		return nil, fmt.Errorf("babylon: parsing webhook: %w", err)
	}
	return ev, nil
}

func parseEvent(body []byte) (*gateway.Event, error) {
	v, err := decode(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", gateway.ErrMalformed, err)
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: not a JSON object", gateway.ErrMalformed)
	}
	tx, txid := root, ""
	if t, ok := root["transaction"].(map[string]any); ok {
		tx, txid = t, str(t["id"])
	} else if d, ok := root["data"].(map[string]any); ok {
		tx, txid = d, firstNonEmpty(str(d["id"]), str(root["objectId"]))
	} else if obj := str(root["objectId"]); obj != "" {
		txid = obj // a legacy envelope without data: its own id is the event's
	} else {
		txid = str(root["id"])
	}
	if txid == "" {
		return nil, fmt.Errorf("%w: no transaction id", gateway.ErrMalformed)
	}
	rawStatus := str(tx["status"])
	if rawStatus == "" {
		return nil, fmt.Errorf("%w: notification without a status", gateway.ErrIgnored)
	}
	amount := tx["amount"]
	if amount == nil {
		amount = tx["requested_amount"]
	}
	cents, err := parseCents(amount)
	if err != nil {
		return nil, err
	}
	pix, _ := tx["pix"].(map[string]any)
	return &gateway.Event{TransactionID: txid, Reference: reference(tx), Status: mapStatus(rawStatus), RawStatus: rawStatus,
		AmountCents: cents, EndToEndID: firstString(pix, "end2EndId", "end_to_end_id", "endToEndId"),
		PaidAt: parseTime(firstString(tx, "paidAt", "paid_at"))}, nil
}

// reference is our reference, sent as the item's externalRef.
func reference(tx map[string]any) string {
	items, _ := tx["items"].([]any)
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			if r := str(m["externalRef"]); r != "" {
				return r
			}
		}
	}
	return str(tx["externalRef"])
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

// parseTime reads an ISO 8601 time. One without a zone is UTC: Babylon's
// event envelope gives paid_at zoneless next to the same instant in Z.
func parseTime(s string) *time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return &t
		}
	}
	return nil
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

// str returns a string or number as text; anything else is "", so hostile
// types never pass as ids.
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
