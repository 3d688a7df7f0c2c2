package gamification

import (
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// Metric names a measure of a seller's net sales (refunded and charged
// back sales excluded). Amounts are centavos; days are São Paulo days.
type Metric string

// The metrics.
const (
	MetricSales          Metric = "sales"
	MetricRevenue        Metric = "revenue_cents"
	MetricAvgTicket      Metric = "avg_ticket_cents"
	MetricConversion     Metric = "conversion_bp" // leads who bought / leads, in basis points
	MetricLeads          Metric = "leads"
	MetricBestStreak     Metric = "best_streak_days"
	MetricFastStart      Metric = "first_sale_within_24h" // 1 when the first sale was paid within 24 h of sign-up
	MetricBestDaySales   Metric = "best_day_sales"
	MetricBestDayRevenue Metric = "best_day_revenue_cents"
	MetricBumpSales      Metric = "bump_sales"
	MetricDownsellSales  Metric = "downsell_sales"
	MetricNightSales     Metric = "night_sales"
	MetricPerfectWeeks   Metric = "perfect_weeks"
	MetricMonthsTop100   Metric = "months_top100"
	MetricMonthsTop10    Metric = "months_top10"
	MetricMonthsFirst    Metric = "months_first"
)

var metrics = []Metric{MetricSales, MetricRevenue, MetricAvgTicket, MetricConversion, MetricLeads, MetricBestStreak,
	MetricFastStart, MetricBestDaySales, MetricBestDayRevenue, MetricBumpSales, MetricDownsellSales, MetricNightSales,
	MetricPerfectWeeks, MetricMonthsTop100, MetricMonthsTop10, MetricMonthsFirst}

// podium is a position achievement's rule: a closed month finished at
// position ≤ Position among at least MinPopulation ranked sellers. On a
// small platform everyone is "in the top 100"; the reference granted it
// (and top 10, and #1) to the first seller of a two-user platform.
type podium struct {
	Position, MinPopulation int
}

var podiums = map[Metric]podium{
	MetricMonthsTop100: {100, 500},
	MetricMonthsTop10:  {10, 100},
	MetricMonthsFirst:  {1, 50},
}

// fastStart is the window of the "first sale" speed achievement.
const fastStart = 24 * time.Hour

// Streaks are runs of consecutive São Paulo days with net sales, derived
// from the set of days (so a late confirmation of an older sale cannot
// reset them, as it did in the reference). Current is the run that ends
// today or yesterday: a streak not extended by yesterday's end has expired.
type Streaks struct {
	Current, Best int
	LastDay       string
}

func streaks(days []grimbots.DayTotal, today date) Streaks {
	var s Streaks
	run := 0
	var prev date
	for i, d := range days {
		day, err := parseDate(d.Day)
		if err != nil {
			continue
		}
		if i > 0 && day.daysSince(prev) == 1 {
			run++
		} else {
			run = 1
		}
		s.Best = max(s.Best, run)
		prev, s.LastDay = day, d.Day
	}
	if s.LastDay != "" && today.daysSince(prev) <= 1 {
		s.Current = run
	}
	return s
}

// perfectWeeks counts the Monday-to-Sunday weeks with net sales every day.
func perfectWeeks(days []grimbots.DayTotal) int64 {
	sold := make(map[string]bool, len(days))
	for _, d := range days {
		sold[d.Day] = true
	}
	var n int64
	for _, d := range days {
		day, err := parseDate(d.Day)
		if err != nil || day.weekStart() != day {
			continue
		}
		full := true
		for i := 1; i < 7 && full; i++ {
			full = sold[day.add(i).String()]
		}
		if full {
			n++
		}
	}
	return n
}

// measure computes every metric from the facts, on day today.
func measure(f *grimbots.SellerFacts, today date) map[Metric]int64 {
	m := map[Metric]int64{
		MetricSales:         f.Sales,
		MetricRevenue:       f.RevenueCents,
		MetricLeads:         f.Leads,
		MetricBestStreak:    int64(streaks(f.Days, today).Best),
		MetricBumpSales:     f.BumpSales,
		MetricDownsellSales: f.DownsellSales,
		MetricNightSales:    f.NightSales,
		MetricPerfectWeeks:  perfectWeeks(f.Days),
	}
	if f.Sales > 0 {
		m[MetricAvgTicket] = f.RevenueCents / f.Sales
	}
	if f.Leads > 0 {
		// No leads is no conversion (the reference's V2 divided by 1 and
		// gave a seller without leads 100% per sale).
		m[MetricConversion] = min(f.Buyers*10_000/f.Leads, 10_000)
	}
	if f.FirstSaleAt != nil && f.FirstSaleAt.Sub(f.SignedUpAt) <= fastStart {
		m[MetricFastStart] = 1
	}
	for _, d := range f.Days {
		m[MetricBestDaySales] = max(m[MetricBestDaySales], d.Sales)
		m[MetricBestDayRevenue] = max(m[MetricBestDayRevenue], d.RevenueCents)
	}
	for metric, p := range podiums {
		for _, st := range f.Standings {
			if st.Period == grimbots.PeriodMonth && st.Position >= 1 && st.Position <= p.Position && st.Population >= p.MinPopulation {
				m[metric]++
			}
		}
	}
	return m
}
