package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/grimbots/grimbots/internal/cache"
	"github.com/grimbots/grimbots/internal/events"
	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/gamification"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// newEvents builds the live event bus: through Redis when configured (so
// a stream gets its seller's events whichever instance produced them),
// else in-process.
func (a *App) newEvents(ctx context.Context, opts Options, logger *slog.Logger) error {
	if a.Redis == nil {
		a.Events = events.NewMemory()
		return nil
	}
	bus, err := events.NewRedis(ctx, a.Redis, redisPrefix(opts)+"ev:", logger)
	if err != nil {
		return err
	}
	a.Events = bus
	return nil
}

// newGamification builds the ranking and achievements, registers their
// workers, and hooks their snapshot into the daily ranking snapshot job.
func (a *App) newGamification(workers *river.Workers, opts Options, logger *slog.Logger) {
	co := cache.Options{Name: "rankings", Prefix: redisPrefix(opts), Metrics: a.cacheMetrics()}
	if a.Redis != nil {
		co.Redis = a.Redis
	}
	boards := cache.New(co)
	a.Gamification = gamification.New(a.Store, a.Events, a.Jobs, gamification.Config{
		AliasKey: derivedKey(a.Config.SecretKey, "gamification anonymous names"), Tags: funnelSaleTags, Boards: boards,
	}, opts.Clock, logger)
	a.Gamification.AddWorkers(workers)
	a.Ops.RankingHooks().Add("gamification", a.Gamification.Snapshot)
}

// cacheMetrics returns the metrics every cache of the instance shares,
// registering them on first use.
func (a *App) cacheMetrics() *cache.Metrics {
	if a.CacheMetrics == nil {
		a.CacheMetrics = cache.NewMetrics(a.Registry)
	}
	return a.CacheMetrics
}

// publishSale is the payments' OnSale hook: the seller's live feed.
func (a *App) publishSale(ctx context.Context, p *grimbots.Payment) {
	ev, err := events.SaleEvent(p)
	if err == nil {
		err = a.Events.Publish(ctx, ev)
	}
	if err != nil {
		a.Logger.WarnContext(ctx, "publishing a sale event", "seller_id", p.SellerID, "payment_id", p.ID, "err", err)
	}
}

// jobHooks joins payment hooks: each one's jobs, in order.
func jobHooks(hooks ...func(*grimbots.Payment) []grimbots.Job) func(*grimbots.Payment) []grimbots.Job {
	return func(p *grimbots.Payment) []grimbots.Job {
		var out []grimbots.Job
		for _, h := range hooks {
			out = append(out, h(p)...)
		}
		return out
	}
}

// funnelSaleTags says what a bot's payment sold, for the achievements.
func funnelSaleTags(p *grimbots.Payment) gamification.SaleTags {
	pu, ok := funnel.ParsePurchase(p)
	if !ok {
		return gamification.SaleTags{}
	}
	return gamification.SaleTags{Bump: pu.Kind == funnel.BuyOffer && len(pu.Bumps) > 0, Downsell: pu.Kind == funnel.BuyDownsell,
		Upsell: pu.Kind == funnel.BuyUpsell}
}

// derivedKey derives a purpose-bound key from the secret key, so that no
// two uses share one.
func derivedKey(secret []byte, purpose string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}
