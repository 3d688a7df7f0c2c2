package app_test

// The bot health check against the fake Telegram server, on each engine:
// three failed getMe in a row make a bot offline, an answer brings it back
// (a recovery, logged and counted), a 401 marks it revoked and ends its
// checks and its polling.

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/bots"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

func TestBotHealthCheck(t *testing.T) {
	t.Parallel()
	for _, engine := range apptest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			t.Run("state-machine", func(t *testing.T) { t.Parallel(); testHealthStateMachine(t, engine) })
			t.Run("revoked-stops-polling", func(t *testing.T) { t.Parallel(); testHealthRevokedStopsPolling(t, engine) })
		})
	}
}

// healthProbe drives the health check of a shop's bot.
type healthProbe struct {
	t *testing.T
	s *shop
}

func (p healthProbe) getMes() int {
	return len(p.s.tg.Calls(telegramtest.All(telegramtest.Method("getMe"), telegramtest.FromBot(p.s.tgBot))))
}

func (p healthProbe) bot() *grimbots.Bot {
	p.t.Helper()
	b, err := p.s.h.App.Store.BotByID(p.t.Context(), p.s.bot.ID)
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

// check moves the clock past the freshness window and runs a pass.
func (p healthProbe) check() bots.HealthReport {
	p.t.Helper()
	p.s.h.Clock.Advance(bots.HealthInterval + time.Second)
	r, err := p.s.h.App.Bots.CheckHealth(p.t.Context(), 0)
	if err != nil {
		p.t.Fatal(err)
	}
	return r
}

func (p healthProbe) want(health string, failures int) {
	p.t.Helper()
	if b := p.bot(); b.Health != health || b.HealthFailures != failures {
		p.t.Fatalf("bot health %s with %d failures, want %s with %d", b.Health, b.HealthFailures, health, failures)
	}
}

func testHealthStateMachine(t *testing.T, engine string) {
	s := newShop(t, engine, "webhook", nil, nil) // no poller: only the health check calls getMe
	p := healthProbe{t, s}
	p.want(grimbots.BotOnline, 0)

	// The periodic job's worker is registered and checks the bot.
	before := p.getMes()
	s.h.Clock.Advance(bots.HealthInterval + time.Second)
	if err := s.h.App.Jobs.Insert(t.Context(), bots.HealthJob{}); err != nil {
		t.Fatal(err)
	}
	s.tg.WaitCalls(t, before+1, telegramtest.All(telegramtest.Method("getMe"), telegramtest.FromBot(s.tgBot)))

	// Checked a moment ago: a pass right away skips it.
	if r, err := s.h.App.Bots.CheckHealth(t.Context(), 0); err != nil || r.Checked != 0 {
		t.Fatalf("a pass right after a check: %+v, %v", r, err)
	}

	s.tg.Fail(telegramtest.InternalError().On("getMe").Times(3))
	if r := p.check(); r.Checked != 1 || r.Failed != 1 || r.Offline != 0 {
		t.Fatalf("first failure: %+v", r)
	}
	p.want(grimbots.BotOnline, 1)
	p.check()
	p.want(grimbots.BotOnline, 2)
	if r := p.check(); r.Offline != 1 {
		t.Fatalf("third failure: %+v", r)
	}
	p.want(grimbots.BotOffline, 3)

	// Telegram answers again: recovered.
	if r := p.check(); r.Recovered != 1 {
		t.Fatalf("recovery: %+v", r)
	}
	p.want(grimbots.BotOnline, 0)
	if !strings.Contains(s.h.Logs.String(), "bot recovered") || !strings.Contains(s.h.Logs.String(), "bot offline") {
		t.Fatal("the offline and recovered changes were not logged")
	}
	metrics := get(t, s.h.URL+"/metrics")
	for _, want := range []string{`grimbots_bot_health_changes_total{from="offline",to="online"} 1`,
		`grimbots_bot_health_changes_total{from="online",to="offline"} 1`, `grimbots_bot_health_checks_total{result="failed"} 3`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// The token is revoked: the bot is marked so and no longer checked.
	s.tg.RevokeToken(shopToken)
	if r := p.check(); r.Revoked != 1 {
		t.Fatalf("revocation: %+v", r)
	}
	p.want(grimbots.BotRevoked, 0)
	n := p.getMes()
	p.check()
	if p.getMes() != n {
		t.Fatal("a revoked bot was checked again")
	}

	// A stopped bot is not checked.
	if _, err := s.h.App.Bots.Stop(t.Context(), payments.Actor{UserID: s.seller.ID}, s.bot.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.h.App.Store.RecordBotHealth(t.Context(), s.bot.ID, p.bot().TokenHash, grimbots.BotOnline, 0, s.h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	n = p.getMes()
	if r := p.check(); r.Checked != 0 || p.getMes() != n {
		t.Fatalf("a stopped bot was checked: %+v", r)
	}
}

// testHealthRevokedStopsPolling: once the token is revoked, the bot ends
// revoked and nobody polls it any more.
func testHealthRevokedStopsPolling(t *testing.T, engine string) {
	s := newShop(t, engine, "polling", nil, nil)
	p := healthProbe{t, s}
	getUpdates := telegramtest.All(telegramtest.Method("getUpdates"), telegramtest.FromBot(s.tgBot))
	s.tg.WaitCalls(t, 1, getUpdates)

	s.tg.RevokeToken(shopToken)
	p.check() // the poller may see the 401 first; either way the bot ends revoked
	for deadline := time.Now().Add(10 * time.Second); p.bot().Health != grimbots.BotRevoked; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("bot health %s after the revocation, want revoked", p.bot().Health)
		}
	}
	// An in-flight long poll ends within the poll timeout (1s here).
	time.Sleep(2500 * time.Millisecond)
	n := len(s.tg.Calls(getUpdates))
	time.Sleep(1500 * time.Millisecond)
	if m := len(s.tg.Calls(getUpdates)); m != n {
		t.Fatalf("%d getUpdates calls after the bot was revoked", m-n)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
