package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

func insertSession(ctx context.Context, q querier, s *grimbots.Session) error {
	err := q.QueryRowContext(ctx, `INSERT INTO sessions (user_id, token_hash, ip, user_agent, created_at, last_seen_at, expires_at,
		impersonator_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		s.UserID, s.TokenHash, s.IP, s.UserAgent, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.ImpersonatorID).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("store: inserting session: %w", err)
	}
	return nil
}

const sessionColumns = `s.id, s.user_id, s.token_hash, s.ip, s.user_agent, s.created_at, s.last_seen_at, s.expires_at,
	s.impersonator_id`

func sessionDest(s *grimbots.Session) []any {
	return []any{&s.ID, &s.UserID, &s.TokenHash, &s.IP, &s.UserAgent, utc{&s.CreatedAt}, utc{&s.LastSeenAt}, utc{&s.ExpiresAt},
		&s.ImpersonatorID}
}

// SessionByTokenHash returns the live session with hash and its user.
func (s *Store) SessionByTokenHash(ctx context.Context, hash string, now time.Time) (*grimbots.Session, *grimbots.User, error) {
	query := `SELECT ` + sessionColumns + `, ` + userColumns + ` FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > $2`
	sess, u := &grimbots.Session{}, &grimbots.User{}
	dest := append(sessionDest(sess), userDest(u)...)
	err := s.db.readFresh(ctx, func(q querier) error { return q.QueryRowContext(ctx, query, hash, now).Scan(dest...) })
	if err != nil {
		return nil, nil, notFound(err, "session not found")
	}
	return sess, u, nil
}

// TouchSession records activity on a session.
func (s *Store) TouchSession(ctx context.Context, sessionID int64, now time.Time) error {
	_, err := s.db.primary.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id = $2`, now, sessionID)
	return err
}

// DeleteSession deletes session sessionID of userID.
func (s *Store) DeleteSession(ctx context.Context, userID, sessionID int64, audit ...grimbots.AuditEntry) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, `DELETE FROM sessions WHERE id = $1 AND user_id = $2`, sessionID, userID); err != nil {
			return notFound(err, "session not found")
		}
		return appendAudit(ctx, tx, audit)
	})
}

// DeleteSessions deletes every session of userID.
func (s *Store) DeleteSessions(ctx context.Context, userID int64, audit ...grimbots.AuditEntry) (int, error) {
	var n int64
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		return appendAudit(ctx, tx, audit)
	})
	return int(n), err
}

// ListSessions returns the live sessions of userID, most recent first.
func (s *Store) ListSessions(ctx context.Context, userID int64, now time.Time) ([]*grimbots.Session, error) {
	var out []*grimbots.Session
	err := s.db.read(ctx, func(q querier) (err error) {
		out, err = queryAll(ctx, q, `SELECT `+sessionColumns+` FROM sessions s
			WHERE s.user_id = $1 AND s.expires_at > $2 ORDER BY s.last_seen_at DESC, s.id DESC`, []any{userID, now},
			func(rows *sql.Rows) (*grimbots.Session, error) {
				sess := &grimbots.Session{}
				return sess, rows.Scan(sessionDest(sess)...)
			})
		return err
	})
	return out, err
}

// DeleteExpiredSessions removes expired sessions and reset tickets; it is
// housekeeping run periodically.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	var total int64
	for _, q := range []string{`DELETE FROM sessions WHERE expires_at <= $1`, `DELETE FROM password_resets WHERE expires_at <= $1`} {
		res, err := s.db.primary.ExecContext(ctx, q, now)
		if err != nil {
			return int(total), err
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return int(total), nil
}
