package store

import (
	"context"
	"time"
)

// Migrations exposes the embedded migration set of an engine ("sqlite" or
// "postgres") to the tests of package store_test.
func Migrations(engine string) ([]Migration, error) { return loadMigrations(engine) }

// MigrateUpTo applies the pending migrations up to version (and none
// after it), so tests can look at the schema of every version.
func (db *DB) MigrateUpTo(ctx context.Context, version int) ([]int, error) {
	return db.migrate(ctx, func(ms []Migration, applied map[int]time.Time) []step {
		var steps []step
		for _, m := range ms {
			if _, ok := applied[m.Version]; !ok && m.Version <= version {
				steps = append(steps, step{m: m, up: true})
			}
		}
		return steps
	})
}
