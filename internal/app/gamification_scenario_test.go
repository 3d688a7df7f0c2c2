package app_test

// Ranking, achievements, public profiles and the live event stream,
// through the HTTP API of a real instance on each engine; sales are made
// on the sandbox gateway and counted by the jobs that follow them.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/events"
)

func init() {
	scenarios = append(scenarios,
		scenario{name: "gamification/ranking-and-achievements", run: testRankingAndAchievements},
		scenario{name: "gamification/public-profile", run: testPublicProfile},
		scenario{name: "gamification/live-events", env: map[string]string{"EVENTS_HEARTBEAT": "100ms"}, redis: true,
			run: testLiveEvents},
	)
	operations = append(operations,
		operation{"GET", "/api/v1/ranking", "any"},
		operation{"GET", "/api/v1/me/achievements", "any"},
		operation{"GET", "/api/v1/me/public-profile", "any"},
		operation{"PUT", "/api/v1/me/public-profile", "any"},
		operation{"GET", "/api/v1/events", "any"},
	)
}

// ---- views decoded from answers ----

type rankingEntryJSON struct {
	Position     int    `json:"position"`
	Name         string `json:"name"`
	Public       bool   `json:"public"`
	RevenueCents int64  `json:"revenue_cents"`
	Revenue      string `json:"revenue"`
	Sales        int64  `json:"sales"`
	League       struct {
		Slug string `json:"slug"`
	} `json:"league"`
	Me bool `json:"me"`
}

type rankingJSON struct {
	Period   string             `json:"period"`
	TimeZone string             `json:"time_zone"`
	StartsAt *time.Time         `json:"starts_at"`
	EndsAt   *time.Time         `json:"ends_at"`
	Ranked   int                `json:"ranked"`
	Top      []rankingEntryJSON `json:"top"`
	Me       struct {
		Ranked       bool              `json:"ranked"`
		Position     *int              `json:"position"`
		RevenueCents int64             `json:"revenue_cents"`
		Sales        int64             `json:"sales"`
		Name         string            `json:"name"`
		Ahead        *rankingEntryJSON `json:"ahead"`
		BehindCents  *int64            `json:"behind_cents"`
	} `json:"me"`
}

type achievementJSON struct {
	Slug         string     `json:"slug"`
	Name         string     `json:"name"`
	Secret       bool       `json:"secret"`
	Unlocked     bool       `json:"unlocked"`
	UnlockedAt   *time.Time `json:"unlocked_at"`
	Progress     float64    `json:"progress"`
	Requirements []struct {
		Metric  string `json:"metric"`
		Current int64  `json:"current"`
		Target  int64  `json:"target"`
	} `json:"requirements"`
}

func ranking(t *testing.T, c *apptest.Client, period string) rankingJSON {
	t.Helper()
	return decode[rankingJSON](t, c.Do("GET", "/api/v1/ranking?period="+period, nil).RequireStatus(t, http.StatusOK), "")
}

func achievements(t *testing.T, c *apptest.Client) map[string]achievementJSON {
	t.Helper()
	res := c.Do("GET", "/api/v1/me/achievements", nil).RequireStatus(t, http.StatusOK)
	out := map[string]achievementJSON{}
	for _, a := range decode[[]achievementJSON](t, res, "achievements") {
		out[a.Slug] = a
	}
	return out
}

// eventually polls cond until it holds (the jobs that follow a sale run in
// the background).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not the case after 15s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func sell(t *testing.T, c *apptest.Client, cents int64) paymentJSON {
	t.Helper()
	return settle(t, c, createPayment(t, c, cents).ID, "paid")
}

// ---- scenarios ----

func testRankingAndAchievements(t *testing.T, h *apptest.Harness) {
	a, b := h.RegisterSeller("campeao"), h.RegisterSeller("vice")
	admin := h.CreateAdmin("chefe").Client
	first := sell(t, a.Client, 5_000)
	sell(t, a.Client, 2_500)
	sell(t, b.Client, 4_000)
	eventually(t, "the ranking counts the three sales", func() bool {
		r := ranking(t, b.Client, "all")
		return r.Ranked == 2 && r.Me.Position != nil && *r.Me.Position == 2 && r.Top[0].Sales == 2
	})

	r := ranking(t, a.Client, "all")
	if len(r.Top) != 2 || r.Top[0].RevenueCents != 7_500 || r.Top[0].Revenue != "R$ 75,00" || !r.Top[0].Me || r.Top[0].Position != 1 ||
		r.Top[1].RevenueCents != 4_000 || r.Top[1].Me || r.Top[1].Position != 2 || r.StartsAt != nil || r.TimeZone != "America/Sao_Paulo" {
		t.Fatalf("a's ranking: %+v", r)
	}
	for _, e := range r.Top {
		// Anonymous by default: no username, no full name, no id.
		if !strings.HasPrefix(e.Name, "Vendedor #") || e.Public || strings.Contains(e.Name, "campeao") || e.League.Slug != "bronze" {
			t.Errorf("entry %+v", e)
		}
	}
	if r.Me.Name != r.Top[0].Name || r.Me.Ahead != nil || r.Me.BehindCents != nil {
		t.Errorf("a's own place: %+v", r.Me)
	}
	rb := ranking(t, b.Client, "all")
	if rb.Me.Ahead == nil || rb.Me.Ahead.Name != r.Top[0].Name || rb.Me.Ahead.Position != 1 || *rb.Me.BehindCents != 3_500 {
		t.Errorf("b's place: %+v", rb.Me)
	}
	// Admins are not ranked (and see the same top).
	if ra := ranking(t, admin, "all"); ra.Me.Ranked || ra.Me.Position != nil || len(ra.Top) != 2 {
		t.Errorf("admin's view: %+v", ra)
	}
	for _, p := range []string{"today", "week", "month"} {
		if rp := ranking(t, a.Client, p); rp.Period != p || rp.StartsAt == nil || rp.EndsAt == nil || !rp.StartsAt.Before(*rp.EndsAt) {
			t.Errorf("%s window: %+v", p, rp)
		}
	}
	requireFieldError(t, a.Client.Do("GET", "/api/v1/ranking?period=30d", nil), http.StatusUnprocessableEntity, "query.period")
	requireFieldError(t, a.Client.Do("GET", "/api/v1/ranking?limit=101", nil), http.StatusUnprocessableEntity, "query.limit")
	if top1 := decode[rankingJSON](t, a.Client.Do("GET", "/api/v1/ranking?period=all&limit=1", nil), ""); len(top1.Top) != 1 || top1.Ranked != 2 {
		t.Errorf("limit 1: %+v", top1)
	}

	got := achievements(t, a.Client)
	if fs := got["first_sale_bronze"]; !fs.Unlocked || fs.UnlockedAt == nil || fs.Progress != 1 {
		t.Errorf("first sale: %+v", fs)
	}
	if s10 := got["sales_10_bronze"]; s10.Unlocked || s10.Progress != 0.2 || len(s10.Requirements) != 1 || s10.Requirements[0].Current != 2 {
		t.Errorf("ten sales: %+v", s10)
	}
	if sec, ok := got["secret"]; !ok || sec.Name != "???" || len(sec.Requirements) != 0 {
		t.Errorf("secret achievements are hidden: %+v", sec)
	}
	res := a.Client.Do("GET", "/api/v1/me/achievements", nil)
	if res.Int("stats.sales") != 2 || res.Int("stats.revenue_cents") != 7_500 || res.Int("stats.unlocked") < 1 ||
		res.Int("stats.total") < 25 || res.Int("stats.xp") < 100 || res.Int("stats.current_streak") != 1 {
		t.Errorf("stats: %s", res)
	}

	// A refund takes the sale out of the ranking: b leads.
	a.Client.Do("POST", fmt.Sprintf("/api/v1/payments/%d/refund", first.ID), nil).RequireStatus(t, http.StatusOK)
	eventually(t, "the refund leaves the ranking", func() bool {
		r := ranking(t, a.Client, "all")
		return r.Me.RevenueCents == 2_500 && r.Me.Position != nil && *r.Me.Position == 2
	})
	if got := achievements(t, a.Client); !got["first_sale_bronze"].Unlocked {
		t.Error("the first sale achievement was withdrawn although a sale remains")
	}
}

func testPublicProfile(t *testing.T, h *apptest.Harness) {
	a, b := h.RegisterSeller("maria"), h.RegisterSeller("joana")
	requireProblem(t, h.NewClient().Do("GET", "/api/v1/me/public-profile", nil), http.StatusUnauthorized, "unauthorized")
	res := a.Client.Do("GET", "/api/v1/me/public-profile", nil).RequireStatus(t, http.StatusOK)
	anonymous := res.Str("shown_as")
	if res.Bool("public") || res.Str("display_name") != "" || !strings.HasPrefix(anonymous, "Vendedor #") {
		t.Fatalf("default profile: %s", res)
	}
	put := func(c *apptest.Client, name string, public bool) *apptest.Response {
		return c.Do("PUT", "/api/v1/me/public-profile", map[string]any{"display_name": name, "public": public})
	}
	requireFieldError(t, put(a.Client, "ab", true), http.StatusUnprocessableEntity, "body.display_name")
	requireFieldError(t, put(a.Client, "", true), http.StatusUnprocessableEntity, "body.display_name")
	requireFieldError(t, put(a.Client, "Vendedor #ZZZZZZ", true), http.StatusUnprocessableEntity, "body.display_name")
	requireFieldError(t, a.Client.Do("PUT", "/api/v1/me/public-profile", map[string]any{"display_name": "Maria"}),
		http.StatusUnprocessableEntity, "body") // "public" is required

	res = put(a.Client, "  Loja da   Maria ", true).RequireStatus(t, http.StatusOK)
	if res.Str("display_name") != "Loja da Maria" || !res.Bool("public") || res.Str("shown_as") != "Loja da Maria" {
		t.Fatalf("after opting in: %s", res)
	}
	// Another seller cannot show a look-alike (case and accents ignored).
	requireProblem(t, put(b.Client, "LOJA DA MARÍA", true), http.StatusConflict, "conflict")
	put(b.Client, "LOJA DA MARÍA", false).RequireStatus(t, http.StatusOK) // kept private: allowed

	sell(t, a.Client, 1_000)
	sell(t, b.Client, 900)
	eventually(t, "both sellers ranked", func() bool { return ranking(t, b.Client, "all").Ranked == 2 })
	r := ranking(t, b.Client, "all")
	if r.Top[0].Name != "Loja da Maria" || !r.Top[0].Public || !strings.HasPrefix(r.Top[1].Name, "Vendedor #") || r.Top[1].Public {
		t.Errorf("b sees %+v", r.Top)
	}

	// Opting out makes the seller anonymous again, under the same code.
	res = put(a.Client, "Loja da Maria", false).RequireStatus(t, http.StatusOK)
	if res.Str("shown_as") != anonymous || res.Str("display_name") != "Loja da Maria" {
		t.Errorf("after opting out: %s", res)
	}
	if r := ranking(t, b.Client, "all"); r.Top[0].Name != anonymous {
		t.Errorf("the ranking still shows %q", r.Top[0].Name)
	}
	put(b.Client, "Loja da Maria", true).RequireStatus(t, http.StatusOK) // the name is free now
}

func testLiveEvents(t *testing.T, h *apptest.Harness) {
	a, b := h.RegisterSeller("aovivo"), h.RegisterSeller("plateia")
	tokenID, token := b.Client.CreateToken("painel")
	requireProblem(t, h.NewClient().Do("GET", "/api/v1/events", nil, "Accept", "text/event-stream"), http.StatusUnauthorized, "unauthorized")
	requireFieldError(t, a.Client.Do("GET", "/api/v1/events", nil), http.StatusUnprocessableEntity, "header.Accept")

	sa := openEvents(t, h, a.Client)
	if ct := sa.header.Get("Content-Type"); ct != "text/event-stream" || sa.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", sa.header)
	}
	sb := openEvents(t, h, h.TokenClient(token))

	p := sell(t, a.Client, 1_990)
	// The sale's job and the gamification's job run independently: their
	// events come in either order.
	var sale events.Sale
	var firstID int64
	sa.until(t, func(ev sseEvent) bool {
		switch ev.typ {
		case events.TypeSale:
			sa.decode(t, ev, &sale)
		case events.TypeAchievement:
			var u struct{ Slug string }
			if sa.decode(t, ev, &u); u.Slug == "first_sale_bronze" {
				firstID, _ = strconv.ParseInt(ev.id, 10, 64)
			}
		}
		return sale.PaymentID != 0 && firstID != 0
	})
	if sale.PaymentID != p.ID || sale.AmountCents != 1_990 || sale.Amount != "R$ 19,90" {
		t.Errorf("sale event %+v", sale)
	}
	sb.nothing(t, 300*time.Millisecond) // another seller's events never reach b

	// A client reconnecting with the last id it saw gets what it missed.
	resumed := openEvents(t, h, a.Client, "Last-Event-ID", strconv.FormatInt(firstID-1, 10))
	if ev := resumed.next(t, events.TypeAchievement); ev.id != strconv.FormatInt(firstID, 10) {
		t.Errorf("replayed id %s, want %d", ev.id, firstID)
	}

	// Logging out ends the session's streams within a heartbeat; revoking
	// a token ends its stream.
	a.Client.Do("POST", "/api/v1/auth/logout", nil).RequireStatus(t, http.StatusNoContent)
	sa.ends(t)
	resumed.ends(t)
	b.Client.Do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", tokenID), nil).RequireStatus(t, http.StatusNoContent)
	sb.ends(t)
}

// Two instances sharing one database and one Redis: a stream on the second
// gets its seller's events published by the first, and only those.
func TestLiveEventsAcrossInstances(t *testing.T) {
	t.Parallel()
	apptest.RequireRedis(t)
	for _, engine := range apptest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			apptest.RequireEngine(t, engine)
			h1 := apptest.New(t, apptest.Options{Engine: engine, Redis: true})
			h2 := apptest.New(t, apptest.Options{Share: h1})
			a, b := h1.RegisterSeller("instancia1"), h1.RegisterSeller("instancia2")
			sa := openEvents(t, h2, h2.SessionClient(a.Client.Session()))
			sb := openEvents(t, h2, h2.SessionClient(b.Client.Session()))

			ev, err := events.New(a.ID, events.TypeAchievement, 0, map[string]string{"slug": "test"})
			if err != nil {
				t.Fatal(err)
			}
			if err := h1.App.Events.Publish(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			if got := sa.next(t, events.TypeAchievement); got.data != `{"slug":"test"}` {
				t.Errorf("received %+v", got)
			}
			// A real sale on the first instance, whichever instance works
			// its jobs.
			p := sell(t, a.Client, 1_000)
			var sale events.Sale
			unlocked := false
			sa.until(t, func(ev sseEvent) bool {
				if ev.typ == events.TypeSale {
					sa.decode(t, ev, &sale)
				}
				unlocked = unlocked || ev.typ == events.TypeAchievement
				return sale.PaymentID != 0 && unlocked
			})
			if sale.PaymentID != p.ID {
				t.Errorf("sale event %+v", sale)
			}
			sb.nothing(t, 300*time.Millisecond)
		})
	}
}

// ---- a server-sent events client ----

type sseEvent struct{ id, typ, data string }

type sseStream struct {
	header http.Header
	events chan sseEvent
}

// openEvents opens GET /api/v1/events with c's credentials (its session
// cookie or its headers) and reads it in the background until the test
// ends.
func openEvents(t *testing.T, h *apptest.Harness, c *apptest.Client, headers ...string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", h.URL+"/api/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range c.Header {
		req.Header[k] = vs
	}
	if s := c.Session(); s != "" {
		req.AddCookie(&http.Cookie{Name: apptest.SessionCookie, Value: s})
	}
	req.Header.Set("Accept", "text/event-stream")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := h.Server.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		t.Fatalf("GET /api/v1/events: %d", resp.StatusCode)
	}
	s := &sseStream{header: resp.Header, events: make(chan sseEvent, 64)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.typ != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "event: "):
				ev.typ = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
	})
	return s
}

// until reads events until done returns true for one.
func (s *sseStream) until(t *testing.T, done func(sseEvent) bool) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatal("the stream ended")
			}
			if done(ev) {
				return
			}
		case <-timeout:
			t.Fatal("the events awaited did not come within 15s")
		}
	}
}

// next returns the next event of type typ, skipping others.
func (s *sseStream) next(t *testing.T, typ string) sseEvent {
	t.Helper()
	var out sseEvent
	s.until(t, func(ev sseEvent) bool {
		out = ev
		return ev.typ == typ
	})
	return out
}

func (s *sseStream) decode(t *testing.T, ev sseEvent, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(ev.data), v); err != nil {
		t.Fatalf("event data %q: %v", ev.data, err)
	}
}

// nothing fails if an event arrives within d.
func (s *sseStream) nothing(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if ok {
			t.Errorf("unexpected event %+v", ev)
		}
	case <-time.After(d):
	}
}

// ends waits for the server to end the stream.
func (s *sseStream) ends(t *testing.T) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-s.events:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("the stream is still open after 10s")
		}
	}
}
