package store_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/store/storetest"
)

// objects lists the schema objects of the test database other than the
// migration bookkeeping, from the engine's catalogue.
func objects(t testing.TB, db *store.DB) []string {
	t.Helper()
	var query string
	switch db.Engine() {
	case "sqlite":
		query = `SELECT type || ' ' || name FROM sqlite_master
			WHERE name NOT LIKE 'sqlite_%' AND tbl_name <> 'schema_migrations' ORDER BY 1`
	case "postgres":
		// Every relation (table, index, sequence, view) and type in the
		// test's schema; current_schema() is the schema of the URL.
		query = `SELECT c.relkind::text || ' ' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relname NOT IN ('schema_migrations', 'schema_migrations_pkey')
			UNION ALL
			SELECT 'type ' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
			WHERE n.nspname = current_schema() AND t.typname NOT IN ('schema_migrations', '_schema_migrations')
			ORDER BY 1`
	}
	rows, err := db.Primary().QueryContext(context.Background(), query)
	if err != nil {
		t.Fatalf("reading the catalogue: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// tables lists the application tables through information_schema (PostgreSQL)
// or sqlite_master.
func tables(t testing.TB, db *store.DB) []string {
	t.Helper()
	query := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1`
	if db.Engine() == "postgres" {
		query = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`
	}
	rows, err := db.Primary().QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

func TestMigrateUpDownReversible(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := openDB(t, store.Config{URL: e.url(t)})
			n := db.LatestVersion()
			if n < 1 {
				t.Fatalf("LatestVersion = %d", n)
			}
			if v, err := db.SchemaVersion(ctx); err != nil || v != 0 {
				t.Fatalf("SchemaVersion of an empty database = %d, %v", v, err)
			}
			statuses, err := db.MigrationStatuses(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(statuses) != n {
				t.Fatalf("%d statuses, want %d", len(statuses), n)
			}
			for i, st := range statuses {
				if st.Version != i+1 || st.Name == "" || st.Up == "" || st.Down == "" || st.AppliedAt != nil {
					t.Errorf("status %d before migrating = %+v", i, st)
				}
			}
			if got := objects(t, db); len(got) != 0 {
				t.Fatalf("empty database has objects: %v", got)
			}

			before := time.Now().Add(-time.Minute)
			applied, err := db.MigrateUp(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(applied, seq(n)) {
				t.Fatalf("MigrateUp applied %v, want %v", applied, seq(n))
			}
			if v, err := db.SchemaVersion(ctx); err != nil || v != n {
				t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, n)
			}
			if err := db.CheckSchema(ctx); err != nil {
				t.Fatalf("CheckSchema at the latest version: %v", err)
			}
			statuses, err = db.MigrationStatuses(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range statuses {
				if st.AppliedAt == nil || st.AppliedAt.Before(before) || st.AppliedAt.After(time.Now().Add(time.Minute)) ||
					st.AppliedAt.Location() != time.UTC {
					t.Errorf("migration %04d applied at %v", st.Version, st.AppliedAt)
				}
			}
			full := objects(t, db)
			if len(full) == 0 {
				t.Fatal("no objects in the catalogue after MigrateUp")
			}
			for _, want := range []string{"users", "sessions", "api_tokens", "password_resets", "audit_log"} {
				if !slices.Contains(tables(t, db), want) {
					t.Errorf("table %s missing after MigrateUp (tables: %v)", want, tables(t, db))
				}
			}
			if again, err := db.MigrateUp(ctx); err != nil || len(again) != 0 {
				t.Fatalf("second MigrateUp = %v, %v; want nothing", again, err)
			}

			// Put some data in, so the down migrations meet real rows.
			s := store.New(db)
			storeFixture(t, s)

			reverted, err := db.MigrateDown(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			want := seq(n)
			slices.Reverse(want)
			if !slices.Equal(reverted, want) {
				t.Fatalf("MigrateDown reverted %v, want %v", reverted, want)
			}
			if got := objects(t, db); len(got) != 0 {
				t.Fatalf("objects left after MigrateDown(%d): %v", n, got)
			}
			if got := tables(t, db); !slices.Equal(got, []string{"schema_migrations"}) {
				t.Fatalf("tables left after MigrateDown(%d): %v", n, got)
			}
			if v, err := db.SchemaVersion(ctx); err != nil || v != 0 {
				t.Fatalf("SchemaVersion after reverting all = %d, %v", v, err)
			}
			if more, err := db.MigrateDown(ctx, 1); err != nil || len(more) != 0 {
				t.Fatalf("MigrateDown on an empty schema = %v, %v", more, err)
			}

			// Reversibility: up again gives the same schema.
			if applied, err := db.MigrateUp(ctx); err != nil || !slices.Equal(applied, seq(n)) {
				t.Fatalf("MigrateUp after down = %v, %v", applied, err)
			}
			if got := objects(t, db); !slices.Equal(got, full) {
				t.Fatalf("schema after down+up differs:\n got %v\nwant %v", got, full)
			}
			storeFixture(t, store.New(db))
		})
	}
}

// storeFixture writes rows to each account table.
func storeFixture(t testing.TB, s *store.Store) {
	t.Helper()
	u := storetest.NewUser(t, s, "fixture")
	storetest.NewSession(t, s, u.ID, "fixture-session", storetest.Epoch.Add(time.Hour))
	storetest.NewAPIToken(t, s, u.ID, "fixture-token", nil)
	storetest.NewPasswordReset(t, s, u.ID, "fixture-reset", storetest.Epoch.Add(time.Hour))
	storetest.Must(t, s.AppendAudit(context.Background(), grimbots.AuditEntry{Action: "fixture", ActorID: &u.ID,
		Details: map[string]any{"k": "v"}, CreatedAt: storetest.Epoch}))
}

func TestCheckSchemaBehindAndAhead(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := openDB(t, store.Config{URL: e.url(t)})
			n := db.LatestVersion()

			err := db.CheckSchema(ctx)
			if err == nil || !strings.Contains(err.Error(), "grimbots migrate up") {
				t.Fatalf("CheckSchema on an empty database = %v, want a hint to run `grimbots migrate up`", err)
			}
			if _, err := db.MigrateUp(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.CheckSchema(ctx); err != nil {
				t.Fatal(err)
			}

			if _, err := db.MigrateDown(ctx, 1); err != nil {
				t.Fatal(err)
			}
			err = db.CheckSchema(ctx)
			if err == nil || !strings.Contains(err.Error(), "grimbots migrate up") {
				t.Fatalf("CheckSchema one version behind = %v, want a hint to run `grimbots migrate up`", err)
			}
			if _, err := db.MigrateUp(ctx); err != nil {
				t.Fatal(err)
			}

			// A newer binary migrated this database.
			if _, err := db.Primary().ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				n+1, "from_the_future", time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			if v, err := db.SchemaVersion(ctx); err != nil || v != n+1 {
				t.Fatalf("SchemaVersion = %d, %v", v, err)
			}
			err = db.CheckSchema(ctx)
			if err == nil || !strings.Contains(err.Error(), "newer") || strings.Contains(err.Error(), "migrate up") {
				t.Fatalf("CheckSchema ahead = %v, want an error saying the database is newer", err)
			}
			// MigrateUp does not touch an unknown version.
			if applied, err := db.MigrateUp(ctx); err != nil || len(applied) != 0 {
				t.Fatalf("MigrateUp ahead = %v, %v", applied, err)
			}
		})
	}
}

func TestMigrationSetsMatchAcrossEngines(t *testing.T) {
	t.Parallel()
	lite, err := store.Migrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Migrations("postgres")
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version || lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %04d_%s, postgres %04d_%s", i, lite[i].Version, lite[i].Name, pg[i].Version, pg[i].Name)
		}
		if lite[i].Version != i+1 {
			t.Errorf("migration %d has version %d", i, lite[i].Version)
		}
		for _, m := range []store.Migration{lite[i], pg[i]} {
			if strings.TrimSpace(m.Up) == "" || strings.TrimSpace(m.Down) == "" {
				t.Errorf("migration %04d_%s has an empty up or down", m.Version, m.Name)
			}
		}
	}
	if _, err := store.Migrations("oracle"); err == nil {
		t.Error("Migrations(oracle) succeeded")
	}
}

// TestMigrationsTouchTheSameTables checks that each version leaves the same
// tables on both engines, walking the migrations down one at a time.
func TestMigrationsTouchTheSameTables(t *testing.T) {
	t.Parallel()
	pgURL := engines[1].url(t)
	lite := openMigrated(t, engines[0].url(t))
	pg := openMigrated(t, pgURL)
	ctx := t.Context()
	for v := lite.LatestVersion(); v >= 0; v-- {
		if lt, pt := tables(t, lite), tables(t, pg); !slices.Equal(lt, pt) {
			t.Fatalf("at version %d: sqlite tables %v, postgres tables %v", v, lt, pt)
		}
		for _, db := range []*store.DB{lite, pg} {
			if _, err := db.MigrateDown(ctx, 1); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestConcurrentMigrateUpPostgres runs MigrateUp from several handles on the
// same schema at once: the advisory lock serialises them, so each migration
// is applied exactly once and none fails.
func TestConcurrentMigrateUpPostgres(t *testing.T) {
	t.Parallel()
	url := engines[1].url(t)
	const n = 4
	dbs := make([]*store.DB, n)
	for i := range dbs {
		dbs[i] = openDB(t, store.Config{URL: url, MaxOpenConns: 2})
	}
	var wg sync.WaitGroup
	results := make([][]int, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i, db := range dbs {
		wg.Go(func() {
			<-start
			results[i], errs[i] = db.MigrateUp(context.Background())
		})
	}
	close(start)
	wg.Wait()
	var all []int
	for i := range n {
		if errs[i] != nil {
			t.Errorf("MigrateUp %d: %v", i, errs[i])
		}
		all = append(all, results[i]...)
	}
	slices.Sort(all)
	if want := seq(dbs[0].LatestVersion()); !slices.Equal(all, want) {
		t.Fatalf("versions applied across handles = %v, want each of %v once", all, want)
	}
	for _, db := range dbs {
		if err := db.CheckSchema(t.Context()); err != nil {
			t.Error(err)
		}
	}
}

// TestConcurrentMigrateUpSQLite does the same on one SQLite file opened
// twice (two processes sharing a file).
func TestConcurrentMigrateUpSQLite(t *testing.T) {
	t.Parallel()
	url := engines[0].url(t)
	a := openDB(t, store.Config{URL: url})
	b := openDB(t, store.Config{URL: url})
	var wg sync.WaitGroup
	var ra, rb []int
	var ea, eb error
	wg.Go(func() { ra, ea = a.MigrateUp(context.Background()) })
	wg.Go(func() { rb, eb = b.MigrateUp(context.Background()) })
	wg.Wait()
	if ea != nil || eb != nil {
		t.Fatalf("concurrent MigrateUp: %v / %v", ea, eb)
	}
	all := slices.Sorted(slices.Values(append(ra, rb...)))
	if want := seq(a.LatestVersion()); !slices.Equal(all, want) {
		t.Fatalf("versions applied = %v, want each of %v once", all, want)
	}
}
