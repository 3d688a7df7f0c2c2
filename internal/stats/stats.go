// Package stats serves a seller's dashboard statistics through the cache
// layer: the store's aggregate queries, decorated.
//
// Every cached answer of a seller is keyed under the seller's generation, a
// random token kept in the cache itself. Invalidate drops the generation:
// one key to delete however many periods were cached, so that a paid sale
// or a new lead costs one cache operation and never a scan. Answers under
// an old generation are never read again and expire with their TTL.
//
// A load after an invalidation reads the primary database, not a replica:
// a replica that has not caught up would otherwise put the state before the
// write back in the cache for a whole TTL.
package stats

import (
	"context"
	"crypto/rand"
	"strconv"
	"time"

	"github.com/grimbots/grimbots/internal/cache"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
)

// Store is the seller-scoped read side the dashboard needs.
type Store interface {
	SalesSummary(ctx context.Context, sellerID int64, from, to time.Time) (grimbots.SalesSummary, error)
	RevenueBuckets(ctx context.Context, sellerID int64, from, to time.Time) ([]grimbots.RevenueBucket, error)
	BotSales(ctx context.Context, sellerID int64, from, to time.Time) (map[int64]*grimbots.BotSales, error)
	Sales(ctx context.Context, sellerID int64, f grimbots.SaleFilter) ([]*grimbots.Sale, error)
}

// generationTTL is how long a seller's generation lives without writes;
// it outlives every answer cached under it.
const generationTTL = 24 * time.Hour

// Cached is Store with the aggregates (summary, revenue buckets, sales by
// bot) cached. The list of sales is not: it is one indexed page.
type Cached struct {
	store Store
	cache cache.Cache
	ttl   time.Duration
}

// New decorates st with c; answers live for ttl unless invalidated first.
// The TTL bounds staleness only where an invalidation cannot reach: an
// in-process cache of another instance.
func New(st Store, c cache.Cache, ttl time.Duration) *Cached {
	return &Cached{store: st, cache: c, ttl: ttl}
}

// SalesSummary returns the seller's totals in [from, to).
func (c *Cached) SalesSummary(ctx context.Context, sellerID int64, from, to time.Time) (grimbots.SalesSummary, error) {
	return get(ctx, c, sellerID, "sum", from, to, func(ctx context.Context) (grimbots.SalesSummary, error) {
		return c.store.SalesSummary(ctx, sellerID, from, to)
	})
}

// RevenueBuckets returns the seller's sales in [from, to) by interval.
func (c *Cached) RevenueBuckets(ctx context.Context, sellerID int64, from, to time.Time) ([]grimbots.RevenueBucket, error) {
	return get(ctx, c, sellerID, "rev", from, to, func(ctx context.Context) ([]grimbots.RevenueBucket, error) {
		return c.store.RevenueBuckets(ctx, sellerID, from, to)
	})
}

// BotSales returns the seller's activity in [from, to) by bot.
func (c *Cached) BotSales(ctx context.Context, sellerID int64, from, to time.Time) (map[int64]*grimbots.BotSales, error) {
	return get(ctx, c, sellerID, "bot", from, to, func(ctx context.Context) (map[int64]*grimbots.BotSales, error) {
		return c.store.BotSales(ctx, sellerID, from, to)
	})
}

// Sales lists the seller's sales, uncached.
func (c *Cached) Sales(ctx context.Context, sellerID int64, f grimbots.SaleFilter) ([]*grimbots.Sale, error) {
	return c.store.Sales(ctx, sellerID, f)
}

// Invalidate drops every cached answer of the seller. Call it after a write
// that changes them committed: a charge created, a payment's status
// changed, a new lead.
func (c *Cached) Invalidate(ctx context.Context, sellerID int64) error {
	return c.cache.Delete(ctx, generationKey(sellerID))
}

func generationKey(sellerID int64) string { return "gen:" + strconv.FormatInt(sellerID, 10) }

// get reads one aggregate of the seller through the cache.
func get[T any](ctx context.Context, c *Cached, sellerID int64, what string, from, to time.Time, load func(context.Context) (T, error)) (T, error) {
	gen, err := c.cache.GetOrLoad(ctx, generationKey(sellerID), generationTTL, newGeneration)
	if err != nil {
		var zero T
		return zero, err
	}
	key := strconv.FormatInt(sellerID, 10) + ":" + string(gen) + ":" + what + ":" +
		strconv.FormatInt(from.UnixNano(), 10) + ":" + strconv.FormatInt(to.UnixNano(), 10)
	return cache.GetOrLoadJSON(ctx, c.cache, key, c.ttl, func(ctx context.Context) (T, error) {
		return load(store.ReadPrimary(ctx))
	})
}

func newGeneration(context.Context) ([]byte, error) { return []byte(rand.Text()), nil }
