package gamification

import (
	"fmt"
	"time"
	_ "time/tzdata" // the windows must not depend on the host's zoneinfo

	"github.com/grimbots/grimbots/internal/grimbots"
)

// TimeZone is where the ranking's days, weeks and months are, for every
// seller alike: they compete in the same windows.
const TimeZone = "America/Sao_Paulo"

var saoPaulo = func() *time.Location {
	loc, err := time.LoadLocation(TimeZone)
	if err != nil {
		panic(err) // the embedded tzdata has it
	}
	return loc
}()

// date is a calendar date. Periods are computed on dates, never by adding
// hours to instants, so days of 23 or 25 hours (Brazil had daylight saving
// time until 2019) cannot shift them.
type date struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) date {
	y, m, d := t.In(saoPaulo).Date()
	return date{y, m, d}
}

// parseDate reads YYYY-MM-DD.
func parseDate(s string) (date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return date{}, err
	}
	return date{t.Year(), t.Month(), t.Day()}, nil
}

func (d date) noonUTC() time.Time { return time.Date(d.y, d.m, d.d, 12, 0, 0, 0, time.UTC) }

func (d date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.y, d.m, d.d) }

// add returns the date days later (earlier when negative).
func (d date) add(days int) date {
	y, m, dd := d.noonUTC().AddDate(0, 0, days).Date()
	return date{y, m, dd}
}

// daysSince returns how many days d is after e.
func (d date) daysSince(e date) int { return int(d.noonUTC().Sub(e.noonUTC()).Hours() / 24) }

// weekStart is the Monday of d's week (ISO 8601 weeks).
func (d date) weekStart() date { return d.add(-((int(d.noonUTC().Weekday()) + 6) % 7)) }

func (d date) monthStart() date { return date{d.y, d.m, 1} }

// start is the first instant of the day in São Paulo. Where midnight did
// not exist (the start of daylight saving time), the day began at 01:00.
func (d date) start() time.Time {
	t := time.Date(d.y, d.m, d.d, 0, 0, 0, 0, saoPaulo)
	for dateOf(t) != d {
		t = t.Add(time.Hour)
	}
	return t
}

// Window is the calendar period of a kind containing an instant.
type Window struct {
	Key grimbots.PeriodKey
	// StartsAt and EndsAt (exclusive) bound the period; zero for all time.
	StartsAt, EndsAt time.Time
}

// WindowAt returns the period of kind (day, week, month, all) at t.
func WindowAt(period string, t time.Time) Window {
	d := dateOf(t)
	var from, to date
	switch period {
	case grimbots.PeriodDay:
		from, to = d, d.add(1)
	case grimbots.PeriodWeek:
		from = d.weekStart()
		to = from.add(7)
	case grimbots.PeriodMonth:
		from = d.monthStart()
		to = date{d.y, d.m + 1, 1}.add(0) // normalises December + 1
	default:
		return Window{Key: grimbots.PeriodKey{Period: grimbots.PeriodAll}}
	}
	return Window{Key: grimbots.PeriodKey{Period: period, Start: from.String()}, StartsAt: from.start(), EndsAt: to.start()}
}

// salePeriods are the ranking periods a sale paid at t counts in, the day
// first (the store locks their totals in this order).
func salePeriods(t time.Time) []grimbots.PeriodKey {
	out := make([]grimbots.PeriodKey, 0, 4)
	for _, p := range []string{grimbots.PeriodDay, grimbots.PeriodWeek, grimbots.PeriodMonth, grimbots.PeriodAll} {
		out = append(out, WindowAt(p, t).Key)
	}
	return out
}

// nightHours: a sale paid before 05:00 in São Paulo is a night sale.
const nightHours = 5

func isNight(t time.Time) bool { return t.In(saoPaulo).Hour() < nightHours }

// ParsePeriod maps the API's period names (today, week, month, all) to
// ranking periods.
func ParsePeriod(s string) (string, bool) {
	switch s {
	case "today":
		return grimbots.PeriodDay, true
	case grimbots.PeriodWeek, grimbots.PeriodMonth, grimbots.PeriodAll:
		return s, true
	}
	return "", false
}
