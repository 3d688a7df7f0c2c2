package web

import (
	"net/url"
	"time"
)

// A period is a range of whole days in the seller's time zone.
type period struct {
	// Key is "today", "7d", "30d" or "custom".
	Key string
	// From and To bound the period: [From, To), local midnights.
	From, To time.Time
	// FromDate and ToDate are the first and last days, YYYY-MM-DD.
	FromDate, ToDate string
	// Query is the URL query selecting this period.
	Query string
}

// maxPeriodDays bounds a custom period.
const maxPeriodDays = 366

const dateLayout = "2006-01-02"

// midnight is the start of t's day in loc.
func midnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// parsePeriod reads ?period=today|7d|30d|custom&from=&to= (dates in loc).
// Anything unreadable falls back to the last 7 days; ok is false then, for
// a custom period that was asked for but is invalid.
func parsePeriod(q url.Values, loc *time.Location, now time.Time) (period, bool) {
	today := midnight(now, loc)
	days := func(key string, n int) period {
		from := today.AddDate(0, 0, 1-n)
		return newPeriod(key, from, today.AddDate(0, 0, 1))
	}
	switch q.Get("period") {
	case "today":
		return days("today", 1), true
	case "30d":
		return days("30d", 30), true
	case "custom":
		from, err1 := time.ParseInLocation(dateLayout, q.Get("from"), loc)
		to, err2 := time.ParseInLocation(dateLayout, q.Get("to"), loc)
		end := to.AddDate(0, 0, 1)
		if err1 != nil || err2 != nil || from.After(to) || end.After(from.AddDate(0, 0, maxPeriodDays)) {
			return days("7d", 7), false
		}
		return newPeriod("custom", from, end), true
	}
	return days("7d", 7), true
}

func newPeriod(key string, from, to time.Time) period {
	p := period{Key: key, From: from, To: to, FromDate: from.Format(dateLayout),
		ToDate: to.AddDate(0, 0, -1).Format(dateLayout)}
	v := url.Values{"period": {key}}
	if key == "custom" {
		v.Set("from", p.FromDate)
		v.Set("to", p.ToDate)
	}
	p.Query = v.Encode()
	return p
}

// Days lists the local midnights of the period's days.
func (p period) Days() []time.Time {
	var out []time.Time
	for d := p.From; d.Before(p.To); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}
