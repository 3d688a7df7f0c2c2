package ops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// The daily ranking snapshot is a hook: this package only schedules it
// and calls whatever was registered. The sellers' ranking itself (and what
// a snapshot of it holds) belongs to gamification, which registers it.

// brt is Brazil's official time (UTC−3, no daylight saving since 2019):
// the ranking's days are Brazilian calendar days.
var brt = time.FixedZone("BRT", -3*60*60)

// SnapshotHook records the ranking snapshot of day (a calendar day in
// Brazil, given as its midnight in BRT). It must be idempotent: a retried
// job calls every hook again for the same day.
type SnapshotHook func(ctx context.Context, day time.Time) error

// Hooks is the registry of snapshot hooks. Safe for concurrent use.
type Hooks struct {
	mu    sync.Mutex
	names []string
	fns   []SnapshotHook
}

// Add registers fn under name (for logs and errors).
func (h *Hooks) Add(name string, fn SnapshotHook) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.names = append(h.names, name)
	h.fns = append(h.fns, fn)
}

// Names lists the registered hooks.
func (h *Hooks) Names() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.names)
}

// RankingSnapshot calls every registered hook for day; a failing hook does
// not stop the others, and the errors are joined. With no hook it only
// logs that it ran.
func (s *Service) RankingSnapshot(ctx context.Context, day time.Time) error {
	s.hooks.mu.Lock()
	names, fns := slices.Clone(s.hooks.names), slices.Clone(s.hooks.fns)
	s.hooks.mu.Unlock()
	d := day.In(brt).Format(time.DateOnly)
	if len(fns) == 0 {
		s.logger.InfoContext(ctx, "ranking snapshot: no hook registered, nothing to record", "day", d)
		return nil
	}
	var errs []error
	for i, fn := range fns {
		if err := fn(ctx, day); err != nil {
			errs = append(errs, fmt.Errorf("ranking snapshot %s: %w", names[i], err))
		}
	}
	s.logger.InfoContext(ctx, "ranking snapshot", "day", d, "hooks", names, "failed", len(errs))
	return errors.Join(errs...)
}

// previousDay is the Brazilian calendar day before the one at, as its
// midnight in BRT.
func previousDay(at time.Time) time.Time {
	y, m, d := at.In(brt).Date()
	return time.Date(y, m, d-1, 0, 0, 0, 0, brt)
}
