package gamification

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/grimbots/grimbots/internal/cache"
	"github.com/grimbots/grimbots/internal/events"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// Store is what the service needs from persistence.
type Store interface {
	grimbots.GamificationStore
	Payment(ctx context.Context, sellerID, id int64) (*grimbots.Payment, error)
}

// JobInserter enqueues jobs outside a transaction (the daily re-score).
type JobInserter interface {
	Insert(ctx context.Context, jobs ...grimbots.Job) error
}

// SaleTags say what a funnel payment sold.
type SaleTags struct {
	Bump, Downsell, Upsell bool
}

// Config configures the service.
type Config struct {
	// AliasKey keys the anonymous names; it must be secret, or the codes
	// could be mapped back to seller ids.
	AliasKey []byte
	// Tags classifies a payment's sale (nil: plain sales only).
	Tags func(p *grimbots.Payment) SaleTags
	// Boards caches the leaderboards (nil: read from the store every time).
	Boards cache.Cache
	// BoardTTL bounds how stale a cached leaderboard may be (default 60 s;
	// sales and profile changes also invalidate it).
	BoardTTL time.Duration
}

// Service computes and serves the gamification.
type Service struct {
	store  Store
	bus    events.Bus
	jobs   JobInserter
	cfg    Config
	alias  aliaser
	now    grimbots.Clock
	logger *slog.Logger
}

// New returns the service.
func New(store Store, bus events.Bus, jobs JobInserter, cfg Config, now grimbots.Clock, logger *slog.Logger) *Service {
	if now == nil {
		now = grimbots.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.BoardTTL <= 0 {
		cfg.BoardTTL = time.Minute
	}
	return &Service{store: store, bus: bus, jobs: jobs, cfg: cfg, alias: aliaser{key: cfg.AliasKey}, now: now, logger: logger}
}

// RecordPayment brings the seller's gamification in line with a payment
// that was paid (or reversed since): the aggregates first, exactly once,
// then the seller's achievements and league. Safe to repeat.
func (s *Service) RecordPayment(ctx context.Context, sellerID, paymentID int64) error {
	p, err := s.store.Payment(ctx, sellerID, paymentID)
	if err != nil {
		return err
	}
	if p.PaidAt == nil {
		return nil // never a sale
	}
	var tags SaleTags
	if s.cfg.Tags != nil {
		tags = s.cfg.Tags(p)
	}
	paid := *p.PaidAt
	f := grimbots.SaleFact{SellerID: sellerID, PaymentID: paymentID, LeadID: p.LeadID, AmountCents: p.AmountCents, PaidAt: paid,
		Periods: salePeriods(paid), Night: isNight(paid), Bump: tags.Bump, Downsell: tags.Downsell, Upsell: tags.Upsell, Now: s.now()}
	delta, err := s.store.RecordSale(ctx, f)
	if err != nil {
		return err
	}
	if delta != 0 {
		s.invalidateBoards(ctx, f.Periods...)
	}
	return s.Evaluate(ctx, sellerID)
}

// Evaluate re-derives the seller's achievements and league from the
// facts, and publishes the unlocks and the league change.
func (s *Service) Evaluate(ctx context.Context, sellerID int64) error {
	now := s.now()
	today := dateOf(now)
	res, err := s.store.EvaluateSeller(ctx, sellerID, now, func(f *grimbots.SellerFacts) grimbots.ProgressChange {
		return decide(f, today)
	})
	if err != nil {
		return err
	}
	for _, u := range res.Unlocked {
		s.logger.InfoContext(ctx, "achievement unlocked", "seller_id", sellerID, "achievement", u.Achievement)
		if a, ok := achievement(u.Achievement); ok {
			s.publish(ctx, sellerID, events.TypeAchievement, u.ID, unlockedView(a, u.UnlockedAt))
		}
	}
	for _, slug := range res.Revoked {
		s.logger.InfoContext(ctx, "achievement withdrawn after a reversal", "seller_id", sellerID, "achievement", slug)
	}
	if res.LeagueFrom != res.LeagueTo {
		from, to := LeagueBySlug(res.LeagueFrom), LeagueBySlug(res.LeagueTo)
		s.publish(ctx, sellerID, events.TypeLeague, 0, LeagueChange{From: from, To: to, Promoted: to.Tier > from.Tier})
		s.invalidateBoards(ctx, currentKeys(now)...)
	}
	return nil
}

// publish sends a live event. Live delivery is best effort: what matters
// is persisted already, so a failure is logged, not returned (a retried
// job would only repeat the event).
func (s *Service) publish(ctx context.Context, sellerID int64, typ string, id int64, data any) {
	ev, err := events.New(sellerID, typ, id, data)
	if err == nil {
		err = s.bus.Publish(ctx, ev)
	}
	if err != nil {
		s.logger.WarnContext(ctx, "publishing a live event", "seller_id", sellerID, "type", typ, "err", err)
	}
}

// LeagueChange is the data of a league event.
type LeagueChange struct {
	From     League `json:"from"`
	To       League `json:"to"`
	Promoted bool   `json:"promoted"`
}

// podiumSize is how deep the closed months' standings are re-evaluated
// for the position achievements.
const podiumSize = 100

// Snapshot records the final positions of the periods that closed with
// day (a São Paulo calendar day, given as its midnight): the day itself,
// its week when it is a Sunday, its month when it is the last day. The
// sellers on a closed month's podium are re-evaluated at once, and a
// re-score of every seller is queued. Idempotent: a retry records the
// same periods again.
func (s *Service) Snapshot(ctx context.Context, day time.Time) error {
	y, m, dd := day.Date()
	d := date{y, m, dd}
	keys := []grimbots.PeriodKey{{Period: grimbots.PeriodDay, Start: d.String()}}
	if d.add(1).weekStart() == d.add(1) {
		keys = append(keys, grimbots.PeriodKey{Period: grimbots.PeriodWeek, Start: d.weekStart().String()})
	}
	if d.add(1).d == 1 {
		keys = append(keys, grimbots.PeriodKey{Period: grimbots.PeriodMonth, Start: d.monthStart().String()})
	}
	now := s.now()
	var errs []error
	for _, k := range keys {
		n, err := s.store.SnapshotStandings(ctx, k, now)
		if err != nil {
			return err
		}
		s.logger.InfoContext(ctx, "ranking standings recorded", "period", k.Period, "start", k.Start, "ranked", n)
		if k.Period != grimbots.PeriodMonth {
			continue
		}
		ids, err := s.store.StandingSellers(ctx, k, podiumSize)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := s.Evaluate(ctx, id); err != nil {
				errs = append(errs, fmt.Errorf("seller %d: %w", id, err))
			}
		}
	}
	if s.jobs != nil {
		errs = append(errs, s.jobs.Insert(ctx, RescoreJob{Day: d.String()}))
	}
	return errors.Join(errs...)
}

// rescorePage is how many sellers a re-score reads at a time.
const rescorePage = 200

// Rescore re-evaluates every seller with gamification state: scores decay
// day by day, so leagues move without sales. It goes on past a failing
// seller and reports the failures together.
func (s *Service) Rescore(ctx context.Context) (int, error) {
	var errs []error
	n := 0
	for after := int64(0); ; {
		ids, err := s.store.GamifiedSellers(ctx, after, rescorePage)
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			if err := s.Evaluate(ctx, id); err != nil {
				errs = append(errs, fmt.Errorf("seller %d: %w", id, err))
			}
			n++
		}
		if len(ids) < rescorePage {
			return n, errors.Join(errs...)
		}
		after = ids[len(ids)-1]
	}
}
