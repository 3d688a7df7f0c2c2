package paradise

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// probeHash is a hash no charge has, for checking the key.
const probeHash = "grimbots-credentials-check"

func (c *client) statusURL(hash string) string {
	return c.base + statusPath + "?" + url.Values{"hash": {hash}}.Encode()
}

// ChargeStatus queries check_status.php, which accepts the numeric
// transaction id as well as the hash.
func (c *client) ChargeStatus(ctx context.Context, transactionID string) (*gateway.Event, error) {
	id := strings.TrimSpace(transactionID)
	if id == "" {
		return nil, fmt.Errorf("paradise: querying charge status: %w: empty transaction id", gateway.ErrNotFound)
	}
	raw, err := c.do(ctx, gateway.Request{Method: http.MethodGet, URL: c.statusURL(id), Header: c.header()}, retryRead)
	if err != nil {
		return nil, fmt.Errorf("paradise: querying charge status: %w", err)
	}
	m, err := decodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("paradise: querying charge status: %w: %w", gateway.ErrUnavailable, err)
	}
	// Paradise answers an unknown hash with 200 and an error field (or
	// status "error"). Only those two mean "unknown": a charge whose status
	// is "failed" is a known, failed charge.
	if st, _ := text(m, "status"); strings.EqualFold(st, "error") || hasError(m) {
		return nil, fmt.Errorf("paradise: querying charge status: %w", gateway.ErrNotFound)
	}
	ev, err := event(m)
	switch {
	case errors.Is(err, gateway.ErrIgnored):
		return nil, fmt.Errorf("paradise: querying charge status: %w", gateway.ErrNotFound)
	case errors.Is(err, gateway.ErrMalformed) && ev == nil && !hasIDs(m):
		// Some answers carry only the status: the id is the one asked for.
		m["transaction_id"] = id
		ev, err = event(m)
	}
	if err != nil {
		return nil, fmt.Errorf("paradise: querying charge status: %w: %w", gateway.ErrUnavailable, err)
	}
	if ev.TransactionID != id && ev.Hash != id && ev.Reference != id {
		return nil, fmt.Errorf("paradise: querying charge status: %w: answer is about another transaction", gateway.ErrUnavailable)
	}
	return ev, nil
}

// hasError reports an "error" field with content (null, false and "" are
// how some answers say "no error").
func hasError(m map[string]any) bool {
	switch v := m["error"].(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return strings.TrimSpace(v) != ""
	}
	return true
}

func hasIDs(m map[string]any) bool {
	for _, k := range []string{"transaction_id", "id", "hash"} {
		if m[k] != nil {
			return true
		}
	}
	return false
}

// VerifyCredentials queries the status of a hash that cannot exist.
// Paradise's documented API has no account or balance read; check_status
// is its cheapest authenticated call: 401/403 means the key is refused,
// while "not found" (404, or 200 with an error field) means it was accepted.
func (c *client) VerifyCredentials(ctx context.Context) error {
	_, err := c.do(ctx, gateway.Request{Method: http.MethodGet, URL: c.statusURL(probeHash), Header: c.header()}, retryRead)
	if err == nil || errors.Is(err, gateway.ErrNotFound) || errors.Is(err, gateway.ErrRejected) {
		return nil
	}
	return fmt.Errorf("paradise: verifying credentials: %w", err)
}

// Refund is not offered by Paradise's documented API.
func (c *client) Refund(context.Context, string, int64) error {
	return fmt.Errorf("paradise: refunding: %w", gateway.ErrNotSupported)
}
