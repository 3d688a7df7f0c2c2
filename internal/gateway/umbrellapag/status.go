package umbrellapag

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// ChargeStatus queries GET /user/transactions/{id}. The answer is the
// transaction wrapped in "data" (or "data.data"), read like a webhook. A
// GET is safe to repeat, so network failures, timeouts, 429 and 5xx are
// retried (3 attempts in all, waiting 1 s then 2 s, as the reference did);
// the wait stops early when ctx ends. It returns gateway.ErrNotFound for an
// unknown transaction.
func (c *Client) ChargeStatus(ctx context.Context, transactionID string) (*gateway.Event, error) {
	if strings.TrimSpace(transactionID) == "" {
		return nil, fmt.Errorf("umbrellapag: querying charge: %w: empty transaction id", gateway.ErrRejected)
	}
	req := gateway.Request{Method: http.MethodGet, URL: c.baseURL + "/user/transactions/" + url.PathEscape(transactionID), Header: c.header()}
	raw, err := c.doRetrying(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("umbrellapag: querying charge: %w", err)
	}
	root, err := decodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("umbrellapag: querying charge: %w: %w", gateway.ErrUnavailable, err)
	}
	if code, ok := bodyStatus(root); ok && code == http.StatusNotFound {
		return nil, fmt.Errorf("umbrellapag: querying charge: %w", gateway.ErrNotFound)
	}
	ev, err := ParseWebhook(nil, raw)
	if err != nil {
		// A 2xx answer we cannot read says nothing about the charge.
		return nil, fmt.Errorf("umbrellapag: querying charge: %w: %w", gateway.ErrUnavailable, err)
	}
	if ev.TransactionID == "" {
		ev.TransactionID = transactionID
	}
	return ev, nil
}

// doRetrying performs req, repeating it after each of c.backoff's waits
// while the failure is retryable (gateway.ErrUnavailable). Only for
// idempotent requests.
func (c *Client) doRetrying(ctx context.Context, req gateway.Request) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		raw, err := gateway.Do(ctx, c.http, req, nil)
		if err == nil || !gateway.IsRetryable(err) || attempt >= len(c.backoff) {
			return raw, err
		}
		t := time.NewTimer(c.backoff[attempt])
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (gave up retrying: %w)", err, ctx.Err())
		case <-t.C:
		}
	}
}
