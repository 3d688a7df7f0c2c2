package pools

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Least connections counts, per bot, the visitors it sent the bot in a
// sliding window of ConnectionWindow, in buckets of connectionBucket. A
// redirect is a hand-off, not a connection the platform keeps open, so its
// recent redirects are the best measure of the load a bot is taking.
const (
	connectionBucket  = 30 * time.Second
	connectionBuckets = 10
	// ConnectionWindow is how far back least connections counts.
	ConnectionWindow = connectionBucket * connectionBuckets
)

// Counters hold the state strategies share across requests: the round
// robin cursor of each pool and the recent redirects of each bot. The Redis
// implementation shares them between instances; the in-process one serves
// a single instance.
type Counters interface {
	// Next returns the pool's next round robin ticket: 1, 2, 3…
	Next(ctx context.Context, poolID int64) (uint64, error)
	// Least picks, among bots, the one with the fewest redirects counted
	// in the window (the first of them on a tie), counts one redirect for
	// it and returns its index. Pick and count are atomic.
	Least(ctx context.Context, bots []int64) (int, error)
}

// MemoryCounters are the in-process Counters.
type MemoryCounters struct {
	now    func() time.Time
	cursor sync.Map // pool id → *atomic.Uint64

	mu      sync.Mutex
	windows map[int64]*window
	sweeps  int
}

type window struct {
	bucket [connectionBuckets]int64 // bucket number (time / connectionBucket) of each slot
	count  [connectionBuckets]int64
}

// NewMemoryCounters returns empty counters; now may be nil.
func NewMemoryCounters(now func() time.Time) *MemoryCounters {
	if now == nil {
		now = time.Now
	}
	return &MemoryCounters{now: now, windows: map[int64]*window{}}
}

func (c *MemoryCounters) Next(_ context.Context, poolID int64) (uint64, error) {
	v, ok := c.cursor.Load(poolID)
	if !ok {
		v, _ = c.cursor.LoadOrStore(poolID, new(atomic.Uint64))
	}
	return v.(*atomic.Uint64).Add(1), nil
}

func (c *MemoryCounters) Least(_ context.Context, bots []int64) (int, error) {
	if len(bots) == 0 {
		return 0, fmt.Errorf("pools: least connections among no bots")
	}
	b := c.now().UnixNano() / int64(connectionBucket)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweep(b)
	best, bestSum := 0, int64(-1)
	for i, id := range bots {
		if s := c.windows[id].sum(b); bestSum < 0 || s < bestSum {
			best, bestSum = i, s
		}
	}
	w := c.windows[bots[best]]
	if w == nil {
		w = &window{}
		c.windows[bots[best]] = w
	}
	slot := b % connectionBuckets
	if w.bucket[slot] != b {
		w.bucket[slot], w.count[slot] = b, 0
	}
	w.count[slot]++
	return best, nil
}

// sweep drops, now and then, the windows of bots idle for a whole window.
func (c *MemoryCounters) sweep(b int64) {
	if c.sweeps++; c.sweeps%4096 != 0 {
		return
	}
	for id, w := range c.windows {
		if w.sum(b) == 0 {
			delete(c.windows, id)
		}
	}
}

// sum counts the redirects of the window ending in bucket b.
func (w *window) sum(b int64) int64 {
	if w == nil {
		return 0
	}
	var n int64
	for i := range connectionBuckets {
		if w.bucket[i] > b-connectionBuckets && w.bucket[i] <= b {
			n += w.count[i]
		}
	}
	return n
}

// RedisCounters are Counters shared through Redis. Scripts read Redis'
// clock, so instances with skewed clocks agree on the window.
type RedisCounters struct {
	client redis.UniversalClient
	prefix string
}

// NewRedisCounters stores the counters under prefix.
func NewRedisCounters(client redis.UniversalClient, prefix string) *RedisCounters {
	return &RedisCounters{client: client, prefix: prefix}
}

// nextScript: KEYS[1] = the pool's cursor. It lives a day after its last
// use; starting over is harmless.
var nextScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], 86400)
return n
`)

func (c *RedisCounters) Next(ctx context.Context, poolID int64) (uint64, error) {
	n, err := nextScript.Run(ctx, c.client, []string{c.prefix + "rr:" + strconv.FormatInt(poolID, 10)}).Int64()
	if err != nil {
		return 0, fmt.Errorf("pools: round robin cursor: %w", err)
	}
	return uint64(n), nil
}

// leastScript: KEYS = one hash per bot, field = bucket number, value =
// redirects; ARGV = bucket seconds, buckets. It returns the 0-based index
// of the bot picked.
var leastScript = redis.NewScript(`
local t = redis.call('TIME')
local width = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local b = math.floor(tonumber(t[1]) / width)
local fields = {}
for i = 0, n - 1 do fields[#fields + 1] = tostring(b - i) end
local best, bestSum = 1, -1
for k = 1, #KEYS do
  local sum = 0
  for _, v in ipairs(redis.call('HMGET', KEYS[k], unpack(fields))) do
    if v then sum = sum + tonumber(v) end
  end
  if bestSum < 0 or sum < bestSum then best, bestSum = k, sum end
end
local key = KEYS[best]
redis.call('HINCRBY', key, tostring(b), 1)
if redis.call('HLEN', key) > n + 1 then
  for _, f in ipairs(redis.call('HKEYS', key)) do
    if tonumber(f) <= b - n then redis.call('HDEL', key, f) end
  end
end
redis.call('EXPIRE', key, width * (n + 1))
return best - 1
`)

func (c *RedisCounters) Least(ctx context.Context, bots []int64) (int, error) {
	if len(bots) == 0 {
		return 0, fmt.Errorf("pools: least connections among no bots")
	}
	keys := make([]string, len(bots))
	for i, id := range bots {
		keys[i] = c.prefix + "lc:" + strconv.FormatInt(id, 10)
	}
	i, err := leastScript.Run(ctx, c.client, keys, int(connectionBucket/time.Second), connectionBuckets).Int()
	if err != nil {
		return 0, fmt.Errorf("pools: least connections: %w", err)
	}
	return i, nil
}
