package paradise

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// The reference retried transaction.php up to three times on 400, 5xx and
// timeouts. That is wrong both ways: a 400 fails the same way every time,
// and after a 500, 502, 504 or a timeout Paradise may already have created
// the charge. Paradise promises no idempotency key (it only refuses a
// reused reference, which would turn the retry into a confusing refusal
// while the first PIX exists unseen). So a POST is retried only when the
// request provably was not processed; otherwise the caller gets
// ErrUnavailable and moves on to another gateway with a new charge.

// retryCreate: the connection was never made, or Paradise said it is
// overloaded or rate-limiting (503, 429), answers sent before any work.
func retryCreate(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var apiErr *gateway.APIError
	return errors.As(err, &apiErr) && (apiErr.Status == http.StatusServiceUnavailable || apiErr.Status == http.StatusTooManyRequests)
}

// retryRead: a status query changes nothing, so any failure that may pass
// (network, timeout, 429, 5xx, garbage) is worth another try.
func retryRead(err error) bool { return errors.Is(err, gateway.ErrUnavailable) }

// do performs r, trying again after each backoff delay while retryable
// says so and the context lasts.
func (c *client) do(ctx context.Context, r gateway.Request, retryable func(error) bool) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		raw, err := gateway.Do(ctx, c.http, r, nil)
		if err == nil && !json200(raw) {
			err = fmt.Errorf("%w: answer is not JSON", gateway.ErrUnavailable)
		}
		if err == nil || attempt >= len(c.backoff) || !retryable(err) {
			return raw, err
		}
		t := time.NewTimer(c.backoff[attempt])
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w: %w (after %w)", gateway.ErrUnavailable, ctx.Err(), err)
		case <-t.C:
		}
	}
}

// json200 reports whether a 2xx body looks like a JSON object or array,
// so an HTML page served with 200 counts as the provider being down.
func json200(raw []byte) bool {
	for _, b := range raw {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			return true
		}
		return false
	}
	return false
}
