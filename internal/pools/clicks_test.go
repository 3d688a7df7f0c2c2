package pools

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// pendingCounts returns a copy of the counts not written yet.
func (c *clicks) pendingCounts() map[clickKey]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.pending)
}

func TestClicksBatchAndRetry(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var written []grimbots.PoolClicks
	fail := true
	c := newClicks(func(_ context.Context, b []grimbots.PoolClicks) error {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			return errors.New("database down")
		}
		written = append(written, b...)
		return nil
	}, time.Hour, slog.New(slog.DiscardHandler))
	k := clickKey{pool: 1, seller: 2, bot: 3, day: "2026-03-01"}
	for range 5 {
		c.add(k)
	}
	if err := c.flush(context.Background()); err == nil {
		t.Fatal("flush hid the write error")
	}
	c.add(k) // counted meanwhile
	if got := c.pendingCounts()[k]; got != 6 {
		t.Fatalf("%d pending after a failed flush, want the 5 kept plus 1", got)
	}
	mu.Lock()
	fail = false
	mu.Unlock()
	if err := c.close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(written) != 1 || written[0].Clicks != 6 || written[0].BotID != 3 {
		t.Fatalf("written %+v, want one counter of 6", written)
	}
	if len(c.pendingCounts()) != 0 {
		t.Fatal("counts left after close")
	}
}
