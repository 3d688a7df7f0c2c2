package store_test

import (
	"context"
	"fmt"
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
	return queryStrings(t, db, query)
}

// queryStrings runs a query of one text column on the primary.
func queryStrings(t testing.TB, db *store.DB, query string) []string {
	t.Helper()
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
	return queryStrings(t, db, query)
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
			storeFixture(t, s, "fixture")

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
			storeFixture(t, store.New(db), "fixture")
		})
	}
}

// storeFixture writes rows to every table of the latest schema, through
// the store (names derive from name, so it can run twice on a database),
// and fails if a table is left empty: a new table must get rows here so
// that the down migrations meet real data.
func storeFixture(t testing.TB, s *store.Store, name string) {
	t.Helper()
	ctx := context.Background()
	at := storetest.Epoch
	u := storetest.NewUser(t, s, name)
	storetest.NewSession(t, s, u.ID, name+"-session", at.Add(time.Hour))
	storetest.NewAPIToken(t, s, u.ID, name+"-token", nil)
	storetest.NewPasswordReset(t, s, u.ID, name+"-reset", at.Add(time.Hour))
	storetest.Must(t, s.AppendAudit(ctx, grimbots.AuditEntry{Action: "fixture", ActorID: &u.ID,
		Details: map[string]any{"k": "v"}, CreatedAt: at}))

	b := storetest.AddBot(t, s, u.ID, name, func(b *grimbots.Bot) { b.Running = true })
	if _, err := s.SaveBotConfig(ctx, u.ID, b.ID, 1, `{"version":2}`, &u.ID, at); err != nil {
		t.Fatal(err)
	}
	storetest.Must(t, s.SetBotHealth(ctx, b.ID, grimbots.BotOnline, 1, at))
	storetest.Must(t, s.SetBotWebhook(ctx, b.ID, "https://grimbots.example/tg/"+b.WebhookSecret))
	if ok, err := s.AcquireBotLease(ctx, b.ID, name+"-poller", at, time.Hour); err != nil || !ok {
		t.Fatalf("AcquireBotLease = %v, %v", ok, err)
	}
	if ok, err := s.SetUpdateOffset(ctx, b.ID, name+"-poller", 5_000_000_000); err != nil || !ok {
		t.Fatalf("SetUpdateOffset = %v, %v", ok, err)
	}
	lead := storetest.AddLead(t, s, b, 5_000_000_001, at, func(l *grimbots.Lead) { l.Origin = "ads" })
	storetest.Must(t, s.SetLeadBlocked(ctx, u.ID, lead.ID, at))
	g := storetest.NewGateway(t, s, u.ID, "pushinpay")
	p := storetest.NewPayment(t, s, u.ID, name+"-ref", 1990, func(p *grimbots.Payment) {
		p.BotID, p.LeadID, p.GatewayID, p.GatewayKind, p.Funnel = &b.ID, &lead.ID, &g.ID, g.Kind, "offer+bump"
	})
	storetest.ChargePayment(t, s, p, name+"-tx", name+"-hash", nil)
	storetest.Transition(t, s, p, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge, at)
	storetest.Must(t, s.RecordWebhook(ctx, &grimbots.WebhookEvent{SellerID: &u.ID, GatewayID: &g.ID, GatewayKind: g.Kind,
		Body: "{}", Outcome: grimbots.WebhookAccepted, PaymentID: &p.ID, ReceivedAt: at}))
	storetest.Must(t, s.CreateSandboxCharge(ctx, u.ID, name+"-sbx", p.Reference, 1990, at))
	if _, err := s.EnsureDelivery(ctx, &grimbots.Delivery{SellerID: u.ID, PaymentID: p.ID, BotID: b.ID, LeadID: lead.ID,
		CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InsertUpdate(ctx, &grimbots.TelegramUpdate{BotID: b.ID, UpdateID: 1, SellerID: u.ID,
		ChatID: lead.ChatID, Body: "{}", ReceivedAt: at}); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.AcquireChatLock(ctx, b.ID, lead.ChatID, name+"-worker", at, time.Hour); err != nil || !ok {
		t.Fatalf("AcquireChatLock = %v, %v", ok, err)
	}
	storetest.Must(t, s.PutMediaFileID(ctx, b.ID, "https://cdn.example.com/"+name+".jpg", name+"-file", at))
	pool := storetest.AddPool(t, s, u.ID, name+"-pool", b.ID)
	storetest.Must(t, s.AddPoolClicks(ctx, []grimbots.PoolClicks{{PoolID: pool.ID, SellerID: u.ID, BotID: b.ID, Day: "2026-03-14", Clicks: 1}}))
	storetest.AddLead(t, s, b, 5_000_000_002, at) // the first one is blocked: out of every audience
	campaign := storetest.NewCampaign(t, s, u.ID, name, []int64{b.ID})
	storetest.StartCampaign(t, s, campaign)

	storetest.AddGamificationRows(t, s, u.ID, name, p)
	for _, table := range tables(t, s.DB()) {
		var n int
		storetest.Must(t, s.DB().Primary().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n))
		if n == 0 {
			t.Errorf("storeFixture leaves table %s empty: give it rows", table)
		}
	}
}

// schema describes the test database's schema in detail (columns with
// their types, nullability and defaults; indexes; constraints), ignoring
// what legitimately differs between a schema built up and one migrated
// down to the same version (column positions, object ids).
func schema(t testing.TB, db *store.DB) []string {
	t.Helper()
	var query string
	switch db.Engine() {
	case "sqlite":
		query = `SELECT 'column ' || m.name || '.' || c.name || ' ' || c.type || ' notnull=' || c."notnull" ||
				' default=' || COALESCE(c.dflt_value, 'none') || ' pk=' || c.pk
			FROM sqlite_master m JOIN pragma_table_info(m.name) c
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'schema_migrations'
			UNION ALL
			SELECT 'fk ' || m.name || '.' || f."from" || ' -> ' || f."table" || '.' || COALESCE(f."to", '?') ||
				' on delete ' || f.on_delete
			FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'schema_migrations'
			UNION ALL
			SELECT 'index ' || m.name || ' ' || i.name || ' unique=' || i."unique" || ' origin=' || i.origin ||
				' partial=' || i.partial
			FROM sqlite_master m JOIN pragma_index_list(m.name) i
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'schema_migrations'
			UNION ALL
			SELECT m.type || ' ' || m.name || ' ' || COALESCE(m.sql, '')
			FROM sqlite_master m WHERE m.name NOT LIKE 'sqlite_%' AND m.tbl_name <> 'schema_migrations'
			ORDER BY 1`
	case "postgres":
		query = `SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' null=' || is_nullable ||
				' default=' || COALESCE(column_default, 'none') || ' identity=' || is_identity
			FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'
			UNION ALL
			SELECT 'index ' || indexname || ' ' || replace(indexdef, current_schema() || '.', '') FROM pg_indexes
			WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'
			UNION ALL
			SELECT 'constraint ' || c.conrelid::regclass::text || ' ' || c.conname || ' ' || replace(pg_get_constraintdef(c.oid), current_schema() || '.', '')
			FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
			WHERE n.nspname = current_schema() AND c.conrelid::regclass::text <> 'schema_migrations'
			ORDER BY 1`
	}
	return append(objects(t, db), queryStrings(t, db, query)...)
}

func diffSchemas(got, want []string) string {
	var b strings.Builder
	oneLine := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	for _, s := range want {
		if !slices.Contains(got, s) {
			b.WriteString("\n  missing: " + oneLine(s))
		}
	}
	for _, s := range got {
		if !slices.Contains(want, s) {
			b.WriteString("\n  extra:   " + oneLine(s))
		}
	}
	return b.String()
}

// TestMigrationsRevertExactly reverts the latest k migrations of a
// database full of rows, for every k, and checks that each down migration
// restores exactly the schema its version had when built up from nothing,
// and that migrating up again over the surviving rows restores the latest
// schema and leaves a working store.
func TestMigrationsRevertExactly(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			built := openDB(t, store.Config{URL: e.url(t)})
			n := built.LatestVersion()
			want := make([][]string, n+1)
			for v := 0; v <= n; v++ {
				if _, err := built.MigrateUpTo(ctx, v); err != nil {
					t.Fatalf("MigrateUpTo(%d): %v", v, err)
				}
				if got, err := built.SchemaVersion(ctx); err != nil || got != v {
					t.Fatalf("SchemaVersion after MigrateUpTo(%d) = %d, %v", v, got, err)
				}
				want[v] = schema(t, built)
			}
			for k := 1; k <= n; k++ {
				t.Run(fmt.Sprintf("down%d", k), func(t *testing.T) {
					t.Parallel()
					db := openMigrated(t, e.url(t))
					storeFixture(t, store.New(db), "before")
					reverted, err := db.MigrateDown(ctx, k)
					if err != nil {
						t.Fatalf("MigrateDown(%d) over rows: %v", k, err)
					}
					if len(reverted) != k || reverted[0] != n {
						t.Fatalf("MigrateDown(%d) reverted %v", k, reverted)
					}
					if got := schema(t, db); !slices.Equal(got, want[n-k]) {
						t.Fatalf("schema after reverting to version %d differs from the one built up:%s", n-k, diffSchemas(got, want[n-k]))
					}
					if _, err := db.MigrateUp(ctx); err != nil {
						t.Fatalf("MigrateUp over the surviving rows: %v", err)
					}
					if got := schema(t, db); !slices.Equal(got, want[n]) {
						t.Fatalf("schema after down %d and up differs:%s", k, diffSchemas(got, want[n]))
					}
					storeFixture(t, store.New(db), "after")
				})
			}
		})
	}
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
