// Package ops keeps the platform in shape: backups (SQLite online copies,
// PostgreSQL pg_dump) with retention, the retention clean-up of old raw
// webhooks, processed updates, expired locks and sessions, and the daily
// ranking snapshot hook. Each runs on demand and as a River periodic job,
// so with many instances each runs once per period.
package ops

import (
	"log/slog"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
)

// Config configures the operations.
type Config struct {
	// DatabaseURL is the primary database (pg_dump connects to it).
	DatabaseURL string
	// BackupDir receives the backups; BackupKeep of them are kept (the
	// newest). BackupHour is the UTC hour of the daily backup, -1 for
	// none.
	BackupDir  string
	BackupKeep int
	BackupHour int
	// PGDump is the pg_dump program (default: "pg_dump" on PATH).
	PGDump string
	// RetentionWebhooks and RetentionUpdates are how long raw gateway
	// webhooks and processed Telegram updates are kept.
	RetentionWebhooks time.Duration
	RetentionUpdates  time.Duration
}

// Service runs the operations.
type Service struct {
	store  *store.Store
	cfg    Config
	now    grimbots.Clock
	logger *slog.Logger
	hooks  *Hooks
}

// New returns the service.
func New(st *store.Store, cfg Config, now grimbots.Clock, logger *slog.Logger) *Service {
	if now == nil {
		now = grimbots.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.BackupKeep <= 0 {
		cfg.BackupKeep = 7
	}
	return &Service{store: st, cfg: cfg, now: now, logger: logger, hooks: &Hooks{}}
}

// RankingHooks are the hooks of the daily ranking snapshot.
func (s *Service) RankingHooks() *Hooks { return s.hooks }
