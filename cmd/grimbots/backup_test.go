package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/testenv"
)

func TestBackupCommand(t *testing.T) {
	dir := setEnv(t)
	if _, _, err := runCmd(t, "", "migrate", "up"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "", "backup")
	path := strings.TrimSpace(out)
	if err != nil || filepath.Dir(path) != filepath.Join(dir, "backups") || !strings.HasSuffix(path, ".db") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	out, _, err = runCmd(t, "", "backup", "--dir", other)
	if err != nil || filepath.Dir(strings.TrimSpace(out)) != other {
		t.Fatalf("backup --dir: %v\n%s", err, out)
	}
	var ue usageError
	if _, _, err := runCmd(t, "", "backup", "now"); !errors.As(err, &ue) {
		t.Fatalf("backup now: %v, want a usage error", err)
	}
}

func TestBackupCommandWithoutPGDump(t *testing.T) {
	setEnv(t)
	t.Setenv("DATABASE_URL", testenv.PostgresURL(t))
	if _, _, err := runCmd(t, "", "migrate", "up"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir()) // no pg_dump there
	out, _, err := runCmd(t, "", "backup")
	if err == nil || !strings.Contains(err.Error(), "pg_dump not found") || out != "" {
		t.Fatalf("backup without pg_dump: %v\n%s", err, out)
	}
}
