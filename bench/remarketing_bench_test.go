package bench

// Remarketing at Telegram's limit, against the in-process fake Bot API
// enforcing 30 messages/s per bot and 1/s per chat (a send over the limit
// is answered 429 and counted as a violation):
//
//	go test ./bench -run '^$' -bench 'Campaign/one-bot' -benchtime 1x -timeout 30m    # 10,000 leads, one bot
//	go test ./bench -run '^$' -bench 'Campaign/100-bots' -benchtime 1x -timeout 30m   # 100 bots × 100 leads
//	GRIMBOTS_BENCH_LEADS=1000 go test ./bench -run '^$' -bench 'Campaign/one-bot' -benchtime 1x   # memory vs audience size
//
// GRIMBOTS_BENCH_ENGINE=postgres (with GRIMBOTS_TEST_POSTGRES_URL) runs them
// on PostgreSQL, with GRIMBOTS_BENCH_DB_CONNS connections (default 20, the
// default of DATABASE_MAX_OPEN_CONNS). Reported:
//
//	rate_of_limit  messages/s per bot over its send phase (its first to its
//	               last message as the fake received them), divided by 30,
//	               averaged over the bots
//	aggregate_msgs/s  every message over the whole send phase, all bots
//	duplicates     chats that got more than one message (target 0)
//	lost           leads of the audience that got none (target 0)
//	violations     sends the fake refused for exceeding the limits
//	heap_MB, rss_MB  peak Go heap in use and resident memory, sampled every
//	               50 ms while the campaign runs (the fake keeps counts only)

import (
	"cmp"
	"database/sql"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
	"github.com/grimbots/grimbots/internal/remarketing"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

func BenchmarkCampaign(b *testing.B) {
	leads := 10_000
	if v, err := strconv.Atoi(os.Getenv("GRIMBOTS_BENCH_LEADS")); err == nil && v > 0 {
		leads = v
	}
	b.Run("one-bot", func(b *testing.B) { benchCampaign(b, 1, leads) })
	b.Run("100-bots", func(b *testing.B) { benchCampaign(b, 100, 100) })
}

func benchCampaign(b *testing.B, bots, leadsPerBot int) {
	for range b.N {
		tg := telegramtest.New(b)
		tg.CountOnly()
		tg.EnforceLimits(telegramtest.Limits{})
		h := apptest.New(b, apptest.Options{Engine: os.Getenv("GRIMBOTS_BENCH_ENGINE"), Env: map[string]string{
			"TELEGRAM_API_URL": tg.URL, "TELEGRAM_UPDATES": "polling", "LOG_LEVEL": "error", "DATABASE_MAX_OPEN_CONNS": cmp.Or(os.Getenv("GRIMBOTS_BENCH_DB_CONNS"), "20")}})
		seller := h.RegisterSeller("bench").ID
		ids, tgIDs := startBots(b, h, tg, seller, 300000, bots)
		benchLeads(b, h.App.DB.Primary(), seller, ids, leadsPerBot)
		runtime.GC()

		ctx := b.Context()
		actor := payments.Actor{UserID: seller}
		c, err := h.App.Remarketing.Create(ctx, actor, remarketing.Params{Name: "bench", BotIDs: ids,
			Segment: grimbots.Segment{Kind: grimbots.SegmentAll}, Message: remarketing.Message{Text: "Oi, {nome}! Oferta de hoje.",
				Buttons: []remarketing.Button{{Offer: "vip"}}}})
		if err != nil {
			b.Fatalf("%v %+v", err, err)
		}
		peak := sampleMemory()
		start := time.Now()
		b.ResetTimer()
		if _, err := h.App.Remarketing.Start(ctx, actor, c.ID, nil); err != nil {
			b.Fatal(err)
		}
		for {
			// The status alone: counting the progress is the seller's
			// page, not the sender's work.
			c, err := h.App.Store.Campaign(ctx, seller, c.ID)
			if err != nil {
				b.Fatal(err)
			}
			if c.Status == grimbots.CampaignDone {
				break
			}
			if time.Since(start) > time.Duration(leadsPerBot)*time.Second {
				b.Fatalf("not done after %s", time.Since(start))
			}
			time.Sleep(250 * time.Millisecond)
		}
		b.StopTimer()
		heap, rss := peak()
		total := time.Since(start)
		if _, p, err := h.App.Remarketing.Campaign(ctx, seller, c.ID); err != nil || p.Sent != int64(bots*leadsPerBot) {
			b.Fatalf("progress %+v: %v", p, err)
		}

		counts := tg.SendCounts()
		perBot, span := sendRates(b, counts, tg.SendSpans())
		duplicates, lost := 0, 0
		for _, id := range tgIDs {
			for i := range leadsPerBot {
				switch n := counts[[2]int64{id, benchChat(id, i)}]; {
				case n == 0:
					lost++
				case n > 1:
					duplicates++
				}
			}
		}
		b.ReportMetric(perBot/30, "rate_of_limit")
		b.ReportMetric(float64(bots*leadsPerBot)/span.Seconds(), "aggregate_msgs/s")
		b.ReportMetric(total.Seconds(), "total_s")
		b.ReportMetric(float64(duplicates), "duplicates")
		b.ReportMetric(float64(lost), "lost")
		b.ReportMetric(float64(tg.Violations()), "violations")
		b.ReportMetric(float64(heap)/(1<<20), "heap_MB")
		b.ReportMetric(float64(rss)/(1<<20), "rss_MB")
		b.ReportMetric(float64(bots*leadsPerBot), "leads")
	}
}

// benchChat is the chat of the i-th lead of a bot (its Telegram id).
func benchChat(tgBot int64, i int) int64 { return tgBot*1_000_000 + int64(i) }

// benchLeads inserts perBot leads of each bot straight into the table.
func benchLeads(b *testing.B, db *sql.DB, seller int64, bots []int64, perBot int) {
	now := time.Now().UTC()
	tgBots := make([]int64, len(bots))
	for i, bot := range bots {
		if err := db.QueryRowContext(b.Context(), `SELECT telegram_bot_id FROM bots WHERE id = $1`, bot).Scan(&tgBots[i]); err != nil {
			b.Fatal(err)
		}
	}
	bulkInsert(b, db, "leads", []string{"seller_id", "bot_id", "telegram_user_id", "chat_id", "first_name", "first_seen_at",
		"last_interaction_at"}, len(bots)*perBot, func(n int) []any {
		bot, i := n/perBot, n%perBot
		chat := benchChat(tgBots[bot], i)
		return []any{seller, bots[bot], chat, chat, "Lead " + strconv.Itoa(i), now, now}
	})
}

// sendRates computes, from the sends the fake accepted, the mean of each
// bot's rate over its own send phase (its first to its last message) and
// the span of the whole campaign's.
func sendRates(b *testing.B, counts map[[2]int64]int, spans map[int64][2]time.Time) (meanPerBot float64, span time.Duration) {
	perBot := map[int64]int{}
	for k, n := range counts {
		perBot[k[0]] += n
	}
	var first, last time.Time
	var sum float64
	for bot, s := range spans {
		if d := s[1].Sub(s[0]); d > 0 {
			sum += float64(perBot[bot]-1) / d.Seconds()
		}
		if first.IsZero() || s[0].Before(first) {
			first = s[0]
		}
		if s[1].After(last) {
			last = s[1]
		}
	}
	if len(spans) == 0 {
		b.Fatal("no sends")
	}
	return sum / float64(len(spans)), last.Sub(first)
}

// sampleMemory samples the Go heap in use and the resident set every 50 ms
// until the returned function is called, which returns the peaks.
func sampleMemory() func() (heap, rss uint64) {
	var mu sync.Mutex
	var peakHeap, peakRSS uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			r := uint64(rssBytes())
			mu.Lock()
			peakHeap, peakRSS = max(peakHeap, ms.HeapInuse), max(peakRSS, r)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		<-stopped
		mu.Lock()
		defer mu.Unlock()
		return peakHeap, peakRSS
	}
}
