// Package store is the SQL persistence of grimbots: one set of queries that
// runs on SQLite (modernc, the zero-configuration default) and on PostgreSQL
// (pgx), with read-only queries routed to replicas when configured.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Config says where the data lives.
type Config struct {
	// URL is "postgres://…" (or "postgresql://…") for PostgreSQL, or
	// "sqlite:PATH" / "file:PATH" / a bare path for SQLite.
	URL string
	// ReplicaURLs are PostgreSQL read replicas. Ignored for SQLite, where
	// reads go to a pool of read-only connections on the same file.
	ReplicaURLs []string
	// MaxOpenConns bounds the PostgreSQL primary pool. Defaults to 20.
	MaxOpenConns int
	Logger       *slog.Logger
}

// DB is a primary connection pool plus zero or more read pools.
type DB struct {
	primary *sql.DB
	readers []*reader
	next    atomic.Uint64
	dialect dialect
	logger  *slog.Logger
	// hot holds prepared statements of the primary's most frequent writes
	// (a campaign's claims and outcomes): parsing them again for every
	// message was a large share of a campaign's database time.
	hot *stmtCache
}

type reader struct {
	name  string
	db    *sql.DB
	stmts *stmtCache
	// downUntil holds a UnixNano deadline before which the reader is skipped
	// after a failure.
	downUntil atomic.Int64
}

// replicaBackoff is how long a failed replica is skipped before it is tried
// again. Short, because a replica that recovers should take load back soon.
const replicaBackoff = 5 * time.Second

// Open connects to the database described by cfg. It does not migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var db *DB
	var err error
	if IsPostgresURL(cfg.URL) {
		db, err = openPostgres(cfg)
	} else {
		db, err = openSQLite(cfg)
	}
	if err != nil {
		return nil, err
	}
	db.logger = logger
	db.hot = newStmtCache(db.primary)
	if err := db.primary.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: connecting to %s: %w", db.dialect.name(), err)
	}
	return db, nil
}

// IsPostgresURL reports whether u names a PostgreSQL database.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

func openPostgres(cfg Config) (*DB, error) {
	primary, err := sql.Open("pgx", cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("store: opening postgres: %w", err)
	}
	maxOpen := cfg.MaxOpenConns
	if maxOpen <= 0 {
		maxOpen = 20
	}
	primary.SetMaxOpenConns(maxOpen)
	primary.SetMaxIdleConns(maxOpen)
	primary.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{primary: primary, dialect: postgresDialect{}}
	for i, u := range cfg.ReplicaURLs {
		if !IsPostgresURL(u) {
			_ = db.Close()
			return nil, fmt.Errorf("store: replica %d is not a postgres:// URL", i+1)
		}
		r, err := sql.Open("pgx", u)
		if err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("store: opening replica %d: %w", i+1, err)
		}
		r.SetMaxOpenConns(maxOpen)
		r.SetMaxIdleConns(maxOpen)
		r.SetConnMaxIdleTime(5 * time.Minute)
		db.readers = append(db.readers, &reader{name: fmt.Sprintf("replica%d", i+1), db: r, stmts: newStmtCache(r)})
	}
	return db, nil
}

// SQLitePath extracts the file path from a SQLite URL.
func SQLitePath(u string) string {
	for _, p := range []string{"sqlite://", "sqlite:", "file:"} {
		if strings.HasPrefix(u, p) {
			u = strings.TrimPrefix(u, p)
			break
		}
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	return u
}

func openSQLite(cfg Config) (*DB, error) {
	path := SQLitePath(cfg.URL)
	if path == "" {
		return nil, errors.New("store: empty SQLite path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: creating %s: %w", dir, err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_time_format", "sqlite")
	// Times are stored as text and compared as text, which orders instants
	// correctly only if every value is written in the same zone: convert
	// every time.Time to UTC before it is formatted.
	q.Set("_timezone", "UTC")
	// One writer connection, with IMMEDIATE transactions so a transaction
	// never fails to upgrade its read lock to a write lock (SQLITE_BUSY).
	wq := url.Values{}
	for k, v := range q {
		wq[k] = v
	}
	wq.Set("_txlock", "immediate")
	primary, err := sql.Open("sqlite", "file:"+path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: opening sqlite: %w", err)
	}
	primary.SetMaxOpenConns(1)
	primary.SetMaxIdleConns(1)
	primary.SetConnMaxLifetime(0)
	primary.SetConnMaxIdleTime(0)

	rq := url.Values{}
	for k, v := range q {
		rq[k] = v
	}
	rq.Add("_pragma", "query_only(ON)")
	readPool, err := sql.Open("sqlite", "file:"+path+"?"+rq.Encode())
	if err != nil {
		_ = primary.Close()
		return nil, fmt.Errorf("store: opening sqlite readers: %w", err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	readPool.SetMaxOpenConns(n)
	readPool.SetMaxIdleConns(n)
	readPool.SetConnMaxIdleTime(0)
	return &DB{primary: primary, dialect: sqliteDialect{},
		readers: []*reader{{name: "readers", db: readPool, stmts: newStmtCache(readPool)}}}, nil
}

// Engine names the database engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.dialect.name() }

// Primary returns the read-write pool, for components (the job queue) that
// share the application's connection.
func (db *DB) Primary() *sql.DB { return db.primary }

// Close closes every pool.
func (db *DB) Close() error {
	var errs []error
	for _, r := range db.readers {
		r.stmts.close()
		errs = append(errs, r.db.Close())
	}
	if db.hot != nil {
		db.hot.close()
	}
	if db.primary != nil {
		errs = append(errs, db.primary.Close())
	}
	return errors.Join(errs...)
}

// Ping checks the primary.
func (db *DB) Ping(ctx context.Context) error { return db.primary.PingContext(ctx) }

// ReaderStatus is the health of one read pool.
type ReaderStatus struct {
	Name string
	Err  error
}

// PingReaders checks every read pool and returns one status each.
func (db *DB) PingReaders(ctx context.Context) []ReaderStatus {
	out := make([]ReaderStatus, len(db.readers))
	for i, r := range db.readers {
		err := r.db.PingContext(ctx)
		if err != nil {
			r.markDown()
		}
		out[i] = ReaderStatus{Name: r.name, Err: err}
	}
	return out
}

// Pools returns every pool by name, for metrics.
func (db *DB) Pools() map[string]*sql.DB {
	m := map[string]*sql.DB{"primary": db.primary}
	for _, r := range db.readers {
		m[r.name] = r.db
	}
	return m
}

func (r *reader) markDown() {
	r.downUntil.Store(time.Now().Add(replicaBackoff).UnixNano())
}

func (r *reader) up() bool { return time.Now().UnixNano() >= r.downUntil.Load() }

// pickReader returns the next healthy reader, or nil to use the primary.
func (db *DB) pickReader() *reader {
	n := len(db.readers)
	if n == 0 {
		return nil
	}
	start := db.next.Add(1)
	for i := range n {
		r := db.readers[(int(start)+i)%n]
		if r.up() {
			return r
		}
	}
	return nil
}

// read runs fn against a read pool and falls back to the primary when the
// reader fails for any reason other than "no rows" or the caller's context:
// reads are idempotent, so trying again on the primary is always safe.
func (db *DB) read(ctx context.Context, fn func(q querier) error) error {
	var r *reader
	if ctx.Value(primaryKey{}) == nil {
		r = db.pickReader()
	}
	if r == nil {
		return fn(db.primary)
	}
	err := fn(r.stmts)
	if err == nil || errors.Is(err, sql.ErrNoRows) || ctx.Err() != nil || isAppError(err) {
		return err
	}
	r.markDown()
	db.logger.WarnContext(ctx, "read pool failed; using the primary", "pool", r.name, "err", err)
	return fn(db.primary)
}

type primaryKey struct{}

// ReadPrimary marks ctx so that the store's reads under it go to the
// primary, never a replica: for a read whose answer is kept (a cache load
// after an invalidation), where replication lag would keep the state
// before the write for the cache's whole lifetime.
func ReadPrimary(ctx context.Context) context.Context {
	return context.WithValue(ctx, primaryKey{}, true)
}

// readFresh is read for lookups that must see a row written an instant ago
// (the session a login just created): a replica that has not caught up
// answers "no rows", so a miss is retried on the primary. The SQLite read
// pool shares the primary's file and never lags.
func (db *DB) readFresh(ctx context.Context, fn func(q querier) error) error {
	err := db.read(ctx, fn)
	if errors.Is(err, sql.ErrNoRows) && len(db.readers) > 0 && db.dialect.name() == "postgres" {
		err = fn(db.primary)
	}
	return err
}

// queryAll runs query on q and scans every row with scan.
func queryAll[T any](ctx context.Context, q querier, query string, args []any, scan func(*sql.Rows) (T, error)) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a transaction on the primary, committing if it returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.primary.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}
