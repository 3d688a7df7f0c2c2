package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// Operations: the bot health check's claims and records, retention
// clean-ups, and the SQLite online backup.

// ClaimBotHealthCheck reserves a running bot's next health check for the
// caller: it stamps health_checked_at with now unless the bot was checked
// after notBefore, or is stopped, deleted or revoked. Only one of several
// concurrent checkers gets true.
func (s *Store) ClaimBotHealthCheck(ctx context.Context, id int64, now, notBefore time.Time) (bool, error) {
	err := updateOne(ctx, s.db.primary, `UPDATE bots SET health_checked_at = $1
		WHERE id = $2 AND running AND deleted_at IS NULL AND health <> $3
		AND (health_checked_at IS NULL OR health_checked_at < $4)`, now, id, grimbots.BotRevoked, notBefore)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// RecordBotHealth records the outcome of a health check made with the token
// whose hash is tokenHash. It changes nothing (and returns false) when the
// token was replaced meanwhile, so an old token's 401 never marks a new one
// revoked, or when the bot was deleted.
func (s *Store) RecordBotHealth(ctx context.Context, id int64, tokenHash, health string, failures int, now time.Time) (bool, error) {
	err := updateOne(ctx, s.db.primary, `UPDATE bots SET health = $1, health_failures = $2, health_checked_at = $3
		WHERE id = $4 AND token_hash = $5 AND deleted_at IS NULL`, health, failures, now, id, tokenHash)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// purgeBatch bounds one DELETE of a clean-up, so that SQLite's single
// writer is never held for long.
const purgeBatch = 5000

// PurgeWebhookEvents deletes raw gateway webhooks received before before,
// in batches, and returns how many it deleted.
func (s *Store) PurgeWebhookEvents(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.db.primary.ExecContext(ctx, `DELETE FROM webhook_events WHERE id IN (
			SELECT id FROM webhook_events WHERE received_at < $1 ORDER BY id LIMIT $2)`, before, purgeBatch)
		if err != nil {
			return total, fmt.Errorf("store: purging webhooks: %w", err)
		}
		n, err := res.RowsAffected()
		total += n
		if err != nil || n < purgeBatch {
			return total, err
		}
	}
}

// PurgeChatLocks deletes chat locks that expired before now (their holder
// died without releasing them) and returns how many it deleted.
func (s *Store) PurgeChatLocks(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.primary.ExecContext(ctx, `DELETE FROM chat_locks WHERE until < $1`, now)
	if err != nil {
		return 0, fmt.Errorf("store: purging chat locks: %w", err)
	}
	return res.RowsAffected()
}

// VacuumInto writes a consistent copy of a SQLite database to path (which
// must not exist) while the platform keeps running: VACUUM INTO reads one
// snapshot, on a read connection, so writers are not blocked. On
// PostgreSQL it returns an error (back up with pg_dump).
func (db *DB) VacuumInto(ctx context.Context, path string) error {
	if db.Engine() != "sqlite" {
		return errors.New("store: VACUUM INTO is a SQLite backup")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("store: backup target %s already exists", path)
	}
	// A read connection of the pool, made writable for this statement (it
	// writes only the new file) and discarded afterwards rather than
	// trusted to be made read-only again.
	conn, err := db.readers[0].db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: backup connection: %w", err)
	}
	defer conn.Close()
	defer func() { _ = conn.Raw(func(any) error { return driver.ErrBadConn }) }()
	if _, err := conn.ExecContext(ctx, `PRAGMA query_only = OFF`); err != nil {
		return fmt.Errorf("store: backup connection: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
		return fmt.Errorf("store: VACUUM INTO: %w", err)
	}
	return nil
}
