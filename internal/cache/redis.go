package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the cache shared by every instance using the same Redis. A
// value lives at <ns>v:<key>; a load in progress holds <ns>l:<key>, a lock
// with a random token, so that among many instances one loads and the
// others wait for its value. The lock is also the load's lease: Delete
// removes it with the value, and the loader stores its value only while it
// still holds its own token, so a load that raced with an invalidation
// does not store a stale value.
type Redis struct {
	client  redis.UniversalClient
	ns      string
	name    string
	lockTTL time.Duration
	metrics *Metrics
	flight  flight
}

// NewRedis returns the cache on o.Redis.
func NewRedis(o Options) *Redis {
	if o.LockTTL <= 0 {
		o.LockTTL = 5 * time.Second
	}
	return &Redis{client: o.Redis, ns: o.Prefix + "cache:" + o.Name + ":", name: o.Name, lockTTL: o.LockTTL, metrics: o.Metrics}
}

func (r *Redis) valueKey(key string) string { return r.ns + "v:" + key }
func (r *Redis) lockKey(key string) string  { return r.ns + "l:" + key }

func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, ok, err := r.get(ctx, key)
	switch {
	case err != nil:
		r.metrics.fail(r.name, "get")
		return nil, false, err
	case ok:
		r.metrics.hit(r.name)
	default:
		r.metrics.miss(r.name)
	}
	return v, ok, nil
}

func (r *Redis) get(ctx context.Context, key string) ([]byte, bool, error) {
	v, err := r.client.Get(ctx, r.valueKey(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache: redis get: %w", err)
	}
	return v, true, nil
}

func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("cache: %s: ttl must be positive", key)
	}
	if err := r.client.Set(ctx, r.valueKey(key), value, ttl).Err(); err != nil {
		r.metrics.fail(r.name, "set")
		return fmt.Errorf("cache: redis set: %w", err)
	}
	return nil
}

func (r *Redis) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	r.flight.invalidate(keys...)
	all := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		all = append(all, r.valueKey(k), r.lockKey(k))
	}
	if err := r.client.Del(ctx, all...).Err(); err != nil {
		r.metrics.fail(r.name, "delete")
		return fmt.Errorf("cache: redis delete: %w", err)
	}
	return nil
}

// globEscaper makes a prefix literal in a SCAN MATCH pattern.
var globEscaper = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`)

func (r *Redis) DeleteByPrefix(ctx context.Context, prefix string) error {
	r.flight.invalidatePrefix(prefix)
	pattern := globEscaper.Replace(r.ns) + "[vl]:" + globEscaper.Replace(prefix) + "*"
	iter := r.client.Scan(ctx, 0, pattern, 1000).Iterator()
	batch := make([]string, 0, 256)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := r.client.Del(ctx, batch...).Err()
		batch = batch[:0]
		return err
	}
	var err error
	for err == nil && iter.Next(ctx) {
		if batch = append(batch, iter.Val()); len(batch) == cap(batch) {
			err = flush()
		}
	}
	if err == nil {
		err = iter.Err()
	}
	if err == nil {
		err = flush()
	}
	if err != nil {
		r.metrics.fail(r.name, "delete")
		return fmt.Errorf("cache: redis delete by prefix: %w", err)
	}
	return nil
}

// acquireScript returns {1, value} when the key has a value, {2} when the
// caller took the lock, {0} when another loader holds it.
// KEYS: value, lock; ARGV: token, lock ttl (ms).
var acquireScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then return {1, v} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2} end
return {0}
`)

// storeScript stores the value and releases the lock, only if the lock is
// still the caller's (no invalidation, no takeover since it was taken).
// KEYS: value, lock; ARGV: token, value, ttl (ms).
var storeScript = redis.NewScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('DEL', KEYS[2])
return 1
`)

// releaseScript drops the caller's lock after a failed load.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`)

// Waiting for another instance's load polls with this backoff.
const (
	pollFirst = 5 * time.Millisecond
	pollMax   = 50 * time.Millisecond
)

func (r *Redis) GetOrLoad(ctx context.Context, key string, ttl time.Duration, load Loader) ([]byte, error) {
	v, ok, err := r.Get(ctx, key)
	if err != nil {
		// Redis is failing: answer from the source rather than not at all.
		return r.load(ctx, load)
	}
	if ok {
		return v, nil
	}
	return r.flight.do(ctx, key, func(*call) ([]byte, error) { return r.loadShared(ctx, key, ttl, load) })
}

func (r *Redis) load(ctx context.Context, load Loader) ([]byte, error) {
	r.metrics.load(r.name)
	v, err := load(ctx)
	if err != nil {
		r.metrics.fail(r.name, "load")
	}
	return v, err
}

// loadShared is the in-process leader's part: take the key's lock and
// load, or wait for the instance that holds it.
func (r *Redis) loadShared(ctx context.Context, key string, ttl time.Duration, load Loader) ([]byte, error) {
	token := newToken()
	keys := []string{r.valueKey(key), r.lockKey(key)}
	deadline := time.Now().Add(r.lockTTL)
	wait := pollFirst
	for {
		res, err := acquireScript.Run(ctx, r.client, keys, token, r.lockTTL.Milliseconds()).Slice()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			r.metrics.fail(r.name, "lock")
			return r.load(ctx, load)
		}
		switch res[0].(int64) {
		case 1:
			s, _ := res[1].(string)
			return []byte(s), nil
		case 2:
			v, err := r.load(ctx, load)
			if err != nil {
				_ = releaseScript.Run(context.WithoutCancel(ctx), r.client, keys[1:], token).Err()
				return nil, err
			}
			if err := storeScript.Run(context.WithoutCancel(ctx), r.client, keys, token, v, max(1, ttl.Milliseconds())).Err(); err != nil {
				r.metrics.fail(r.name, "set")
			}
			return v, nil
		}
		// Another instance is loading. Past the lock's lifetime it is
		// stuck or gone: load without storing.
		if time.Now().After(deadline) {
			return r.load(ctx, load)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		wait = min(2*wait, pollMax)
	}
}

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
