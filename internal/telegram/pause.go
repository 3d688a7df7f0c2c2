package telegram

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Pauser holds pauses: a key is paused until a moment, and every instance
// sharing the Pauser sees it. The client pauses a bot when Telegram answers
// 429, so that all its sends wait retry_after, not only the one that failed.
type Pauser interface {
	// Pause pauses key for d from now. A pause never shortens a longer one
	// already in place.
	Pause(ctx context.Context, key string, d time.Duration) error
	// PausedFor reports how long key stays paused; zero if it is not.
	PausedFor(ctx context.Context, key string) (time.Duration, error)
}

// MemoryPauser is an in-process Pauser.
type MemoryPauser struct {
	mu    sync.Mutex
	until map[string]time.Time
	now   func() time.Time
}

// NewMemoryPauser returns an empty in-process Pauser. now may be nil.
func NewMemoryPauser(now func() time.Time) *MemoryPauser {
	if now == nil {
		now = time.Now
	}
	return &MemoryPauser{until: map[string]time.Time{}, now: now}
}

func (p *MemoryPauser) Pause(_ context.Context, key string, d time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := p.now().Add(d); until.After(p.until[key]) {
		p.until[key] = until
	}
	return nil
}

func (p *MemoryPauser) PausedFor(_ context.Context, key string) (time.Duration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	left := p.until[key].Sub(p.now())
	if left <= 0 {
		delete(p.until, key) // keys are per bot, so this map stays small
		return 0, nil
	}
	return left, nil
}

// RedisPauser is a Pauser shared by every instance using the same Redis. A
// pause is a key whose TTL is the time left.
type RedisPauser struct {
	client redis.UniversalClient
	prefix string
}

// NewRedisPauser returns a Pauser storing its keys under prefix.
func NewRedisPauser(client redis.UniversalClient, prefix string) *RedisPauser {
	return &RedisPauser{client: client, prefix: prefix}
}

// pauseScript sets KEYS[1] to expire in ARGV[1] ms unless it already lives
// longer. PTTL is negative for a missing key.
var pauseScript = redis.NewScript(`
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
`)

func (p *RedisPauser) Pause(ctx context.Context, key string, d time.Duration) error {
	ms := max(d.Milliseconds(), 1)
	if err := pauseScript.Run(ctx, p.client, []string{p.prefix + key}, ms).Err(); err != nil {
		return fmt.Errorf("telegram: pausing %s: %w", key, err)
	}
	return nil
}

func (p *RedisPauser) PausedFor(ctx context.Context, key string) (time.Duration, error) {
	ms, err := p.client.PTTL(ctx, p.prefix+key).Result()
	if err != nil {
		return 0, fmt.Errorf("telegram: reading pause %s: %w", key, err)
	}
	// go-redis reports the TTL as a Duration, negative when the key is
	// missing or has no expiry.
	return max(ms, 0), nil
}
