package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Limiter shared by every instance using the same Redis. The
// algorithm runs in a Lua script so check-and-set is atomic, and it reads
// Redis' clock so instances with skewed clocks agree.
type Redis struct {
	client redis.UniversalClient
	prefix string
}

// NewRedis returns a limiter storing its keys under prefix.
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix}
}

// The script stores the theoretical arrival time in microseconds with a TTL
// of its distance from now. KEYS[1]=key; ARGV = period_us, n, take(0|1).
var gcraScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local period = tonumber(ARGV[1])
local interval = period / tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, math.ceil(allow_at - now)}
end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
end
return {1, 0}
`)

func (l *Redis) Take(ctx context.Context, key string, r Rate) (Result, error) {
	return l.run(ctx, key, r, "1")
}

func (l *Redis) Check(ctx context.Context, key string, r Rate) (Result, error) {
	return l.run(ctx, key, r, "0")
}

func (l *Redis) run(ctx context.Context, key string, r Rate, take string) (Result, error) {
	res, err := gcraScript.Run(ctx, l.client, []string{l.prefix + key}, r.Period.Microseconds(), r.N, take).Int64Slice()
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit: redis: %w", err)
	}
	return Result{Allowed: res[0] == 1, RetryAfter: time.Duration(res[1]) * time.Microsecond}, nil
}
