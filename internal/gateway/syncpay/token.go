package syncpay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// tokenMargin is how long before SyncPay's stated expiry a token is
// replaced, so a call never starts with a token about to die in flight.
const tokenMargin = 60 * time.Second

// defaultTokenLifetime applies when the answer has no expires_in.
const defaultTokenLifetime = 3600 * time.Second

// tokenCache holds one client's bearer token. A one-slot channel guards it
// instead of a mutex so that a caller waiting behind a slow token fetch can
// give up when its context ends; holding the slot during the fetch also
// means concurrent charges share one fetch instead of each asking.
type tokenCache struct {
	slot    chan struct{}
	now     func() time.Time
	token   string
	expires time.Time
}

// newTokenCache returns an empty cache on the wall clock; tests replace the
// clock per cache (export_test.go), never globally.
func newTokenCache() *tokenCache {
	return &tokenCache{slot: make(chan struct{}, 1), now: time.Now}
}

// forceRefresh, passed as the stale token, replaces whatever is cached.
const forceRefresh = "\x00force"

type tokenRequest struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// token returns a usable bearer token. stale, when not empty, is a token the
// caller saw refused: it is replaced unless another caller already did so.
func (c *client) token(ctx context.Context, stale string) (string, error) {
	t := c.tokens
	select {
	case t.slot <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("obtaining token: %w: %w", gateway.ErrUnavailable, ctx.Err())
	}
	defer func() { <-t.slot }()
	if stale != forceRefresh && t.token != "" && t.token != stale && t.now().Before(t.expires) {
		return t.token, nil
	}
	t.token = ""
	var out tokenResponse
	_, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodPost, URL: c.base + tokenPath,
		Body: tokenRequest{ClientID: c.clientID, ClientSecret: c.clientSecret}}, &out)
	if err != nil {
		return "", fmt.Errorf("obtaining token: %w", redact(err))
	}
	tok := strings.TrimSpace(out.AccessToken)
	if tok == "" {
		return "", fmt.Errorf("obtaining token: %w: answer has no access_token", gateway.ErrUnavailable)
	}
	life := defaultTokenLifetime
	if out.ExpiresIn > 0 {
		life = time.Duration(out.ExpiresIn) * time.Second
	}
	// Keep the margin from eating a short-lived token entirely.
	if life > 2*tokenMargin {
		life -= tokenMargin
	} else {
		life /= 2
	}
	t.token, t.expires = tok, t.now().Add(life)
	return tok, nil
}

// redact drops the provider's answer text from a token-endpoint error: it
// answers a request that carried the client secret, and an echo of it must
// not reach the logs. The request carries nothing but the credentials, so
// any 4xx refusal other than 429 means they cannot get a token; a 404 means
// the endpoint moved, which the seller cannot fix.
func redact(err error) error {
	var apiErr *gateway.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	kind := apiErr.Unwrap()
	switch {
	case apiErr.Status == http.StatusNotFound:
		kind = gateway.ErrUnavailable
	case errors.Is(kind, gateway.ErrRejected):
		kind = gateway.ErrInvalidCredentials
	}
	return fmt.Errorf("HTTP %d: %w", apiErr.Status, kind)
}
