package ops_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/ops"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/store/storetest"
	"github.com/grimbots/grimbots/internal/testenv"
)

// openStore opens a migrated store at url, closed after the test.
func openStore(t *testing.T, url string) *store.Store {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{URL: url, MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	return store.New(db)
}

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestBackupRoundTripSQLite(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, testenv.SQLiteURL(t))
	u := storetest.NewUser(t, st, "ana")
	dir := filepath.Join(t.TempDir(), "backups")
	c := &clock{time.Date(2025, 11, 20, 6, 0, 0, 0, time.UTC)}
	svc := ops.New(st, ops.Config{BackupDir: dir, BackupKeep: 2}, c.now, nil)

	path, err := svc.Backup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "grimbots-20251120-060000.db"); path != want {
		t.Fatalf("backup path %s, want %s", path, want)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, mode %v", err, info.Mode())
	}
	// Restored (copied into place), the backup is a database of its own,
	// with the rows and the schema.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	restoredPath := filepath.Join(t.TempDir(), "restored.db")
	if err := os.WriteFile(restoredPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	restored, err := store.Open(ctx, store.Config{URL: "sqlite:" + restoredPath})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if err := restored.CheckSchema(ctx); err != nil {
		t.Fatalf("restored schema: %v", err)
	}
	got, err := store.New(restored).UserByID(ctx, u.ID)
	if err != nil || got.Email != u.Email {
		t.Fatalf("user in the backup: %+v, %v", got, err)
	}

	// A second backup in the same second gets its own name; retention keeps
	// the newest BackupKeep.
	second, err := svc.Backup(ctx)
	if err != nil || filepath.Base(second) != "grimbots-20251120-060000-2.db" {
		t.Fatalf("second backup: %s, %v", second, err)
	}
	c.t = c.t.Add(24 * time.Hour)
	third, err := svc.Backup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := backups(t, dir); !slices.Equal(got, []string{filepath.Base(second), filepath.Base(third)}) {
		t.Fatalf("backups kept: %v", got)
	}
}

func backups(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestBackupRetentionIgnoresOtherFiles(t *testing.T) {
	st := openStore(t, testenv.SQLiteURL(t))
	dir := t.TempDir()
	old := time.Now().Add(-48 * time.Hour)
	for _, name := range []string{"grimbots-20250101-060000.db", "grimbots-20250102-060000.dump", "grimbots-20250103-060000.db",
		"notes.txt", "grimbots-manual.db", "grimbots-20250104-060000.db.tmp", "grimbots-20250105-060000.db.tmp"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A crashed backup's temporary file is deleted once it is a day old.
	if err := os.Chtimes(filepath.Join(dir, "grimbots-20250104-060000.db.tmp"), old, old); err != nil {
		t.Fatal(err)
	}
	c := &clock{time.Date(2025, 1, 6, 6, 0, 0, 0, time.UTC)}
	if _, err := ops.New(st, ops.Config{BackupDir: dir, BackupKeep: 2}, c.now, nil).Backup(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"grimbots-20250103-060000.db", "grimbots-20250105-060000.db.tmp", "grimbots-20250106-060000.db",
		"grimbots-manual.db", "notes.txt"}
	if got := backups(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files after retention:\n got %v\nwant %v", got, want)
	}
}

func TestBackupPostgres(t *testing.T) {
	base := os.Getenv(testenv.PostgresURLEnv)
	dbURL := testenv.PostgresURL(t)
	if _, err := exec.LookPath("pg_dump"); err != nil {
		unavailable(t, "pg_dump is not on PATH: PostgreSQL backups untested (install postgresql-client)")
	}
	ctx := context.Background()
	st := openStore(t, dbURL)
	u := storetest.NewUser(t, st, "ana")
	dir := t.TempDir()
	path, err := ops.New(st, ops.Config{DatabaseURL: dbURL, BackupDir: dir, BackupKeep: 7}, nil, nil).Backup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, ".dump") {
		t.Fatalf("backup path %s", path)
	}

	// Restore into a fresh database and find the row.
	if _, err := exec.LookPath("pg_restore"); err != nil {
		unavailable(t, "pg_restore is not on PATH: the dump was written but its restore is untested")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := testenv.RandomName("restore_")
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		unavailable(t, "cannot create a database to restore into (%v): the dump was written but its restore is untested", err)
	}
	t.Cleanup(func() { _, _ = admin.ExecContext(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)") })
	target, _ := url.Parse(base)
	target.Path = "/" + name
	out, err := exec.CommandContext(ctx, "pg_restore", "--no-owner", "--exit-on-error", "--dbname="+target.String(), path).CombinedOutput()
	if err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	schema, _ := url.Parse(dbURL)
	q := target.Query()
	q.Set("search_path", schema.Query().Get("search_path"))
	target.RawQuery = q.Encode()
	restored := openStore(t, target.String()) // already at the latest version: migrating changes nothing
	if err := restored.DB().CheckSchema(ctx); err != nil {
		t.Fatalf("restored schema: %v", err)
	}
	got, err := restored.UserByID(ctx, u.ID)
	if err != nil || got.Email != u.Email {
		t.Fatalf("user in the restored database: %+v, %v", got, err)
	}
}

func TestBackupWithoutPGDump(t *testing.T) {
	dbURL := testenv.PostgresURL(t)
	st := openStore(t, dbURL)
	dir := t.TempDir()
	_, err := ops.New(st, ops.Config{DatabaseURL: dbURL, BackupDir: dir, PGDump: "pg_dump-that-does-not-exist"}, nil, nil).
		Backup(context.Background())
	if !errors.Is(err, ops.ErrNoPGDump) {
		t.Fatalf("err = %v, want ErrNoPGDump", err)
	}
	if got := backups(t, dir); len(got) != 0 {
		t.Fatalf("files left behind: %v", got)
	}
}

func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv(testenv.RequireServicesEnv) == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func TestCleanup(t *testing.T) {
	ctx := context.Background()
	for _, engine := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", testenv.SQLiteURL}, {"postgres", testenv.PostgresURL}} {
		t.Run(engine.name, func(t *testing.T) {
			st := openStore(t, engine.url(t))
			now := storetest.Epoch.Add(200 * 24 * time.Hour)
			for _, at := range []time.Time{now.Add(-91 * 24 * time.Hour), now.Add(-89 * 24 * time.Hour)} {
				storetest.Must(t, st.RecordWebhook(ctx, &grimbots.WebhookEvent{GatewayKind: "pushinpay", Body: "{}",
					Outcome: grimbots.WebhookUnknownToken, ReceivedAt: at}))
			}
			u := storetest.NewUser(t, st, "ana")
			b := storetest.AddBot(t, st, u.ID, "loja")
			for i, at := range []time.Time{now.Add(-8 * 24 * time.Hour), now.Add(-6 * 24 * time.Hour)} {
				_, err := st.InsertUpdate(ctx, &grimbots.TelegramUpdate{BotID: b.ID, UpdateID: int64(i + 1), SellerID: u.ID,
					ChatID: 42, Body: "{}", ReceivedAt: at})
				storetest.Must(t, err)
				storetest.Must(t, st.FinishUpdate(ctx, b.ID, int64(i+1), "", at))
			}
			_, err := st.AcquireChatLock(ctx, b.ID, 42, "dead", now.Add(-time.Hour), time.Minute)
			storetest.Must(t, err)

			svc := ops.New(st, ops.Config{RetentionWebhooks: 90 * 24 * time.Hour, RetentionUpdates: 7 * 24 * time.Hour},
				func() time.Time { return now }, nil)
			r, err := svc.Cleanup(ctx)
			storetest.Must(t, err)
			if r.Webhooks != 1 || r.Updates != 1 || r.ChatLocks != 1 {
				t.Fatalf("cleanup report %+v, want 1 webhook, 1 update, 1 chat lock", r)
			}
			if r, err = svc.Cleanup(ctx); err != nil || r != (ops.CleanupReport{}) {
				t.Fatalf("second cleanup: %+v, %v", r, err)
			}
		})
	}
}
