package store_test

import (
	"context"
	"testing"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/store/storetest"
)

// Tenancy checks of the pool store: each runs as seller A and aims at
// seller B's pool; TestTenancy then proves every row of B is unchanged.

// addPoolRows gives the seller a pool with its live bot and one counter.
func addPoolRows(t *testing.T, s *store.Store, sl *seller, name string) {
	t.Helper()
	sl.pool = storetest.AddPool(t, s, sl.user.ID, "pool-"+name, sl.bot)
	storetest.Must(t, s.AddPoolClicks(context.Background(), []grimbots.PoolClicks{
		{PoolID: sl.pool.ID, SellerID: sl.user.ID, BotID: sl.bot, Day: "2026-03-14", Clicks: 3}}))
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if grimbots.ErrorCode(err) != code {
		t.Fatalf("%s: %v, want %s", what, err, code)
	}
}

func checkCreatePool(t *testing.T, w *world) {
	err := w.s.CreatePool(context.Background(), &grimbots.Pool{SellerID: w.a.user.ID, Name: "stolen", Slug: w.b.pool.Slug,
		Strategy: grimbots.StrategyRandom, Active: true, CreatedAt: now})
	wantCode(t, "A creating a pool on B's slug", err, grimbots.EINVALID)
}

func checkPools(t *testing.T, w *world) {
	list, err := w.s.Pools(context.Background(), w.a.user.ID)
	storetest.Must(t, err)
	for _, p := range list {
		if p.SellerID != w.a.user.ID || p.ID == w.b.pool.ID {
			t.Fatalf("A's pools list %+v", p)
		}
		for _, m := range p.Members {
			if m.BotID == w.b.bot {
				t.Fatalf("B's bot in A's pool %d", p.ID)
			}
		}
	}
}

func checkPool(t *testing.T, w *world) {
	_, err := w.s.Pool(context.Background(), w.a.user.ID, w.b.pool.ID)
	wantCode(t, "A reading B's pool", err, grimbots.ENOTFOUND)
}

func checkUpdatePool(t *testing.T, w *world) {
	p := *w.b.pool
	p.SellerID, p.Name, p.Slug, p.Active, p.UpdatedAt = w.a.user.ID, "taken", "taken-over", false, now
	_, err := w.s.UpdatePool(context.Background(), &p)
	wantCode(t, "A updating B's pool", err, grimbots.ENOTFOUND)
}

func checkDeletePool(t *testing.T, w *world) {
	_, err := w.s.DeletePool(context.Background(), w.a.user.ID, w.b.pool.ID)
	wantCode(t, "A deleting B's pool", err, grimbots.ENOTFOUND)
}

func checkSetPoolMember(t *testing.T, w *world) {
	ctx := context.Background()
	_, err := w.s.SetPoolMember(ctx, w.a.user.ID, w.b.pool.ID, grimbots.PoolMember{BotID: w.a.bot, Weight: 9, AddedAt: now})
	wantCode(t, "A adding its bot to B's pool", err, grimbots.ENOTFOUND)
	_, err = w.s.SetPoolMember(ctx, w.a.user.ID, w.b.pool.ID, grimbots.PoolMember{BotID: w.b.bot, Weight: 9, AddedAt: now})
	wantCode(t, "A reweighting B's bot in B's pool", err, grimbots.ENOTFOUND)
	_, err = w.s.SetPoolMember(ctx, w.a.user.ID, w.a.pool.ID, grimbots.PoolMember{BotID: w.b.bot, Weight: 1, AddedAt: now})
	wantCode(t, "A adding B's bot to its pool", err, grimbots.EINVALID)
}

func checkRemovePoolMember(t *testing.T, w *world) {
	_, err := w.s.RemovePoolMember(context.Background(), w.a.user.ID, w.b.pool.ID, w.b.bot)
	wantCode(t, "A removing B's bot from B's pool", err, grimbots.ENOTFOUND)
}

func checkPoolClicks(t *testing.T, w *world) {
	got, err := w.s.PoolClicks(context.Background(), w.a.user.ID, w.b.pool.ID, "2000-01-01", "2100-01-01")
	storetest.Must(t, err)
	if len(got) != 0 {
		t.Fatalf("A read B's pool counters: %+v", got)
	}
}

func checkAddPoolClicks(t *testing.T, w *world) {
	// Counts naming B's pool with A as its seller are dropped.
	storetest.Must(t, w.s.AddPoolClicks(context.Background(), []grimbots.PoolClicks{
		{PoolID: w.b.pool.ID, SellerID: w.a.user.ID, BotID: w.b.bot, Day: "2026-03-14", Clicks: 100}}))
}
