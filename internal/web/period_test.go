package web

import (
	"net/url"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

func TestPeriodsAreLocalDays(t *testing.T) {
	t.Parallel()
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	// 01:30 UTC on 10 March is still 9 March in São Paulo (UTC−3).
	now := time.Date(2026, 3, 10, 1, 30, 0, 0, time.UTC)
	p, ok := parsePeriod(url.Values{"period": {"today"}}, sp, now)
	if !ok || p.FromDate != "2026-03-09" || !p.From.Equal(time.Date(2026, 3, 9, 3, 0, 0, 0, time.UTC)) ||
		!p.To.Equal(time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("today = %+v", p)
	}
	p, _ = parsePeriod(url.Values{"period": {"7d"}}, sp, now)
	if p.FromDate != "2026-03-03" || p.ToDate != "2026-03-09" || len(p.Days()) != 7 {
		t.Fatalf("7d = %s..%s (%d days)", p.FromDate, p.ToDate, len(p.Days()))
	}
	p, ok = parsePeriod(url.Values{"period": {"custom"}, "from": {"2026-02-01"}, "to": {"2026-02-28"}}, sp, now)
	if !ok || len(p.Days()) != 28 || p.Query != "from=2026-02-01&period=custom&to=2026-02-28" {
		t.Fatalf("custom = %+v", p)
	}
	for _, bad := range []url.Values{
		{"period": {"custom"}, "from": {"2026-03-01"}, "to": {"2026-02-01"}},
		{"period": {"custom"}, "from": {"2024-01-01"}, "to": {"2026-01-01"}},
		{"period": {"custom"}, "from": {"ontem"}, "to": {"2026-01-01"}},
	} {
		if p, ok := parsePeriod(bad, sp, now); ok || p.Key != "7d" {
			t.Errorf("%v accepted: %+v", bad, p)
		}
	}
}

// Sales fall on the day they were paid in the seller's zone, across a
// daylight saving change too.
func TestDailyRevenueInTheSellersZone(t *testing.T) {
	t.Parallel()
	ny, _ := time.LoadLocation("America/New_York") // DST starts 8 March 2026
	p := newPeriod("custom", time.Date(2026, 3, 7, 0, 0, 0, 0, ny), time.Date(2026, 3, 10, 0, 0, 0, 0, ny))
	buckets := []grimbots.RevenueBucket{
		{Start: time.Date(2026, 3, 8, 4, 45, 0, 0, time.UTC), Sales: 1, RevenueCents: 100}, // 7 Mar 23:45 EST
		{Start: time.Date(2026, 3, 8, 5, 0, 0, 0, time.UTC), Sales: 1, RevenueCents: 200},  // 8 Mar 00:00 EST
		{Start: time.Date(2026, 3, 9, 3, 45, 0, 0, time.UTC), Sales: 2, RevenueCents: 400}, // 8 Mar 23:45 EDT
		{Start: time.Date(2026, 3, 9, 4, 0, 0, 0, time.UTC), Sales: 1, RevenueCents: 800},  // 9 Mar 00:00 EDT
	}
	days, cents, sales := dailyRevenue(p, buckets, ny)
	if len(days) != 3 {
		t.Fatalf("%d days", len(days))
	}
	if want := []int64{100, 600, 800}; cents[0] != want[0] || cents[1] != want[1] || cents[2] != want[2] {
		t.Errorf("cents by day %v, want %v", cents, want)
	}
	if sales[1] != 3 {
		t.Errorf("sales on 8 March %d", sales[1])
	}
	c := newChart(days, cents, sales)
	if len(c.Bars) != 3 || c.Empty || c.Ticks[len(c.Ticks)-1].Label != "R$ 10,00" {
		t.Errorf("chart %+v", c)
	}
}

func TestPercentAndCells(t *testing.T) {
	t.Parallel()
	for bps, want := range map[int64]string{0: "0%", 10000: "100%", 1250: "12,5%", 3333: "33,33%", 5: "0,05%"} {
		if got := percent(bps); got != want {
			t.Errorf("percent(%d) = %q, want %q", bps, got, want)
		}
	}
	for in, want := range map[string]string{"=1+1": "'=1+1", "+5": "'+5", "-5": "'-5", "@x": "'@x", "\tx": "'\tx",
		"Maria": "Maria", "": "", "1-2": "1-2"} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
}
