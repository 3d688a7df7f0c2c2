package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/app"
	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/config"
	"github.com/grimbots/grimbots/internal/grimbots"
)

func loadConfig() (*config.Config, error) {
	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("configuration:\n%w", err)
	}
	return cfg, nil
}

func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	role := fs.String("role", "", "all, web or worker (default: GRIMBOTS_ROLE, else all)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *role != "" {
		if _, err := config.ParseRole(*role); err != nil {
			return usageError{"serve --role: " + err.Error()}
		}
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if *role != "" {
		cfg.Role = *role
	}
	logger := app.NewLogger(cfg, stderr)
	if err := app.InitSentry(cfg); err != nil {
		return fmt.Errorf("SENTRY_DSN: %w", err)
	}
	a, err := app.New(ctx, cfg, logger, app.Options{})
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"migrate: want up, down [N] or status"}
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	logger := app.NewLogger(cfg, stderr)
	db, err := app.OpenDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	queue, err := app.OpenQueue(ctx, cfg, db, logger)
	if err != nil {
		return err
	}
	defer queue.Close()
	switch args[0] {
	case "up":
		// The job queue's own tables are migrated after ours; they are not
		// reverted by `migrate down`, which concerns the application schema.
		applied, err := app.MigrateUp(ctx, db, queue)
		for _, v := range applied {
			fmt.Fprintf(stdout, "applied %04d\n", v)
		}
		if err == nil && len(applied) == 0 {
			fmt.Fprintln(stdout, "schema is up to date")
		}
		return err
	case "down":
		n := 1
		if len(args) > 1 {
			if n, err = strconv.Atoi(args[1]); err != nil || n < 1 {
				return usageError{"migrate down: N must be a positive integer"}
			}
		}
		reverted, err := db.MigrateDown(ctx, n)
		for _, v := range reverted {
			fmt.Fprintf(stdout, "reverted %04d\n", v)
		}
		return err
	case "status":
		statuses, err := db.MigrationStatuses(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "engine: %s\n", db.Engine())
		for _, s := range statuses {
			state := "pending"
			if s.AppliedAt != nil {
				state = "applied " + s.AppliedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%04d_%s  %s\n", s.Version, s.Name, state)
		}
		if err := queue.CheckSchema(ctx); err != nil {
			fmt.Fprintln(stdout, "job queue schema: pending")
		} else {
			fmt.Fprintln(stdout, "job queue schema: up to date")
		}
		return nil
	}
	return usageError{fmt.Sprintf("migrate: unknown action %q", args[0])}
}

func runAdmin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"admin: want `admin create`"}
	}
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	email := fs.String("email", "", "admin email (required)")
	username := fs.String("username", "", "admin username (required)")
	fullName := fs.String("full-name", "", "full name")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *email == "" || *username == "" {
		return usageError{"admin create: --email and --username are required"}
	}
	password, generated := "", false
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("admin create: reading password from stdin: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		password, generated = base64.RawURLEncoding.EncodeToString(config.RandomKey()[:18]), true
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	cfg.HTTPAddr = "" // not serving
	a, err := app.New(ctx, cfg, app.NewLogger(cfg, stderr), app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Auth.CreateAdmin(ctx, auth.RegisterParams{Email: *email, Username: *username, FullName: *fullName, Password: password})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created admin %s (id %d, username %s)\n", u.Email, u.ID, u.Username)
	if generated {
		fmt.Fprintf(stdout, "password (shown once, change it after logging in): %s\n", password)
	}
	return nil
}

// describe renders a domain error with its field errors for the terminal.
func describe(err error) error {
	var b strings.Builder
	b.WriteString(grimbots.ErrorMessage(err))
	var e *grimbots.Error
	if errors.As(err, &e) {
		for _, f := range e.Fields {
			fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
		}
	}
	if grimbots.ErrorCode(err) == grimbots.EINTERNAL {
		return err
	}
	return fmt.Errorf("%s", b.String())
}

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 1 && args[0] == "rotate" {
		return runKeysRotate(ctx, stdout, stderr)
	}
	if len(args) != 1 || args[0] != "generate" {
		return usageError{"keys: want `keys generate` or `keys rotate`"}
	}
	fmt.Fprintln(stdout, "# Fresh secrets. Keep them in your secret store; losing GRIMBOTS_ENCRYPTION_KEYS loses encrypted data.")
	fmt.Fprintf(stdout, "GRIMBOTS_SECRET_KEY=%s\n", config.EncodeKey(config.RandomKey()))
	fmt.Fprintf(stdout, "GRIMBOTS_ENCRYPTION_KEYS=%s:%s\n", config.NewKeyID(time.Now()), config.EncodeKey(config.RandomKey()))
	return nil
}

// runKeysRotate re-encrypts every stored secret with the active key.
func runKeysRotate(ctx context.Context, stdout, stderr io.Writer) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	cfg.HTTPAddr = "" // not serving
	a, err := app.New(ctx, cfg, app.NewLogger(cfg, stderr), app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	report, err := a.RotateKeys(ctx)
	failed := 0
	for _, r := range report {
		fmt.Fprintf(stdout, "%-20s %d values: %d re-encrypted with key %s, %d already current, %d changed meanwhile",
			r.Kind, r.Total, r.Rotated, a.Keys.ActiveKeyID(), r.Current, r.Raced)
		if len(r.Failed) > 0 {
			fmt.Fprintf(stdout, ", %d unreadable (ids %v)", len(r.Failed), r.Failed)
		}
		fmt.Fprintln(stdout)
		failed += len(r.Failed)
	}
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("keys rotate: %d values could not be opened with any configured key; keep the old keys until they are fixed", failed)
	}
	fmt.Fprintln(stdout, "done: keys other than the first in GRIMBOTS_ENCRYPTION_KEYS can now be removed")
	return nil
}

func runConfig(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	markdown := fs.Bool("markdown", false, "print the reference table of variables instead")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *markdown {
		config.WriteMarkdown(stdout)
		return nil
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	for _, line := range cfg.Redacted() {
		fmt.Fprintln(stdout, line)
	}
	return nil
}
