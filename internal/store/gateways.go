package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

const gatewayColumns = `g.id, g.seller_id, g.kind, g.credentials_ciphertext, g.webhook_token, g.priority, g.active,
	g.verified_at, g.last_error, g.created_at, g.updated_at`

func scanGateway(row scanner) (*grimbots.GatewayAccount, error) {
	g := &grimbots.GatewayAccount{}
	err := row.Scan(&g.ID, &g.SellerID, &g.Kind, &g.CredentialsCiphertext, &g.WebhookToken, &g.Priority, &g.Active,
		nullTime{&g.VerifiedAt}, &g.LastError, utc{&g.CreatedAt}, utc{&g.UpdatedAt})
	return g, err
}

// CreateGatewayAccount inserts g, or revives the seller's deleted account of
// the same kind (one account per kind and seller).
func (s *Store) CreateGatewayAccount(ctx context.Context, g *grimbots.GatewayAccount) error {
	conflict := grimbots.Errorf(grimbots.ECONFLICT, "a %s gateway is already configured; edit it instead", g.Kind)
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		var deleted sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT id, deleted_at FROM gateways WHERE seller_id = $1 AND kind = $2`, g.SellerID, g.Kind).Scan(&id, &deleted)
		switch {
		case err == nil && !deleted.Valid:
			return conflict
		case err == nil:
			if err := updateOne(ctx, tx, `UPDATE gateways SET credentials_ciphertext = $1, webhook_token = $2, priority = $3, active = $4,
				verified_at = $5, last_error = $6, created_at = $7, updated_at = $7, deleted_at = NULL WHERE id = $8`,
				g.CredentialsCiphertext, g.WebhookToken, g.Priority, g.Active, timeArg(g.VerifiedAt), g.LastError, g.CreatedAt, id); err != nil {
				return err
			}
			g.ID = id
			return nil
		case err != sql.ErrNoRows:
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO gateways (seller_id, kind, credentials_ciphertext, webhook_token, priority, active,
			verified_at, last_error, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			g.SellerID, g.Kind, g.CredentialsCiphertext, g.WebhookToken, g.Priority, g.Active, timeArg(g.VerifiedAt), g.LastError,
			g.CreatedAt).Scan(&g.ID)
		if err != nil {
			return fmt.Errorf("store: inserting gateway: %w", err)
		}
		return nil
	})
	// A concurrent create of the same kind passes the check above and then
	// hits the unique index (PostgreSQL): it is the same conflict.
	if s.db.dialect.isUniqueViolation(err) {
		return conflict
	}
	return err
}

// GatewayAccounts lists a seller's live gateways by priority.
func (s *Store) GatewayAccounts(ctx context.Context, sellerID int64) ([]*grimbots.GatewayAccount, error) {
	var out []*grimbots.GatewayAccount
	err := s.db.readFresh(ctx, func(q querier) (err error) {
		out, err = queryAll(ctx, q, `SELECT `+gatewayColumns+` FROM gateways g WHERE g.seller_id = $1 AND g.deleted_at IS NULL
			ORDER BY g.priority, g.id`, []any{sellerID}, func(rows *sql.Rows) (*grimbots.GatewayAccount, error) { return scanGateway(rows) })
		return err
	})
	return out, err
}

// GatewayAccount returns one live gateway of the seller.
func (s *Store) GatewayAccount(ctx context.Context, sellerID, id int64) (*grimbots.GatewayAccount, error) {
	var g *grimbots.GatewayAccount
	err := s.db.readFresh(ctx, func(q querier) (err error) {
		g, err = scanGateway(q.QueryRowContext(ctx, `SELECT `+gatewayColumns+` FROM gateways g
			WHERE g.id = $1 AND g.seller_id = $2 AND g.deleted_at IS NULL`, id, sellerID))
		return err
	})
	return g, notFound(err, "gateway not found")
}

// GatewayAccountByWebhook resolves a webhook URL to its live account.
func (s *Store) GatewayAccountByWebhook(ctx context.Context, kind, token string) (*grimbots.GatewayAccount, error) {
	var g *grimbots.GatewayAccount
	err := s.db.readFresh(ctx, func(q querier) (err error) {
		g, err = scanGateway(q.QueryRowContext(ctx, `SELECT `+gatewayColumns+` FROM gateways g
			WHERE g.webhook_token = $1 AND g.kind = $2 AND g.deleted_at IS NULL`, token, kind))
		return err
	})
	return g, notFound(err, "gateway not found")
}

// UpdateGatewayAccount saves g's mutable fields (credentials, priority,
// active flag, verification) for its seller.
func (s *Store) UpdateGatewayAccount(ctx context.Context, g *grimbots.GatewayAccount) error {
	err := updateOne(ctx, s.db.primary, `UPDATE gateways SET credentials_ciphertext = $1, priority = $2, active = $3,
		verified_at = $4, last_error = $5, updated_at = $6 WHERE id = $7 AND seller_id = $8 AND deleted_at IS NULL`,
		g.CredentialsCiphertext, g.Priority, g.Active, timeArg(g.VerifiedAt), g.LastError, g.UpdatedAt, g.ID, g.SellerID)
	return notFound(err, "gateway not found")
}

// DeleteGatewayAccount soft-deletes a gateway: its payments keep pointing at
// it, and its webhook URL stops working.
func (s *Store) DeleteGatewayAccount(ctx context.Context, sellerID, id int64, now time.Time) error {
	err := updateOne(ctx, s.db.primary, `UPDATE gateways SET deleted_at = $1, active = FALSE, updated_at = $1
		WHERE id = $2 AND seller_id = $3 AND deleted_at IS NULL`, now, id, sellerID)
	return notFound(err, "gateway not found")
}

// Sealed is one encrypted value, the row it belongs to and the associated
// data it was sealed with.
type Sealed struct {
	ID    int64
	AD    string
	Value string
}

// sealedKind describes one encrypted column: its table and column, the
// columns its associated data is built from, and how.
type sealedKind struct {
	table, column, adColumns string
	ad                       func(sellerID int64, tag string) string
}

// sealedColumns are the encrypted columns, by name; key rotation walks them.
var sealedColumns = map[string]sealedKind{
	"gateway_credentials": {"gateways", "credentials_ciphertext", "seller_id, kind",
		func(seller int64, kind string) string { return grimbots.GatewayCredentialsAD(seller, kind) }},
	"bot_token": {"bots", "token_ciphertext", "seller_id, CAST(telegram_bot_id AS TEXT)",
		func(seller int64, botID string) string {
			id, _ := strconv.ParseInt(botID, 10, 64)
			return grimbots.BotTokenAD(seller, id)
		}},
}

// SealedKinds lists the kinds of encrypted values, for key rotation.
func SealedKinds() []string { return []string{"gateway_credentials", "bot_token"} }

// SealedValues lists every encrypted value of a kind, deleted rows included
// (rotation re-encrypts everything).
func (s *Store) SealedValues(ctx context.Context, kind string) ([]Sealed, error) {
	k, ok := sealedColumns[kind]
	if !ok {
		return nil, fmt.Errorf("store: unknown sealed kind %q", kind)
	}
	return queryAll(ctx, s.db.primary, `SELECT id, `+k.adColumns+`, `+k.column+` FROM `+k.table+` ORDER BY id`, nil, func(rows *sql.Rows) (Sealed, error) {
		var v Sealed
		var seller int64
		var tag string
		err := rows.Scan(&v.ID, &seller, &tag, &v.Value)
		v.AD = k.ad(seller, tag)
		return v, err
	})
}

// ReplaceSealed swaps one ciphertext for another only if the row still
// holds old (a concurrent edit wins; rotation picks the row up next time).
func (s *Store) ReplaceSealed(ctx context.Context, kind string, id int64, old, replacement string) (bool, error) {
	k, ok := sealedColumns[kind]
	if !ok {
		return false, fmt.Errorf("store: unknown sealed kind %q", kind)
	}
	res, err := s.db.primary.ExecContext(ctx, `UPDATE `+k.table+` SET `+k.column+` = $1 WHERE id = $2 AND `+k.column+` = $3`, replacement, id, old)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
