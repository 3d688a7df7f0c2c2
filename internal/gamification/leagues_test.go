package gamification

import (
	"testing"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// The spec's league golden values (Appendix A), corrected: the reference's
// intervals were inclusive at both ends and boundary scores fell to the
// lower league; here they are half-open, [min, max).
func TestLeagueFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		points    int64
		want      string
		reference string // what the reference assigned, where it differs
	}{
		{0, "bronze", ""},
		{9_999, "bronze", ""},
		{10_000, "silver", "bronze"},
		{10_001, "silver", ""},
		{24_999, "silver", ""},
		{25_000, "gold", "silver"},
		{30_000, "gold", ""},
		{99_999, "platinum", ""},
		{100_000, "diamond", "platinum"},
		{999_999, "grandmaster", ""},
		{1_000_000, "challenger", "grandmaster"},
		{1_000_001, "challenger", ""},
		{50_000_000, "challenger", ""}, // no cap: the top league is reachable and stays reachable
		{-5, "bronze", ""},
	}
	for _, tc := range tests {
		if got := LeagueFor(tc.points).Slug; got != tc.want {
			t.Errorf("LeagueFor(%d) = %s, want %s (reference: %s)", tc.points, got, tc.want, tc.reference)
		}
	}
	// Every league's interval starts where the previous one ends.
	for i := 1; i < len(Leagues); i++ {
		if Leagues[i].MinPoints != Leagues[i-1].MaxPoints || Leagues[i].Tier != i+1 {
			t.Errorf("league %s does not follow %s", Leagues[i].Slug, Leagues[i-1].Slug)
		}
	}
	if LeagueBySlug("nope").Slug != "bronze" || LeagueBySlug("gold").Name != "Ouro" {
		t.Error("LeagueBySlug")
	}
}

func days(pairs ...any) []grimbots.DayTotal {
	var out []grimbots.DayTotal
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, grimbots.DayTotal{Day: pairs[i].(string), Sales: 1, RevenueCents: int64(pairs[i+1].(int))})
	}
	return out
}

// The spec's score examples under the corrected score: one point per real
// of net revenue, each day's revenue halved per 30 days of its age.
func TestScore(t *testing.T) {
	t.Parallel()
	today := date{2026, 3, 14}
	tests := []struct {
		name string
		days []grimbots.DayTotal
		want int64
	}{
		{"no sales", nil, 0},
		// S1: 5 paid × R$ 20 (today), 50 leads, streak 3, account 10 days
		// old. Reference: V2 619 (its whole history decayed by the
		// account's age, plus 10% conversion × 50), V1 950.
		{"S1: R$ 100 today", days("2026-03-14", 10_000), 100},
		// S2: a new account's single R$ 30 sale and no leads. Reference:
		// 5,040, of which 5,000 from "100% conversion" with no leads.
		{"S2: R$ 30 today", days("2026-03-14", 3_000), 30},
		// The cohort example: 40 × R$ 100; the reference capped it at 200%
		// of a cohort mean and got 3,992.
		{"cohort: R$ 4,000 today", days("2026-03-14", 400_000), 4_000},
		{"half-life", days("2026-01-13", 10_000, "2026-02-12", 10_000, "2026-03-14", 10_000), 175},
		// The reference floored its account-age decay at 1% from day 200;
		// here each sale decays on its own: 0.5^(200/30) × R$ 100 < R$ 1.
		{"200 days old", days("2025-08-26", 10_000), 0},
		{"200 days old and large", days("2025-08-26", 10_000_000), 984},
		{"refunds leave nothing", []grimbots.DayTotal{{Day: "2026-03-14", RevenueCents: 0}}, 0},
		{"future day counts as today", days("2026-03-15", 10_000), 100},
		{"three days half a month old", days("2026-02-27", 10_000, "2026-02-28", 10_000, "2026-03-01", 10_000), 217},
	}
	for _, tc := range tests {
		if got := Score(tc.days, today); got != tc.want {
			t.Errorf("%s: Score = %d, want %d", tc.name, got, tc.want)
		}
	}
}
