package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/grimbots/grimbots/internal/app"
	"github.com/grimbots/grimbots/internal/ops"
	"github.com/grimbots/grimbots/internal/store"
)

// runBackup backs the database up now, into --dir or BACKUP_DIR, and
// prints the backup's path.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	dir := fs.String("dir", "", "directory to write the backup to (default: BACKUP_DIR)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("backup: unexpected argument %q", fs.Arg(0))}
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if *dir != "" {
		cfg.BackupDir = *dir
	}
	logger := app.NewLogger(cfg, stderr)
	db, err := app.OpenDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	path, err := ops.New(store.New(db), app.OpsConfig(cfg), nil, logger).Backup(ctx)
	if path != "" {
		fmt.Fprintln(stdout, path)
	}
	return err
}
