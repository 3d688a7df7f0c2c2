package gamification_test

// The service against the real store, on SQLite and (when configured)
// PostgreSQL: payments paid and reversed at fixed instants, the jobs'
// work run directly.

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/cache"
	"github.com/grimbots/grimbots/internal/events"
	"github.com/grimbots/grimbots/internal/gamification"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/store/storetest"
	"github.com/grimbots/grimbots/internal/testenv"
)

var engines = map[string]func(testing.TB) string{"sqlite": testenv.SQLiteURL, "postgres": testenv.PostgresURL}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// inserter records the jobs the service enqueues.
type inserter struct {
	mu   sync.Mutex
	jobs []grimbots.Job
}

func (i *inserter) Insert(_ context.Context, jobs ...grimbots.Job) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.jobs = append(i.jobs, jobs...)
	return nil
}

type env struct {
	t     *testing.T
	st    *store.Store
	bus   *events.Memory
	jobs  *inserter
	clock *clock
	svc   *gamification.Service
}

// sp is a wall-clock time in São Paulo.
func sp(s string) time.Time {
	loc, err := time.LoadLocation(gamification.TimeZone)
	if err != nil {
		panic(err)
	}
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func newEnv(t *testing.T, url func(testing.TB) string, now time.Time) *env {
	t.Helper()
	db, err := store.Open(context.Background(), store.Config{URL: url(t), MaxOpenConns: 8})
	storetest.Must(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.MigrateUp(context.Background())
	storetest.Must(t, err)
	e := &env{t: t, st: store.New(db), bus: events.NewMemory(), jobs: &inserter{}, clock: &clock{t: now}}
	e.svc = gamification.New(e.st, e.bus, e.jobs, gamification.Config{AliasKey: []byte("test alias key")}, e.clock.now, nil)
	return e
}

func (e *env) seller(name string, mods ...func(*grimbots.User)) int64 {
	e.t.Helper()
	mods = append(mods, func(u *grimbots.User) { u.CreatedAt = e.clock.now().Add(-90 * 24 * time.Hour) })
	return storetest.NewUser(e.t, e.st, name, mods...).ID
}

// sale makes a payment of seller paid at paidAt and runs its job.
func (e *env) sale(sellerID int64, amount int64, paidAt time.Time) *grimbots.Payment {
	e.t.Helper()
	p := storetest.NewPayment(e.t, e.st, sellerID, fmt.Sprintf("ref-%d-%d", sellerID, paidAt.UnixNano()), amount)
	storetest.Transition(e.t, e.st, p, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge, paidAt)
	storetest.Must(e.t, e.svc.RecordPayment(context.Background(), sellerID, p.ID))
	return p
}

func (e *env) refund(p *grimbots.Payment) {
	e.t.Helper()
	storetest.Transition(e.t, e.st, p, []string{grimbots.PaymentPaid}, grimbots.PaymentRefunded, grimbots.CommissionReversal, e.clock.now())
	storetest.Must(e.t, e.svc.RecordPayment(context.Background(), p.SellerID, p.ID))
}

func (e *env) ranking(viewer int64, period string) *gamification.Ranking {
	e.t.Helper()
	r, err := e.svc.Ranking(context.Background(), viewer, period, 10)
	storetest.Must(e.t, err)
	return r
}

type row struct {
	pos     int
	seller  int64
	revenue int64
}

func (e *env) wantTop(what string, r *gamification.Ranking, ids map[int64]string, want ...row) {
	e.t.Helper()
	ok := len(r.Top) == len(want) && r.Population == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = r.Top[i].Position == want[i].pos && r.Top[i].Name == ids[want[i].seller] && r.Top[i].RevenueCents == want[i].revenue
	}
	if !ok {
		e.t.Errorf("%s: population %d, top %+v; want %+v", what, r.Population, r.Top, want)
	}
}

// The spec's /ranking example (Appendix A), corrected: carol's only sale
// was 40 days ago; alice sold R$ 200 this month, bob R$ 150, dave R$ 10;
// an admin and a banned seller sold more. The reference's "today", "week"
// and "month" all meant the last 30 days; carol, not ranked, saw "#1"
// (her points); dave was told "400 points needed" (a gap in points under
// an order by revenue); and ties took distinct positions.
func TestRankingFromTheSpec(t *testing.T) {
	for name, url := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			now := sp("2026-03-20 15:00:00") // a Friday
			e := newEnv(t, url, now)
			carol, alice, bob, dave := e.seller("carol"), e.seller("alice"), e.seller("bob"), e.seller("dave")
			admin := e.seller("admin", func(u *grimbots.User) { u.Role = grimbots.RoleAdmin })
			banned := e.seller("banned")
			e.sale(carol, 50_000, now.Add(-40*24*time.Hour))
			e.sale(alice, 10_000, sp("2026-03-05 10:00:00"))
			e.sale(alice, 10_000, sp("2026-03-18 10:00:00"))
			for i := range 5 {
				e.sale(bob, 3_000, sp(fmt.Sprintf("2026-03-%02d 09:00:00", 10+i)))
			}
			e.sale(dave, 1_000, sp("2026-03-20 08:00:00"))
			e.sale(admin, 100_000, sp("2026-03-20 09:00:00"))
			e.sale(banned, 90_000, sp("2026-03-20 09:00:00"))
			storetest.Must(t, e.st.SetBanned(context.Background(), banned, true, "fraude", now))
			_, err := e.svc.SetPublicProfile(context.Background(), alice, "Alice Cursos", true)
			storetest.Must(t, err)

			names := map[int64]string{alice: "Alice Cursos"}
			for _, id := range []int64{carol, bob, dave} {
				p, err := e.svc.PublicProfile(context.Background(), id)
				storetest.Must(t, err)
				names[id] = p.ShownAs // anonymous
			}
			month := e.ranking(dave, grimbots.PeriodMonth)
			e.wantTop("month", month, names, row{1, alice, 20_000}, row{2, bob, 15_000}, row{3, dave, 1_000})
			if m := month.Me; !m.Ranked || m.Position != 3 || m.BehindCents != 14_000 || m.Ahead == nil || m.Ahead.Position != 2 {
				t.Errorf("dave's month: %+v", m)
			}
			if w := month.Window; w.Key.Start != "2026-03-01" || !w.StartsAt.Equal(sp("2026-03-01 00:00:00")) ||
				!w.EndsAt.Equal(sp("2026-04-01 00:00:00")) {
				t.Errorf("month window %+v", w)
			}
			if m := e.ranking(carol, grimbots.PeriodMonth).Me; m.Ranked || m.Position != 0 || m.Ahead != nil {
				t.Errorf("carol (no sale this month) is ranked: %+v", m)
			}
			e.wantTop("today", e.ranking(dave, grimbots.PeriodDay), names, row{1, dave, 1_000})
			e.wantTop("week", e.ranking(dave, grimbots.PeriodWeek), names, row{1, alice, 10_000}, row{2, dave, 1_000})
			// All time is by revenue too (the reference ordered it by
			// points and put bob before alice).
			all := e.ranking(alice, grimbots.PeriodAll)
			e.wantTop("all", all, names, row{1, carol, 50_000}, row{2, alice, 20_000}, row{3, bob, 15_000}, row{4, dave, 1_000})
			if !all.Top[1].Me || all.Top[0].Me || !all.Top[1].Public || all.Top[0].Public || all.Me.Name != "Alice Cursos" {
				t.Errorf("alice's view: %+v", all)
			}
			if a := e.ranking(admin, grimbots.PeriodAll).Me; a.Ranked {
				t.Errorf("an admin is ranked: %+v", a)
			}
		})
	}
}

// A sale paid a second before midnight on the last day of a month is in
// that day and month; a second after midnight, the new day and month start
// empty (fixed clock, São Paulo).
func TestWindowsMoveAtMidnight(t *testing.T) {
	e := newEnv(t, testenv.SQLiteURL, sp("2026-03-31 23:59:59"))
	id := e.seller("virada")
	e.sale(id, 2_500, sp("2026-03-31 23:59:59"))
	for _, p := range []string{grimbots.PeriodDay, grimbots.PeriodWeek, grimbots.PeriodMonth, grimbots.PeriodAll} {
		if m := e.ranking(id, p).Me; m.Position != 1 || m.RevenueCents != 2_500 {
			t.Errorf("23:59:59, %s: %+v", p, m)
		}
	}
	e.clock.set(sp("2026-04-01 00:00:01"))
	for p, ranked := range map[string]bool{grimbots.PeriodDay: false, grimbots.PeriodMonth: false, grimbots.PeriodWeek: true,
		grimbots.PeriodAll: true} {
		if m := e.ranking(id, p).Me; m.Ranked != ranked {
			t.Errorf("00:00:01, %s: ranked %v, want %v", p, m.Ranked, ranked)
		}
	}
	// A sale at 00:00:00 belongs to the new day.
	e.sale(id, 1_000, sp("2026-04-01 00:00:00"))
	if m := e.ranking(id, grimbots.PeriodDay).Me; m.RevenueCents != 1_000 {
		t.Errorf("the new day: %+v", m)
	}
}

// Leaderboards are read through the cache; every change that moves a
// board invalidates it: a sale, a refund, a profile change.
func TestCachedBoardsAreInvalidated(t *testing.T) {
	now := sp("2026-03-20 15:00:00")
	e := newEnv(t, testenv.SQLiteURL, now)
	e.svc = gamification.New(e.st, e.bus, e.jobs, gamification.Config{AliasKey: []byte("k"),
		Boards: cache.NewMemory(cache.Options{Name: "rankings"}), BoardTTL: time.Hour}, e.clock.now, nil)
	a, b := e.seller("cache_a"), e.seller("cache_b")
	top := func() []gamification.Entry { return e.ranking(a, grimbots.PeriodMonth).Top }
	if len(top()) != 0 {
		t.Fatal("not empty")
	}
	p := e.sale(a, 1_000, now) // the sale's job invalidates the month
	if got := top(); len(got) != 1 || got[0].RevenueCents != 1_000 {
		t.Fatalf("after a sale: %+v", got)
	}
	e.sale(b, 2_000, now)
	if got := top(); len(got) != 2 || got[0].RevenueCents != 2_000 {
		t.Fatalf("after b's sale: %+v", got)
	}
	_, err := e.svc.SetPublicProfile(context.Background(), b, "Loja B", true)
	storetest.Must(t, err)
	if got := top(); got[0].Name != "Loja B" {
		t.Fatalf("after b's profile: %+v", got)
	}
	e.refund(p)
	if got := top(); len(got) != 1 {
		t.Fatalf("after a's refund: %+v", got)
	}
}
