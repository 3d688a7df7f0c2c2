package gamification

import (
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// São Paulo is UTC−3 (no daylight saving time since 2019): its midnight is
// 03:00 UTC. The reference compared UTC−3 wall-clock values with utcnow()
// or the server's local time, and collapsed today and week into "the last
// 30 days".
func TestWindowsAroundBoundaries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		at     string
		period string
		start  string
		from   string
		to     string
	}{
		{"day: 23:59:59 in São Paulo is still the day", "2026-03-15T02:59:59Z", grimbots.PeriodDay, "2026-03-14",
			"2026-03-14T03:00:00Z", "2026-03-15T03:00:00Z"},
		{"day: midnight in São Paulo starts the next", "2026-03-15T03:00:00Z", grimbots.PeriodDay, "2026-03-15",
			"2026-03-15T03:00:00Z", "2026-03-16T03:00:00Z"},
		{"day: 01:00 UTC is the previous day in São Paulo", "2026-03-15T01:00:00Z", grimbots.PeriodDay, "2026-03-14",
			"2026-03-14T03:00:00Z", "2026-03-15T03:00:00Z"},
		{"week: Sunday 23:59 belongs to the week of Monday 9", "2026-03-16T02:59:00Z", grimbots.PeriodWeek, "2026-03-09",
			"2026-03-09T03:00:00Z", "2026-03-16T03:00:00Z"},
		{"week: Monday 00:00 starts a week", "2026-03-16T03:00:00Z", grimbots.PeriodWeek, "2026-03-16",
			"2026-03-16T03:00:00Z", "2026-03-23T03:00:00Z"},
		{"week across a month", "2026-04-01T15:00:00Z", grimbots.PeriodWeek, "2026-03-30",
			"2026-03-30T03:00:00Z", "2026-04-06T03:00:00Z"},
		{"week across a year", "2027-01-01T12:00:00Z", grimbots.PeriodWeek, "2026-12-28",
			"2026-12-28T03:00:00Z", "2027-01-04T03:00:00Z"},
		{"month: last second of January in São Paulo", "2026-02-01T02:59:59Z", grimbots.PeriodMonth, "2026-01-01",
			"2026-01-01T03:00:00Z", "2026-02-01T03:00:00Z"},
		{"month: February starts at 03:00 UTC", "2026-02-01T03:00:00Z", grimbots.PeriodMonth, "2026-02-01",
			"2026-02-01T03:00:00Z", "2026-03-01T03:00:00Z"},
		{"month: December ends with the year", "2026-12-31T23:00:00Z", grimbots.PeriodMonth, "2026-12-01",
			"2026-12-01T03:00:00Z", "2027-01-01T03:00:00Z"},
		{"month: New Year's Eve in UTC is still December", "2027-01-01T02:30:00Z", grimbots.PeriodMonth, "2026-12-01",
			"2026-12-01T03:00:00Z", "2027-01-01T03:00:00Z"},
		// Daylight saving time began at midnight on 4 November 2018:
		// that day began at 01:00 (UTC−2), 03:00 UTC, and lasted 23 hours.
		{"day without a midnight", "2018-11-04T12:00:00Z", grimbots.PeriodDay, "2018-11-04",
			"2018-11-04T03:00:00Z", "2018-11-05T02:00:00Z"},
		{"day with two 23:00s", "2019-02-16T12:00:00Z", grimbots.PeriodDay, "2019-02-16",
			"2019-02-16T02:00:00Z", "2019-02-17T03:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := WindowAt(tc.period, utc(tc.at))
			want := grimbots.PeriodKey{Period: tc.period, Start: tc.start}
			if w.Key != want || !w.StartsAt.Equal(utc(tc.from)) || !w.EndsAt.Equal(utc(tc.to)) {
				t.Errorf("WindowAt(%s, %s) = %v [%s, %s), want %v [%s, %s)", tc.period, tc.at, w.Key,
					w.StartsAt.UTC().Format(time.RFC3339), w.EndsAt.UTC().Format(time.RFC3339), want, tc.from, tc.to)
			}
			if at := utc(tc.at); at.Before(w.StartsAt) || !at.Before(w.EndsAt) {
				t.Errorf("%s is outside its own window", tc.at)
			}
		})
	}
	if w := WindowAt(grimbots.PeriodAll, utc("2026-03-15T03:00:00Z")); w.Key != (grimbots.PeriodKey{Period: grimbots.PeriodAll}) ||
		!w.StartsAt.IsZero() || !w.EndsAt.IsZero() {
		t.Errorf("all time = %+v", w)
	}
}

func TestSalePeriods(t *testing.T) {
	t.Parallel()
	// Paid on Sunday 31 May 2026 at 23:30 in São Paulo (Monday 02:30 UTC).
	got := salePeriods(utc("2026-06-01T02:30:00Z"))
	want := []grimbots.PeriodKey{{Period: grimbots.PeriodDay, Start: "2026-05-31"}, {Period: grimbots.PeriodWeek, Start: "2026-05-25"},
		{Period: grimbots.PeriodMonth, Start: "2026-05-01"}, {Period: grimbots.PeriodAll}}
	if len(got) != len(want) {
		t.Fatalf("salePeriods = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("salePeriods[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestNightAndParsePeriod(t *testing.T) {
	t.Parallel()
	for at, want := range map[string]bool{
		"2026-03-15T03:00:00Z": true,  // 00:00
		"2026-03-15T07:59:59Z": true,  // 04:59:59
		"2026-03-15T08:00:00Z": false, // 05:00
		"2026-03-15T02:59:59Z": false, // 23:59:59
		"2026-03-15T00:00:00Z": false, // 21:00: midnight UTC is not night in São Paulo
	} {
		if got := isNight(utc(at)); got != want {
			t.Errorf("isNight(%s) = %v, want %v", at, got, want)
		}
	}
	for in, want := range map[string]string{"today": grimbots.PeriodDay, "week": grimbots.PeriodWeek,
		"month": grimbots.PeriodMonth, "all": grimbots.PeriodAll, "day": "", "bogus": "", "": ""} {
		if got, ok := ParsePeriod(in); got != want || ok != (want != "") {
			t.Errorf("ParsePeriod(%q) = %q, %v", in, got, ok)
		}
	}
}
