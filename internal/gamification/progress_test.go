package gamification

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

func mustAchievement(t *testing.T, slug string) Achievement {
	t.Helper()
	a, ok := achievement(slug)
	if !ok {
		t.Fatalf("no achievement %s", slug)
	}
	return a
}

// The spec's AND-progress example, corrected: the reference counted only
// fully met requirements, so 1 sale of 10 showed 0.0 and two-requirement
// achievements moved in steps of 0.5.
func TestProgress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		slug      string
		m         map[Metric]int64
		ratio     float64
		met       bool
		reference float64
	}{
		{"sales_10_bronze", map[Metric]int64{MetricSales: 1}, 0.1, false, 0.0},
		{"sales_10_bronze", map[Metric]int64{MetricSales: 10}, 1, true, 1},
		{"sales_10_bronze", map[Metric]int64{MetricSales: 11}, 1, true, 1},
		// 10 sales with an average ticket of R$ 60: the ticket is met,
		// the sales half way.
		{"avg_ticket_50_silver", map[Metric]int64{MetricSales: 10, MetricAvgTicket: 6_000}, 0.75, false, 0.5},
		{"avg_ticket_50_silver", map[Metric]int64{MetricSales: 20, MetricAvgTicket: 4_999}, (1 + 4_999.0/5_000) / 2, false, 0.5},
		// Thresholds are centavos: R$ 999,99 is not a thousand.
		{"revenue_1k_bronze", map[Metric]int64{MetricRevenue: 99_999}, 0.99999, false, 0.0},
		{"revenue_1k_bronze", map[Metric]int64{MetricRevenue: 100_000}, 1, true, 1},
		// The reference's sale_hour metric was never computed (0), and
		// "0 ≥ 0 AND 0 < 5" held: everyone unlocked the night sale.
		{"midnight_sale_secret", map[Metric]int64{}, 0, false, 1},
		{"midnight_sale_secret", map[Metric]int64{MetricNightSales: 1}, 1, true, 1},
		// Jackpot needed exactly 777 at the moment of a check.
		{"lucky_777_secret", map[Metric]int64{MetricSales: 780}, 1, true, 0},
	}
	for _, tc := range tests {
		p := progressOf(mustAchievement(t, tc.slug), tc.m)
		if math.Abs(p.Ratio-tc.ratio) > 1e-9 || p.Met != tc.met {
			t.Errorf("%s with %v: ratio %v met %v, want %v %v (reference: %v)", tc.slug, tc.m, p.Ratio, p.Met, tc.ratio, tc.met,
				tc.reference)
		}
	}
	p := progressOf(mustAchievement(t, "conversion_10_gold"), map[Metric]int64{MetricConversion: 500, MetricLeads: 150})
	if len(p.Requirements) != 2 || p.Requirements[0].Current != 500 || p.Requirements[0].Target != 1_000 ||
		p.Requirements[0].Ratio != 0.5 || p.Requirements[1].Ratio != 1 {
		t.Errorf("requirements: %+v", p.Requirements)
	}
}

// An unknown metric is a catalogue error (the reference read it as 0), as
// is a target that 0 would meet.
func TestValidateCatalogue(t *testing.T) {
	t.Parallel()
	if err := validate(Catalogue); err != nil {
		t.Fatal(err)
	}
	ok := Achievement{Slug: "x", Name: "X", Description: "x", Requires: req(MetricSales, 1)}
	for name, bad := range map[string]Achievement{
		"unknown metric": {Slug: "x", Name: "X", Description: "x", Requires: req("remarketing_campaigns_sent", 1)},
		"zero target":    {Slug: "x", Name: "X", Description: "x", Requires: req(MetricNightSales, 0)},
		"no requirement": {Slug: "x", Name: "X", Description: "x"},
	} {
		if err := validate([]Achievement{bad}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := validate([]Achievement{ok, ok}); err == nil || !strings.Contains(err.Error(), "repeated") {
		t.Errorf("duplicate slug: %v", err)
	}
}

func slugs(us []grimbots.Unlock) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Achievement)
	}
	return out
}

// The spec's S2 inflation case: the first seller of a two-user platform
// makes one R$ 30 sale (no leads). The reference unlocked six achievements
// (first sale, first sale in 24 h, top 100, top 10, #1 and the night sale
// nobody made) worth 136,600 points and took the score from 5,040 to
// 141,640. Here: the two achievements the sale earns, no position
// achievement (no closed month, no population), score R$ 30.
func TestDecideFirstSale(t *testing.T) {
	t.Parallel()
	signup := utc("2026-03-14T12:00:00Z")
	paid := utc("2026-03-14T18:00:00Z") // 15:00 in São Paulo
	f := &grimbots.SellerFacts{SignedUpAt: signup, Sales: 1, RevenueCents: 3_000, FirstSaleAt: &paid,
		Days: days("2026-03-14", 3_000), League: "bronze"}
	ch := decide(f, dateOf(paid))
	if want := []string{"first_sale_bronze", "first_sale_24h_bronze"}; !slices.Equal(ch.Unlock, want) {
		t.Errorf("unlocked %v, want %v", ch.Unlock, want)
	}
	if ch.Score != 30 || ch.League != "bronze" || len(ch.Revoke) != 0 {
		t.Errorf("score %d league %s revoke %v", ch.Score, ch.League, ch.Revoke)
	}
	// A second pass on the same facts decides nothing new.
	for _, slug := range ch.Unlock {
		f.Unlocked = append(f.Unlocked, grimbots.Unlock{Achievement: slug, UnlockedAt: paid})
	}
	if again := decide(f, dateOf(paid)); len(again.Unlock)+len(again.Revoke) != 0 {
		t.Errorf("second pass: %+v", again)
	}

	// Paid at 00:30 in São Paulo: a night sale.
	night := utc("2026-03-14T03:30:00Z")
	f = &grimbots.SellerFacts{SignedUpAt: signup.Add(-48 * time.Hour), Sales: 1, RevenueCents: 3_000, FirstSaleAt: &night,
		NightSales: 1, Days: days("2026-03-14", 3_000)}
	if ch := decide(f, dateOf(night)); !slices.Equal(ch.Unlock, []string{"first_sale_bronze", "midnight_sale_secret"}) {
		t.Errorf("night sale unlocked %v", ch.Unlock)
	}
}

// A refund that takes a seller back under a target withdraws what it had
// earned; a closed month's standing is a fact that stays.
func TestDecideAfterRefund(t *testing.T) {
	t.Parallel()
	at := utc("2026-03-14T18:00:00Z")
	f := &grimbots.SellerFacts{SignedUpAt: at.Add(-72 * time.Hour), League: "silver",
		Unlocked: []grimbots.Unlock{{Achievement: "first_sale_bronze"}, {Achievement: "top100_bronze"}, {Achievement: "retired_slug"}}}
	ch := decide(f, dateOf(at))
	if !slices.Equal(ch.Revoke, []string{"first_sale_bronze"}) || len(ch.Unlock) != 0 {
		t.Errorf("after the refund: unlock %v revoke %v", ch.Unlock, ch.Revoke)
	}
	if ch.League != "bronze" || ch.Score != 0 {
		t.Errorf("league %s score %d", ch.League, ch.Score)
	}
}
