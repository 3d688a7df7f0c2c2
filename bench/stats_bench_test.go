package bench

// Dashboard statistics through their cache, on a seeded dataset of 1,000
// sellers, 100,000 leads and 1,000,000 payments spread over 90 days:
//
//	go test ./bench -run '^$' -bench DashboardStats -benchtime 1x -timeout 30m
//
// GRIMBOTS_BENCH_ENGINE=postgres (with GRIMBOTS_TEST_POSTGRES_URL) seeds
// PostgreSQL; GRIMBOTS_BENCH_REDIS=1 (with GRIMBOTS_TEST_REDIS_URL) keeps the
// cache in Redis. A request is what the dashboard reads for a seller's last
// 30 days in São Paulo time: the summary, the revenue chart's buckets and
// the sales by bot. Reported, in milliseconds:
//
//	cold_p50/p95/p99  each seller's first request (every read a miss)
//	warm_p50/p95/p99  three more requests per seller, in random order (hits)
//	inval_p95         a request right after the seller's cache was
//	                  invalidated (a sale): one miss per aggregate again

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/store/storetest"
)

const (
	statsSellers           = 1_000
	statsLeadsPerSeller    = 100
	statsPaymentsPerSeller = 1_000
	statsDays              = 90
)

func BenchmarkDashboardStats(b *testing.B) {
	h := apptest.New(b, apptest.Options{Engine: os.Getenv("GRIMBOTS_BENCH_ENGINE"), Redis: os.Getenv("GRIMBOTS_BENCH_REDIS") != "",
		Env: map[string]string{"LOG_LEVEL": "error"}})
	now := time.Now().UTC()
	start := time.Now()
	sellers := seedStats(b, h, now)
	b.Logf("seeded %d sellers, %d leads, %d payments in %s", statsSellers, statsSellers*statsLeadsPerSeller,
		statsSellers*statsPaymentsPerSeller, time.Since(start).Round(time.Second))

	ctx := b.Context()
	sp, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		b.Fatal(err)
	}
	local := now.In(sp)
	to := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, sp)
	from := to.AddDate(0, 0, -30)
	request := func(seller int64) time.Duration {
		t0 := time.Now()
		sum, err := h.App.Stats.SalesSummary(ctx, seller, from, to)
		if err == nil {
			_, err = h.App.Stats.RevenueBuckets(ctx, seller, from, to)
		}
		if err == nil {
			_, err = h.App.Stats.BotSales(ctx, seller, from, to)
		}
		if err != nil || sum.PIXGenerated == 0 {
			b.Fatalf("seller %d: %+v %v", seller, sum, err)
		}
		return time.Since(t0)
	}

	for range b.N {
		for _, s := range sellers {
			if err := h.App.Stats.Invalidate(ctx, s); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		cold := make([]time.Duration, 0, len(sellers))
		for _, s := range sellers {
			cold = append(cold, request(s))
		}
		warm := make([]time.Duration, 0, 3*len(sellers))
		for range 3 {
			for _, i := range rand.Perm(len(sellers)) {
				warm = append(warm, request(sellers[i]))
			}
		}
		inval := make([]time.Duration, 0, len(sellers)/10)
		for _, s := range sellers[:len(sellers)/10] {
			if err := h.App.Stats.Invalidate(ctx, s); err != nil {
				b.Fatal(err)
			}
			inval = append(inval, request(s))
		}
		b.StopTimer()
		for _, m := range []struct {
			name string
			d    []time.Duration
			p    float64
		}{{"cold_p50", cold, 0.50}, {"cold_p95", cold, 0.95}, {"cold_p99", cold, 0.99},
			{"warm_p50", warm, 0.50}, {"warm_p95", warm, 0.95}, {"warm_p99", warm, 0.99}, {"inval_p95", inval, 0.95}} {
			b.ReportMetric(float64(percentile(m.d, m.p).Microseconds())/1000, m.name+"_ms")
		}
	}
}

// seedStats creates the sellers (one bot each), their leads and payments,
// and returns the sellers' ids. Payments are spread evenly over the last
// statsDays days: 70% paid, 5% refunded, 20% expired, 5% failed.
func seedStats(b *testing.B, h *apptest.Harness, now time.Time) []int64 {
	sellers := make([]int64, statsSellers)
	bots := make([]int64, statsSellers)
	for i := range statsSellers {
		sellers[i] = storetest.NewUser(b, h.App.Store, fmt.Sprintf("seller%04d", i)).ID
		bots[i] = storetest.NewBot(b, h.App.Store, sellers[i], fmt.Sprintf("loja%04d", i))
	}
	db := h.App.DB.Primary()
	span := statsDays * 24 * time.Hour
	bulkInsert(b, db, "leads", []string{"seller_id", "bot_id", "telegram_user_id", "chat_id", "first_name", "first_seen_at",
		"last_interaction_at"}, statsSellers*statsLeadsPerSeller, func(n int) []any {
		s := n / statsLeadsPerSeller
		at := now.Add(-time.Duration(rand.Int64N(int64(span))))
		return []any{sellers[s], bots[s], int64(n + 1), int64(n + 1), "Lead", at, at}
	})
	bulkInsert(b, db, "payments", []string{"seller_id", "bot_id", "gateway_kind", "reference", "amount_cents", "status",
		"paid_at", "refunded_at", "created_at", "updated_at"}, statsSellers*statsPaymentsPerSeller, func(n int) []any {
		s := n / statsPaymentsPerSeller
		created := now.Add(-time.Duration(rand.Int64N(int64(span))))
		paid := created.Add(2 * time.Minute)
		row := []any{sellers[s], bots[s], "sandbox", "bench-" + strconv.Itoa(n), 990 + 100*rand.Int64N(90), "", nil, nil, created, created}
		switch r := rand.IntN(100); {
		case r < 70:
			row[5], row[6] = "paid", paid
		case r < 75:
			row[5], row[6], row[7] = "refunded", paid, paid.Add(time.Hour)
		case r < 95:
			row[5] = "expired"
		default:
			row[5] = "failed"
		}
		return row
	})
	// Fresh planner statistics, as a production database has.
	if _, err := db.ExecContext(b.Context(), "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return sellers
}

// bulkInsert inserts n rows into table, row(i) giving the i-th row's
// values for cols: 500 rows per statement, 20 statements per transaction.
func bulkInsert(b *testing.B, db *sql.DB, table string, cols []string, n int, row func(i int) []any) {
	const perStatement, perTx = 500, 20
	ctx := context.Background()
	statement := func(rows int) string {
		var q strings.Builder
		fmt.Fprintf(&q, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
		for r := range rows {
			if r > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for c := range cols {
				if c > 0 {
					q.WriteString(", ")
				}
				fmt.Fprintf(&q, "$%d", r*len(cols)+c+1)
			}
			q.WriteByte(')')
		}
		return q.String()
	}
	full := statement(perStatement)
	for from := 0; from < n; from += perStatement * perTx {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		for at := from; at < min(from+perStatement*perTx, n); at += perStatement {
			rows := min(perStatement, n-at)
			q := full
			if rows < perStatement {
				q = statement(rows)
			}
			args := make([]any, 0, rows*len(cols))
			for i := at; i < at+rows; i++ {
				args = append(args, row(i)...)
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				b.Fatalf("inserting into %s: %v", table, err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
