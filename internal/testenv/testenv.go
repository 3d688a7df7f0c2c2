// Package testenv gives tests real backing services: a fresh SQLite file, an
// isolated PostgreSQL schema, a Redis key prefix. PostgreSQL and Redis suites
// run when GRIMBOTS_TEST_POSTGRES_URL / GRIMBOTS_TEST_REDIS_URL are set and
// are skipped otherwise, unless GRIMBOTS_TEST_REQUIRE_SERVICES=1 (set by CI),
// which turns a skip into a failure so CI can never silently skip them.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver used to create test schemas
	"github.com/redis/go-redis/v9"
)

// Env variables read by this package.
const (
	PostgresURLEnv     = "GRIMBOTS_TEST_POSTGRES_URL"
	RedisURLEnv        = "GRIMBOTS_TEST_REDIS_URL"
	RequireServicesEnv = "GRIMBOTS_TEST_REQUIRE_SERVICES"
)

func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(RequireServicesEnv) == "1" {
		t.Fatalf("%s (required: %s=1)", msg, RequireServicesEnv)
	}
	t.Skip(msg)
}

// RandomName returns a short random identifier usable as a schema name.
func RandomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// SQLiteURL returns the URL of a new SQLite database file in a temporary
// directory removed after the test.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
}

// PostgresURL returns a URL whose connections use a new, empty schema that is
// dropped after the test. It skips (or fails under CI) without PostgreSQL.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		unavailable(t, "PostgreSQL suite skipped: %s is not set", PostgresURLEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("testenv: opening postgres: %v", err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		unavailable(t, "PostgreSQL suite skipped: %s unreachable: %v", PostgresURLEnv, err)
	}
	schema := RandomName("t_")
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("testenv: creating schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("testenv: dropping schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testenv: parsing %s: %v", PostgresURLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Redis returns a client and a unique key prefix; keys under the prefix are
// deleted after the test. It skips (or fails under CI) without Redis.
func Redis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	raw := os.Getenv(RedisURLEnv)
	if raw == "" {
		unavailable(t, "Redis suite skipped: %s is not set", RedisURLEnv)
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("testenv: parsing %s: %v", RedisURLEnv, err)
	}
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		unavailable(t, "Redis suite skipped: %s unreachable: %v", RedisURLEnv, err)
	}
	prefix := RandomName("test:") + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			client.Del(ctx, keys...)
		}
		_ = client.Close()
	})
	return client, prefix
}

// RedisURL returns the test Redis URL (skipping or failing like Redis) and a
// unique key prefix.
func RedisURL(t testing.TB) (string, string) {
	t.Helper()
	_, prefix := Redis(t)
	return strings.TrimSpace(os.Getenv(RedisURLEnv)), prefix
}
