package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/app"
	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/config"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// setEnv points the configuration at a fresh data directory.
func setEnv(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("GRIMBOTS_DATA_DIR", dir)
	t.Setenv("LOG_LEVEL", "warn")
	return dir
}

func runCmd(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"migrate"}, {"migrate", "sideways"}, {"migrate", "down", "0"},
		{"admin"}, {"admin", "create"}, {"keys"}, {"serve", "--nope"}} {
		setEnv(t)
		_, _, err := runCmd(t, "", args...)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
}

func TestKeysGenerateOutputIsAcceptedByProduction(t *testing.T) {
	out, _, err := runCmd(t, "", "keys", "generate")
	if err != nil {
		t.Fatal(err)
	}
	setEnv(t)
	t.Setenv("GRIMBOTS_ENV", "production")
	t.Setenv("PUBLIC_URL", "https://grimbots.example")
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") {
			t.Setenv(k, v)
		}
	}
	printed, _, err := runCmd(t, "", "config")
	if err != nil {
		t.Fatalf("production config with generated keys: %v", err)
	}
	if !strings.Contains(printed, "GRIMBOTS_SECRET_KEY=REDACTED  # env") {
		t.Fatalf("config output:\n%s", printed)
	}
}

func TestMigrateUpStatusDown(t *testing.T) {
	setEnv(t)
	out, _, err := runCmd(t, "", "migrate", "status")
	if err != nil || !strings.Contains(out, "0001_foundation  pending") {
		t.Fatalf("status before: %v\n%s", err, out)
	}
	if out, _, err = runCmd(t, "", "migrate", "up"); err != nil || !strings.Contains(out, "applied 0001") {
		t.Fatalf("up: %v\n%s", err, out)
	}
	if out, _, err = runCmd(t, "", "migrate", "up"); err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("second up: %v\n%s", err, out)
	}
	if out, _, err = runCmd(t, "", "migrate", "status"); err != nil || !strings.Contains(out, "0001_foundation  applied") {
		t.Fatalf("status after: %v\n%s", err, out)
	}
	latest := lastMigration(out)
	if out, _, err = runCmd(t, "", "migrate", "down"); err != nil || latest == "" || !strings.Contains(out, "reverted "+latest) {
		t.Fatalf("down: %v\n%s", err, out)
	}
}

// lastMigration returns the version ("0004") of the last migration a
// `migrate status` output lists, so the test follows new migrations.
func lastMigration(status string) string {
	last := ""
	for _, line := range strings.Split(status, "\n") {
		if v, _, ok := strings.Cut(strings.TrimSpace(line), "_"); ok && len(v) == 4 && strings.Trim(v, "0123456789") == "" {
			last = v
		}
	}
	return last
}

func TestServeRefusesASchemaBehind(t *testing.T) {
	setEnv(t)
	t.Setenv("GRIMBOTS_AUTO_MIGRATE", "false")
	_, _, err := runCmd(t, "", "serve")
	if err == nil || !strings.Contains(err.Error(), "grimbots migrate up") {
		t.Fatalf("serve on an empty database: %v", err)
	}
}

func TestAdminCreate(t *testing.T) {
	setEnv(t)
	out, _, err := runCmd(t, "a senha do administrador\n", "admin", "create", "--email", "Root@Example.com", "--username", "root", "--password-stdin")
	if err != nil || !strings.Contains(out, "created admin root@example.com") || strings.Contains(out, "password") {
		t.Fatalf("create: %v\n%s", err, out)
	}
	_, _, err = runCmd(t, "a senha do administrador\n", "admin", "create", "--email", "root@example.com", "--username", "root2", "--password-stdin")
	if err == nil || !strings.Contains(err.Error(), "email is already registered") {
		t.Fatalf("duplicate: %v", err)
	}
	_, _, err = runCmd(t, "short\n", "admin", "create", "--email", "x@example.com", "--username", "xx1", "--password-stdin")
	if err == nil || !strings.Contains(err.Error(), "password: must be at least 10 characters") {
		t.Fatalf("weak password: %v", err)
	}
	out, _, err = runCmd(t, "", "admin", "create", "--email", "ops@example.com", "--username", "ops")
	if err != nil || !strings.Contains(out, "password (shown once") {
		t.Fatalf("generated password: %v\n%s", err, out)
	}
}

func TestServeStartsAndStopsCleanly(t *testing.T) {
	_, dir, stop := serve(t)
	if _, err := os.Stat(filepath.Join(dir, "grimbots.db")); err != nil {
		t.Fatalf("database not created in the data dir: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v", err)
	}
}

func TestKeysRotate(t *testing.T) {
	setEnv(t)
	k1 := "k1:" + config.EncodeKey(config.RandomKey())
	k2 := "k2:" + config.EncodeKey(config.RandomKey())
	t.Setenv("GRIMBOTS_ENCRYPTION_KEYS", k1)
	ctx := context.Background()

	// Secrets sealed under k1: a seller's gateway credentials and a bot token.
	open := func() *app.App {
		t.Helper()
		cfg, err := loadConfig()
		if err != nil {
			t.Fatal(err)
		}
		cfg.HTTPAddr = ""
		a, err := app.New(ctx, cfg, app.NewLogger(cfg, io.Discard), app.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := open()
	u, _, err := a.Auth.Register(ctx, auth.RegisterParams{Email: "ana@example.com", Username: "ana", Password: "uma senha bem longa"}, auth.Meta{IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Payments.Gateways(ctx, u.ID); err != nil { // creates the sandbox gateway
		t.Fatal(err)
	}
	token, err := a.Keys.Encrypt([]byte("123456:AAH-secret-bot-token"), grimbots.BotTokenAD(u.ID, 123456))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.Primary().ExecContext(ctx, `INSERT INTO bots (seller_id, telegram_bot_id, username, name, token_ciphertext,
		token_hash, webhook_secret, created_at, updated_at) VALUES ($1, 123456, 'loja_bot', 'Loja', $2, 'h', 'w', $3, $3)`,
		u.ID, token, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	a.Close()

	// k2 in front: rotation moves everything to it.
	t.Setenv("GRIMBOTS_ENCRYPTION_KEYS", k2+","+k1)
	out, _, err := runCmd(t, "", "keys", "rotate")
	if err != nil || !strings.Contains(out, "gateway_credentials  1 values: 1 re-encrypted with key k2") ||
		!strings.Contains(out, "bot_token            1 values: 1 re-encrypted with key k2") {
		t.Fatalf("rotate: %v\n%s", err, out)
	}
	if out, _, err = runCmd(t, "", "keys", "rotate"); err != nil || !strings.Contains(out, "0 re-encrypted with key k2, 1 already current") {
		t.Fatalf("second rotate: %v\n%s", err, out)
	}

	// k1 removed: every secret still opens.
	t.Setenv("GRIMBOTS_ENCRYPTION_KEYS", k2)
	a = open()
	if gs, err := a.Payments.Gateways(ctx, u.ID); err != nil || len(gs) != 1 {
		t.Fatalf("gateways after rotation: %v %v", gs, err)
	}
	var sealed string
	if err := a.DB.Primary().QueryRowContext(ctx, `SELECT token_ciphertext FROM bots`).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if plain, err := a.Keys.Decrypt(sealed, grimbots.BotTokenAD(u.ID, 123456)); err != nil || string(plain) != "123456:AAH-secret-bot-token" {
		t.Fatalf("bot token after rotation: %q %v", plain, err)
	}
	a.Close()

	// With none of the keys that sealed them, rotation refuses and says so.
	t.Setenv("GRIMBOTS_ENCRYPTION_KEYS", "k3:"+config.EncodeKey(config.RandomKey()))
	out, _, err = runCmd(t, "", "keys", "rotate")
	if err == nil || !strings.Contains(err.Error(), "2 values could not be opened") || !strings.Contains(out, "1 unreadable") {
		t.Fatalf("rotate with a foreign key: %v\n%s", err, out)
	}
}
