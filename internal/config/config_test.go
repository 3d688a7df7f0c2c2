package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/config"
)

const strongKey = "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0wMTIzNDU2Nzg5YWJjZGVm" // 42 bytes, varied

func strongEncKeys() string {
	return "k1:" + config.EncodeKey(config.RandomKey())
}

func TestDevelopmentDefaultsWorkWithNothingSet(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Load(config.MapLookup(map[string]string{"GRIMBOTS_DATA_DIR": dir}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Env != config.Development || cfg.HTTPAddr != ":8080" || cfg.PublicURL.String() != "http://localhost:8080" {
		t.Fatalf("unexpected defaults: env=%s addr=%s public=%s", cfg.Env, cfg.HTTPAddr, cfg.PublicURL)
	}
	if cfg.DatabaseURL != "sqlite:"+dir+"/grimbots.db" {
		t.Fatalf("DatabaseURL = %q", cfg.DatabaseURL)
	}
	if !cfg.AutoMigrate || cfg.LogFormat != "text" || cfg.CookieSecure() {
		t.Fatalf("dev: AutoMigrate=%v LogFormat=%s CookieSecure=%v", cfg.AutoMigrate, cfg.LogFormat, cfg.CookieSecure())
	}
	if len(cfg.SecretKey) != 32 || len(cfg.EncryptionKeys) != 1 || len(cfg.EncryptionKeys[0].Secret) != 32 {
		t.Fatalf("generated secrets missing: %d bytes, %d keys", len(cfg.SecretKey), len(cfg.EncryptionKeys))
	}
	info, err := os.Stat(filepath.Join(dir, "dev-secrets.json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("dev secrets file: %v mode %v", err, info.Mode())
	}
	// A restart keeps the same secrets (sessions and encrypted data survive).
	again, err := config.Load(config.MapLookup(map[string]string{"GRIMBOTS_DATA_DIR": dir}))
	if err != nil {
		t.Fatal(err)
	}
	if string(again.SecretKey) != string(cfg.SecretKey) || again.EncryptionKeys[0].ID != cfg.EncryptionKeys[0].ID {
		t.Fatal("secrets changed between two loads of the same data dir")
	}
}

func TestProductionRefusesMissingOrWeakSecrets(t *testing.T) {
	base := map[string]string{"GRIMBOTS_ENV": "production", "GRIMBOTS_DATA_DIR": t.TempDir(), "PUBLIC_URL": "https://grimbots.example"}
	tests := []struct {
		name string
		set  map[string]string
		want string
	}{
		{"both missing", nil, "GRIMBOTS_SECRET_KEY and GRIMBOTS_ENCRYPTION_KEYS are required in production"},
		{"encryption missing", map[string]string{"GRIMBOTS_SECRET_KEY": strongKey}, "GRIMBOTS_ENCRYPTION_KEYS is required in production"},
		{"short secret", map[string]string{"GRIMBOTS_SECRET_KEY": "c2hvcnQ", "GRIMBOTS_ENCRYPTION_KEYS": strongEncKeys()}, "too short"},
		{"repeated secret", map[string]string{"GRIMBOTS_SECRET_KEY": config.EncodeKey([]byte(strings.Repeat("ab", 20))),
			"GRIMBOTS_ENCRYPTION_KEYS": strongEncKeys()}, "too weak"},
		{"not base64", map[string]string{"GRIMBOTS_SECRET_KEY": "not base64 !!", "GRIMBOTS_ENCRYPTION_KEYS": strongEncKeys()}, "not valid base64"},
		{"encryption key not 32 bytes", map[string]string{"GRIMBOTS_SECRET_KEY": strongKey, "GRIMBOTS_ENCRYPTION_KEYS": "k1:" + strongKey}, "exactly 32 bytes"},
		{"duplicate key id", map[string]string{"GRIMBOTS_SECRET_KEY": strongKey,
			"GRIMBOTS_ENCRYPTION_KEYS": strongEncKeys() + "," + strongEncKeys()}, "appears twice"},
		{"http public url", map[string]string{"GRIMBOTS_SECRET_KEY": strongKey, "GRIMBOTS_ENCRYPTION_KEYS": strongEncKeys(),
			"PUBLIC_URL": "http://grimbots.example"}, "must be https in production"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.set {
				env[k] = v
			}
			_, err := config.Load(config.MapLookup(env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestProductionWithStrongSecrets(t *testing.T) {
	cfg, err := config.Load(config.MapLookup(map[string]string{
		"GRIMBOTS_ENV": "production", "PUBLIC_URL": "https://grimbots.example/", "GRIMBOTS_SECRET_KEY": strongKey,
		"GRIMBOTS_ENCRYPTION_KEYS": strongEncKeys(), "GRIMBOTS_DATA_DIR": t.TempDir(),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AutoMigrate || cfg.LogFormat != "json" || !cfg.CookieSecure() || cfg.PublicURL.String() != "https://grimbots.example" {
		t.Fatalf("production defaults: AutoMigrate=%v LogFormat=%s secure=%v url=%s", cfg.AutoMigrate, cfg.LogFormat, cfg.CookieSecure(), cfg.PublicURL)
	}
}

func TestFileVariantsAndValidation(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(strongKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.MapLookup(map[string]string{
		"GRIMBOTS_DATA_DIR": dir, "GRIMBOTS_SECRET_KEY_FILE": secretFile,
		"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7", "RATE_LOGIN_PER_IP": "7/30s", "GRIMBOTS_SESSION_TTL": "2h",
		"DATABASE_URL": "postgres://app:hunter2@db.internal:5432/grimbots?sslmode=require",
		"SMTP_HOST":    "smtp.example", "SMTP_FROM": "no-reply@example.com", "SMTP_PASSWORD": "p:a:s:s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if config.EncodeKey(cfg.SecretKey) != strings.TrimRight(strongKey, "=") {
		t.Fatal("secret not read from the _FILE variant")
	}
	if len(cfg.TrustedProxies) != 2 || cfg.TrustedProxies[1].String() != "192.168.1.7/32" {
		t.Fatalf("TrustedProxies = %v", cfg.TrustedProxies)
	}
	if cfg.RateLoginPerIP.N != 7 || cfg.RateLoginPerIP.Period != 30*time.Second || cfg.SessionTTL != 2*time.Hour {
		t.Fatalf("rate=%v ttl=%v", cfg.RateLoginPerIP, cfg.SessionTTL)
	}
	printed := strings.Join(cfg.Redacted(), "\n")
	for _, secret := range []string{"hunter2", strings.TrimRight(strongKey, "="), "p:a:s:s", "sslmode=require"} {
		if strings.Contains(printed, secret) {
			t.Errorf("redacted config shows %q:\n%s", secret, printed)
		}
	}
	for _, want := range []string{"DATABASE_URL=postgres://REDACTED@db.internal:5432/grimbots", "GRIMBOTS_SECRET_KEY=REDACTED  # file",
		"SMTP_PASSWORD=REDACTED", "GRIMBOTS_ENCRYPTION_KEYS=REDACTED  # generated"} {
		if !strings.Contains(printed, want) {
			t.Errorf("redacted config lacks %q:\n%s", want, printed)
		}
	}
}

func TestInvalidValuesAreAllReported(t *testing.T) {
	_, err := config.Load(config.MapLookup(map[string]string{
		"GRIMBOTS_DATA_DIR": t.TempDir(), "GRIMBOTS_ENV": "staging", "PUBLIC_URL": "ftp://x", "REDIS_URL": "localhost:6379",
		"TRUSTED_PROXIES": "not-an-ip", "RATE_LOGIN_PER_IP": "ten per minute", "LOG_LEVEL": "verbose",
		"GRIMBOTS_SHUTDOWN_TIMEOUT": "-5s", "GRIMBOTS_SECRET_KEY_FILE": "/nonexistent/secret", "SMTP_HOST": "smtp.example",
	}))
	if err == nil {
		t.Fatal("Load accepted invalid configuration")
	}
	for _, want := range []string{"PUBLIC_URL", "REDIS_URL", "TRUSTED_PROXIES", "RATE_LOGIN_PER_IP", "LOG_LEVEL",
		"GRIMBOTS_SHUTDOWN_TIMEOUT", "GRIMBOTS_SECRET_KEY_FILE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestMarkdownTableListsEveryVariable(t *testing.T) {
	var b strings.Builder
	config.WriteMarkdown(&b)
	for _, name := range []string{"GRIMBOTS_ENV", "DATABASE_URL", "DATABASE_REPLICA_URLS", "REDIS_URL", "GRIMBOTS_SECRET_KEY",
		"GRIMBOTS_ENCRYPTION_KEYS", "TRUSTED_PROXIES", "SENTRY_DSN", "SMTP_HOST", "RATE_LOGIN_PER_ACCOUNT"} {
		if !strings.Contains(b.String(), "`"+name+"`") {
			t.Errorf("markdown table lacks %s", name)
		}
	}
}
