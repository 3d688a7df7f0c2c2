package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/store/storetest"
)

func TestOperations(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			open := openStore(e.url)
			t.Run("health-claims", func(t *testing.T) { t.Parallel(); testHealthClaims(t, open(t)) })
			t.Run("purge-webhooks", func(t *testing.T) { t.Parallel(); testPurgeWebhooks(t, open(t)) })
			t.Run("purge-chat-locks", func(t *testing.T) { t.Parallel(); testPurgeChatLocks(t, open(t)) })
		})
	}
}

func testHealthClaims(t *testing.T, s *store.Store) {
	ctx := context.Background()
	u := storetest.NewUser(t, s, "ana")
	b := storetest.AddBot(t, s, u.ID, "loja", func(b *grimbots.Bot) { b.Running = true })
	stopped := storetest.AddBot(t, s, u.ID, "parado")
	now := storetest.Epoch.Add(time.Hour)

	claim := func(id int64, at time.Time) bool {
		t.Helper()
		ok, err := s.ClaimBotHealthCheck(ctx, id, at, at.Add(-15*time.Second))
		storetest.Must(t, err)
		return ok
	}
	if !claim(b.ID, now) {
		t.Fatal("a running bot never checked was not claimed")
	}
	if claim(b.ID, now.Add(5*time.Second)) {
		t.Fatal("a bot checked 5s ago was claimed again")
	}
	if !claim(b.ID, now.Add(16*time.Second)) {
		t.Fatal("a bot checked 16s ago was not claimed")
	}
	if claim(stopped.ID, now) {
		t.Fatal("a stopped bot was claimed")
	}

	// The outcome is recorded only for the token that was checked.
	ok, err := s.RecordBotHealth(ctx, b.ID, "another-token-hash", grimbots.BotRevoked, 0, now)
	storetest.Must(t, err)
	if ok {
		t.Fatal("RecordBotHealth changed a bot whose token was replaced")
	}
	ok, err = s.RecordBotHealth(ctx, b.ID, b.TokenHash, grimbots.BotOffline, 3, now.Add(20*time.Second))
	storetest.Must(t, err)
	got, err := s.BotByID(ctx, b.ID)
	storetest.Must(t, err)
	if !ok || got.Health != grimbots.BotOffline || got.HealthFailures != 3 {
		t.Fatalf("after RecordBotHealth: ok=%v health=%s failures=%d", ok, got.Health, got.HealthFailures)
	}
	storetest.WantTimePtr(t, "health_checked_at", got.HealthCheckedAt, storetest.Ptr(now.Add(20*time.Second)))

	// A revoked bot is not checked any more (only a new token revives it).
	storetest.Must(t, s.SetBotHealth(ctx, b.ID, grimbots.BotRevoked, 3, now))
	if claim(b.ID, now.Add(time.Hour)) {
		t.Fatal("a revoked bot was claimed")
	}
}

func testPurgeWebhooks(t *testing.T, s *store.Store) {
	ctx := context.Background()
	cutoff := storetest.Epoch.Add(90 * 24 * time.Hour)
	var keep []int64
	for i, at := range []time.Time{storetest.Epoch, cutoff.Add(-time.Second), cutoff, cutoff.Add(time.Hour)} {
		e := &grimbots.WebhookEvent{GatewayKind: "pushinpay", Body: "{}", Outcome: grimbots.WebhookUnknownToken, ReceivedAt: at}
		storetest.Must(t, s.RecordWebhook(ctx, e))
		if i >= 2 {
			keep = append(keep, e.ID)
		}
	}
	n, err := s.PurgeWebhookEvents(ctx, cutoff)
	storetest.Must(t, err)
	if n != 2 {
		t.Fatalf("PurgeWebhookEvents deleted %d, want 2", n)
	}
	var left []int64
	rows, err := s.DB().Primary().QueryContext(ctx, `SELECT id FROM webhook_events ORDER BY id`)
	storetest.Must(t, err)
	defer rows.Close()
	for rows.Next() {
		var id int64
		storetest.Must(t, rows.Scan(&id))
		left = append(left, id)
	}
	if len(left) != 2 || left[0] != keep[0] || left[1] != keep[1] {
		t.Fatalf("webhooks left %v, want %v", left, keep)
	}
}

func testPurgeChatLocks(t *testing.T, s *store.Store) {
	ctx := context.Background()
	u := storetest.NewUser(t, s, "ana")
	b := storetest.AddBot(t, s, u.ID, "loja")
	now := storetest.Epoch
	for chat, ttl := range map[int64]time.Duration{1: -time.Minute, 2: -time.Second, 3: time.Minute} {
		ok, err := s.AcquireChatLock(ctx, b.ID, chat, "w", now.Add(ttl-time.Minute), time.Minute)
		storetest.Must(t, err)
		if !ok {
			t.Fatalf("lock on chat %d not acquired", chat)
		}
	}
	n, err := s.PurgeChatLocks(ctx, now)
	storetest.Must(t, err)
	if n != 2 {
		t.Fatalf("PurgeChatLocks deleted %d, want 2 (the expired ones)", n)
	}
	ok, err := s.AcquireChatLock(ctx, b.ID, 3, "other", now, time.Minute)
	storetest.Must(t, err)
	if ok {
		t.Fatal("a live lock was purged")
	}
}

func TestVacuumInto(t *testing.T) {
	ctx := context.Background()
	s := store.New(openMigrated(t, "sqlite:"+filepath.Join(t.TempDir(), "live.db")))
	u := storetest.NewUser(t, s, "ana")
	path := filepath.Join(t.TempDir(), "copy.db")
	storetest.Must(t, s.DB().VacuumInto(ctx, path))
	if err := s.DB().VacuumInto(ctx, path); err == nil {
		t.Fatal("VacuumInto overwrote an existing file")
	}
	// The read connection that wrote the copy did not go back to the pool
	// writable.
	readers := s.DB().Pools()["readers"]
	for range 8 {
		var queryOnly int
		storetest.Must(t, readers.QueryRowContext(ctx, `PRAGMA query_only`).Scan(&queryOnly))
		if queryOnly != 1 {
			t.Fatal("a read connection is writable after the backup")
		}
	}
	copyDB := openDB(t, store.Config{URL: "sqlite:" + path})
	var email string
	if err := copyDB.Primary().QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1`, u.ID).Scan(&email); err != nil {
		t.Fatalf("reading the copy: %v", err)
	}
	if email != u.Email {
		t.Fatalf("copy has email %q, want %q", email, u.Email)
	}
	if err := copyDB.CheckSchema(ctx); err != nil {
		t.Fatalf("the copy's schema: %v", err)
	}
}
