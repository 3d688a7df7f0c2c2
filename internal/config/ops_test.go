package config_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/config"
)

func TestOperationsDefaults(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Load(config.MapLookup(map[string]string{"GRIMBOTS_DATA_DIR": dir}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Role != config.RoleAll || !cfg.ServesWeb() || !cfg.RunsWorkers() {
		t.Fatalf("role %q: web %v, workers %v", cfg.Role, cfg.ServesWeb(), cfg.RunsWorkers())
	}
	if cfg.BackupDir != filepath.Join(dir, "backups") || cfg.BackupKeep != 7 || cfg.BackupHour != 6 {
		t.Fatalf("backups: dir %s keep %d hour %d", cfg.BackupDir, cfg.BackupKeep, cfg.BackupHour)
	}
	day := 24 * time.Hour
	if cfg.RetentionWebhooks != 90*day || cfg.RetentionUpdates != 7*day || cfg.RetentionJobs != 7*day {
		t.Fatalf("retention: webhooks %s updates %s jobs %s", cfg.RetentionWebhooks, cfg.RetentionUpdates, cfg.RetentionJobs)
	}
	printed := strings.Join(cfg.Redacted(), "\n")
	for _, want := range []string{"GRIMBOTS_ROLE=all  # default", "BACKUP_DIR=" + filepath.Join(dir, "backups") + "  # default",
		"BACKUP_HOUR=6  # default", "RETENTION_WEBHOOKS=90d  # default"} {
		if !strings.Contains(printed, want) {
			t.Errorf("config output lacks %q", want)
		}
	}
}

func TestOperationsSettings(t *testing.T) {
	cfg, err := config.Load(config.MapLookup(map[string]string{"GRIMBOTS_DATA_DIR": t.TempDir(), "GRIMBOTS_ROLE": "worker",
		"BACKUP_DIR": "/var/backups/grimbots", "BACKUP_KEEP": "30", "BACKUP_HOUR": "off", "RETENTION_WEBHOOKS": "36h",
		"RETENTION_UPDATES": "1d", "RETENTION_JOBS": "14d"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ServesWeb() || !cfg.RunsWorkers() || cfg.BackupDir != "/var/backups/grimbots" || cfg.BackupKeep != 30 ||
		cfg.BackupHour != -1 || cfg.RetentionWebhooks != 36*time.Hour || cfg.RetentionUpdates != 24*time.Hour ||
		cfg.RetentionJobs != 14*24*time.Hour {
		t.Fatalf("settings not applied: %+v", cfg)
	}
	web, err := config.Load(config.MapLookup(map[string]string{"GRIMBOTS_DATA_DIR": t.TempDir(), "GRIMBOTS_ROLE": "web"}))
	if err != nil || !web.ServesWeb() || web.RunsWorkers() {
		t.Fatalf("web role: %v", err)
	}

	_, err = config.Load(config.MapLookup(map[string]string{"GRIMBOTS_DATA_DIR": t.TempDir(), "GRIMBOTS_ROLE": "api",
		"BACKUP_KEEP": "0", "BACKUP_HOUR": "24", "RETENTION_WEBHOOKS": "-1d", "RETENTION_UPDATES": "week", "RETENTION_JOBS": "0s"}))
	if err == nil {
		t.Fatal("invalid operations settings accepted")
	}
	for _, want := range []string{"GRIMBOTS_ROLE", "BACKUP_KEEP", "BACKUP_HOUR", "RETENTION_WEBHOOKS", "RETENTION_UPDATES", "RETENTION_JOBS"} {
		if !strings.Contains(err.Error(), want+":") {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}
