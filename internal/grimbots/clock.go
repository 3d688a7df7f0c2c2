package grimbots

import "time"

// Clock returns the current time. Services take one so tests control time;
// production uses Now.
type Clock func() time.Time

// Now is the production clock: UTC truncated to microseconds, the precision
// both database engines keep, so a value read back equals the one written.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
