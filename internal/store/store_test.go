package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/store/storetest"
	"github.com/grimbots/grimbots/internal/testenv"
)

// engines maps each engine to the function giving a URL of a fresh, empty
// database for it.
var engines = []struct {
	name string
	url  func(t testing.TB) string
}{
	{"sqlite", testenv.SQLiteURL},
	{"postgres", testenv.PostgresURL},
}

// openDB opens cfg (closed after the test) without migrating.
func openDB(t testing.TB, cfg store.Config) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if cfg.MaxOpenConns == 0 {
		// Many subtests run at once, each with its own pool: stay well
		// under PostgreSQL's default max_connections.
		cfg.MaxOpenConns = 8
	}
	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("closing the store: %v", err)
		}
	})
	return db
}

// openMigrated opens url and migrates it to the latest version.
func openMigrated(t testing.TB, url string) *store.DB {
	t.Helper()
	db := openDB(t, store.Config{URL: url})
	if _, err := db.MigrateUp(context.Background()); err != nil {
		t.Fatalf("MigrateUp: %v", err)
	}
	return db
}

// openStore returns a migrated store on a fresh database of the engine.
func openStore(url func(testing.TB) string) func(t *testing.T) *store.Store {
	return func(t *testing.T) *store.Store {
		t.Helper()
		return store.New(openMigrated(t, url(t)))
	}
}

func TestConformance(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			e.url(t) // skip (or fail under CI) once if the engine is unavailable
			storetest.Run(t, openStore(e.url))
		})
	}
}
