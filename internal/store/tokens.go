package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

const apiTokenColumns = `t.id, t.user_id, t.name, t.token_hash, t.prefix, t.created_at, t.last_used_at, t.expires_at`

func apiTokenDest(t *grimbots.APIToken) []any {
	return []any{&t.ID, &t.UserID, &t.Name, &t.TokenHash, &t.Prefix, utc{&t.CreatedAt}, nullTime{&t.LastUsedAt}, nullTime{&t.ExpiresAt}}
}

// CreateAPIToken inserts t, setting its ID.
func (s *Store) CreateAPIToken(ctx context.Context, t *grimbots.APIToken, audit ...grimbots.AuditEntry) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			t.UserID, t.Name, t.TokenHash, t.Prefix, t.CreatedAt, timeArg(t.ExpiresAt)).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("store: inserting api token: %w", err)
		}
		for i := range audit {
			audit[i].Details = withDetail(audit[i].Details, "token_id", t.ID)
		}
		return appendAudit(ctx, tx, audit)
	})
}

// APITokenByHash returns the unexpired token with hash and its owner.
func (s *Store) APITokenByHash(ctx context.Context, hash string, now time.Time) (*grimbots.APIToken, *grimbots.User, error) {
	query := `SELECT ` + apiTokenColumns + `, ` + userColumns + ` FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)`
	t, u := &grimbots.APIToken{}, &grimbots.User{}
	dest := append(apiTokenDest(t), userDest(u)...)
	err := s.db.readFresh(ctx, func(q querier) error { return q.QueryRowContext(ctx, query, hash, now).Scan(dest...) })
	if err != nil {
		return nil, nil, notFound(err, "token not found")
	}
	return t, u, nil
}

// TouchAPIToken records that a token was used.
func (s *Store) TouchAPIToken(ctx context.Context, tokenID int64, now time.Time) error {
	_, err := s.db.primary.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, tokenID)
	return err
}

// ListAPITokens returns the tokens of userID, newest first.
func (s *Store) ListAPITokens(ctx context.Context, userID int64) ([]*grimbots.APIToken, error) {
	var out []*grimbots.APIToken
	err := s.db.read(ctx, func(q querier) (err error) {
		out, err = queryAll(ctx, q, `SELECT `+apiTokenColumns+` FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.id DESC`,
			[]any{userID}, func(rows *sql.Rows) (*grimbots.APIToken, error) {
				t := &grimbots.APIToken{}
				return t, rows.Scan(apiTokenDest(t)...)
			})
		return err
	})
	return out, err
}

// DeleteAPIToken revokes token tokenID of userID.
func (s *Store) DeleteAPIToken(ctx context.Context, userID, tokenID int64, audit ...grimbots.AuditEntry) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, tokenID, userID); err != nil {
			return notFound(err, "token not found")
		}
		return appendAudit(ctx, tx, audit)
	})
}

// CreatePasswordReset stores a reset ticket and enqueues its email.
func (s *Store) CreatePasswordReset(ctx context.Context, r *grimbots.PasswordReset, email grimbots.Job, audit ...grimbots.AuditEntry) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO password_resets (user_id, token_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, r.UserID, r.TokenHash, r.CreatedAt, r.ExpiresAt).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("store: inserting password reset: %w", err)
		}
		if err := s.insertJobs(ctx, tx, email); err != nil {
			return err
		}
		return appendAudit(ctx, tx, audit)
	})
}

// UsePasswordReset consumes a ticket and sets the password, atomically. The
// conditional UPDATE makes a ticket usable exactly once even under races.
func (s *Store) UsePasswordReset(ctx context.Context, tokenHash, newHash string, now time.Time, audit ...grimbots.AuditEntry) (*grimbots.User, error) {
	var userID int64
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE password_resets SET used_at = $1
			WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id`, now, tokenHash).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return grimbots.Errorf(grimbots.EGONE, "the reset link is invalid or has expired")
		} else if err != nil {
			return err
		}
		if err := updateOne(ctx, tx, `UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3`,
			newHash, now, userID); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM sessions WHERE user_id = $1`, `DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL`} {
			if _, err := tx.ExecContext(ctx, q, userID); err != nil {
				return err
			}
		}
		for i := range audit {
			audit[i].TargetUserID = &userID
			audit[i].ActorID = &userID
		}
		return appendAudit(ctx, tx, audit)
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, userID)
}
