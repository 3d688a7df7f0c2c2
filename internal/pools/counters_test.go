package pools

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/testenv"
)

// countersConformance runs the same checks against any Counters; open
// returns two handles on one shared state (two instances).
func countersConformance(t *testing.T, open func(t *testing.T) [2]Counters) {
	ctx := context.Background()

	t.Run("round robin tickets are shared and distinct", func(t *testing.T) {
		t.Parallel()
		cs := open(t)
		seen := map[uint64]bool{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range 100 {
			wg.Go(func() {
				n, err := cs[i%2].Next(ctx, 7)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[n] = true
				mu.Unlock()
			})
		}
		wg.Wait()
		for n := uint64(1); n <= 100; n++ {
			if !seen[n] {
				t.Fatalf("ticket %d never handed out: %d distinct tickets", n, len(seen))
			}
		}
		if n, _ := cs[0].Next(ctx, 8); n != 1 {
			t.Fatalf("another pool's first ticket = %d, want 1", n)
		}
	})

	t.Run("least connections spreads concurrent picks", func(t *testing.T) {
		t.Parallel()
		cs := open(t)
		bots := []int64{101, 102, 103, 104}
		got := map[int64]int{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range 200 {
			wg.Go(func() {
				k, err := cs[i%2].Least(ctx, bots)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				got[bots[k]]++
				mu.Unlock()
			})
		}
		wg.Wait()
		for _, id := range bots {
			if got[id] != 50 {
				t.Fatalf("picks %v, want 50 each", got)
			}
		}
		// A bot joining now has no recent redirects: it is picked until
		// it catches up, and only that long.
		withNew := append([]int64{105}, bots...)
		for i := range 50 {
			if k, _ := cs[0].Least(ctx, withNew); withNew[k] != 105 {
				t.Fatalf("pick %d went to %d, want the new bot", i, withNew[k])
			}
		}
		// Then all five are even again: the next five picks take each once.
		next := map[int64]bool{}
		for range 5 {
			k, _ := cs[1].Least(ctx, withNew)
			next[withNew[k]] = true
		}
		if len(next) != 5 {
			t.Fatalf("after catching up the next picks went to %v, want each bot once", next)
		}
	})
}

func TestMemoryCounters(t *testing.T) {
	t.Parallel()
	countersConformance(t, func(*testing.T) [2]Counters {
		c := NewMemoryCounters(nil)
		return [2]Counters{c, c}
	})
}

func TestRedisCounters(t *testing.T) {
	t.Parallel()
	countersConformance(t, func(t *testing.T) [2]Counters {
		a, prefix := testenv.Redis(t)
		b, _ := testenv.Redis(t)
		return [2]Counters{NewRedisCounters(a, prefix), NewRedisCounters(b, prefix)}
	})
}

func TestMemoryConnectionsExpire(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := NewMemoryCounters(func() time.Time { return now })
	ctx := context.Background()
	bots := []int64{1, 2}
	for range 10 {
		c.Least(ctx, bots[:1]) // bot 1 takes 10 redirects
	}
	if k, _ := c.Least(ctx, bots); k != 1 {
		t.Fatal("bot 1 picked while it had 10 recent redirects")
	}
	now = now.Add(ConnectionWindow + connectionBucket)
	// Bot 1's redirects left the window; bot 2's one too: a tie, the first.
	if k, _ := c.Least(ctx, bots); k != 0 {
		t.Fatal("old redirects still counted after the window")
	}
}
