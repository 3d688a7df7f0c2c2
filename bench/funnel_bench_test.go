package bench

// Telegram funnel benchmarks against the in-process fake Bot API (webhook
// mode: the fake pushes each update to the platform's /tg/{secret}).
//
//	go test ./bench -run '^$' -bench FunnelUpdates -benchtime 2000x
//	go test ./bench -run '^$' -bench FunnelLatency -benchtime 200x
//	go test ./bench -run '^$' -bench ActiveBots -benchtime 1x -timeout 30m
//
// GRIMBOTS_BENCH_ENGINE=postgres (with GRIMBOTS_TEST_POSTGRES_URL) runs them
// on PostgreSQL.
//
// BenchmarkFunnelUpdates reports updates/s end to end (update pushed →
// stored → processed in order → reply accepted by the fake) and the p50/p99
// latency from the moment the update was queued at the fake to the moment
// the fake recorded the reply. Replies respect Telegram's limits (30/s per
// bot), so the bots share the load.
//
// BenchmarkActiveBots registers and starts 10,000 bots (GRIMBOTS_BENCH_BOTS
// to change), has each answer one buyer, and reports the process's resident
// memory and Go heap afterwards. The fake Telegram server and the test
// harness live in the same process, so the numbers are an upper bound for
// the platform alone.

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

// benchShop is a platform instance and its fake Telegram.
type benchShop struct {
	h      *apptest.Harness
	tg     *telegramtest.Server
	seller int64
	bots   []int64 // Telegram ids
}

func newBenchShop(b *testing.B, bots int) *benchShop {
	b.Helper()
	tg := telegramtest.New(b)
	tg.WaitTimeout = 10 * time.Minute
	h := apptest.New(b, apptest.Options{Engine: os.Getenv("GRIMBOTS_BENCH_ENGINE"), SelfPublicURL: true, Env: map[string]string{
		"TELEGRAM_API_URL": tg.URL, "TELEGRAM_UPDATES": "webhook", "LOG_LEVEL": "error"}})
	s := &benchShop{h: h, tg: tg, seller: h.RegisterSeller("bench").ID}
	_, s.bots = startBots(b, h, tg, s.seller, 100000, bots)
	return s
}

// startBots adds n bots of the seller (Telegram ids from firstID on), with
// a funnel selling "vip", and starts them, 16 at a time; it returns their
// ids and their ids at Telegram, in order.
func startBots(b *testing.B, h *apptest.Harness, tg *telegramtest.Server, seller int64, firstID, n int) (ids, tgIDs []int64) {
	b.Helper()
	actor := payments.Actor{UserID: seller}
	cfg := funnel.Default("Loja")
	cfg.Offers[0].Delivery.AccessLink = "https://t.me/+bench"
	ctx := b.Context()
	ids, tgIDs = make([]int64, n), make([]int64, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			token := fmt.Sprintf("%d:AAH%032d", firstID+i, i)
			tgIDs[i] = tg.AddBot(token, "bench_"+strconv.Itoa(firstID+i)+"_bot")
			bot, err := h.App.Bots.AddBot(ctx, actor, token, "")
			if err == nil {
				_, err = h.App.Bots.SaveConfig(ctx, actor, bot.ID, 0, cfg)
			}
			if err == nil {
				_, err = h.App.Bots.Start(ctx, actor, bot.ID)
			}
			if err != nil {
				b.Errorf("bot %d: %v", i, err)
				return
			}
			ids[i] = bot.ID
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	return ids, tgIDs
}

// run sends one /start per chat, spread over the bots, and waits for every
// welcome; it returns each update's latency.
func (s *benchShop) run(b *testing.B, n int, firstChat int64) []time.Duration {
	b.Helper()
	sent := make(map[int64]time.Time, n)
	for i := range n {
		chat := firstChat + int64(i)
		sent[chat] = time.Now()
		s.tg.Inject(s.bots[i%len(s.bots)], telegramtest.Start(chat, ""))
	}
	calls := s.tg.WaitCalls(b, n, telegramtest.All(telegramtest.Method("sendMessage"), telegramtest.Succeeded(),
		func(c telegramtest.Call) bool { return c.ChatID >= firstChat && c.ChatID < firstChat+int64(n) }))
	lat := make([]time.Duration, 0, n)
	for _, c := range calls {
		lat = append(lat, c.At.Sub(sent[c.ChatID]))
	}
	return lat
}

func percentile(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

func BenchmarkFunnelUpdates(b *testing.B) {
	s := newBenchShop(b, 50)
	s.run(b, 50, 1) // warm up: tokens opened, configs parsed
	b.ResetTimer()
	start := time.Now()
	lat := s.run(b, b.N, 1_000_000)
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "updates/s")
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99_ms")
}

func BenchmarkActiveBots(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("GRIMBOTS_BENCH_BOTS")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		s := newBenchShop(b, n)
		s.run(b, n, 1)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(n), "bots")
		b.ReportMetric(float64(rssBytes())/(1<<20), "rss_MB")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap_MB")
		running, err := s.h.App.Store.RunningBots(b.Context())
		if err != nil || len(running) != n {
			b.Fatalf("%d running bots: %v", len(running), err)
		}
		var leads int
		if err := s.h.App.DB.Primary().QueryRowContext(b.Context(), `SELECT COUNT(*) FROM leads`).Scan(&leads); err != nil || leads != n {
			b.Fatalf("%d leads: %v", leads, err)
		}
		_ = grimbots.BotOnline
	}
}

// rssBytes reads the process's resident set size (Linux).
func rssBytes() int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkFunnelLatency sends one update at a time and waits for its reply:
// the latency of a single buyer's step on an idle platform.
func BenchmarkFunnelLatency(b *testing.B) {
	s := newBenchShop(b, 10)
	s.run(b, 10, 1)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		lat = append(lat, s.run(b, 1, 2_000_000+int64(i))...)
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99_ms")
}
