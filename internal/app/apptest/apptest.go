// Package apptest runs a complete grimbots instance for HTTP scenario tests:
// the real wiring (app.New), a real database (a fresh SQLite file, or a fresh
// PostgreSQL schema when GRIMBOTS_TEST_POSTGRES_URL is set), optionally the
// real Redis limiter, served by httptest through the full middleware chain.
//
// What differs from production is only what must for tests to be fast and
// observable: cheap password hashing, a capturing mailer, a controllable
// clock, generous rate limits unless a test sets its own, and a log kept in
// memory (printed when the test fails).
//
// Every instance is independent: its own database, its own Redis key prefix,
// its own in-process limiter, so tests using it may run in parallel.
//
//	h := apptest.New(t, apptest.Options{})
//	seller := h.RegisterSeller("maria")
//	res := seller.Client.Do("GET", "/api/v1/me", nil)
//	res.RequireStatus(t, 200)
package apptest

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/app"
	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/config"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/testenv"
)

// Database engines.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Engines lists every engine a scenario should run on. PostgreSQL instances
// skip (or fail under GRIMBOTS_TEST_REQUIRE_SERVICES=1) without
// GRIMBOTS_TEST_POSTGRES_URL.
var Engines = []string{SQLite, Postgres}

// SessionCookie is the session cookie's name over plain HTTP, which is what
// the test server speaks.
const SessionCookie = "grimbots_session"

// DefaultPassword is the password of accounts created by the helpers. It is
// strong enough for the policy and contains none of the names tests use.
const DefaultPassword = "Tr0ub4dor&3-staple"

// Options choose the backing services and configuration.
type Options struct {
	// Engine is SQLite (the default) or Postgres.
	Engine string
	// Redis shares rate limits through Redis (GRIMBOTS_TEST_REDIS_URL),
	// under a key prefix of this instance's own. Skips without Redis.
	Redis bool
	// Env overrides configuration variables (applied last; an empty value
	// restores the variable's default).
	Env map[string]string
	// SelfPublicURL sets PUBLIC_URL to the instance's own address (for
	// webhooks a fake must reach).
	SelfPublicURL bool
	// Share runs this instance on another harness's database, data
	// directory (secrets) and Redis prefix: two instances of one cluster.
	Share *Harness
}

// Harness is a running instance and what tests need to drive and observe it.
type Harness struct {
	T      testing.TB
	App    *app.App
	Server *httptest.Server
	// URL is the server's base URL, http://127.0.0.1:port.
	URL    string
	Engine string
	Mailer *Mailer
	Clock  *Clock
	Logs   *Logs
	// RedisPrefix is the key prefix of this instance in Redis, or "".
	RedisPrefix string

	env  map[string]string
	stop sync.Once

	users atomic.Int64
}

// Stop shuts the instance down (HTTP first, so no request outlives the
// app); it runs by itself when the test ends.
func (h *Harness) Stop() {
	h.stop.Do(func() {
		h.Server.Close()
		h.App.Close()
	})
}

// RequireEngine skips t (or fails it under GRIMBOTS_TEST_REQUIRE_SERVICES=1)
// when engine's service is not configured.
func RequireEngine(t testing.TB, engine string) {
	t.Helper()
	if engine == Postgres && os.Getenv(testenv.PostgresURLEnv) == "" {
		unavailable(t, "PostgreSQL scenarios skipped: %s is not set", testenv.PostgresURLEnv)
	}
}

// RequireRedis skips t (or fails it under GRIMBOTS_TEST_REQUIRE_SERVICES=1)
// when Redis is not configured.
func RequireRedis(t testing.TB) {
	t.Helper()
	if os.Getenv(testenv.RedisURLEnv) == "" {
		unavailable(t, "Redis scenarios skipped: %s is not set", testenv.RedisURLEnv)
	}
}

func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(testenv.RequireServicesEnv) == "1" {
		t.Fatalf("%s (required: %s=1)", msg, testenv.RequireServicesEnv)
	}
	t.Skip(msg)
}

// generousRate is the default of every rate limit, so that scenarios not
// about rate limiting never meet one.
const generousRate = "100000/1m"

// New starts an instance; everything is released when t ends.
func New(t testing.TB, opts Options) *Harness {
	t.Helper()
	h := &Harness{T: t, Engine: opts.Engine, Mailer: NewMailer(), Clock: &Clock{}, Logs: &Logs{}}
	if h.Engine == "" {
		h.Engine = SQLite
	}
	// Registered first, so it runs last: the log is complete by then.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log (%s):\n%s", h.Engine, h.Logs.Tail(64<<10))
		}
	})

	env := map[string]string{
		"GRIMBOTS_ENV":            config.Development,
		"GRIMBOTS_DATA_DIR":       t.TempDir(),
		"GRIMBOTS_AUTO_MIGRATE":   "true",
		"LOG_LEVEL":               "info",
		"LOG_FORMAT":              "text",
		"DATABASE_MAX_OPEN_CONNS": "4",
		"RATE_LOGIN_PER_IP":       generousRate,
		"RATE_LOGIN_PER_ACCOUNT":  generousRate,
		"RATE_REGISTER_PER_IP":    generousRate,
		"RATE_RESET_PER_IP":       generousRate,
		"RATE_RESET_PER_ACCOUNT":  generousRate,
		"RATE_GO_PER_IP":          generousRate,
	}
	switch h.Engine {
	case SQLite:
		env["DATABASE_URL"] = testenv.SQLiteURL(t)
	case Postgres:
		RequireEngine(t, Postgres)
		env["DATABASE_URL"] = testenv.PostgresURL(t)
	default:
		t.Fatalf("apptest: unknown engine %q", h.Engine)
	}
	if opts.Redis {
		RequireRedis(t)
		env["REDIS_URL"], h.RedisPrefix = testenv.RedisURL(t)
	}
	if sh := opts.Share; sh != nil {
		for _, k := range []string{"DATABASE_URL", "GRIMBOTS_DATA_DIR", "REDIS_URL"} {
			env[k] = sh.env[k]
		}
		h.Engine, h.RedisPrefix = sh.Engine, sh.RedisPrefix
	}
	h.Server = httptest.NewUnstartedServer(nil)
	h.URL = "http://" + h.Server.Listener.Addr().String()
	if opts.SelfPublicURL {
		env["PUBLIC_URL"] = h.URL
	}
	maps.Copy(env, opts.Env)
	h.env = env

	cfg, err := config.Load(config.MapLookup(env))
	if err != nil {
		_ = h.Server.Listener.Close()
		t.Fatalf("apptest: configuration: %v", err)
	}
	logger := app.NewLogger(cfg, h.Logs)
	a, err := app.New(context.Background(), cfg, logger, app.Options{
		Clock:          h.Clock.Now,
		HashParams:     &auth.HashParams{MemoryKiB: 1024, Iterations: 1, Threads: 1},
		Mailer:         h.Mailer,
		RedisKeyPrefix: h.RedisPrefix,
		IntakeInterval: 100 * time.Millisecond,
		PollTimeout:    time.Second,
	})
	if err != nil {
		_ = h.Server.Listener.Close()
		t.Fatalf("apptest: starting the instance: %v", err)
	}
	h.App = a
	t.Cleanup(h.Stop)
	// Workers run so that queued jobs (emails) are done as in production.
	if err := a.StartBackground(context.Background()); err != nil {
		t.Fatalf("apptest: starting workers: %v", err)
	}
	h.Server.Config.Handler = a.Server.Handler()
	h.Server.Start()
	return h
}

// Clock is the instance's clock: real time plus an offset tests can move
// forward to expire sessions, tokens and reset links. (Rate limiters keep
// real time.)
type Clock struct{ offset atomic.Int64 }

// Now is the instance's current time.
func (c *Clock) Now() time.Time { return grimbots.Now().Add(time.Duration(c.offset.Load())) }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// Logs collects the instance's log output. Safe for concurrent use.
type Logs struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Tail returns at most the last n bytes logged.
func (l *Logs) Tail(n int) string {
	s := l.String()
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// NewClient returns a new "browser": its own cookie jar, no credentials.
func (h *Harness) NewClient() *Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.T.Fatalf("apptest: cookie jar: %v", err)
	}
	base, _ := url.Parse(h.URL)
	return &Client{t: h.T, base: base, Header: http.Header{}, http: &http.Client{
		Transport: h.Server.Client().Transport,
		Jar:       jar,
		Timeout:   30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// TokenClient returns a client authenticating with an API token.
func (h *Harness) TokenClient(secret string) *Client {
	c := h.NewClient()
	c.Header.Set("Authorization", "Bearer "+secret)
	return c
}

// SessionClient returns a new browser holding the given session cookie value.
func (h *Harness) SessionClient(session string) *Client {
	c := h.NewClient()
	c.SetSession(session)
	return c
}

// Account is a user created by the helpers, with a logged-in browser.
type Account struct {
	ID       int64
	Email    string
	Username string
	Password string
	Client   *Client
	h        *Harness
}

// uniqueName makes names distinct within the instance.
func (h *Harness) uniqueName(name string) string {
	if name == "" {
		return fmt.Sprintf("user%d", h.users.Add(1))
	}
	return name
}

// RegisterSeller signs a seller up through the API (username name, email
// name@example.com, DefaultPassword) and returns it logged in. An empty name
// picks a unique one.
func (h *Harness) RegisterSeller(name string) *Account {
	h.T.Helper()
	name = h.uniqueName(name)
	acc := &Account{Email: name + "@example.com", Username: name, Password: DefaultPassword, h: h, Client: h.NewClient()}
	res := acc.Client.Do("POST", "/api/v1/auth/register",
		map[string]any{"email": acc.Email, "username": acc.Username, "password": acc.Password})
	res.RequireStatus(h.T, http.StatusCreated)
	acc.ID = res.Int("user.id")
	return acc
}

// CreateAdmin creates an admin the way the command line does
// (Auth.CreateAdmin) and returns it logged in through the API.
func (h *Harness) CreateAdmin(name string) *Account {
	h.T.Helper()
	name = h.uniqueName(name)
	u, err := h.App.Auth.CreateAdmin(context.Background(), auth.RegisterParams{
		Email: name + "@example.com", Username: name, Password: DefaultPassword, FullName: "Admin " + name})
	if err != nil {
		h.T.Fatalf("apptest: creating admin %s: %v", name, err)
	}
	acc := &Account{ID: u.ID, Email: u.Email, Username: u.Username, Password: DefaultPassword, h: h}
	acc.Client = acc.Login()
	return acc
}

// Login logs the account in from a new browser.
func (a *Account) Login() *Client {
	a.h.T.Helper()
	return a.h.Login(a.Username, a.Password)
}

// Login logs in from a new browser and fails the test unless it succeeds.
func (h *Harness) Login(login, password string) *Client {
	h.T.Helper()
	c := h.NewClient()
	c.Do("POST", "/api/v1/auth/login", map[string]any{"login": login, "password": password}).
		RequireStatus(h.T, http.StatusOK)
	return c
}

// CreateToken creates an API token through c (a session) and returns its id
// and secret.
func (c *Client) CreateToken(name string) (int64, string) {
	c.t.Helper()
	res := c.Do("POST", "/api/v1/tokens", map[string]any{"name": name})
	res.RequireStatus(c.t, http.StatusCreated)
	return res.Int("token.id"), res.Str("secret")
}
