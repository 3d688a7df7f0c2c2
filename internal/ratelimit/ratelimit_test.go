package ratelimit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/ratelimit"
	"github.com/grimbots/grimbots/internal/testenv"
)

// conformance runs the same behaviour checks against any Limiter. newLimiter
// returns a fresh limiter and a key namespace unique to the test.
func conformance(t *testing.T, newLimiter func(t *testing.T) (ratelimit.Limiter, string)) {
	ctx := context.Background()

	t.Run("allows a burst of N then refuses", func(t *testing.T) {
		l, ns := newLimiter(t)
		r := ratelimit.Rate{N: 3, Period: time.Hour}
		for i := range 3 {
			res, err := l.Take(ctx, ns+"k", r)
			if err != nil || !res.Allowed {
				t.Fatalf("take %d: allowed=%v err=%v, want allowed", i+1, res.Allowed, err)
			}
		}
		res, err := l.Take(ctx, ns+"k", r)
		if err != nil || res.Allowed {
			t.Fatalf("take 4: allowed=%v err=%v, want refused", res.Allowed, err)
		}
		// One event is released every period/N = 20 minutes.
		if res.RetryAfter <= 19*time.Minute || res.RetryAfter > 20*time.Minute {
			t.Fatalf("retry after %v, want just under 20m", res.RetryAfter)
		}
	})

	t.Run("keys are independent", func(t *testing.T) {
		l, ns := newLimiter(t)
		r := ratelimit.Rate{N: 1, Period: time.Hour}
		if res, _ := l.Take(ctx, ns+"a", r); !res.Allowed {
			t.Fatal("a refused")
		}
		if res, _ := l.Take(ctx, ns+"b", r); !res.Allowed {
			t.Fatal("b refused after a was used")
		}
	})

	t.Run("check does not count", func(t *testing.T) {
		l, ns := newLimiter(t)
		r := ratelimit.Rate{N: 1, Period: time.Hour}
		for range 5 {
			if res, err := l.Check(ctx, ns+"c", r); err != nil || !res.Allowed {
				t.Fatalf("check: allowed=%v err=%v", res.Allowed, err)
			}
		}
		if res, _ := l.Take(ctx, ns+"c", r); !res.Allowed {
			t.Fatal("take refused after checks only")
		}
		if res, _ := l.Check(ctx, ns+"c", r); res.Allowed {
			t.Fatal("check allowed after the only slot was taken")
		}
	})

	t.Run("refills over time", func(t *testing.T) {
		l, ns := newLimiter(t)
		r := ratelimit.Rate{N: 2, Period: 200 * time.Millisecond}
		l.Take(ctx, ns+"r", r)
		l.Take(ctx, ns+"r", r)
		if res, _ := l.Take(ctx, ns+"r", r); res.Allowed {
			t.Fatal("third take allowed")
		}
		time.Sleep(150 * time.Millisecond) // > one interval (100ms)
		if res, _ := l.Take(ctx, ns+"r", r); !res.Allowed {
			t.Fatal("take refused after an interval passed")
		}
	})

	t.Run("concurrent takes never exceed the burst", func(t *testing.T) {
		l, ns := newLimiter(t)
		r := ratelimit.Rate{N: 10, Period: time.Hour}
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				if res, err := l.Take(ctx, ns+"x", r); err == nil && res.Allowed {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if got := allowed.Load(); got != 10 {
			t.Fatalf("%d of 50 concurrent takes allowed, want 10", got)
		}
	})
}

func TestMemory(t *testing.T) {
	t.Parallel()
	conformance(t, func(*testing.T) (ratelimit.Limiter, string) { return ratelimit.NewMemory(nil), "" })
}

func TestRedis(t *testing.T) {
	t.Parallel()
	conformance(t, func(t *testing.T) (ratelimit.Limiter, string) {
		client, prefix := testenv.Redis(t)
		return ratelimit.NewRedis(client, prefix), ""
	})
}
