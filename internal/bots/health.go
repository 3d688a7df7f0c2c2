package bots

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/telegram"
)

// The health check asks Telegram's getMe for every running bot every
// HealthInterval (a River periodic job, so once per period across the
// cluster). A success makes the bot online; a transient failure (5xx,
// network, timeout) counts, and HealthFailuresOffline in a row make it
// offline; a 401 marks its token revoked, which stops its polling and its
// checks until the seller replaces the token.

const (
	// HealthInterval is the period of the health check.
	HealthInterval = 15 * time.Second
	// HealthFailuresOffline consecutive failed checks make a bot offline.
	HealthFailuresOffline = 3
	// healthFresh: a bot checked more recently than this is skipped (the
	// run before took it, or another instance's run). A little under the
	// interval, so that a check that took a moment does not skip a period.
	healthFresh = HealthInterval - 3*time.Second
	// healthConcurrency bounds the getMe calls in flight.
	healthConcurrency = 16
	// healthTimeout bounds one getMe.
	healthTimeout = 10 * time.Second
	// healthSpread is the part of the period over which a run spreads its
	// checks, so that thousands of bots do not call Telegram at once.
	healthSpread = HealthInterval * 2 / 3
)

// HealthJob runs one health check pass (periodic).
type HealthJob struct{}

// Kind names the job.
func (HealthJob) Kind() string { return "bot_health" }

// InsertOpts: a failed pass is not retried; the next period runs anyway.
func (HealthJob) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

// healthPeriodicJob is the health check's schedule.
func healthPeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(HealthInterval),
		func() (river.JobArgs, *river.InsertOpts) { return HealthJob{}, nil },
		&river.PeriodicJobOpts{ID: "bot_health"})
}

type healthWorker struct {
	river.WorkerDefaults[HealthJob]
	s *Service
}

// Timeout leaves room for the spread and the slowest getMe.
func (w *healthWorker) Timeout(*river.Job[HealthJob]) time.Duration { return 2 * HealthInterval }

func (w *healthWorker) Work(ctx context.Context, _ *river.Job[HealthJob]) error {
	r, err := w.s.CheckHealth(ctx, healthSpread)
	if r.Failed > 0 || r.Offline > 0 || r.Revoked > 0 || r.Recovered > 0 || r.Deferred > 0 {
		w.s.logger.InfoContext(ctx, "bot health check", "checked", r.Checked, "failed", r.Failed, "offline", r.Offline,
			"revoked", r.Revoked, "recovered", r.Recovered, "deferred", r.Deferred)
	}
	return err
}

// HealthReport counts what one pass did.
type HealthReport struct {
	// Checked bots got an answer or a failure from Telegram.
	Checked int
	// Failed checks were transient failures (whether or not they made
	// the bot offline); Offline of them made it so.
	Failed  int
	Offline int
	// Revoked bots answered 401.
	Revoked int
	// Recovered bots were offline and answered.
	Recovered int
	// Deferred bots were due but left to the next pass (the pass ran out
	// of time); they go first then.
	Deferred int
}

// CheckHealth checks the running bots that are due (not revoked, not
// checked in the last healthFresh), the longest unchecked first, at most
// healthConcurrency at a time, starting them evenly over spread. Each bot
// is claimed in the database first, so concurrent passes never check one
// bot twice. It returns an error only when the bots cannot be listed.
func (s *Service) CheckHealth(ctx context.Context, spread time.Duration) (HealthReport, error) {
	var r HealthReport
	bots, err := s.store.RunningBots(ctx)
	if err != nil {
		return r, err
	}
	cutoff := s.now().Add(-healthFresh)
	due := slices.DeleteFunc(bots, func(b *grimbots.Bot) bool {
		return b.Health == grimbots.BotRevoked || (b.HealthCheckedAt != nil && !b.HealthCheckedAt.Before(cutoff))
	})
	// Never checked first, then the longest unchecked.
	slices.SortStableFunc(due, func(a, b *grimbots.Bot) int {
		if a.HealthCheckedAt == nil || b.HealthCheckedAt == nil {
			return cmp.Compare(b2i(a.HealthCheckedAt != nil), b2i(b.HealthCheckedAt != nil))
		}
		return a.HealthCheckedAt.Compare(*b.HealthCheckedAt)
	})

	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, healthConcurrency)
	start := time.Now()
	deadline := start.Add(HealthInterval)
launch:
	for i, b := range due {
		if spread > 0 {
			sleepCtx(ctx, time.Until(start.Add(spread*time.Duration(i)/time.Duration(len(due)))))
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			r.Deferred = len(due) - i
			break
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			r.Deferred = len(due) - i
			break launch
		}
		wg.Go(func() {
			defer func() { <-sem }()
			outcome := s.checkBot(ctx, b)
			mu.Lock()
			defer mu.Unlock()
			r.add(outcome)
		})
	}
	wg.Wait()
	return r, nil
}

// healthOutcome is what one check found.
type healthOutcome struct {
	checked, failed, offline, revoked, recovered bool
}

func (r *HealthReport) add(o healthOutcome) {
	r.Checked += b2i(o.checked)
	r.Failed += b2i(o.failed)
	r.Offline += b2i(o.offline)
	r.Revoked += b2i(o.revoked)
	r.Recovered += b2i(o.recovered)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkBot claims, checks and records one bot.
func (s *Service) checkBot(ctx context.Context, b *grimbots.Bot) healthOutcome {
	now := s.now()
	claimed, err := s.store.ClaimBotHealthCheck(ctx, b.ID, now, now.Add(-healthFresh))
	if err != nil || !claimed {
		if err != nil && ctx.Err() == nil {
			s.logger.WarnContext(ctx, "health check: claiming the bot", "bot_id", b.ID, "err", err)
		}
		return healthOutcome{}
	}
	c, err := s.client(b)
	if err != nil {
		s.logger.ErrorContext(ctx, "health check: opening the bot token", "bot_id", b.ID, "err", err)
		return healthOutcome{}
	}
	cctx, cancel := context.WithTimeout(ctx, healthTimeout)
	_, err = c.GetMe(cctx)
	cancel()
	if err != nil && ctx.Err() != nil {
		return healthOutcome{} // shutting down: not the bot's fault
	}
	health, failures, result := nextHealth(b.Health, b.HealthFailures, err)
	s.cfg.Health.check(result)
	o := healthOutcome{checked: true, failed: result == healthFailed}
	if health == b.Health && failures == b.HealthFailures {
		return o // nothing changed; the claim stamped the time
	}
	recorded, rerr := s.store.RecordBotHealth(context.WithoutCancel(ctx), b.ID, b.TokenHash, health, failures, s.now())
	if rerr != nil || !recorded {
		if rerr != nil {
			s.logger.WarnContext(ctx, "health check: recording", "bot_id", b.ID, "err", rerr)
		}
		return o // the token was replaced meanwhile: this check says nothing about the new one
	}
	if health == b.Health {
		return o
	}
	s.cfg.Health.change(b.Health, health)
	s.changed(ctx, b.ID)
	log := []any{"bot_id", b.ID, "seller_id", b.SellerID, "username", b.Username, "was", b.Health}
	switch health {
	case grimbots.BotOffline:
		o.offline = true
		s.logger.WarnContext(ctx, "bot offline: Telegram failed its health checks", append(log, "failures", failures, "err", err)...)
	case grimbots.BotRevoked:
		o.revoked = true
		s.logger.WarnContext(ctx, "telegram refused the bot's token: marked revoked", log...)
	case grimbots.BotOnline:
		if b.Health == grimbots.BotOffline {
			o.recovered = true
			s.logger.InfoContext(ctx, "bot recovered: Telegram answers again", log...)
		}
	}
	return o
}

// Health check results.
const (
	healthOK        = "ok"
	healthFailed    = "failed"
	healthRevoked   = "revoked"
	healthThrottled = "throttled"
)

// nextHealth is the state machine: the bot's health and consecutive
// failures after a check that returned err, and the check's result.
func nextHealth(health string, failures int, err error) (string, int, string) {
	var ra *telegram.RetryAfterError
	switch {
	case err == nil:
		return grimbots.BotOnline, 0, healthOK
	case errors.Is(err, telegram.ErrUnauthorized):
		return grimbots.BotRevoked, failures, healthRevoked
	case errors.As(err, &ra):
		// Telegram answered (it is up) but asked us to wait: no verdict.
		return health, failures, healthThrottled
	}
	failures++
	if failures >= HealthFailuresOffline {
		return grimbots.BotOffline, failures, healthFailed
	}
	return health, failures, healthFailed
}

// HealthMetrics counts health checks and health changes. A nil
// *HealthMetrics records nothing.
type HealthMetrics struct {
	checks  *prometheus.CounterVec
	changes *prometheus.CounterVec
}

// NewHealthMetrics registers the collectors on reg.
func NewHealthMetrics(reg prometheus.Registerer) *HealthMetrics {
	m := &HealthMetrics{
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grimbots_bot_health_checks_total",
			Help: "Bot health checks (getMe) by result: ok, failed, revoked, throttled.",
		}, []string{"result"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grimbots_bot_health_changes_total",
			Help: "Bot health changes found by the health check; from=offline,to=online counts recoveries.",
		}, []string{"from", "to"}),
	}
	reg.MustRegister(m.checks, m.changes)
	return m
}

func (m *HealthMetrics) check(result string) {
	if m != nil {
		m.checks.WithLabelValues(result).Inc()
	}
}

func (m *HealthMetrics) change(from, to string) {
	if m != nil {
		m.changes.WithLabelValues(from, to).Inc()
	}
}
