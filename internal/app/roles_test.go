package app_test

// Roles: a web instance serves the API and webhooks and only inserts jobs;
// a worker instance on the same database runs them, the periodic jobs and
// the bots' polling, and serves only /healthz, /readyz and /metrics.

import (
	"net/http"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/mail"
	"github.com/grimbots/grimbots/internal/payments"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

func TestRoles(t *testing.T) {
	t.Parallel()
	for _, engine := range apptest.Engines {
		t.Run(engine, func(t *testing.T) { t.Parallel(); testRoles(t, engine) })
	}
}

func testRoles(t *testing.T, engine string) {
	ctx := t.Context()
	tg := telegramtest.New(t)
	tgBot := tg.AddBot(shopToken, "loja_da_ana_bot")
	env := func(role string) map[string]string {
		return map[string]string{"TELEGRAM_API_URL": tg.URL, "TELEGRAM_UPDATES": "polling", "GRIMBOTS_ROLE": role}
	}
	web := apptest.New(t, apptest.Options{Engine: engine, Env: env("web")})
	seller := web.RegisterSeller("ana")
	actor := payments.Actor{UserID: seller.ID}
	b, err := web.App.Bots.AddBot(ctx, actor, shopToken, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := web.App.Bots.SaveConfig(ctx, actor, b.ID, 1, shopConfig()); err != nil {
		t.Fatal(err)
	}
	if _, err := web.App.Bots.Start(ctx, actor, b.ID); err != nil {
		t.Fatal(err)
	}
	resetEmail := func() {
		web.NewClient().Do("POST", "/api/v1/auth/password-reset", map[string]any{"email": seller.Email}).
			RequireStatus(t, http.StatusAccepted)
	}
	resetEmail()

	// The web instance queued the email but runs nothing: no job, no
	// periodic job, no polling.
	jobs := func(kind string, states ...rivertype.JobState) []*rivertype.JobRow {
		t.Helper()
		p := river.NewJobListParams().Kinds(kind)
		if len(states) > 0 {
			p = p.States(states...)
		}
		res, err := web.App.Jobs.Client().JobList(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return res.Jobs
	}
	time.Sleep(time.Second)
	if got := jobs("send_email", rivertype.JobStateAvailable); len(got) != 1 {
		t.Fatalf("%d available email jobs on a web instance, want 1", len(got))
	}
	if got := jobs("payments_reconcile"); len(got) != 0 {
		t.Fatalf("a web instance inserted %d periodic jobs", len(got))
	}
	if n := len(web.Mailer.Messages()); n != 0 {
		t.Fatalf("a web instance sent %d emails", n)
	}
	getUpdates := telegramtest.All(telegramtest.Method("getUpdates"), telegramtest.FromBot(tgBot))
	if n := len(tg.Calls(getUpdates)); n != 0 {
		t.Fatalf("a web instance polled Telegram %d times", n)
	}

	// A worker on the same database: the job runs, periodic jobs are
	// scheduled, the bot is polled and answers a buyer.
	worker := apptest.New(t, apptest.Options{Share: web, Env: env("worker")})
	toSeller := func(m mail.Message) bool { return m.To == seller.Email }
	worker.Mailer.Wait(t, toSeller)
	tg.WaitCalls(t, 1, getUpdates)
	for deadline := time.Now().Add(10 * time.Second); len(jobs("payments_reconcile")) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the worker scheduled no periodic job")
		}
	}
	tg.Inject(tgBot, telegramtest.Start(buyer, ""))
	tg.WaitCalls(t, 1, telegramtest.All(telegramtest.Method("sendMessage"), telegramtest.ToChat(buyer), telegramtest.Succeeded()))

	// Over HTTP the worker answers health, readiness and metrics only.
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/api/v1/me": 404,
		"/api/openapi.json": 404} {
		if code := worker.NewClient().Do("GET", path, nil).Status; code != want {
			t.Errorf("worker GET %s: %d, want %d", path, code, want)
		}
	}
	if code := worker.NewClient().Do("POST", "/tg/"+b.WebhookSecret, map[string]any{"update_id": 1}).Status; code != 404 {
		t.Errorf("worker POST /tg/{secret}: %d, want 404", code)
	}
	if code := web.NewClient().Do("GET", "/api/openapi.json", nil).Status; code != 200 {
		t.Errorf("web GET /api/openapi.json: %d", code)
	}

	// With the worker stopped, work waits for the next one.
	worker.Stop()
	resetEmail()
	time.Sleep(500 * time.Millisecond)
	if got := jobs("send_email", rivertype.JobStateAvailable); len(got) != 1 {
		t.Fatalf("%d available email jobs with no worker, want 1", len(got))
	}
	next := apptest.New(t, apptest.Options{Share: web, Env: env("worker")})
	next.Mailer.Wait(t, toSeller)
}
