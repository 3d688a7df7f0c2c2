package remarketing

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// uniqueWhileQueued makes a job unique by its arguments while it waits or
// runs, but not once it completed: a campaign resumed or swept later gets
// a fresh one.
var uniqueWhileQueued = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable,
	rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}}

// StartJob starts a scheduled campaign at its time: it becomes sending and
// gets its runners. At (Unix microseconds) is the time it was scheduled
// for; a campaign rescheduled meanwhile is left to its newer job.
type StartJob struct {
	SellerID   int64 `json:"seller_id"`
	CampaignID int64 `json:"campaign_id"`
	At         int64 `json:"at"`
}

// Kind names the job.
func (StartJob) Kind() string { return "remarketing_start" }

// InsertOpts schedules the job at the campaign's start.
func (j StartJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, ScheduledAt: time.UnixMicro(j.At), MaxAttempts: 25, UniqueOpts: uniqueWhileQueued}
}

// RunJob builds the audience of one bot of a campaign and sends to it, in
// rounds, until nothing is left. There is at most one per campaign and bot
// (unique while queued or running), which is what allows a run to settle
// the claims an earlier run left.
type RunJob struct {
	SellerID   int64 `json:"seller_id"`
	CampaignID int64 `json:"campaign_id"`
	BotID      int64 `json:"bot_id"`
}

// Kind names the job.
func (RunJob) Kind() string { return "remarketing_run" }

// InsertOpts puts runners in their own queue, one per campaign and bot.
func (RunJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 50, UniqueOpts: uniqueWhileQueued}
}

// SweepJob makes sure every due scheduled campaign has its start job and
// every sending campaign its runners (a job lost with a dead instance), and
// finishes campaigns with nothing left.
type SweepJob struct{}

// Kind names the job.
func (SweepJob) Kind() string { return "remarketing_sweep" }

// PeriodicJobs are the remarketing periodic jobs.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return SweepJob{}, nil }, nil)}
}

// AddWorkers registers the remarketing workers.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &startWorker{s: s})
	river.AddWorker(w, &runWorker{s: s})
	river.AddWorker(w, &sweepWorker{s: s})
}

type startWorker struct {
	river.WorkerDefaults[StartJob]
	s *Service
}

func (w *startWorker) Work(ctx context.Context, job *river.Job[StartJob]) error {
	j := job.Args
	c, err := w.s.store.Campaign(ctx, j.SellerID, j.CampaignID)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	switch {
	case c.Status == grimbots.CampaignSending:
		return w.s.jobs.Insert(ctx, runJobs(c)...)
	case c.Status != grimbots.CampaignScheduled || c.ScheduledAt == nil || c.ScheduledAt.After(w.s.now().Add(time.Second)):
		return nil // not (or no longer) due: its current StartJob will do it
	}
	_, _, err = w.s.store.TransitionCampaign(ctx, grimbots.CampaignTransition{SellerID: c.SellerID, CampaignID: c.ID,
		From: []string{grimbots.CampaignScheduled}, To: grimbots.CampaignSending, Now: w.s.now(), Jobs: runJobs(c)})
	return err
}

type runWorker struct {
	river.WorkerDefaults[RunJob]
	s *Service
}

// Timeout lets a round finish (its last sends and their outcomes).
func (w *runWorker) Timeout(*river.Job[RunJob]) time.Duration { return w.s.cfg.Round + time.Minute }

func (w *runWorker) Work(ctx context.Context, job *river.Job[RunJob]) error {
	return w.s.run(ctx, job.Args)
}

type sweepWorker struct {
	river.WorkerDefaults[SweepJob]
	s *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepJob]) error {
	_, err := w.s.Sweep(ctx)
	return err
}

// Sweep queues the start job of every due scheduled campaign and a runner
// for every bot of every sending campaign (jobs already queued or running
// are not duplicated; a runner with nothing left finishes its campaign).
// It returns how many jobs it asked for.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	work, err := s.store.CampaignWork(ctx, s.now(), 5000)
	if err != nil {
		return 0, err
	}
	jobs := make([]grimbots.Job, 0, len(work))
	started := map[int64]bool{}
	for _, w := range work {
		switch {
		case w.Status == grimbots.CampaignScheduled && w.ScheduledAt != nil && !started[w.CampaignID]:
			started[w.CampaignID] = true
			jobs = append(jobs, StartJob{SellerID: w.SellerID, CampaignID: w.CampaignID, At: w.ScheduledAt.UnixMicro()})
		case w.Status == grimbots.CampaignSending:
			jobs = append(jobs, RunJob{SellerID: w.SellerID, CampaignID: w.CampaignID, BotID: w.BotID})
		}
	}
	return len(jobs), s.jobs.Insert(ctx, jobs...)
}
