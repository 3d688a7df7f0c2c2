// Package cache is the read-through cache of grimbots: one interface with an
// in-process implementation (bounded, with TTLs) for a single instance and a
// Redis one shared by every instance. Both pass the same conformance suite.
//
// A cache is used as a decorator around a store read, with GetOrLoad (or its
// typed form GetOrLoadJSON): the first caller of a missing key loads it, and
// concurrent callers of the same key wait for that load instead of all going
// to the database (in-process by a single flight; across instances by a
// short lock in Redis).
//
// Every write that changes a cached answer must invalidate it, after the
// write committed:
//
//	stats := cache.New(cache.Options{Name: "stats", Redis: rdb, ...})
//	s, err := cache.GetOrLoadJSON(ctx, stats, "seller:42", time.Minute, loadSellerStats)
//	...
//	// a paid sale of seller 42 committed:
//	err = stats.Delete(ctx, "seller:42")           // one key
//	err = stats.DeleteByPrefix(ctx, "seller:42:")  // every key of the seller
//
// An invalidation also voids the loads of those keys that are in flight: a
// load that started before the write does not store what it read. (A caller
// that was already waiting still gets that value once; the next read loads
// again.)
//
// Values are bytes (GetOrLoadJSON encodes and decodes JSON), so both
// implementations behave the same: callers never share mutable objects.
// A cache is an optimisation: when Redis fails, GetOrLoad still answers by
// loading, and the failure is counted (grimbots_cache_errors_total).
package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Loader produces the value of a missing key.
type Loader func(ctx context.Context) ([]byte, error)

// Cache stores byte values under string keys for a time.
type Cache interface {
	// Get returns the value stored under key, and false when there is
	// none (never stored, expired or invalidated). The caller must not
	// modify the bytes.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Set stores value under key for ttl (> 0).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete invalidates keys: their values and the loads of them in
	// flight.
	Delete(ctx context.Context, keys ...string) error
	// DeleteByPrefix invalidates every key that starts with prefix. On
	// Redis it scans the cache's keys: use it for rare invalidations, and
	// Delete with exact keys on hot paths.
	DeleteByPrefix(ctx context.Context, prefix string) error
	// GetOrLoad returns the value under key, or calls load, stores its
	// value for ttl and returns it. Concurrent calls for one key share a
	// single load. A load error is returned and nothing is stored.
	GetOrLoad(ctx context.Context, key string, ttl time.Duration, load Loader) ([]byte, error)
}

// Options configure a cache.
type Options struct {
	// Name labels the cache's metrics and namespaces its keys in Redis
	// (letters, digits, _ and -).
	Name string
	// Redis, when not nil, shares the cache between instances; otherwise it
	// lives in this process.
	Redis redis.UniversalClient
	// Prefix is the instance's Redis key prefix ("grimbots:"); keys are
	// stored under Prefix + "cache:" + Name + ":".
	Prefix string
	// MaxEntries bounds the in-process cache (default 10,000); the least
	// recently used entries are evicted first.
	MaxEntries int
	// LockTTL is how long, in Redis, a loader holds a key's lock and other
	// instances wait for its value before loading themselves (default 5s).
	LockTTL time.Duration
	// Metrics counts hits, misses, loads and errors (nil: not counted).
	Metrics *Metrics
}

// New returns the Redis cache when o.Redis is set, else the in-process one.
func New(o Options) Cache {
	if o.Redis != nil {
		return NewRedis(o)
	}
	return NewMemory(o)
}

// GetOrLoadJSON is GetOrLoad for a value encoded as JSON.
func GetOrLoadJSON[T any](ctx context.Context, c Cache, key string, ttl time.Duration, load func(context.Context) (T, error)) (T, error) {
	var v T
	raw, err := c.GetOrLoad(ctx, key, ttl, func(ctx context.Context) ([]byte, error) {
		v, err := load(ctx)
		if err != nil {
			return nil, err
		}
		return json.Marshal(v)
	})
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("cache: decoding %q: %w", key, err)
	}
	return v, nil
}

// SetJSON stores v encoded as JSON.
func SetJSON(ctx context.Context, c Cache, key string, v any, ttl time.Duration) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("cache: encoding %q: %w", key, err)
	}
	return c.Set(ctx, key, raw, ttl)
}

// GetJSON decodes the value under key into v and reports whether there was
// one.
func GetJSON(ctx context.Context, c Cache, key string, v any) (bool, error) {
	raw, ok, err := c.Get(ctx, key)
	if err != nil || !ok {
		return false, err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("cache: decoding %q: %w", key, err)
	}
	return true, nil
}
