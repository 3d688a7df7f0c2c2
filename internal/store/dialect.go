package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect isolates what truly differs between the engines. Queries are
// otherwise shared and written in portable SQL with $N placeholders.
type dialect interface {
	name() string
	// isUniqueViolation reports whether err is a unique-constraint failure.
	isUniqueViolation(err error) bool
	// likeOperator is the case-insensitive LIKE.
	likeOperator() string
	// lockMigrations serialises migrations across processes on conn.
	lockMigrations(ctx context.Context, conn *sql.Conn) (unlock func(), err error)
	// tableExists reports whether a table is visible to q.
	tableExists(ctx context.Context, q querier, table string) (bool, error)
	// forUpdate is the suffix of a SELECT that locks the rows it reads
	// until the transaction ends.
	forUpdate() string
	// forShare is forUpdate's shared form: holders of it do not wait for
	// each other, only for (and hold off) forUpdate.
	forShare() string
	// epochSeconds is the SQL text of the Unix time, in whole seconds
	// (rounded down), of the timestamp column.
	epochSeconds(column string) string
	// jsonField is the SQL text of the top-level field key (a literal of
	// letters and underscores) of column, a TEXT column holding a JSON
	// object or the empty string; NULL when the field or the object is
	// missing. asInt reads it as an integer, else as text.
	jsonField(column, key string, asInt bool) string
}

type sqliteDialect struct{}

func (sqliteDialect) name() string { return "sqlite" }

func (sqliteDialect) isUniqueViolation(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// SQLite's LIKE is already case-insensitive for ASCII.
func (sqliteDialect) likeOperator() string { return "LIKE" }

// SQLite has one writer connection; the migration transaction itself is the
// lock (taken IMMEDIATE).
func (sqliteDialect) lockMigrations(context.Context, *sql.Conn) (func(), error) {
	return func() {}, nil
}

// SQLite serialises writers (one connection, IMMEDIATE transactions): a
// write transaction already excludes every other.
func (sqliteDialect) forUpdate() string { return "" }
func (sqliteDialect) forShare() string  { return "" }

// Timestamps are stored as text with their UTC offset, which strftime reads.
func (sqliteDialect) epochSeconds(column string) string {
	return "CAST(strftime('%s', " + column + ") AS INTEGER)"
}

func (sqliteDialect) jsonField(column, key string, _ bool) string {
	return "CASE WHEN json_valid(" + column + ") THEN json_extract(" + column + ", '$." + key + "') END"
}

func (sqliteDialect) tableExists(ctx context.Context, q querier, table string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1`, table).Scan(&n)
	return n > 0, err
}

type postgresDialect struct{}

// tableExists resolves the name through the connection's search_path, as
// the queries themselves do.
func (postgresDialect) tableExists(ctx context.Context, q querier, table string) (bool, error) {
	var ok bool
	err := q.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&ok)
	return ok, err
}

func (postgresDialect) name() string { return "postgres" }

// jsonField guards the cast with a cheap test: the columns it reads hold
// JSON objects written by this program, or the empty string.
func (postgresDialect) jsonField(column, key string, asInt bool) string {
	f := "CASE WHEN " + column + " LIKE '{%' THEN " + column + "::jsonb ->> '" + key + "' END"
	if asInt {
		return "(" + f + ")::bigint"
	}
	return f
}

func (postgresDialect) forUpdate() string { return " FOR UPDATE" }
func (postgresDialect) forShare() string  { return " FOR SHARE" }

// EXTRACT returns a fractional numeric: floor it, as a cast would round.
func (postgresDialect) epochSeconds(column string) string {
	return "CAST(FLOOR(EXTRACT(EPOCH FROM " + column + ")) AS BIGINT)"
}

func (postgresDialect) isUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

func (postgresDialect) likeOperator() string { return "ILIKE" }

// migrationLockKey is an arbitrary constant shared by every grimbots process.
const migrationLockKey = 7264_1187_2026

func (postgresDialect) lockMigrations(ctx context.Context, conn *sql.Conn) (func(), error) {
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return nil, err
	}
	return func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	}, nil
}
