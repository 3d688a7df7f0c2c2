// Package ratelimit limits events per key with the generic cell rate
// algorithm (GCRA): a rate of N per period allows a burst of N and then one
// event every period/N. The in-process implementation serves a single
// instance; the Redis one shares limits across instances. Both pass the same
// conformance suite.
package ratelimit

import (
	"context"
	"time"
)

// Rate is N events per Period.
type Rate struct {
	N      int
	Period time.Duration
}

// Result says whether an event is allowed and, if not, when to retry.
type Result struct {
	Allowed    bool
	RetryAfter time.Duration
}

// Limiter limits events per key.
type Limiter interface {
	// Take counts one event under key and reports whether it was within
	// rate. A refused event is not counted.
	Take(ctx context.Context, key string, r Rate) (Result, error)
	// Check reports whether one more event would be allowed, without
	// counting it.
	Check(ctx context.Context, key string, r Rate) (Result, error)
}

// gcra computes the new theoretical arrival time for one event at now given
// the stored tat (zero if none). It returns whether the event is allowed, the
// new tat to store if it is, and the wait before a retry if it is not.
func gcra(now, tat time.Time, r Rate) (allowed bool, newTAT time.Time, retryAfter time.Duration) {
	interval := r.Period / time.Duration(r.N)
	if tat.Before(now) {
		tat = now
	}
	newTAT = tat.Add(interval)
	allowAt := newTAT.Add(-r.Period)
	if now.Before(allowAt) {
		return false, tat, allowAt.Sub(now)
	}
	return true, newTAT, 0
}
