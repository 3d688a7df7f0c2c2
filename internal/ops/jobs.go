package ops

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// BackupJob makes a backup (daily at BACKUP_HOUR UTC).
type BackupJob struct{}

// Kind names the job.
func (BackupJob) Kind() string { return "backup" }

// InsertOpts: a few attempts; one daily backup however often it is queued
// within the hour.
func (BackupJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

// CleanupJob runs the retention clean-up (daily).
type CleanupJob struct{}

// Kind names the job.
func (CleanupJob) Kind() string { return "retention_cleanup" }

// InsertOpts: retried; once per hour at most.
func (CleanupJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

// RankingSnapshotJob runs the ranking snapshot hooks for Day
// (YYYY-MM-DD, a Brazilian calendar day), just after that day ends.
type RankingSnapshotJob struct {
	Day string `json:"day"`
}

// Kind names the job.
func (RankingSnapshotJob) Kind() string { return "ranking_snapshot" }

// InsertOpts: retried; once per day.
func (RankingSnapshotJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// dailyAt is a schedule firing every day at hour:minute UTC. Unlike a 24h
// interval, which restarts whenever another instance becomes the leader
// (a deploy a day could keep it from ever running), it keeps to the clock.
type dailyAt struct{ hour, minute int }

// Next is the first hour:minute UTC strictly after t.
func (d dailyAt) Next(t time.Time) time.Time {
	t = t.UTC()
	next := time.Date(t.Year(), t.Month(), t.Day(), d.hour, d.minute, 0, 0, time.UTC)
	if !next.After(t) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

// Schedules of the daily jobs. The snapshot runs five minutes after
// midnight in Brazil; the clean-up in Brazil's small hours.
var (
	snapshotSchedule = dailyAt{3, 5}
	cleanupSchedule  = dailyAt{7, 0}
)

// PeriodicJobs are the operations' periodic jobs; backupHour is the UTC
// hour of the daily backup, -1 for none.
func PeriodicJobs(backupHour int) []*river.PeriodicJob {
	jobs := []*river.PeriodicJob{
		river.NewPeriodicJob(cleanupSchedule, func() (river.JobArgs, *river.InsertOpts) { return CleanupJob{}, nil },
			&river.PeriodicJobOpts{ID: "retention_cleanup"}),
		river.NewPeriodicJob(snapshotSchedule, func() (river.JobArgs, *river.InsertOpts) {
			return RankingSnapshotJob{Day: previousDay(time.Now()).Format(time.DateOnly)}, nil
		}, &river.PeriodicJobOpts{ID: "ranking_snapshot"}),
	}
	if backupHour >= 0 {
		jobs = append(jobs, river.NewPeriodicJob(dailyAt{backupHour, 0},
			func() (river.JobArgs, *river.InsertOpts) { return BackupJob{}, nil }, &river.PeriodicJobOpts{ID: "backup"}))
	}
	return jobs
}

// AddWorkers registers the operations' workers.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &backupWorker{s: s})
	river.AddWorker(w, &cleanupWorker{s: s})
	river.AddWorker(w, &snapshotWorker{s: s})
}

type backupWorker struct {
	river.WorkerDefaults[BackupJob]
	s *Service
}

// Timeout leaves a large database time to be dumped.
func (w *backupWorker) Timeout(*river.Job[BackupJob]) time.Duration { return 2 * time.Hour }

func (w *backupWorker) Work(ctx context.Context, job *river.Job[BackupJob]) error {
	if _, err := w.s.Backup(ctx); err != nil {
		// River records the error on the job and retries; the log says it
		// where operators look.
		w.s.logger.ErrorContext(ctx, "backup failed", "attempt", job.Attempt, "max_attempts", job.MaxAttempts, "err", err)
		return err
	}
	return nil
}

type cleanupWorker struct {
	river.WorkerDefaults[CleanupJob]
	s *Service
}

func (w *cleanupWorker) Timeout(*river.Job[CleanupJob]) time.Duration { return 30 * time.Minute }

func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupJob]) error {
	r, err := w.s.Cleanup(ctx)
	w.s.logger.InfoContext(ctx, "retention clean-up", "webhooks", r.Webhooks, "updates", r.Updates,
		"chat_locks", r.ChatLocks, "sessions", r.Sessions, "err", err)
	return err
}

type snapshotWorker struct {
	river.WorkerDefaults[RankingSnapshotJob]
	s *Service
}

func (w *snapshotWorker) Work(ctx context.Context, job *river.Job[RankingSnapshotJob]) error {
	day, err := time.ParseInLocation(time.DateOnly, job.Args.Day, brt)
	if err != nil {
		return river.JobCancel(fmt.Errorf("ranking snapshot: bad day %q: %w", job.Args.Day, err))
	}
	return w.s.RankingSnapshot(ctx, day)
}
