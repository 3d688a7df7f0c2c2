package cache_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/grimbots/grimbots/internal/cache"
	"github.com/grimbots/grimbots/internal/testenv"
)

// newCaches returns n caches that share their contents, as n instances of
// the platform do (in process: one cache serves them all), with the
// metrics they count on.
type newCaches func(t *testing.T, n int) ([]cache.Cache, *cache.Metrics, *prometheus.Registry)

// conformance runs the same behaviour checks against an implementation.
func conformance(t *testing.T, open newCaches) {
	ctx := context.Background()
	one := func(t *testing.T) (cache.Cache, *prometheus.Registry) {
		cs, _, reg := open(t, 1)
		return cs[0], reg
	}

	t.Run("set get miss", func(t *testing.T) {
		t.Parallel()
		c, reg := one(t)
		if _, ok, err := c.Get(ctx, "a"); ok || err != nil {
			t.Fatalf("get of a missing key: ok=%v err=%v", ok, err)
		}
		buf := []byte("one")
		must(t, c.Set(ctx, "a", buf, time.Minute))
		buf[0] = 'X' // the cache keeps its own copy
		if v, ok, err := c.Get(ctx, "a"); !ok || err != nil || string(v) != "one" {
			t.Fatalf("get = %q %v %v, want one", v, ok, err)
		}
		must(t, c.Set(ctx, "a", []byte("two"), time.Minute))
		if v, _, _ := c.Get(ctx, "a"); string(v) != "two" {
			t.Fatalf("get after overwrite = %q", v)
		}
		if h, m := counter(t, reg, "grimbots_cache_hits_total"), counter(t, reg, "grimbots_cache_misses_total"); h != 2 || m != 1 {
			t.Fatalf("hits=%v misses=%v, want 2 and 1", h, m)
		}
	})

	t.Run("ttl", func(t *testing.T) {
		t.Parallel()
		c, _ := one(t)
		must(t, c.Set(ctx, "short", []byte("x"), 50*time.Millisecond))
		must(t, c.Set(ctx, "long", []byte("y"), time.Minute))
		time.Sleep(120 * time.Millisecond)
		if _, ok, _ := c.Get(ctx, "short"); ok {
			t.Fatal("value outlived its ttl")
		}
		if _, ok, _ := c.Get(ctx, "long"); !ok {
			t.Fatal("value lost before its ttl")
		}
		if err := c.Set(ctx, "zero", []byte("x"), 0); err == nil {
			t.Fatal("a zero ttl was accepted")
		}
	})

	t.Run("delete", func(t *testing.T) {
		t.Parallel()
		c, _ := one(t)
		for _, k := range []string{"a", "b", "c"} {
			must(t, c.Set(ctx, k, []byte(k), time.Minute))
		}
		must(t, c.Delete(ctx, "a", "b", "never-set"))
		for k, want := range map[string]bool{"a": false, "b": false, "c": true} {
			if _, ok, _ := c.Get(ctx, k); ok != want {
				t.Errorf("%s present=%v after delete, want %v", k, ok, want)
			}
		}
	})

	t.Run("delete by prefix", func(t *testing.T) {
		t.Parallel()
		c, _ := one(t)
		keys := []string{"stats:seller:4:today", "stats:seller:4:week", "stats:seller:42:today", "stats:seller:*:x", "rank:all"}
		for _, k := range keys {
			must(t, c.Set(ctx, k, []byte(k), time.Minute))
		}
		must(t, c.DeleteByPrefix(ctx, "stats:seller:4:"))
		must(t, c.DeleteByPrefix(ctx, "stats:seller:*")) // glob characters are literal
		want := map[string]bool{"stats:seller:4:today": false, "stats:seller:4:week": false, "stats:seller:42:today": true,
			"stats:seller:*:x": false, "rank:all": true}
		for k, w := range want {
			if _, ok, _ := c.Get(ctx, k); ok != w {
				t.Errorf("%s present=%v, want %v", k, ok, w)
			}
		}
	})

	t.Run("get or load", func(t *testing.T) {
		t.Parallel()
		c, reg := one(t)
		var loads atomic.Int32
		load := func(context.Context) ([]byte, error) { return fmt.Appendf(nil, "v%d", loads.Add(1)), nil }
		for range 3 {
			v, err := c.GetOrLoad(ctx, "k", time.Minute, load)
			if err != nil || string(v) != "v1" {
				t.Fatalf("GetOrLoad = %q, %v; want v1", v, err)
			}
		}
		if loads.Load() != 1 || counter(t, reg, "grimbots_cache_loads_total") != 1 {
			t.Fatalf("%d loads, want 1", loads.Load())
		}
		must(t, c.Delete(ctx, "k"))
		if v, _ := c.GetOrLoad(ctx, "k", time.Minute, load); string(v) != "v2" {
			t.Fatalf("after delete GetOrLoad = %q, want a new load", v)
		}
	})

	t.Run("load errors are not cached", func(t *testing.T) {
		t.Parallel()
		c, reg := one(t)
		boom := errors.New("boom")
		if _, err := c.GetOrLoad(ctx, "k", time.Minute, func(context.Context) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want the load's", err)
		}
		v, err := c.GetOrLoad(ctx, "k", time.Minute, func(context.Context) ([]byte, error) { return []byte("ok"), nil })
		if err != nil || string(v) != "ok" {
			t.Fatalf("after a failed load: %q %v", v, err)
		}
		if n := metric(t, reg, "grimbots_cache_errors_total", "load"); n != 1 {
			t.Fatalf("load errors = %v, want 1", n)
		}
	})

	t.Run("stampede: one load for concurrent callers across instances", func(t *testing.T) {
		t.Parallel()
		cs, _, _ := open(t, 2)
		var loads atomic.Int32
		release := make(chan struct{})
		load := func(context.Context) ([]byte, error) {
			loads.Add(1)
			<-release
			return []byte("shared"), nil
		}
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Go(func() {
				v, err := cs[i%2].GetOrLoad(ctx, "hot", time.Minute, load)
				if err == nil && string(v) != "shared" {
					err = fmt.Errorf("got %q", v)
				}
				errs <- err
			})
		}
		time.Sleep(100 * time.Millisecond) // every caller is waiting by now
		close(release)
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		if n := loads.Load(); n != 1 {
			t.Fatalf("%d loads for 40 concurrent callers, want 1", n)
		}
	})

	t.Run("an invalidation during a load keeps its value out", func(t *testing.T) {
		t.Parallel()
		c, _ := one(t)
		started, release := make(chan struct{}), make(chan struct{})
		done := make(chan []byte)
		go func() {
			v, _ := c.GetOrLoad(ctx, "k", time.Minute, func(context.Context) ([]byte, error) {
				close(started)
				<-release
				return []byte("read before the write"), nil
			})
			done <- v
		}()
		<-started
		must(t, c.Delete(ctx, "k")) // the write committed and invalidated
		close(release)
		if v := <-done; string(v) != "read before the write" {
			t.Fatalf("the racing caller got %q", v)
		}
		v, err := c.GetOrLoad(ctx, "k", time.Minute, func(context.Context) ([]byte, error) { return []byte("fresh"), nil })
		if err != nil || string(v) != "fresh" {
			t.Fatalf("after the invalidation: %q %v, want a fresh load", v, err)
		}
	})

	t.Run("a cancelled leader does not fail the others", func(t *testing.T) {
		t.Parallel()
		c, _ := one(t)
		lctx, cancel := context.WithCancel(ctx)
		started := make(chan struct{})
		go func() {
			_, _ = c.GetOrLoad(lctx, "k", time.Minute, func(ctx context.Context) ([]byte, error) {
				close(started)
				<-ctx.Done()
				return nil, ctx.Err()
			})
		}()
		<-started
		res := make(chan error)
		go func() {
			v, err := c.GetOrLoad(ctx, "k", time.Minute, func(context.Context) ([]byte, error) { return []byte("mine"), nil })
			if err == nil && string(v) != "mine" {
				err = fmt.Errorf("got %q", v)
			}
			res <- err
		}()
		time.Sleep(20 * time.Millisecond)
		cancel()
		select {
		case err := <-res:
			must(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("the follower never finished")
		}
	})

	t.Run("json", func(t *testing.T) {
		t.Parallel()
		c, _ := one(t)
		type stats struct {
			Sales   int   `json:"sales"`
			Revenue int64 `json:"revenue"`
		}
		calls := 0
		load := func(context.Context) (stats, error) { calls++; return stats{Sales: 3, Revenue: 5970}, nil }
		for range 2 {
			s, err := cache.GetOrLoadJSON(ctx, c, "seller:1", time.Minute, load)
			if err != nil || s != (stats{3, 5970}) {
				t.Fatalf("GetOrLoadJSON = %+v, %v", s, err)
			}
		}
		if calls != 1 {
			t.Fatalf("%d loads", calls)
		}
		must(t, cache.SetJSON(ctx, c, "seller:2", stats{Sales: 1}, time.Minute))
		var got stats
		if ok, err := cache.GetJSON(ctx, c, "seller:2", &got); !ok || err != nil || got.Sales != 1 {
			t.Fatalf("GetJSON = %v %v %+v", ok, err, got)
		}
	})
}

func TestMemory(t *testing.T) {
	t.Parallel()
	conformance(t, func(t *testing.T, n int) ([]cache.Cache, *cache.Metrics, *prometheus.Registry) {
		reg := prometheus.NewRegistry()
		m := cache.NewMetrics(reg)
		c := cache.NewMemory(cache.Options{Name: "test", Metrics: m})
		cs := make([]cache.Cache, n)
		for i := range cs {
			cs[i] = c
		}
		return cs, m, reg
	})
}

func TestRedis(t *testing.T) {
	t.Parallel()
	conformance(t, func(t *testing.T, n int) ([]cache.Cache, *cache.Metrics, *prometheus.Registry) {
		reg := prometheus.NewRegistry()
		m := cache.NewMetrics(reg)
		cs := make([]cache.Cache, n)
		var prefix string
		for i := range cs {
			client, p := testenv.Redis(t)
			if i == 0 {
				prefix = p
			}
			cs[i] = cache.New(cache.Options{Name: "test", Redis: client, Prefix: prefix, Metrics: m})
		}
		return cs, m, reg
	})
}

func TestMemoryEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := cache.NewMemory(cache.Options{Name: "lru", MaxEntries: 3})
	for _, k := range []string{"a", "b", "c"} {
		must(t, c.Set(ctx, k, []byte(k), time.Minute))
	}
	c.Get(ctx, "a") // b is now the least recently used
	must(t, c.Set(ctx, "d", []byte("d"), time.Minute))
	if c.Len() != 3 {
		t.Fatalf("%d entries, want the bound of 3", c.Len())
	}
	for k, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, ok, _ := c.Get(ctx, k); ok != want {
			t.Errorf("%s present=%v, want %v", k, ok, want)
		}
	}
}

func TestRedisDownStillLoads(t *testing.T) {
	t.Parallel()
	// Nothing listens there: every command fails, as with Redis down.
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	reg := prometheus.NewRegistry()
	c := cache.New(cache.Options{Name: "down", Redis: client, Metrics: cache.NewMetrics(reg)})
	v, err := c.GetOrLoad(context.Background(), "k", time.Minute, func(context.Context) ([]byte, error) { return []byte("from source"), nil })
	if err != nil || string(v) != "from source" {
		t.Fatalf("GetOrLoad with Redis down = %q, %v", v, err)
	}
	if n := metric(t, reg, "grimbots_cache_errors_total", "get"); n != 1 {
		t.Fatalf("get errors = %v, want 1", n)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	return metric(t, reg, name, "")
}

// metric sums the series of the counter name (with op=op when op is set).
func metric(t *testing.T, reg *prometheus.Registry, name, op string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	must(t, err)
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := op == ""
			for _, lp := range m.GetLabel() {
				match = match || (lp.GetName() == "op" && lp.GetValue() == op)
			}
			if match {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
