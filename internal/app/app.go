// Package app wires the adapters together: it is the only package that knows
// them all. cmd/grimbots parses the command line and calls into it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/bots"
	"github.com/grimbots/grimbots/internal/buildinfo"
	"github.com/grimbots/grimbots/internal/cache"
	"github.com/grimbots/grimbots/internal/config"
	"github.com/grimbots/grimbots/internal/events"
	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/gamification"
	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/grimbots"
	httpserver "github.com/grimbots/grimbots/internal/http"
	"github.com/grimbots/grimbots/internal/http/api"
	"github.com/grimbots/grimbots/internal/jobs"
	"github.com/grimbots/grimbots/internal/mail"
	"github.com/grimbots/grimbots/internal/ops"
	"github.com/grimbots/grimbots/internal/payments"
	"github.com/grimbots/grimbots/internal/pools"
	"github.com/grimbots/grimbots/internal/ratelimit"
	"github.com/grimbots/grimbots/internal/remarketing"
	"github.com/grimbots/grimbots/internal/secretbox"
	"github.com/grimbots/grimbots/internal/stats"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/telegram"
)

// Options adjust the wiring for tests and tools.
type Options struct {
	// Clock replaces the real clock.
	Clock grimbots.Clock
	// HashParams replaces the production password hashing cost.
	HashParams *auth.HashParams
	// Mailer replaces the configured mailer.
	Mailer mail.Mailer
	// GatewayHTTPClient replaces the HTTP client used for gateway calls.
	GatewayHTTPClient *http.Client
	// ExtraGateways adds drivers (test fakes) to the built-in ones.
	ExtraGateways []gateway.Driver
	// IntakeInterval is how often the bot intake loop looks for bots to
	// poll or webhooks to set (default 5s).
	IntakeInterval time.Duration
	// PollTimeout is getUpdates' long-poll timeout (default 25s).
	PollTimeout time.Duration
	// RedisKeyPrefix prefixes every key the instance stores in Redis
	// (default "grimbots:"), so tests sharing one Redis stay isolated.
	RedisKeyPrefix string
}

// App is a running platform instance.
type App struct {
	Config   *config.Config
	Logger   *slog.Logger
	DB       *store.DB
	Store    *store.Store
	Redis    *redis.Client
	Auth     *auth.Service
	Payments *payments.Service
	Bots     *bots.Service
	Jobs     *jobs.Queue
	Ops      *ops.Service
	Keys     *secretbox.Keyring
	Server   *httpserver.Server
	Registry *prometheus.Registry

	// Remarketing runs the sellers' campaigns.
	Remarketing *remarketing.Service
	// Pools runs the redirect pools.
	Pools *pools.Service
	// CacheMetrics are shared by every cache of the instance.
	CacheMetrics *cache.Metrics
	// Stats are the dashboard's statistics, cached.
	Stats *stats.Cached
	// Events is the live event bus; Gamification the ranking and
	// achievements.
	Events       events.Bus
	Gamification *gamification.Service

	intakeInterval time.Duration
	stopIntake     func()
}

// OpenDB connects to the configured database (primary and replicas).
func OpenDB(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*store.DB, error) {
	return store.Open(ctx, store.Config{URL: cfg.DatabaseURL, ReplicaURLs: cfg.DatabaseReplicaURLs,
		MaxOpenConns: cfg.DatabaseMaxOpenConns, Logger: logger})
}

// New builds an instance: database (migrated when configured to), Redis,
// services and the HTTP server. Nothing is served until Run.
func New(ctx context.Context, cfg *config.Config, logger *slog.Logger, opts Options) (_ *App, err error) {
	a := &App{Config: cfg, Logger: logger, Registry: prometheus.NewRegistry()}
	if opts.Clock == nil {
		opts.Clock = grimbots.Now
	}
	defer func() {
		if err != nil {
			a.closeResources()
		}
	}()
	if a.DB, err = OpenDB(ctx, cfg, logger); err != nil {
		return nil, err
	}
	if a.Keys, err = keyring(cfg); err != nil {
		return nil, err
	}
	mailer := opts.Mailer
	if mailer == nil {
		mailer = newMailer(cfg, logger)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &jobs.EmailWorker{Mailer: mailer, Keys: a.Keys})
	// Workers that need services built on the store are added below,
	// before the queue starts.
	if a.Jobs, err = newQueue(ctx, cfg, a.DB, logger, workers, slices.Concat(payments.PeriodicJobs(), bots.PeriodicJobs(),
		ops.PeriodicJobs(cfg.BackupHour))); err != nil {
		return nil, err
	}
	if cfg.AutoMigrate {
		applied, err := migrateUp(ctx, a.DB, a.Jobs)
		if err != nil {
			return nil, err
		}
		if len(applied) > 0 {
			logger.InfoContext(ctx, "applied migrations", "versions", applied)
		}
	}
	if err := checkSchema(ctx, a.DB, a.Jobs); err != nil {
		return nil, err
	}
	a.Store = store.New(a.DB, store.WithJobs(a.Jobs))
	a.Ops = newOps(a.Store, cfg, opts.Clock, logger)
	a.Ops.AddWorkers(workers)
	var limiter ratelimit.Limiter = ratelimit.NewMemory(nil)
	if cfg.RedisURL != "" {
		ropts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		a.Redis = redis.NewClient(ropts)
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := a.Redis.Ping(pctx).Err(); err != nil {
			return nil, fmt.Errorf("REDIS_URL: cannot reach Redis: %w", err)
		}
		limiter = ratelimit.NewRedis(a.Redis, redisPrefix(opts)+"rl:")
	}
	if err := a.newEvents(ctx, opts, logger); err != nil {
		return nil, err
	}

	a.Stats = a.newStats(opts)
	a.Payments = payments.New(a.Store, a.gatewayDrivers(opts), payments.Config{
		PublicURL: cfg.PublicURL, Keys: a.Keys, BaseURLs: kindMap(cfg.GatewayBaseURLs),
		SplitAccounts: kindMap(cfg.GatewaySplitAccounts), ChargeTTL: cfg.PixChargeTTL, ReuseWindow: cfg.PixReuseWindow,
		HTTPClient: opts.GatewayHTTPClient, OnSale: a.publishSale,
		OnPaid:      jobHooks(funnel.OnPaid, gamification.OnPaid),
		OnReversed:  jobHooks(funnel.OnReversed, gamification.OnReversed),
		AfterChange: func(ctx context.Context, p *grimbots.Payment) { a.invalidateStats(ctx, p.SellerID) },
	}, opts.Clock, logger, payments.NewMetrics(a.Registry))
	a.Payments.AddWorkers(workers)
	a.newGamification(workers, opts, logger)

	var pauser telegram.Pauser = telegram.NewMemoryPauser(nil)
	if a.Redis != nil {
		pauser = telegram.NewRedisPauser(a.Redis, redisPrefix(opts)+"tg:")
	}
	a.Pools = a.newPools(opts, logger)
	engine := funnel.NewEngine(a.Store, a.Payments, a.Jobs, opts.Clock)
	engine.OnNewLead = func(ctx context.Context, l *grimbots.Lead) { a.invalidateStats(ctx, l.SellerID) }
	a.Bots = bots.New(a.Store, engine, a.Jobs, bots.Config{
		PublicURL: cfg.PublicURL, Mode: cfg.TelegramUpdates, TelegramAPIURL: cfg.TelegramAPIURL, SecretKey: cfg.SecretKey,
		Keys: a.Keys, Limiter: limiter, Pauser: pauser, PollTimeout: opts.PollTimeout,
		Metrics: telegram.NewMetrics(a.Registry), Health: bots.NewHealthMetrics(a.Registry),
		OnChange: a.Pools.BotChanged,
	}, opts.Clock, logger)
	a.Bots.AddWorkers(workers)
	if err := a.newRemarketing(engine, workers, opts.Clock, logger); err != nil {
		return nil, err
	}
	a.intakeInterval = opts.IntakeInterval
	if a.intakeInterval <= 0 {
		a.intakeInterval = 5 * time.Second
	}

	params := auth.DefaultHashParams
	if opts.HashParams != nil {
		params = *opts.HashParams
	}
	hasher := auth.NewHasher(params, 2*runtime.GOMAXPROCS(0))
	a.Auth, err = auth.New(a.Store, limiter, a.Keys, hasher, auth.Config{
		Secret: cfg.SecretKey, SessionTTL: cfg.SessionTTL, PublicURL: cfg.PublicURL,
		LoginPerIP: rate(cfg.RateLoginPerIP), LoginPerAccount: rate(cfg.RateLoginPerAccount),
		RegisterPerIP: rate(cfg.RateRegisterPerIP), ResetPerIP: rate(cfg.RateResetPerIP),
		ResetPerAccount: rate(cfg.RateResetPerAccount),
	}, opts.Clock, logger)
	if err != nil {
		return nil, err
	}

	jobsUI, err := a.newJobsUI(opts.Clock)
	if err != nil {
		return nil, err
	}
	dashboard, err := a.newDashboard(opts.Clock)
	if err != nil {
		return nil, err
	}
	a.registerMetrics()
	a.Server = httpserver.New(httpserver.Config{
		Addr: cfg.HTTPAddr, TrustedProxies: cfg.TrustedProxies, Production: cfg.Production(),
		Sentry: cfg.SentryDSN != "", Logger: logger, Registry: a.Registry, Checks: a.readinessChecks(),
		NotFoundPage: dashboard.NotFound(),
	}, func(mux *http.ServeMux, cop *http.CrossOriginProtection) {
		if !cfg.ServesWeb() {
			return // worker role: /healthz, /readyz and /metrics only
		}
		apiHandler := api.New(mux, api.Deps{Remarketing: a.Remarketing, Auth: a.Auth, Payments: a.Payments, Sandbox: a.Store, Bots: a.Bots,
			Gamification: a.Gamification, Events: a.Events, Pools: a.Pools, Stats: a.Stats},
			api.Config{Version: buildinfo.Version, CookieSecure: cfg.CookieSecure(), Logger: logger,
				EventsHeartbeat: cfg.EventsHeartbeat})
		// The job dashboard (River UI): admins only; its changes go through
		// the cross-site protection like every other route.
		mux.Handle(JobsUIPrefix+"/", apiHandler.AdminOnly(jobsUI))
		// Gateways post from their servers: no browser, no cookies, and the
		// URL token authenticates.
		cop.AddInsecureBypassPattern("POST /webhooks/{gateway}/{token}")
		mux.Handle("POST /webhooks/{gateway}/{token}", api.WebhookHandler(a.Payments))
		// Telegram pushes updates to the bot's secret path, with its
		// secret_token header.
		cop.AddInsecureBypassPattern("POST /tg/{secret}")
		mux.Handle("POST /tg/{secret}", a.Bots.WebhookHandler())
		mux.HandleFunc("GET /api/docs.css", api.DocsCSS)
		a.mountPools(mux, limiter)
		dashboard.Register(mux)
	})
	return a, nil
}

func redisPrefix(opts Options) string {
	if opts.RedisKeyPrefix == "" {
		return "grimbots:"
	}
	return opts.RedisKeyPrefix
}

func rate(r config.Rate) ratelimit.Rate { return ratelimit.Rate{N: r.N, Period: r.Period} }

func newMailer(cfg *config.Config, logger *slog.Logger) mail.Mailer {
	if cfg.SMTP.Host == "" {
		return mail.Log{Logger: logger, ShowSensitive: !cfg.Production()}
	}
	return mail.SMTP{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
		Password: cfg.SMTP.Password, From: cfg.SMTP.From}
}

func (a *App) registerMetrics() {
	a.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "grimbots_build_info", Help: "Build information; the value is always 1.",
			ConstLabels: prometheus.Labels{"version": buildinfo.Version, "commit": buildinfo.Commit(),
				"goversion": runtime.Version(), "engine": a.DB.Engine()},
		}, func() float64 { return 1 }),
	)
	for name, pool := range a.DB.Pools() {
		a.Registry.MustRegister(collectors.NewDBStatsCollector(pool, name))
	}
}

func (a *App) readinessChecks() []httpserver.Check {
	checks := []httpserver.Check{
		{Name: "database", Run: func(ctx context.Context) (string, error) { return a.DB.Engine(), a.DB.Ping(ctx) }},
		{Name: "schema", Run: func(ctx context.Context) (string, error) {
			v, err := a.DB.SchemaVersion(ctx)
			if err != nil {
				return "", err
			}
			return "version " + strconv.Itoa(v), checkSchema(ctx, a.DB, a.Jobs)
		}},
		{Name: "read_pools", Optional: true, Run: func(ctx context.Context) (string, error) {
			var errs []error
			for _, s := range a.DB.PingReaders(ctx) {
				if s.Err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", s.Name, s.Err))
				}
			}
			return "", errors.Join(errs...)
		}},
	}
	if a.Redis != nil {
		checks = append(checks, httpserver.Check{Name: "redis", Run: func(ctx context.Context) (string, error) {
			return "", a.Redis.Ping(ctx).Err()
		}})
	}
	return checks
}

// StartBackground starts the workers (job queue). Run calls it; tests that
// serve the handler themselves call it to get emails and other jobs done.
func (a *App) StartBackground(ctx context.Context) error {
	if err := a.Jobs.Start(ctx); err != nil { // a no-op in the web role
		return fmt.Errorf("starting job workers: %w", err)
	}
	if !a.Config.RunsWorkers() {
		return nil // web role: no polling loops either
	}
	ictx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	a.stopIntake = func() {
		cancel()
		<-done
	}
	go func() {
		defer close(done)
		a.Bots.RunIntake(ictx, a.intakeInterval)
	}()
	return nil
}

// stopBackground ends the bot intake (pollers release their leases), then
// the job workers.
func (a *App) stopBackground(ctx context.Context) error {
	if a.stopIntake != nil {
		a.stopIntake()
		a.stopIntake = nil
	}
	a.Bots.Wait()
	return a.Jobs.Stop(ctx)
}

// Run serves until ctx is cancelled, then shuts down in order within the
// configured timeout: HTTP drained, workers stopped (running jobs finish or
// return to the queue), connections closed.
func (a *App) Run(ctx context.Context) error {
	ln, err := a.Server.Listen(ctx)
	if err != nil {
		a.closeResources()
		return fmt.Errorf("listening on %s: %w", a.Config.HTTPAddr, err)
	}
	// Workers run on a context that outlives the signal: Stop ends them.
	if err := a.StartBackground(context.WithoutCancel(ctx)); err != nil {
		_ = ln.Close()
		a.closeResources()
		return err
	}
	a.Logger.InfoContext(ctx, "grimbots is serving", "addr", ln.Addr().String(), "public_url", a.Config.PublicURL.String(),
		"engine", a.DB.Engine(), "role", a.Config.Role, "version", buildinfo.Version)
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.Server.Serve(ln) }()

	select {
	case err = <-serveErr:
	case <-ctx.Done():
	}
	a.Logger.Info("shutting down", "timeout", a.Config.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	// Live event streams never end by themselves: end them, so that the
	// HTTP drain does not wait for them.
	if a.Events != nil {
		_ = a.Events.Close()
	}
	if serr := a.Server.Shutdown(sctx); serr != nil {
		a.Logger.Warn("HTTP shutdown did not finish in time", "err", serr)
	}
	if err == nil {
		err = <-serveErr
	}
	if jerr := a.stopBackground(sctx); jerr != nil {
		a.Logger.Warn("job workers did not stop cleanly", "err", jerr)
	}
	a.closeResources()
	a.Logger.Info("stopped")
	return err
}

// Close stops the workers (if started) and releases an instance that was
// not Run (tools, tests).
func (a *App) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	if err := a.stopBackground(ctx); err != nil {
		a.Logger.Warn("job workers did not stop cleanly", "err", err)
	}
	a.closeResources()
}

func (a *App) closeResources() {
	a.closePools()
	if a.Jobs != nil {
		a.Jobs.Close()
	}
	if a.Events != nil {
		_ = a.Events.Close()
	}
	if a.Redis != nil {
		_ = a.Redis.Close()
	}
	if a.DB != nil {
		_ = a.DB.Close()
	}
	sentry.Flush(2 * time.Second)
}

// InitSentry configures error reporting when a DSN is set.
func InitSentry(cfg *config.Config) error {
	if cfg.SentryDSN == "" {
		return nil
	}
	return sentry.Init(sentry.ClientOptions{
		Dsn: cfg.SentryDSN, Environment: cfg.Env, Release: "grimbots@" + buildinfo.Version, AttachStacktrace: true,
		BeforeSend: func(ev *sentry.Event, _ *sentry.EventHint) *sentry.Event {
			if ev.Request != nil {
				ev.Request.Cookies = ""
				for k := range ev.Request.Headers {
					switch http.CanonicalHeaderKey(k) {
					case "Authorization", "Cookie", "X-Telegram-Bot-Api-Secret-Token":
						ev.Request.Headers[k] = "REDACTED"
					}
				}
				ev.Request.Data = ""
			}
			return ev
		},
	})
}
