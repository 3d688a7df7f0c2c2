package gamification_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/events"
	"github.com/grimbots/grimbots/internal/gamification"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store/storetest"
)

// drain returns the events a subscription holds now.
func drain(sub *events.Subscription) []events.Event {
	var out []events.Event
	for {
		select {
		case ev := <-sub.Events():
			out = append(out, ev)
		default:
			return out
		}
	}
}

func unlockedSlugs(t *testing.T, evs []events.Event) []string {
	t.Helper()
	var out []string
	for _, ev := range evs {
		if ev.Type != events.TypeAchievement {
			continue
		}
		var u gamification.Unlocked
		storetest.Must(t, json.Unmarshal(ev.Data, &u))
		if ev.ID == 0 {
			t.Errorf("achievement event %s without its unlock id", u.Slug)
		}
		out = append(out, u.Slug)
	}
	slices.Sort(out)
	return out
}

func (e *env) held(sellerID int64) map[string]bool {
	e.t.Helper()
	a, err := e.svc.Achievements(context.Background(), sellerID)
	storetest.Must(e.t, err)
	out := map[string]bool{}
	for _, it := range a.Items {
		if it.Unlocked {
			out[it.Achievement.Slug] = true
		}
	}
	return out
}

// Ten sales whose jobs each run three times at once (retries racing the
// first run): counted once each, every achievement unlocked and announced
// once, to its seller only. A refund then takes one sale out and withdraws
// the ten-sales achievement.
func TestExactlyOnceUnderRetries(t *testing.T) {
	for name, url := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			now := sp("2026-03-20 15:00:00")
			e := newEnv(t, url, now)
			id, other := e.seller("dez"), e.seller("outro")
			mine, theirs := e.bus.Subscribe(id), e.bus.Subscribe(other)
			defer mine.Close()
			defer theirs.Close()
			var payments []*grimbots.Payment
			for i := range 10 {
				p := storetest.NewPayment(t, e.st, id, fmt.Sprintf("dez-%d", i), 1_000)
				storetest.Transition(t, e.st, p, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge,
					now.Add(-time.Duration(i)*time.Minute))
				payments = append(payments, p)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 30)
			for _, p := range payments {
				for range 3 {
					wg.Go(func() { errs <- e.svc.RecordPayment(context.Background(), id, p.ID) })
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				storetest.Must(t, err)
			}
			for _, period := range []string{grimbots.PeriodDay, grimbots.PeriodAll} {
				if m := e.ranking(id, period).Me; m.RevenueCents != 10_000 || m.Sales != 10 {
					t.Errorf("%s after 30 runs: %+v", period, m)
				}
			}
			want := []string{"first_sale_bronze", "sales_10_bronze", "sales_10_day_silver"}
			if got := unlockedSlugs(t, drain(mine)); !slices.Equal(got, want) {
				t.Errorf("announced %v, want each of %v once", got, want)
			}
			if got := drain(theirs); len(got) != 0 {
				t.Errorf("another seller received %+v", got)
			}

			e.refund(payments[3])
			e.refund(payments[3]) // the reversal's job retried
			if m := e.ranking(id, grimbots.PeriodAll).Me; m.RevenueCents != 9_000 || m.Sales != 9 {
				t.Errorf("after the refund: %+v", m)
			}
			held := e.held(id)
			if !held["first_sale_bronze"] || held["sales_10_bronze"] || held["sales_10_day_silver"] {
				t.Errorf("held after the refund: %v", held)
			}
			// The tenth sale again: unlocked (and announced) again.
			e.sale(id, 1_000, now)
			if got := unlockedSlugs(t, drain(mine)); !slices.Equal(got, []string{"sales_10_bronze", "sales_10_day_silver"}) {
				t.Errorf("announced after the new tenth sale: %v", got)
			}
		})
	}
}

func TestAchievementsView(t *testing.T) {
	now := sp("2026-03-20 15:00:00")
	e := newEnv(t, engines["sqlite"], now)
	id := e.seller("vista")
	e.sale(id, 6_000, sp("2026-03-18 02:00:00")) // 02:00: a night sale
	e.sale(id, 6_000, sp("2026-03-19 12:00:00"))
	e.sale(id, 6_000, sp("2026-03-20 12:00:00"))
	a, err := e.svc.Achievements(context.Background(), id)
	storetest.Must(t, err)
	s := a.Stats
	if s.Sales != 3 || s.RevenueCents != 18_000 || s.Streak.Current != 3 || s.Streak.Best != 3 || s.BestDaySales != 1 ||
		s.Unlocked != 3 || s.Total != len(gamification.Catalogue) || s.XP != 100+300+5000 || s.League.Slug != "bronze" {
		t.Errorf("stats: %+v", s)
	}
	byslug := map[string]gamification.Item{}
	for _, it := range a.Items {
		byslug[it.Achievement.Slug] = it
	}
	for slug, want := range map[string]float64{"first_sale_bronze": 1, "streak_3_bronze": 1, "midnight_sale_secret": 1,
		"sales_10_bronze": 0.3, "streak_7_silver": 3.0 / 7, "avg_ticket_50_silver": (1 + 3.0/20) / 2} {
		it := byslug[slug]
		if d := it.Ratio - want; d > 1e-9 || d < -1e-9 || it.Unlocked != (want == 1) || (it.Unlocked && it.UnlockedAt == nil) {
			t.Errorf("%s: ratio %v unlocked %v, want %v", slug, it.Ratio, it.Unlocked, want)
		}
	}
	// Two days without a sale: the streak has expired (the best stays).
	e.clock.set(now.Add(48 * time.Hour))
	if a, _ := e.svc.Achievements(context.Background(), id); a.Stats.Streak.Current != 0 || a.Stats.Streak.Best != 3 {
		t.Errorf("streak two days later: %+v", a.Stats.Streak)
	}
}

// The daily snapshot records the closed periods, gives the closed month's
// #1 its achievement when enough sellers were ranked, and queues the
// re-score; the re-score moves leagues as scores decay.
func TestSnapshotPodiumAndRescore(t *testing.T) {
	for name, url := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, url, sp("2026-03-01 00:05:00"))
			var first int64
			for i := range 50 {
				id := e.seller(fmt.Sprintf("v%02d", i))
				e.sale(id, int64(1_000+i), sp("2026-02-10 12:00:00"))
				first = id
			}
			// A big seller of February, now in the Diamante league.
			big := e.seller("grande")
			e.sale(big, 12_000_000, sp("2026-02-28 18:00:00"))
			sub := e.bus.Subscribe(big)
			defer sub.Close()
			storetest.Must(t, e.svc.Snapshot(context.Background(), time.Date(2026, 2, 28, 0, 0, 0, 0, time.FixedZone("BRT", -3*3600))))
			// 51 ranked in February: big is #1 (≥ 50 ranked) but nobody is
			// "top 10" (needs 100) or "top 100" (needs 500).
			if held := e.held(big); !held["rank1_gold"] || held["top10_silver"] || held["top100_bronze"] {
				t.Errorf("big's podium achievements: %v", held)
			}
			if held := e.held(first); held["rank1_gold"] {
				t.Error("the second seller got #1")
			}
			if got := unlockedSlugs(t, drain(sub)); !slices.Equal(got, []string{"rank1_gold"}) {
				t.Errorf("announced %v", got)
			}
			e.jobs.mu.Lock()
			queued := slices.Clone(e.jobs.jobs)
			e.jobs.mu.Unlock()
			if len(queued) != 1 || queued[0] != (gamification.RescoreJob{Day: "2026-02-28"}) {
				t.Errorf("queued %+v", queued)
			}
			if p, _ := e.svc.PublicProfile(context.Background(), big); p == nil {
				t.Fatal("no profile")
			}
			if m := e.ranking(big, grimbots.PeriodAll).Me; m.League.Slug != "diamond" {
				t.Errorf("big's league: %+v", m.League)
			}
			// Sixty days later, without sales: a quarter of the score.
			e.clock.set(sp("2026-04-29 00:05:00"))
			n, err := e.svc.Rescore(context.Background())
			storetest.Must(t, err)
			if n != 51 {
				t.Errorf("re-scored %d sellers", n)
			}
			if m := e.ranking(big, grimbots.PeriodAll).Me; m.League.Slug != "gold" || m.Score != 30_000 {
				t.Errorf("big after 60 days: league %s score %d", m.League.Slug, m.Score)
			}
			var change gamification.LeagueChange
			for _, ev := range drain(sub) {
				if ev.Type == events.TypeLeague {
					storetest.Must(t, json.Unmarshal(ev.Data, &change))
				}
			}
			if change.From.Slug != "diamond" || change.To.Slug != "gold" || change.Promoted {
				t.Errorf("league event: %+v", change)
			}
			// Rank 1 is a closed month's fact: it stays.
			if !e.held(big)["rank1_gold"] {
				t.Error("rank1_gold withdrawn")
			}
		})
	}
}
