package pools

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// clickKey is one daily counter.
type clickKey struct {
	pool, seller, bot int64
	day               string
}

// clicks counts redirects in memory and adds them to the database every
// interval and when closed, so that a redirect never waits for a write. A
// crash loses at most the counts of the last interval. Counts that fail to
// be written are kept for the next flush.
type clicks struct {
	write    func(ctx context.Context, batch []grimbots.PoolClicks) error
	logger   *slog.Logger
	interval time.Duration

	mu      sync.Mutex
	pending map[clickKey]int64
	// flushing serialises flushes: a flush returns only once every click
	// counted before it was written (or kept for the next attempt).
	flushing sync.Mutex

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func newClicks(write func(context.Context, []grimbots.PoolClicks) error, interval time.Duration, logger *slog.Logger) *clicks {
	c := &clicks{write: write, logger: logger, interval: interval, pending: map[clickKey]int64{},
		stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

func (c *clicks) add(k clickKey) {
	c.mu.Lock()
	c.pending[k]++
	c.mu.Unlock()
}

func (c *clicks) run() {
	defer close(c.done)
	t := time.NewTicker(c.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = c.flush(ctx)
			cancel()
		case <-c.stop:
			return
		}
	}
}

// flush writes the pending counts; on failure they are merged back.
func (c *clicks) flush(ctx context.Context) error {
	c.flushing.Lock()
	defer c.flushing.Unlock()
	c.mu.Lock()
	batch := c.pending
	if len(batch) == 0 {
		c.mu.Unlock()
		return nil
	}
	c.pending = make(map[clickKey]int64, len(batch))
	c.mu.Unlock()

	rows := make([]grimbots.PoolClicks, 0, len(batch))
	for k, n := range batch {
		rows = append(rows, grimbots.PoolClicks{PoolID: k.pool, SellerID: k.seller, BotID: k.bot, Day: k.day, Clicks: n})
	}
	err := c.write(ctx, rows)
	if err != nil {
		c.logger.WarnContext(ctx, "pool clicks not written; kept for the next flush", "counters", len(rows), "err", err)
		c.mu.Lock()
		for k, n := range c.pending {
			batch[k] += n
		}
		c.pending = batch
		c.mu.Unlock()
	}
	return err
}

// close stops the ticker and writes what is pending.
func (c *clicks) close(ctx context.Context) error {
	var err error
	c.closeOnce.Do(func() {
		close(c.stop)
		<-c.done
		err = c.flush(ctx)
	})
	return err
}
