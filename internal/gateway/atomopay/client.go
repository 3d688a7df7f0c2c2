package atomopay

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// ChargeStatus asks GET /transactions/{hash} and unwraps the {success, data}
// answer. A 404 is gateway.ErrNotFound.
func (c *Client) ChargeStatus(ctx context.Context, transactionID string) (*gateway.Event, error) {
	id := strings.TrimSpace(transactionID)
	if id == "" {
		return nil, fmt.Errorf("atomopay: querying charge: empty transaction id: %w", gateway.ErrNotFound)
	}
	var raw json.RawMessage
	if _, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodGet, URL: c.base + "/transactions/" + url.PathEscape(id)}, &raw); err != nil {
		return nil, fmt.Errorf("atomopay: querying charge %s: %w", id, err)
	}
	root, err := answer(raw)
	if err != nil {
		// A 200 saying success:false is no statement about the charge:
		// report the provider as unreliable rather than the charge as gone.
		return nil, fmt.Errorf("atomopay: querying charge %s: %w: %v", id, gateway.ErrUnavailable, err)
	}
	ev, err := eventFrom(root)
	if err != nil {
		return nil, fmt.Errorf("atomopay: querying charge %s: %w: %v", id, gateway.ErrUnavailable, err)
	}
	return ev, nil
}

// VerifyCredentials lists one product (GET /products?page=1&per_page=1), the
// cheapest authenticated read Átomo Pay offers.
func (c *Client) VerifyCredentials(ctx context.Context) error {
	var raw json.RawMessage
	_, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodGet, URL: c.base + "/products?page=1&per_page=1"}, &raw)
	if err != nil {
		return fmt.Errorf("atomopay: verifying credentials: %w", err)
	}
	return nil
}

// Refund is not offered: Átomo Pay documents no refund endpoint.
func (c *Client) Refund(context.Context, string, int64) error {
	return fmt.Errorf("atomopay: refunding: %w", gateway.ErrNotSupported)
}
