package gamification

import (
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// The spec's streak cases (same day, next day, gap, out of order) and the
// expiry it asks for. The reference kept one date and a counter: a late
// confirmation of an older charge reset the streak and moved the date back,
// and a streak never expired. Here streaks derive from the set of days.
func TestStreaks(t *testing.T) {
	t.Parallel()
	today := date{2026, 3, 14}
	tests := []struct {
		name          string
		days          []string
		current, best int
	}{
		{"none", nil, 0, 0},
		{"one sale today", []string{"2026-03-14"}, 1, 1},
		{"same day twice is one day", []string{"2026-03-14"}, 1, 1},
		{"next day", []string{"2026-03-13", "2026-03-14"}, 2, 2},
		{"gap resets the run", []string{"2026-03-10", "2026-03-11", "2026-03-12", "2026-03-14"}, 1, 3},
		{"ending yesterday is still current", []string{"2026-03-12", "2026-03-13"}, 2, 2},
		{"ending two days ago has expired", []string{"2026-03-11", "2026-03-12"}, 0, 2},
		{"across months", []string{"2026-02-27", "2026-02-28", "2026-03-01"}, 0, 3},
		{"across a year", []string{"2025-12-31", "2026-01-01"}, 0, 2},
	}
	for _, tc := range tests {
		var ds []grimbots.DayTotal
		for _, d := range tc.days {
			ds = append(ds, grimbots.DayTotal{Day: d, Sales: 1, RevenueCents: 100})
		}
		s := streaks(ds, today)
		if s.Current != tc.current || s.Best != tc.best {
			t.Errorf("%s: streaks = current %d best %d, want %d and %d", tc.name, s.Current, s.Best, tc.current, tc.best)
		}
	}
	// Out of order: the reference's late confirmation of the 12th, after
	// sales on the 13th and 14th, reset its streak to 1. The days are the
	// same set whatever the order the sales were confirmed in.
	late := streaks(days("2026-03-12", 100, "2026-03-13", 100, "2026-03-14", 100), today)
	if late.Current != 3 || late.Best != 3 || late.LastDay != "2026-03-14" {
		t.Errorf("out of order: %+v", late)
	}
}

func TestPerfectWeeks(t *testing.T) {
	t.Parallel()
	week := func(monday date, skip int) []grimbots.DayTotal {
		var ds []grimbots.DayTotal
		for i := range 7 {
			if i != skip {
				ds = append(ds, grimbots.DayTotal{Day: monday.add(i).String(), Sales: 1, RevenueCents: 100})
			}
		}
		return ds
	}
	mon := date{2026, 3, 9}
	if n := perfectWeeks(week(mon, -1)); n != 1 {
		t.Errorf("Monday to Sunday: %d perfect weeks", n)
	}
	if n := perfectWeeks(week(mon, 6)); n != 0 {
		t.Errorf("without Sunday: %d", n)
	}
	if n := perfectWeeks(week(mon.add(2), -1)); n != 0 {
		t.Errorf("Wednesday to Tuesday (seven days, not a calendar week): %d", n)
	}
	if n := perfectWeeks(append(week(mon, -1), week(mon.add(7), -1)...)); n != 2 {
		t.Errorf("two weeks: %d", n)
	}
}

func TestMeasure(t *testing.T) {
	t.Parallel()
	signup := utc("2026-03-01T12:00:00Z")
	first := signup.Add(23 * time.Hour)
	f := &grimbots.SellerFacts{SignedUpAt: signup, Sales: 4, RevenueCents: 10_000, FirstSaleAt: &first, Leads: 30, Buyers: 3,
		Days:      days("2026-03-02", 7_000, "2026-03-03", 3_000),
		Standings: []grimbots.Standing{{Period: grimbots.PeriodMonth, Start: "2026-01-01", Position: 8, Population: 99}}}
	f.Days[0].Sales = 3
	m := measure(f, date{2026, 3, 14})
	want := map[Metric]int64{MetricSales: 4, MetricRevenue: 10_000, MetricAvgTicket: 2_500, MetricConversion: 1_000,
		MetricLeads: 30, MetricBestStreak: 2, MetricFastStart: 1, MetricBestDaySales: 3, MetricBestDayRevenue: 7_000,
		// Eighth of 99: top 100 needs 500 ranked sellers, top 10 needs 100.
		MetricMonthsTop100: 0, MetricMonthsTop10: 0, MetricMonthsFirst: 0}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %d, want %d", k, m[k], v)
		}
	}

	// No leads is no conversion (V1's rule; V2 divided by 1 and gave 100%
	// per sale), and conversion never exceeds 100%.
	if m := measure(&grimbots.SellerFacts{Sales: 1, Buyers: 0}, date{2026, 3, 14}); m[MetricConversion] != 0 {
		t.Errorf("conversion without leads = %d", m[MetricConversion])
	}
	if m := measure(&grimbots.SellerFacts{Sales: 5, Buyers: 5, Leads: 2}, date{2026, 3, 14}); m[MetricConversion] != 10_000 {
		t.Errorf("conversion is clamped: %d", m[MetricConversion])
	}
	// The first sale 24 hours and a second after sign-up is too late.
	late := signup.Add(24*time.Hour + time.Second)
	if m := measure(&grimbots.SellerFacts{SignedUpAt: signup, FirstSaleAt: &late}, date{2026, 3, 14}); m[MetricFastStart] != 0 {
		t.Error("a first sale after 24 hours counted as fast")
	}

	podium := []grimbots.Standing{
		{Period: grimbots.PeriodMonth, Start: "2026-01-01", Position: 1, Population: 50},
		{Period: grimbots.PeriodMonth, Start: "2026-02-01", Position: 10, Population: 100},
		{Period: grimbots.PeriodMonth, Start: "2025-12-01", Position: 100, Population: 500},
		{Period: grimbots.PeriodMonth, Start: "2025-11-01", Position: 1, Population: 49},
		{Period: grimbots.PeriodDay, Start: "2026-03-01", Position: 1, Population: 5_000}, // days do not count
	}
	m = measure(&grimbots.SellerFacts{Standings: podium}, date{2026, 3, 14})
	// Each month counts where its own population allows: January's #1
	// (of 50) is a first place but not a top 10 (which needs 100).
	if m[MetricMonthsFirst] != 1 || m[MetricMonthsTop10] != 1 || m[MetricMonthsTop100] != 1 {
		t.Errorf("podium months: first %d, top 10 %d, top 100 %d; want 1, 1, 1", m[MetricMonthsFirst], m[MetricMonthsTop10],
			m[MetricMonthsTop100])
	}
}
