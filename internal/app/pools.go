package app

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/grimbots/grimbots/internal/cache"
	"github.com/grimbots/grimbots/internal/http/golink"
	"github.com/grimbots/grimbots/internal/pools"
	"github.com/grimbots/grimbots/internal/ratelimit"
)

// newPools builds the redirect pools: their lookups cached, and their
// strategies' state shared, through Redis when configured.
func (a *App) newPools(opts Options, logger *slog.Logger) *pools.Service {
	if a.CacheMetrics == nil {
		a.CacheMetrics = cache.NewMetrics(a.Registry)
	}
	co := cache.Options{Name: "pools", Prefix: redisPrefix(opts), Metrics: a.CacheMetrics}
	var counters pools.Counters = pools.NewMemoryCounters(nil)
	if a.Redis != nil { // never a typed nil in the interface
		co.Redis = a.Redis
		counters = pools.NewRedisCounters(a.Redis, redisPrefix(opts)+"pool:")
	}
	return pools.New(a.Store, pools.Config{Cache: cache.New(co), Counters: counters}, opts.Clock, logger,
		pools.NewMetrics(a.Registry))
}

// mountPools serves the pools' public links: GET /go/{slug}, limited per
// client IP. They are plain GETs, so cross-origin protection lets them
// through without a bypass.
func (a *App) mountPools(mux *http.ServeMux, limiter ratelimit.Limiter) {
	mux.Handle("GET /go/{slug}", golink.Handler(a.Pools, golink.Config{Limiter: limiter, PerIP: rate(a.Config.RateGoPerIP),
		Logger: a.Logger}))
	mux.HandleFunc("GET "+golink.CSSPath, golink.CSS)
}

// closePools writes the pending click counts, before the database closes.
func (a *App) closePools() {
	if a.Pools == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Pools.Close(ctx); err != nil {
		a.Logger.Warn("pool click counts not written at shutdown", "err", err)
	}
}
