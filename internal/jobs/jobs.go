// Package jobs runs durable background work on River, sharing the
// application's database: riversqlite on SQLite, riverdatabasesql (with a pgx
// listener for LISTEN/NOTIFY) on PostgreSQL. Jobs are inserted in the same
// transaction as the change that causes them (InsertTx), so a side effect is
// never lost nor done for a change that rolled back.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// Config configures the queue.
type Config struct {
	// Engine is "sqlite" or "postgres".
	Engine string
	// DB is the application's primary pool; River's tables live beside ours.
	DB *sql.DB
	// PostgresURL opens the small pool whose connections listen for River's
	// notifications (PostgreSQL only; empty means poll only).
	PostgresURL string
	Logger      *slog.Logger
	// Workers and PeriodicJobs are nil for an insert-only queue (web role).
	Workers      *river.Workers
	PeriodicJobs []*river.PeriodicJob
	// MaxWorkers bounds concurrent jobs in the default queue. Defaults to 10.
	MaxWorkers int
	// FetchPollInterval is how often workers look for jobs when no
	// notification arrives. Defaults to River's (1s).
	FetchPollInterval time.Duration
	// JobRetention is how long finished jobs (completed, cancelled,
	// discarded) are kept before River's cleaner deletes them. Zero keeps
	// River's defaults (1 day completed, 7 days cancelled or discarded).
	JobRetention time.Duration
}

// Queue is the River client plus its migrator.
type Queue struct {
	client   *river.Client[*sql.Tx]
	migrator *rivermigrate.Migrator[*sql.Tx]
	listen   *pgxpool.Pool
	working  bool
}

// New builds the queue. It starts nothing.
func New(ctx context.Context, cfg Config) (*Queue, error) {
	q := &Queue{}
	var driver riverdriver.Driver[*sql.Tx]
	switch cfg.Engine {
	case "sqlite":
		driver = riversqlite.New(cfg.DB)
	case "postgres":
		if cfg.PostgresURL != "" {
			pool, err := pgxpool.New(ctx, cfg.PostgresURL)
			if err != nil {
				return nil, fmt.Errorf("jobs: opening listener pool: %w", err)
			}
			q.listen = pool
			driver = riverdatabasesql.NewWithPgxListener(cfg.DB, pool)
		} else {
			driver = riverdatabasesql.New(cfg.DB)
		}
	default:
		return nil, fmt.Errorf("jobs: unknown engine %q", cfg.Engine)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	rc := &river.Config{Logger: logger, PeriodicJobs: cfg.PeriodicJobs, FetchPollInterval: cfg.FetchPollInterval,
		CompletedJobRetentionPeriod: cfg.JobRetention, CancelledJobRetentionPeriod: cfg.JobRetention,
		DiscardedJobRetentionPeriod: cfg.JobRetention}
	if cfg.Workers != nil {
		maxWorkers := cfg.MaxWorkers
		if maxWorkers <= 0 {
			maxWorkers = 10
		}
		rc.Workers = cfg.Workers
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: maxWorkers}}
		q.working = true
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		q.Close()
		return nil, fmt.Errorf("jobs: creating client: %w", err)
	}
	q.client = client
	if q.migrator, err = rivermigrate.New(driver, &rivermigrate.Config{Logger: logger}); err != nil {
		q.Close()
		return nil, fmt.Errorf("jobs: creating migrator: %w", err)
	}
	return q, nil
}

// Client exposes the River client (job dashboards, tests).
func (q *Queue) Client() *river.Client[*sql.Tx] { return q.client }

// Migrate applies River's own migrations.
func (q *Queue) Migrate(ctx context.Context) error {
	if _, err := q.migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrating: %w", err)
	}
	return nil
}

// CheckSchema returns an error if River's tables are not fully migrated.
func (q *Queue) CheckSchema(ctx context.Context) error {
	res, err := q.migrator.Validate(ctx, nil)
	if err != nil {
		return fmt.Errorf("jobs: validating schema: %w", err)
	}
	if !res.OK {
		return fmt.Errorf("job queue schema is behind (%v): run `grimbots migrate up`", res.Messages)
	}
	return nil
}

// InsertTx enqueues jobs inside tx: they become visible to workers only if
// tx commits.
func (q *Queue) InsertTx(ctx context.Context, tx *sql.Tx, jobs ...grimbots.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: j}
	}
	if _, err := q.client.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("jobs: inserting: %w", err)
	}
	return nil
}

// Insert enqueues jobs on their own (for work not tied to a change in
// the database, such as follow-ups scheduled after a message was sent).
func (q *Queue) Insert(ctx context.Context, jobs ...grimbots.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: j}
	}
	if _, err := q.client.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("jobs: inserting: %w", err)
	}
	return nil
}

// Start begins working jobs (a no-op for an insert-only queue).
func (q *Queue) Start(ctx context.Context) error {
	if !q.working {
		return nil
	}
	return q.client.Start(ctx)
}

// Stop stops fetching new jobs and waits for running ones to finish until
// ctx ends; then it cancels them (River returns unfinished jobs to the queue
// for another worker) and waits for them to exit.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.working {
		return nil
	}
	err := q.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err = q.client.StopAndCancel(hard)
	}
	return err
}

// AddQueue adds a queue of its own to the default one, working up to
// maxWorkers jobs at once, and periodic jobs; call it before Start. An
// insert-only queue (which works no jobs) ignores it.
func (q *Queue) AddQueue(name string, maxWorkers int, periodic ...*river.PeriodicJob) error {
	if !q.working {
		return nil
	}
	if err := q.client.Queues().Add(name, river.QueueConfig{MaxWorkers: maxWorkers}); err != nil {
		return fmt.Errorf("jobs: adding queue %s: %w", name, err)
	}
	q.client.PeriodicJobs().AddMany(periodic)
	return nil
}

// Close releases the listener pool.
func (q *Queue) Close() {
	if q.listen != nil {
		q.listen.Close()
	}
}
