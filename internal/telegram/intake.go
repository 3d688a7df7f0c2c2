package telegram

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-telegram/bot"
)

// DefaultAllowedUpdates returns the update kinds the platform asks for when
// the caller names none: an explicit list, because omitting it keeps
// whatever was set before. chat_member and chat_join_request are only sent
// when listed.
func DefaultAllowedUpdates() []string {
	return []string{"message", "callback_query", "my_chat_member", "chat_member", "chat_join_request"}
}

// GetUpdatesParams is one getUpdates call.
type GetUpdatesParams struct {
	// Offset is the last update_id processed plus one; it confirms
	// everything before it.
	Offset int64
	// Limit is 1–100; zero means Telegram's default, 100.
	Limit int
	// Timeout is how long Telegram holds the request while there is
	// nothing to return (long polling, whole seconds); zero is a short poll.
	Timeout time.Duration
	// AllowedUpdates defaults to DefaultAllowedUpdates.
	AllowedUpdates []string
}

// GetUpdates long-polls for updates. Only one poller per token may run;
// while a webhook is set it fails with ErrConflict.
func (c *Client) GetUpdates(ctx context.Context, p GetUpdatesParams) ([]RawUpdate, error) {
	const method = "getUpdates"
	if p.AllowedUpdates == nil {
		p.AllowedUpdates = DefaultAllowedUpdates()
	}
	body, err := json.Marshal(struct {
		Offset         int64    `json:"offset,omitempty"`
		Limit          int      `json:"limit,omitempty"`
		Timeout        int      `json:"timeout"`
		AllowedUpdates []string `json:"allowed_updates"`
	}{p.Offset, p.Limit, int(p.Timeout / time.Second), p.AllowedUpdates})
	if err != nil {
		return nil, c.done(ctx, method, err)
	}
	ctx, cancel := c.callCtx(ctx, p.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(method), bytes.NewReader(body))
	if err != nil {
		return nil, c.done(ctx, method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.tr.Do(req)
	if err = c.done(ctx, method, err); err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	var answer struct {
		Result []json.RawMessage `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return nil, &temporaryError{method: method, msg: "undecodable result: " + err.Error()}
	}
	updates := make([]RawUpdate, 0, len(answer.Result))
	for _, raw := range answer.Result {
		var head struct {
			UpdateID int64 `json:"update_id"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return nil, &temporaryError{method: method, msg: "undecodable update: " + err.Error()}
		}
		updates = append(updates, RawUpdate{ID: head.UpdateID, JSON: raw})
	}
	return updates, nil
}

// WebhookParams is a setWebhook call.
type WebhookParams struct {
	// URL receives the updates (HTTPS on port 443, 80, 88 or 8443 on the
	// cloud server; any URL on a local server).
	URL string
	// SecretToken (1–256 of A-Z a-z 0-9 _ -) comes back in the
	// X-Telegram-Bot-Api-Secret-Token header of every delivery.
	SecretToken string
	// AllowedUpdates defaults to DefaultAllowedUpdates.
	AllowedUpdates     []string
	DropPendingUpdates bool
	// MaxConnections is 1–100; zero means Telegram's default, 40.
	MaxConnections int
}

// SetWebhook makes Telegram push updates to p.URL; getUpdates stops working.
func (c *Client) SetWebhook(ctx context.Context, p WebhookParams) error {
	if p.AllowedUpdates == nil {
		p.AllowedUpdates = DefaultAllowedUpdates()
	}
	ctx, cancel := c.callCtx(ctx, 0)
	defer cancel()
	_, err := c.api.SetWebhook(ctx, &bot.SetWebhookParams{URL: p.URL, SecretToken: p.SecretToken, AllowedUpdates: p.AllowedUpdates,
		DropPendingUpdates: p.DropPendingUpdates, MaxConnections: p.MaxConnections})
	return c.done(ctx, "setWebhook", err)
}

// DeleteWebhook stops webhook delivery, so getUpdates works again.
func (c *Client) DeleteWebhook(ctx context.Context, dropPendingUpdates bool) error {
	ctx, cancel := c.callCtx(ctx, 0)
	defer cancel()
	_, err := c.api.DeleteWebhook(ctx, &bot.DeleteWebhookParams{DropPendingUpdates: dropPendingUpdates})
	return c.done(ctx, "deleteWebhook", err)
}

// WebhookInfo is the webhook's state as Telegram sees it; a cheap per-bot
// health probe.
type WebhookInfo struct {
	URL                string
	PendingUpdateCount int
	LastErrorDate      time.Time
	LastErrorMessage   string
	MaxConnections     int
	AllowedUpdates     []string
}

// GetWebhookInfo returns the webhook's state (URL empty when none is set).
func (c *Client) GetWebhookInfo(ctx context.Context) (WebhookInfo, error) {
	ctx, cancel := c.callCtx(ctx, 0)
	defer cancel()
	w, err := c.api.GetWebhookInfo(ctx)
	if err = c.done(ctx, "getWebhookInfo", err); err != nil {
		return WebhookInfo{}, err
	}
	return WebhookInfo{URL: w.URL, PendingUpdateCount: w.PendingUpdateCount, LastErrorDate: unix(int64(w.LastErrorDate)),
		LastErrorMessage: w.LastErrorMessage, MaxConnections: w.MaxConnections, AllowedUpdates: w.AllowedUpdates}, nil
}

// SecretHeader is the header in which Telegram echoes a webhook's secret.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// ErrWebhookSecret is returned by ReadWebhook when the secret header does
// not match: the request did not come from Telegram.
var ErrWebhookSecret = errors.New("telegram: webhook secret mismatch")

// maxUpdate bounds a webhook body; real updates are a few kilobytes.
const maxUpdate = 1 << 20

// ReadWebhook checks a webhook delivery's secret header against secret in
// constant time and reads the update. It returns ErrWebhookSecret (answer
// 401 or 403) or ErrMalformedUpdate (answer 400).
func ReadWebhook(r *http.Request, secret string) (RawUpdate, error) {
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(SecretHeader)), []byte(secret)) != 1 {
		return RawUpdate{}, ErrWebhookSecret
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxUpdate+1))
	if err != nil {
		return RawUpdate{}, fmt.Errorf("telegram: reading webhook body: %w", err)
	}
	if len(body) > maxUpdate {
		return RawUpdate{}, fmt.Errorf("%w: body over %d bytes", ErrMalformedUpdate, maxUpdate)
	}
	var head struct {
		UpdateID *int64 `json:"update_id"`
	}
	if err := json.Unmarshal(body, &head); err != nil || head.UpdateID == nil {
		return RawUpdate{}, fmt.Errorf("%w: no update_id", ErrMalformedUpdate)
	}
	return RawUpdate{ID: *head.UpdateID, JSON: body}, nil
}
