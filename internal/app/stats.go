package app

import (
	"context"

	"github.com/grimbots/grimbots/internal/cache"
	"github.com/grimbots/grimbots/internal/stats"
)

// newStats builds the dashboard's statistics: the store's aggregates behind
// a cache shared through Redis when configured.
func (a *App) newStats(opts Options) *stats.Cached {
	co := cache.Options{Name: "stats", Prefix: redisPrefix(opts), Metrics: a.cacheMetrics()}
	if a.Redis != nil {
		co.Redis = a.Redis
	}
	return stats.New(a.Store, cache.New(co), a.Config.StatsCacheTTL)
}

// invalidateStats drops a seller's cached statistics after a write that
// changes them committed. A failure leaves them until their TTL: logged,
// never fatal to the write.
func (a *App) invalidateStats(ctx context.Context, sellerID int64) {
	if err := a.Stats.Invalidate(ctx, sellerID); err != nil {
		a.Logger.WarnContext(ctx, "invalidating cached statistics", "seller_id", sellerID, "err", err)
	}
}
