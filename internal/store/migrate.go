package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migration is one numbered, reversible schema step. Versions are aligned
// across engines: version N means the same schema on SQLite and PostgreSQL.
type Migration struct {
	Version int
	Name    string
	Up      string
	Down    string
}

// MigrationStatus is a migration and whether it is applied.
type MigrationStatus struct {
	Migration
	AppliedAt *time.Time
}

func loadMigrations(engine string) ([]Migration, error) {
	dir := "migrations/" + engine
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("store: reading migrations: %w", err)
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		name := e.Name()
		base, dirn, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), ".")
		if !ok || (dirn != "up" && dirn != "down") {
			return nil, fmt.Errorf("store: migration %s: want NNNN_name.up.sql or .down.sql", name)
		}
		num, label, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration %s: bad version", name)
		}
		body, err := fs.ReadFile(migrationFiles, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		m := byVersion[v]
		if m == nil {
			m = &Migration{Version: v, Name: label}
			byVersion[v] = m
		}
		if dirn == "up" {
			m.Up = string(body)
		} else {
			m.Down = string(body)
		}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		if m.Up == "" || m.Down == "" {
			return nil, fmt.Errorf("store: migration %04d needs both up and down files", m.Version)
		}
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("store: migration versions must be 1..N without gaps; found %04d at position %d", m.Version, i+1)
		}
	}
	return out, nil
}

// LatestVersion is the schema version this binary expects.
func (db *DB) LatestVersion() int {
	ms, err := loadMigrations(db.dialect.name())
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TIMESTAMP NOT NULL
)`

// MigrationStatuses lists every known migration with when it was applied.
func (db *DB) MigrationStatuses(ctx context.Context) ([]MigrationStatus, error) {
	ms, err := loadMigrations(db.dialect.name())
	if err != nil {
		return nil, err
	}
	applied, err := db.appliedVersions(ctx, db.primary, false)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationStatus, len(ms))
	for i, m := range ms {
		out[i] = MigrationStatus{Migration: m}
		if at, ok := applied[m.Version]; ok {
			out[i].AppliedAt = &at
		}
	}
	return out, nil
}

// SchemaVersion returns the highest applied migration (0 for an empty database).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	applied, err := db.appliedVersions(ctx, db.primary, false)
	if err != nil {
		return 0, err
	}
	v := 0
	for k := range applied {
		v = max(v, k)
	}
	return v, nil
}

// CheckSchema returns an error unless the schema is exactly at the version
// this binary expects: behind means "run grimbots migrate up"; ahead means a
// newer binary migrated this database.
func (db *DB) CheckSchema(ctx context.Context) error {
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	latest := db.LatestVersion()
	switch {
	case v < latest:
		return fmt.Errorf("database schema is at version %d but this binary needs %d: run `grimbots migrate up`", v, latest)
	case v > latest:
		return fmt.Errorf("database schema is at version %d, newer than this binary knows (%d): upgrade the binary", v, latest)
	}
	return nil
}

// appliedVersions reads schema_migrations. Only a migration (which holds
// the lock) creates the table; readers treat a missing table as version 0.
func (db *DB) appliedVersions(ctx context.Context, q querier, create bool) (map[int]time.Time, error) {
	if create {
		if _, err := q.ExecContext(ctx, createMigrationsTable); err != nil {
			return nil, fmt.Errorf("store: creating schema_migrations: %w", err)
		}
	} else if ok, err := db.dialect.tableExists(ctx, q, "schema_migrations"); err != nil {
		return nil, fmt.Errorf("store: looking for schema_migrations: %w", err)
	} else if !ok {
		return map[int]time.Time{}, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("store: reading schema_migrations: %w", err)
	}
	defer rows.Close()
	out := map[int]time.Time{}
	for rows.Next() {
		var v int
		var at time.Time
		if err := rows.Scan(&v, &at); err != nil {
			return nil, err
		}
		out[v] = at.UTC()
	}
	return out, rows.Err()
}

// MigrateUp applies every pending migration in order, each in its own
// transaction, and returns the versions applied. Concurrent callers on
// PostgreSQL are serialised by an advisory lock.
func (db *DB) MigrateUp(ctx context.Context) ([]int, error) {
	return db.migrate(ctx, func(ms []Migration, applied map[int]time.Time) []step {
		var steps []step
		for _, m := range ms {
			if _, ok := applied[m.Version]; !ok {
				steps = append(steps, step{m: m, up: true})
			}
		}
		return steps
	})
}

// MigrateDown reverts the n most recent migrations and returns their versions.
func (db *DB) MigrateDown(ctx context.Context, n int) ([]int, error) {
	return db.migrate(ctx, func(ms []Migration, applied map[int]time.Time) []step {
		var steps []step
		for i := len(ms) - 1; i >= 0 && len(steps) < n; i-- {
			if _, ok := applied[ms[i].Version]; ok {
				steps = append(steps, step{m: ms[i], up: false})
			}
		}
		return steps
	})
}

type step struct {
	m  Migration
	up bool
}

func (db *DB) migrate(ctx context.Context, plan func([]Migration, map[int]time.Time) []step) ([]int, error) {
	ms, err := loadMigrations(db.dialect.name())
	if err != nil {
		return nil, err
	}
	conn, err := db.primary.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	unlock, err := db.dialect.lockMigrations(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: taking lock: %w", err)
	}
	defer unlock()
	applied, err := db.appliedVersions(ctx, conn, true)
	if err != nil {
		return nil, err
	}
	var done []int
	for _, s := range plan(ms, applied) {
		ran, err := runStep(ctx, conn, s)
		if err != nil {
			return done, err
		}
		if ran {
			done = append(done, s.m.Version)
		}
	}
	return done, nil
}

// runStep applies or reverts one migration in its own transaction. It
// reports false, doing nothing, when another process already did the step
// since the plan was made: SQLite has no advisory lock, so the step is
// re-checked inside the (IMMEDIATE, hence serialised) transaction.
func runStep(ctx context.Context, conn *sql.Conn, s step) (bool, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() { _ = tx.Rollback() }()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, s.m.Version).Scan(&n); err != nil {
		return false, fmt.Errorf("store: reading schema_migrations: %w", err)
	}
	if (n > 0) == s.up {
		return false, nil
	}
	body := s.m.Down
	if s.up {
		body = s.m.Up
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return false, fmt.Errorf("store: migration %04d_%s (up=%t): %w", s.m.Version, s.m.Name, s.up, err)
	}
	if s.up {
		_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			s.m.Version, s.m.Name, time.Now().UTC().Truncate(time.Microsecond))
	} else {
		_, err = tx.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = $1`, s.m.Version)
	}
	if err != nil {
		return false, fmt.Errorf("store: recording migration %04d: %w", s.m.Version, err)
	}
	if err := tx.Commit(); err != nil {
		return false, err
	}
	return true, nil
}
