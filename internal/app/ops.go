package app

import (
	"log/slog"

	"github.com/grimbots/grimbots/internal/config"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/ops"
	"github.com/grimbots/grimbots/internal/store"
)

// newOps builds the operations service (backups, retention clean-up, the
// ranking snapshot hooks) from the configuration.
func newOps(st *store.Store, cfg *config.Config, now grimbots.Clock, logger *slog.Logger) *ops.Service {
	return ops.New(st, OpsConfig(cfg), now, logger)
}

// OpsConfig is the operations' part of the configuration.
func OpsConfig(cfg *config.Config) ops.Config {
	return ops.Config{DatabaseURL: cfg.DatabaseURL, BackupDir: cfg.BackupDir, BackupKeep: cfg.BackupKeep,
		BackupHour: cfg.BackupHour, RetentionWebhooks: cfg.RetentionWebhooks, RetentionUpdates: cfg.RetentionUpdates}
}
