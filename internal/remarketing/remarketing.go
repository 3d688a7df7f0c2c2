// Package remarketing runs sellers' remarketing campaigns: one message
// (Telegram HTML, optional media, link buttons and offer buttons whose
// sales are attributed to the campaign) broadcast to a segment of the leads
// of one or more bots, now or at a scheduled time, with pause, resume and
// cancel, and a per-lead cooldown between campaigns.
//
// Sending runs on River, one runner job per campaign and bot (unique by
// its arguments). A runner first streams its bot's audience into one row
// per recipient, a page of leads per transaction in lead id order, then
// sends through the bot's Telegram client, which paces it at the bot's
// 30 messages/s and 1/s per chat (a 429 pauses that bot only). Several
// sends of a bot are in flight at once, so the limiter, not the network,
// bounds the rate; the runner works in rounds and re-queues itself until
// no recipient is left.
//
// Each lead is messaged at most once per campaign, and exactly once unless
// a process dies mid-send. Of a bot's sends, the one whose turn comes next
// claims its recipient (queued → sending, a conditional update naming the
// run), waits for the limiter, and passes the turn on as its request
// leaves; the outcome is settled after Telegram answers. A send that
// certainly delivered nothing (refused before its request left, an error
// answer, 429 included, or no connection) goes back to the queue. One
// whose fate is unknown (a timeout, a process killed during the request)
// is never repeated: the next run settles the claims a dead run left as
// failed, reason "uncertain". Telegram has no idempotency key, so that
// window — the claimed send of each bot waiting for its turn, and the
// requests in flight — is where exactly-once becomes at-most-once.
package remarketing

import (
	"context"
	"log/slog"
	"time"

	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
	"github.com/grimbots/grimbots/internal/store"
)

// Queue is the River queue of the runners: it needs one worker slot per
// campaign bot sending at the same time.
const Queue = "remarketing"

// QueueWorkers is the queue's default number of worker slots.
const QueueWorkers = 500

// Actor is who changes a campaign, for the audit log.
type Actor = payments.Actor

// Messengers gives a bot's Telegram messenger (the bots service).
type Messengers interface {
	Messenger(b *grimbots.Bot) (funnel.Messenger, error)
}

// Configs reads a bot's funnel configuration (the funnel engine).
type Configs interface {
	Config(ctx context.Context, bot funnel.Bot, version int) (*funnel.Config, int, error)
}

// Jobs enqueues jobs outside a transaction.
type Jobs interface {
	Insert(ctx context.Context, jobs ...grimbots.Job) error
}

// Config tunes sending. The zero value is the production setting.
type Config struct {
	// Senders is how many sends of one bot are in flight at once (default
	// 16): enough for 30 messages/s with up to half a second per request.
	Senders int
	// BatchSize is how many recipients a runner reads at a time (default
	// 200); a runner's memory is bounded by it, whatever the audience.
	BatchSize int
	// AudiencePage is how many leads a transaction adds to an audience
	// (default 1000).
	AudiencePage int
	// Round is how long a runner sends before yielding its worker slot and
	// queuing itself again (default 2 minutes).
	Round time.Duration
	// MaxAttempts bounds the transient failures of one recipient (default 5).
	MaxAttempts int
	// RetryBackoff is the wait after a recipient's first transient failure,
	// doubled for each further one (default 10s).
	RetryBackoff time.Duration
}

func (c Config) withDefaults() Config {
	if c.Senders <= 0 {
		c.Senders = 16
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 200
	}
	if c.AudiencePage <= 0 {
		c.AudiencePage = 1000
	}
	if c.Round <= 0 {
		c.Round = 2 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = 10 * time.Second
	}
	return c
}

// Service manages campaigns and sends them.
type Service struct {
	store      *store.Store
	messengers Messengers
	configs    Configs
	jobs       Jobs
	cfg        Config
	now        grimbots.Clock
	logger     *slog.Logger
}

// New returns the service.
func New(st *store.Store, messengers Messengers, configs Configs, jobs Jobs, cfg Config, now grimbots.Clock, logger *slog.Logger) *Service {
	if now == nil {
		now = grimbots.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, messengers: messengers, configs: configs, jobs: jobs, cfg: cfg.withDefaults(), now: now,
		logger: logger}
}

func (s *Service) audit(ctx context.Context, a Actor, action string, id int64) {
	_ = s.store.AppendAudit(ctx, grimbots.AuditEntry{ActorID: &a.UserID, TargetUserID: &a.UserID, Action: action, IP: a.IP,
		UserAgent: a.UserAgent, Details: map[string]any{"campaign_id": id}, CreatedAt: s.now()})
}
