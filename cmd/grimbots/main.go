// Command grimbots runs the grimbots platform: the web server and API
// (serve), schema migrations (migrate), admin bootstrap (admin create),
// secret generation and re-encryption (keys generate, keys rotate),
// configuration display (config) and backups (backup).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/grimbots/grimbots/internal/buildinfo"
)

const usage = `grimbots — Telegram sales bots with PIX payments

Usage:
  grimbots serve [--role all|web|worker]  run the platform (web, API, workers)
  grimbots migrate up|down [N]|status  manage the database schema
  grimbots admin create --email E --username U [--password-stdin]
  grimbots keys generate             print fresh secrets for the configuration
  grimbots keys rotate               re-encrypt stored secrets with the first (active) key
  grimbots config [--markdown]       print the effective configuration (secrets redacted)
  grimbots backup [--dir D]          back up the database now (and delete the oldest beyond BACKUP_KEEP)
  grimbots version                   print the version

Configuration comes from the environment; see README.md or 'grimbots config --markdown'.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprint(os.Stderr, usage)
			fmt.Fprintln(os.Stderr, "\nerror:", err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "grimbots:", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"missing command"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "admin":
		return runAdmin(ctx, rest, stdin, stdout, stderr)
	case "keys":
		return runKeys(ctx, rest, stdout, stderr)
	case "config":
		return runConfig(rest, stdout)
	case "backup":
		return runBackup(ctx, rest, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "grimbots %s (%s)\n", buildinfo.Version, buildinfo.Commit())
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// parseFlags parses a subcommand's flags, turning problems into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
	}
	return nil
}
