package app

import (
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/remarketing"
)

// newRemarketing builds the campaigns service on the bots' messengers and
// the funnel engine, with its workers, its own queue (a worker slot per
// campaign bot sending at once) and its periodic sweep.
func (a *App) newRemarketing(engine *funnel.Engine, workers *river.Workers, clock grimbots.Clock, logger *slog.Logger) error {
	a.Remarketing = remarketing.New(a.Store, a.Bots, engine, a.Jobs, remarketing.Config{}, clock, logger)
	a.Remarketing.AddWorkers(workers)
	return a.Jobs.AddQueue(remarketing.Queue, remarketing.QueueWorkers, remarketing.PeriodicJobs()...)
}
