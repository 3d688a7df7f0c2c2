package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
)

// poolCases cover redirect pools: pools, members and click counters.
var poolCases = []testCase{
	{"Pool/CreateRoundTrip", testPoolCreateRoundTrip},
	{"Pool/SlugUniqueOnThePlatform", testPoolSlugUnique},
	{"Pool/Members", testPoolMembers},
	{"Pool/UpdateAndDelete", testPoolUpdateDelete},
	{"Pool/SlugsOfBot", testPoolSlugsOfBot},
	{"Pool/Clicks", testPoolClicks},
}

// AddPool creates an active round robin pool of sellerID with slug, and
// the bots as members (weight 1, priority 0).
func AddPool(t testing.TB, s *store.Store, sellerID int64, slug string, bots ...int64) *grimbots.Pool {
	t.Helper()
	ctx := context.Background()
	p := &grimbots.Pool{SellerID: sellerID, Name: "Pool " + slug, Slug: slug, Strategy: grimbots.StrategyRoundRobin,
		Active: true, CreatedAt: Epoch}
	Must(t, s.CreatePool(ctx, p))
	for _, b := range bots {
		_, err := s.SetPoolMember(ctx, sellerID, p.ID, grimbots.PoolMember{BotID: b, Weight: 1, AddedAt: Epoch})
		Must(t, err)
	}
	return p
}

func testPoolCreateRoundTrip(t *testing.T, s *store.Store) {
	ctx := context.Background()
	u := NewUser(t, s, "pooler")
	b := AddBot(t, s, u.ID, "pooled", running)
	p := AddPool(t, s, u.ID, "promo-verao", b.ID)
	if p.ID == 0 || !p.UpdatedAt.Equal(Epoch) {
		t.Fatalf("created %+v", p)
	}
	want := grimbots.PoolMember{BotID: b.ID, Weight: 1, AddedAt: Epoch, BotUsername: b.Username, BotName: b.Name,
		BotRunning: true, BotHealth: grimbots.BotUnknown}
	check := func(got *grimbots.Pool, err error) {
		t.Helper()
		Must(t, err)
		if got.ID != p.ID || got.SellerID != u.ID || got.Name != p.Name || got.Slug != p.Slug || got.Strategy != p.Strategy ||
			!got.Active || !got.CreatedAt.Equal(Epoch) || !got.UpdatedAt.Equal(Epoch) {
			t.Fatalf("pool %+v, want %+v", got, p)
		}
		if len(got.Members) != 1 || got.Members[0] != want {
			t.Fatalf("members %+v, want [%+v]", got.Members, want)
		}
	}
	check(s.Pool(ctx, u.ID, p.ID))
	check(s.PoolBySlug(ctx, "promo-verao"))
	list, err := s.Pools(ctx, u.ID)
	Must(t, err)
	if len(list) != 1 {
		t.Fatalf("%d pools listed", len(list))
	}
	check(list[0], nil)
	if _, err := s.PoolBySlug(ctx, "nope"); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
		t.Fatalf("unknown slug: %v", err)
	}
}

func testPoolSlugUnique(t *testing.T, s *store.Store) {
	ctx := context.Background()
	a, b := NewUser(t, s, "pool_a"), NewUser(t, s, "pool_b")
	AddPool(t, s, a.ID, "same")
	err := s.CreatePool(ctx, &grimbots.Pool{SellerID: b.ID, Name: "x", Slug: "same", Strategy: grimbots.StrategyRandom, CreatedAt: Epoch})
	if grimbots.ErrorCode(err) != grimbots.EINVALID {
		t.Fatalf("a slug of another seller's pool: %v, want invalid", err)
	}
	other := AddPool(t, s, b.ID, "other")
	other.Slug, other.UpdatedAt = "same", Epoch
	if _, err := s.UpdatePool(ctx, other); grimbots.ErrorCode(err) != grimbots.EINVALID {
		t.Fatalf("renaming onto a taken slug: %v, want invalid", err)
	}
}

func testPoolMembers(t *testing.T, s *store.Store) {
	ctx := context.Background()
	u, other := NewUser(t, s, "members"), NewUser(t, s, "stranger")
	b1, b2, b3 := AddBot(t, s, u.ID, "m1"), AddBot(t, s, u.ID, "m2"), AddBot(t, s, u.ID, "m3")
	foreign := AddBot(t, s, other.ID, "foreign")
	p := AddPool(t, s, u.ID, "members", b1.ID, b2.ID)
	set := func(bot int64, weight, priority int) error {
		slug, err := s.SetPoolMember(ctx, u.ID, p.ID, grimbots.PoolMember{BotID: bot, Weight: weight, Priority: priority,
			AddedAt: Epoch.Add(time.Minute)})
		if err == nil && slug != "members" {
			t.Fatalf("SetPoolMember returned slug %q", slug)
		}
		return err
	}
	Must(t, set(b3.ID, 5, 10)) // preferred: listed first
	Must(t, set(b1.ID, 7, 0))  // an update keeps the member's added_at
	if err := set(foreign.ID, 1, 0); grimbots.ErrorCode(err) != grimbots.EINVALID {
		t.Fatalf("another seller's bot added: %v", err)
	}
	if _, err := s.SetPoolMember(ctx, other.ID, p.ID, grimbots.PoolMember{BotID: foreign.ID, Weight: 1, AddedAt: Epoch}); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
		t.Fatalf("a bot added to another seller's pool: %v", err)
	}
	got := members(t, s, u.ID, p.ID)
	want := []grimbots.PoolMember{{BotID: b3.ID, Weight: 5, Priority: 10}, {BotID: b1.ID, Weight: 7}, {BotID: b2.ID, Weight: 1}}
	if !slices.Equal(got, want) {
		t.Fatalf("members %+v, want %+v", got, want)
	}
	// A deleted bot drops out of the pool.
	Must(t, s.DeleteBot(ctx, u.ID, b2.ID, Epoch))
	slug, err := s.RemovePoolMember(ctx, u.ID, p.ID, b3.ID)
	Must(t, err)
	if slug != "members" {
		t.Fatalf("RemovePoolMember returned %q", slug)
	}
	if got := members(t, s, u.ID, p.ID); !slices.Equal(got, want[1:2]) {
		t.Fatalf("members %+v after a delete and a removal, want %+v", got, want[1:2])
	}
	if _, err := s.RemovePoolMember(ctx, u.ID, p.ID, b3.ID); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
		t.Fatalf("removing twice: %v", err)
	}
}

// members returns a pool's members without their times and bot fields.
func members(t testing.TB, s *store.Store, sellerID, poolID int64) []grimbots.PoolMember {
	t.Helper()
	p, err := s.Pool(context.Background(), sellerID, poolID)
	Must(t, err)
	out := make([]grimbots.PoolMember, len(p.Members))
	for i, m := range p.Members {
		out[i] = grimbots.PoolMember{BotID: m.BotID, Weight: m.Weight, Priority: m.Priority}
	}
	return out
}

func testPoolUpdateDelete(t *testing.T, s *store.Store) {
	ctx := context.Background()
	u := NewUser(t, s, "updater")
	b := AddBot(t, s, u.ID, "upd")
	p := AddPool(t, s, u.ID, "before", b.ID)
	later := Epoch.Add(time.Hour)
	p.Name, p.Slug, p.Strategy, p.Active, p.UpdatedAt = "Renamed", "after", grimbots.StrategyPriority, false, later
	old, err := s.UpdatePool(ctx, p)
	Must(t, err)
	if old != "before" {
		t.Fatalf("UpdatePool returned old slug %q", old)
	}
	got, err := s.PoolBySlug(ctx, "after")
	Must(t, err)
	if got.Name != "Renamed" || got.Strategy != grimbots.StrategyPriority || got.Active || !got.UpdatedAt.Equal(later) {
		t.Fatalf("after update: %+v", got)
	}
	if _, err := s.PoolBySlug(ctx, "before"); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
		t.Fatalf("the old slug still resolves: %v", err)
	}
	Must(t, s.AddPoolClicks(ctx, []grimbots.PoolClicks{{PoolID: p.ID, SellerID: u.ID, BotID: b.ID, Day: "2026-03-14", Clicks: 3}}))
	slug, err := s.DeletePool(ctx, u.ID, p.ID)
	Must(t, err)
	if slug != "after" {
		t.Fatalf("DeletePool returned %q", slug)
	}
	for _, table := range []string{"pool_members", "pool_clicks"} {
		if n := countRows(t, s, table, "pool_id = $1", p.ID); n != 0 {
			t.Errorf("%d rows left in %s", n, table)
		}
	}
	if _, err := s.DeletePool(ctx, u.ID, p.ID); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, err := s.UpdatePool(ctx, p); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
		t.Fatalf("updating a deleted pool: %v", err)
	}
}

func testPoolSlugsOfBot(t *testing.T, s *store.Store) {
	ctx := context.Background()
	u := NewUser(t, s, "slugs")
	b, lone := AddBot(t, s, u.ID, "in-two"), AddBot(t, s, u.ID, "lone")
	AddPool(t, s, u.ID, "zeta", b.ID)
	AddPool(t, s, u.ID, "alpha", b.ID)
	AddPool(t, s, u.ID, "other")
	got, err := s.PoolSlugsOfBot(ctx, b.ID)
	Must(t, err)
	if !slices.Equal(got, []string{"alpha", "zeta"}) {
		t.Fatalf("slugs %v", got)
	}
	if got, _ := s.PoolSlugsOfBot(ctx, lone.ID); len(got) != 0 {
		t.Fatalf("a bot in no pool: %v", got)
	}
}

func testPoolClicks(t *testing.T, s *store.Store) {
	ctx := context.Background()
	u := NewUser(t, s, "clicks")
	b1, b2 := AddBot(t, s, u.ID, "c1"), AddBot(t, s, u.ID, "c2")
	p := AddPool(t, s, u.ID, "clicks", b1.ID, b2.ID)
	gone := AddPool(t, s, u.ID, "gone", b1.ID)
	_, err := s.DeletePool(ctx, u.ID, gone.ID)
	Must(t, err)
	c := func(bot int64, day string, n int64) grimbots.PoolClicks {
		return grimbots.PoolClicks{PoolID: p.ID, SellerID: u.ID, BotID: bot, Day: day, Clicks: n}
	}
	Must(t, s.AddPoolClicks(ctx, []grimbots.PoolClicks{c(b1.ID, "2026-03-13", 2), c(b1.ID, "2026-03-14", 5), c(b2.ID, "2026-03-14", 1),
		{PoolID: gone.ID, SellerID: u.ID, BotID: b1.ID, Day: "2026-03-14", Clicks: 9}}))
	// Another instance's batch adds up.
	Must(t, s.AddPoolClicks(ctx, []grimbots.PoolClicks{c(b1.ID, "2026-03-14", 4), c(b2.ID, "2026-03-15", 1)}))
	got, err := s.PoolClicks(ctx, u.ID, p.ID, "2026-03-14", "2026-03-15")
	Must(t, err)
	want := []grimbots.PoolClicks{c(b1.ID, "2026-03-14", 9), c(b2.ID, "2026-03-14", 1), c(b2.ID, "2026-03-15", 1)}
	if !slices.Equal(got, want) {
		t.Fatalf("clicks %+v, want %+v", got, want)
	}
	if n := countRows(t, s, "pool_clicks", "pool_id = $1", gone.ID); n != 0 {
		t.Fatalf("clicks of a deleted pool were stored: %d", n)
	}
}
