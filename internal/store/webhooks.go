package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// RecordWebhook stores a raw webhook before anything else is done with it.
func (s *Store) RecordWebhook(ctx context.Context, e *grimbots.WebhookEvent) error {
	clean := make(map[string]string, len(e.Headers))
	for k, v := range e.Headers {
		clean[text(k, 256)] = text(v, 8<<10)
	}
	headers, err := json.Marshal(clean)
	if err != nil {
		return err
	}
	err = s.db.primary.QueryRowContext(ctx, `INSERT INTO webhook_events (seller_id, gateway_id, gateway_kind, remote_ip, headers, body,
		outcome, detail, transaction_id, parsed_status, payment_id, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		e.SellerID, e.GatewayID, text(e.GatewayKind, 32), text(e.RemoteIP, 64), string(headers),
		strings2UTF8(e.Body), text(e.Outcome, 32), text(e.Detail, 500), text(e.TransactionID, 200), text(e.ParsedStatus, 100),
		e.PaymentID, e.ReceivedAt).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("store: recording webhook: %w", err)
	}
	return nil
}

// SetWebhookOutcome records what became of a stored webhook.
func (s *Store) SetWebhookOutcome(ctx context.Context, e *grimbots.WebhookEvent) error {
	_, err := s.db.primary.ExecContext(ctx, `UPDATE webhook_events SET outcome = $1, detail = $2, transaction_id = $3,
		parsed_status = $4, payment_id = $5 WHERE id = $6`,
		text(e.Outcome, 32), text(e.Detail, 500), text(e.TransactionID, 200), text(e.ParsedStatus, 100), e.PaymentID, e.ID)
	return err
}

// WebhookEvents lists the seller's most recent webhooks.
func (s *Store) WebhookEvents(ctx context.Context, sellerID int64, limit int) ([]*grimbots.WebhookEvent, error) {
	limit, _ = pageBounds(limit, 0)
	return queryAll(ctx, s.db.primary, `SELECT id, seller_id, gateway_id, gateway_kind, remote_ip, headers, body, outcome, detail,
		transaction_id, parsed_status, payment_id, received_at FROM webhook_events WHERE seller_id = $1 ORDER BY id DESC LIMIT $2`,
		[]any{sellerID, limit}, func(rows *sql.Rows) (*grimbots.WebhookEvent, error) {
			e := &grimbots.WebhookEvent{}
			var headers []byte
			if err := rows.Scan(&e.ID, &e.SellerID, &e.GatewayID, &e.GatewayKind, &e.RemoteIP, &headers, &e.Body, &e.Outcome,
				&e.Detail, &e.TransactionID, &e.ParsedStatus, &e.PaymentID, utc{&e.ReceivedAt}); err != nil {
				return nil, err
			}
			return e, json.Unmarshal(headers, &e.Headers)
		})
}

// strings2UTF8 makes a body storable (PostgreSQL refuses invalid UTF-8 and
// NUL bytes in text).
func strings2UTF8(s string) string { return text(s, 1<<20) }

// text makes a value taken from a request storable in a text column of at
// most n bytes: every field of a webhook (headers, parsed ids and statuses,
// error details quoting them) can carry any bytes at all.
func text(s string, n int) string { return truncate(stripNUL(s), n) }

func stripNUL(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != 0 {
			out = append(out, s[i])
		}
	}
	return string(out)
}
