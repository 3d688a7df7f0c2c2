package stats_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/cache"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/stats"
)

// countingStore answers each seller's summary with its number of loads.
type countingStore struct {
	mu    sync.Mutex
	loads map[int64]int64
}

func (s *countingStore) SalesSummary(_ context.Context, sellerID int64, _, _ time.Time) (grimbots.SalesSummary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loads[sellerID]++
	return grimbots.SalesSummary{Sales: s.loads[sellerID]}, nil
}

func (s *countingStore) RevenueBuckets(context.Context, int64, time.Time, time.Time) ([]grimbots.RevenueBucket, error) {
	return nil, nil
}

func (s *countingStore) BotSales(_ context.Context, sellerID int64, _, _ time.Time) (map[int64]*grimbots.BotSales, error) {
	return map[int64]*grimbots.BotSales{7: {BotID: 7, Sales: sellerID}}, nil
}

func (s *countingStore) Sales(context.Context, int64, grimbots.SaleFilter) ([]*grimbots.Sale, error) {
	return nil, nil
}

func TestCachedPerSellerAndPeriod(t *testing.T) {
	st := &countingStore{loads: map[int64]int64{}}
	c := stats.New(st, cache.NewMemory(cache.Options{Name: "stats"}), time.Hour)
	ctx := t.Context()
	day := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	summary := func(seller int64, from time.Time) int64 {
		t.Helper()
		s, err := c.SalesSummary(ctx, seller, from, from.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return s.Sales
	}
	if summary(1, day) != 1 || summary(1, day) != 1 || summary(2, day) != 1 {
		t.Fatal("a second read loaded again")
	}
	// Another period is another answer.
	if summary(1, day.Add(-24*time.Hour)) != 2 {
		t.Fatal("two periods shared an answer")
	}
	// Invalidating seller 1 reloads seller 1 only, every period.
	if err := c.Invalidate(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if summary(1, day) != 3 || summary(1, day.Add(-24*time.Hour)) != 4 || summary(2, day) != 1 {
		t.Fatalf("after invalidating seller 1: loads %v", st.loads)
	}
	// Maps keyed by bot id survive the cache's encoding.
	by, err := c.BotSales(ctx, 2, day, day.Add(time.Hour))
	if err != nil || by[7] == nil || by[7].Sales != 2 {
		t.Fatalf("bot sales %v %v", by, err)
	}
}
