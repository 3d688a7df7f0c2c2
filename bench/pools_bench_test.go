package bench

// Pool link redirects per second and their latency: GET /go/{slug} through
// the full HTTP chain (request id, access log, metrics, security headers,
// the per-IP rate limit), the cached pool lookup, the strategy's shared
// state and the in-memory click count, on 5 running bots. "memory" is the
// zero-configuration instance; "redis" shares cache, counters and rate
// limits through Redis (GRIMBOTS_TEST_REDIS_URL), as a cluster does.
//
//	go test ./bench -run '^$' -bench PoolRedirect -benchtime 200000x

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/app"
	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/config"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
	"github.com/grimbots/grimbots/internal/pools"
	"github.com/grimbots/grimbots/internal/store/storetest"
	"github.com/grimbots/grimbots/internal/testenv"
)

func BenchmarkPoolRedirect(b *testing.B) {
	for _, backend := range []string{"memory", "redis"} {
		for _, strategy := range []string{grimbots.StrategyRoundRobin, grimbots.StrategyWeighted, grimbots.StrategyLeastConnections} {
			b.Run(backend+"/"+strategy, func(b *testing.B) {
				env := map[string]string{"GRIMBOTS_DATA_DIR": b.TempDir(), "LOG_LEVEL": "warn", "RATE_GO_PER_IP": "100000000/1m"}
				prefix := ""
				if backend == "redis" {
					if os.Getenv(testenv.RedisURLEnv) == "" {
						b.Skipf("%s is not set", testenv.RedisURLEnv)
					}
					env["REDIS_URL"], prefix = testenv.RedisURL(b)
				}
				benchRedirects(b, env, prefix, strategy)
			})
		}
	}
}

func benchRedirects(b *testing.B, env map[string]string, redisPrefix, strategy string) {
	cfg, err := config.Load(config.MapLookup(env))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	a, err := app.New(ctx, cfg, app.NewLogger(cfg, io.Discard), app.Options{RedisKeyPrefix: redisPrefix})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(a.Close)
	u, _, err := a.Auth.Register(ctx, auth.RegisterParams{Email: "pools@example.com", Username: "pools_seller",
		Password: "Tr0ub4dor&3-staple"}, auth.Meta{IP: "127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}
	actor := payments.Actor{UserID: u.ID}
	name, slug := "Bench", "bench-pool"
	p, err := a.Pools.Create(ctx, actor, pools.PoolParams{Name: &name, Slug: &slug, Strategy: &strategy})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 5 {
		bot := storetest.AddBot(b, a.Store, u.ID, testenv.RandomName("bench"), func(b *grimbots.Bot) {
			b.Running, b.Health = true, grimbots.BotOnline
		})
		if _, err := a.Pools.SetMember(ctx, actor, p.ID, bot.ID, pools.MemberParams{Weight: i + 1}); err != nil {
			b.Fatal(err)
		}
	}
	h := a.Server.Handler()
	var mu sync.Mutex
	var lat []time.Duration

	// Visitors arrive concurrently: 8 requests in flight per core.
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		mine := make([]time.Duration, 0, 1024)
		for pb.Next() {
			req := httptest.NewRequest(http.MethodGet, "/go/"+slug, nil)
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, req)
			mine = append(mine, time.Since(start))
			if rec.Code != http.StatusFound {
				b.Errorf("redirect: %d %s", rec.Code, rec.Body)
				return
			}
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "redirects/s")
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99_ms")
	// Every click is counted once the writer has flushed.
	if err := a.Pools.FlushClicks(ctx); err != nil {
		b.Fatal(err)
	}
	st, err := a.Pools.Stats(ctx, u.ID, p.ID, 1)
	if err != nil {
		b.Fatal(err)
	}
	if st.Total < int64(b.N) {
		b.Fatalf("%d clicks counted for %d redirects", st.Total, b.N)
	}
}
