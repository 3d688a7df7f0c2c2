package bench

// Webhook confirmations per second: each iteration is one gateway
// notification for a distinct pending sandbox charge, through the full HTTP
// chain (routing, token lookup, raw webhook record, status re-read from the
// "bank", the conditional pending → paid update, the commission entry and the
// sale's job, all in one transaction).
//
//	go test ./bench -run '^$' -bench Webhook -benchtime 2000x
//	GRIMBOTS_TEST_POSTGRES_URL=postgres://… go test ./bench -run '^$' -bench Webhook/postgres -benchtime 2000x

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/app"
	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/config"
	"github.com/grimbots/grimbots/internal/payments"
	"github.com/grimbots/grimbots/internal/testenv"
)

func BenchmarkWebhookConfirmation(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			env := map[string]string{"GRIMBOTS_DATA_DIR": b.TempDir(), "LOG_LEVEL": "warn"}
			if engine == "postgres" {
				if os.Getenv(testenv.PostgresURLEnv) == "" {
					b.Skipf("%s is not set", testenv.PostgresURLEnv)
				}
				env["DATABASE_URL"] = testenv.PostgresURL(b)
			}
			benchWebhooks(b, env)
		})
	}
}

func benchWebhooks(b *testing.B, env map[string]string) {
	cfg, err := config.Load(config.MapLookup(env))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	a, err := app.New(ctx, cfg, app.NewLogger(cfg, io.Discard), app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(a.Close)
	u, _, err := a.Auth.Register(ctx, auth.RegisterParams{Email: "bench@example.com", Username: "bench_seller",
		Password: "Tr0ub4dor&3-staple"}, auth.Meta{IP: "127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}
	gws, err := a.Payments.Gateways(ctx, u.ID)
	if err != nil || len(gws) != 1 {
		b.Fatalf("sandbox gateway: %v %v", gws, err)
	}
	hook := gws[0].WebhookURL[strings.Index(gws[0].WebhookURL, "/webhooks/"):]

	// One paid-at-the-bank charge per iteration, prepared off the clock.
	bodies := make([]string, b.N)
	for i := range bodies {
		p, err := a.Payments.Checkout(ctx, payments.CheckoutParams{SellerID: u.ID, AmountCents: 1990, Description: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Store.SetSandboxChargeStatus(ctx, u.ID, p.TransactionID, "paid", p.CreatedAt); err != nil {
			b.Fatal(err)
		}
		bodies[i] = fmt.Sprintf(`{"transaction_id":%q,"status":"paid","amount_cents":1990}`, p.TransactionID)
	}
	h := a.Server.Handler()
	next := make(chan string, len(bodies))
	for _, body := range bodies {
		next <- body
	}
	close(next)

	// Gateways deliver concurrently: 8 deliveries in flight per core.
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, hook, strings.NewReader(<-next))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"accepted"`) {
				b.Errorf("webhook: %d %s", rec.Code, rec.Body)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "confirmations/s")
}
