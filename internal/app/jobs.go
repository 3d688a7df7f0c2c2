package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/grimbots/grimbots/internal/config"
	"github.com/grimbots/grimbots/internal/jobs"
	"github.com/grimbots/grimbots/internal/secretbox"
	"github.com/grimbots/grimbots/internal/store"
)

// keyring builds the encryption keyring from the configuration.
func keyring(cfg *config.Config) (*secretbox.Keyring, error) {
	keys := make([]secretbox.Key, len(cfg.EncryptionKeys))
	for i, k := range cfg.EncryptionKeys {
		keys[i] = secretbox.Key{ID: k.ID, Secret: k.Secret}
	}
	return secretbox.New(keys)
}

// newQueue builds the job queue on the application's database. On SQLite,
// which has no LISTEN/NOTIFY, workers poll every quarter second; on
// PostgreSQL a listener wakes them as jobs are inserted.
func newQueue(ctx context.Context, cfg *config.Config, db *store.DB, logger *slog.Logger, workers *river.Workers,
	periodic []*river.PeriodicJob) (*jobs.Queue, error) {
	if !cfg.RunsWorkers() {
		workers, periodic = nil, nil // web role: insert only
	}
	qc := jobs.Config{Engine: db.Engine(), DB: db.Primary(), Logger: logger, Workers: workers, PeriodicJobs: periodic, MaxWorkers: 50,
		JobRetention: cfg.RetentionJobs}
	if db.Engine() == "postgres" {
		qc.PostgresURL = cfg.DatabaseURL
	} else {
		qc.FetchPollInterval = 100 * time.Millisecond
	}
	return jobs.New(ctx, qc)
}

// OpenQueue builds an insert-only queue, for the migrate command.
func OpenQueue(ctx context.Context, cfg *config.Config, db *store.DB, logger *slog.Logger) (*jobs.Queue, error) {
	return newQueue(ctx, cfg, db, logger, nil, nil)
}

// MigrateUp applies the application's migrations, then the job queue's.
func MigrateUp(ctx context.Context, db *store.DB, q *jobs.Queue) ([]int, error) {
	return migrateUp(ctx, db, q)
}

func migrateUp(ctx context.Context, db *store.DB, q *jobs.Queue) ([]int, error) {
	applied, err := db.MigrateUp(ctx)
	if err != nil {
		return applied, err
	}
	return applied, q.Migrate(ctx)
}

// checkSchema refuses a database whose schema (ours or the queue's) is not
// the one this binary expects.
func checkSchema(ctx context.Context, db *store.DB, q *jobs.Queue) error {
	return errors.Join(db.CheckSchema(ctx), q.CheckSchema(ctx))
}
