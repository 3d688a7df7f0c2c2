package app_test

// Redirect pool scenarios: the pool API (validation, tenancy), the public
// link /go/{slug} with every invalidation rule of its cached lookup, the
// pt-BR pages, statistics, and round robin across two instances sharing
// Redis.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store/storetest"
	"github.com/grimbots/grimbots/internal/testenv"
)

func init() {
	scenarios = append(scenarios,
		scenario{name: "pools/api-validation-tenancy", run: testPoolsAPI},
		scenario{name: "pools/redirect-and-invalidation", redis: true, run: testPoolsRedirect},
		scenario{name: "pools/pages", run: testPoolsPages},
		scenario{name: "pools/stats", run: testPoolsStats},
		scenario{name: "ratelimit/go-per-ip", env: map[string]string{"RATE_GO_PER_IP": "3/1h"}, redis: true, run: testRateGoPerIP},
	)
	operations = append(operations,
		operation{"GET", "/api/v1/pools", "any"},
		operation{"POST", "/api/v1/pools", "any"},
		operation{"GET", "/api/v1/pools/{id}", "any"},
		operation{"PATCH", "/api/v1/pools/{id}", "any"},
		operation{"DELETE", "/api/v1/pools/{id}", "any"},
		operation{"PUT", "/api/v1/pools/{id}/members/{bot_id}", "any"},
		operation{"DELETE", "/api/v1/pools/{id}/members/{bot_id}", "any"},
		operation{"GET", "/api/v1/pools/{id}/stats", "any"},
	)
}

// runningBot adds a running, online bot to the seller straight in the store
// (no Telegram needed) and returns its id and username.
func runningBot(t *testing.T, h *apptest.Harness, sellerID int64, name string) (int64, string) {
	t.Helper()
	b := storetest.AddBot(t, h.App.Store, sellerID, testenv.RandomName(name), func(b *grimbots.Bot) {
		b.Running, b.Health = true, grimbots.BotOnline
	})
	return b.ID, b.Username
}

func createPool(t *testing.T, c *apptest.Client, slug, strategy string) int64 {
	t.Helper()
	return c.Do("POST", "/api/v1/pools", map[string]any{"name": "Pool " + slug, "slug": slug, "strategy": strategy}).
		RequireStatus(t, http.StatusCreated).Int("pool.id")
}

func setMember(t *testing.T, c *apptest.Client, poolID, botID int64, weight, priority int) *apptest.Response {
	t.Helper()
	return c.Do("PUT", fmt.Sprintf("/api/v1/pools/%d/members/%d", poolID, botID), map[string]any{"weight": weight, "priority": priority})
}

var payloadPattern = regexp.MustCompile(`^p[0-9A-Za-z]+_[0-9A-Za-z]+$`)

// visit opens a pool's link and returns the username of the bot it sent
// the visitor to ("" when it did not redirect: see the response).
func visit(t *testing.T, c *apptest.Client, slug string) (string, *apptest.Response) {
	t.Helper()
	res := c.Do("GET", "/go/"+slug, nil)
	if res.Status != http.StatusFound {
		return "", res
	}
	u, err := url.Parse(res.Header.Get("Location"))
	if err != nil || u.Scheme != "https" || u.Host != "t.me" {
		t.Fatalf("redirected to %q", res.Header.Get("Location"))
	}
	start := u.Query().Get("start")
	if !payloadPattern.MatchString(start) || len(start) > 64 {
		t.Fatalf("start payload %q", start)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("a redirect without Cache-Control: no-store: %v", res.Header)
	}
	return strings.TrimPrefix(u.Path, "/"), res
}

// mustVisit visits and requires a redirect to want.
func mustVisit(t *testing.T, c *apptest.Client, slug, want, why string) {
	t.Helper()
	got, res := visit(t, c, slug)
	if got != want {
		t.Fatalf("%s: visit went to %q, want %q (%s)", why, got, want, res)
	}
}

func testPoolsAPI(t *testing.T, h *apptest.Harness) {
	maria, joao := h.RegisterSeller("maria"), h.RegisterSeller("joao")
	mBot, _ := runningBot(t, h, maria.ID, "mbot")
	jBot, _ := runningBot(t, h, joao.ID, "jbot")
	c := maria.Client

	// Validation at the edge and in the service.
	if res := c.Do("POST", "/api/v1/pools", map[string]any{"slug": "abc"}); res.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(res.Body), "name") {
		t.Fatalf("a pool without a name: %s", res)
	}
	requireFieldError(t, c.Do("POST", "/api/v1/pools", map[string]any{"name": "x", "slug": "a b"}), http.StatusUnprocessableEntity, "body.slug")
	requireFieldError(t, c.Do("POST", "/api/v1/pools", map[string]any{"name": "x", "strategy": "fastest"}), http.StatusUnprocessableEntity, "body.strategy")
	requireFieldError(t, c.Do("POST", "/api/v1/pools", map[string]any{"name": "  "}), http.StatusUnprocessableEntity, "body.name")

	res := c.Do("POST", "/api/v1/pools", map[string]any{"name": "Promo", "slug": "Promo-Verao"}).RequireStatus(t, http.StatusCreated)
	id := res.Int("pool.id")
	if res.Str("pool.slug") != "promo-verao" || res.Str("pool.path") != "/go/promo-verao" || res.Str("pool.strategy") != "round_robin" ||
		!res.Bool("pool.active") || len(res.List("pool.members")) != 0 {
		t.Fatalf("created: %s", res)
	}
	// Without a slug: an unguessable one.
	gen := c.Do("POST", "/api/v1/pools", map[string]any{"name": "Sem slug"}).RequireStatus(t, http.StatusCreated).Str("pool.slug")
	if !regexp.MustCompile(`^[a-z0-9]{12}$`).MatchString(gen) {
		t.Fatalf("generated slug %q", gen)
	}
	// Slugs are unique on the platform, whoever owns them.
	requireFieldError(t, joao.Client.Do("POST", "/api/v1/pools", map[string]any{"name": "x", "slug": "promo-verao"}),
		http.StatusUnprocessableEntity, "body.slug")

	// Members: own bots only, weights from 1.
	setMember(t, c, id, mBot, 3, 1).RequireStatus(t, http.StatusOK)
	requireFieldError(t, setMember(t, c, id, jBot, 1, 0), http.StatusUnprocessableEntity, "body.bot_id")
	requireFieldError(t, setMember(t, c, id, mBot, 0, 0), http.StatusUnprocessableEntity, "body.weight")
	got := c.Do("GET", fmt.Sprintf("/api/v1/pools/%d", id), nil).RequireStatus(t, http.StatusOK)
	if got.Int("pool.members.0.bot_id") != mBot || got.Int("pool.members.0.weight") != 3 || got.Int("pool.members.0.priority") != 1 ||
		got.Str("pool.members.0.status") != "online" || !got.Bool("pool.members.0.available") || got.Int("pool.available") != 1 {
		t.Fatalf("pool with its member: %s", got)
	}

	// Another seller sees none of it.
	other := joao.Client
	path := fmt.Sprintf("/api/v1/pools/%d", id)
	requireProblem(t, other.Do("GET", path, nil), http.StatusNotFound, "not_found")
	requireProblem(t, other.Do("PATCH", path, map[string]any{"name": "mine"}), http.StatusNotFound, "not_found")
	requireProblem(t, other.Do("DELETE", path, nil), http.StatusNotFound, "not_found")
	requireProblem(t, other.Do("GET", path+"/stats", nil), http.StatusNotFound, "not_found")
	requireProblem(t, setMember(t, other, id, jBot, 1, 0), http.StatusNotFound, "not_found")
	requireProblem(t, other.Do("DELETE", fmt.Sprintf("%s/members/%d", path, mBot), nil), http.StatusNotFound, "not_found")
	if n := len(other.Do("GET", "/api/v1/pools", nil).RequireStatus(t, http.StatusOK).List("pools")); n != 0 {
		t.Fatalf("joao lists %d pools", n)
	}

	// Update and delete.
	upd := c.Do("PATCH", path, map[string]any{"name": "Promo 2", "strategy": "weighted", "active": false}).RequireStatus(t, http.StatusOK)
	if upd.Str("pool.name") != "Promo 2" || upd.Str("pool.strategy") != "weighted" || upd.Bool("pool.active") || upd.Str("pool.slug") != "promo-verao" {
		t.Fatalf("updated: %s", upd)
	}
	requireFieldError(t, c.Do("PATCH", path, map[string]any{"slug": gen}), http.StatusUnprocessableEntity, "body.slug")
	requireFieldError(t, c.Do("PATCH", path, map[string]any{"strategy": "nope"}), http.StatusUnprocessableEntity, "body.strategy")
	c.Do("DELETE", fmt.Sprintf("%s/members/%d", path, mBot), nil).RequireStatus(t, http.StatusNoContent)
	requireProblem(t, c.Do("DELETE", fmt.Sprintf("%s/members/%d", path, mBot), nil), http.StatusNotFound, "not_found")
	if n := len(c.Do("GET", "/api/v1/pools", nil).RequireStatus(t, http.StatusOK).List("pools")); n != 2 {
		t.Fatalf("maria lists %d pools, want 2", n)
	}
	c.Do("DELETE", path, nil).RequireStatus(t, http.StatusNoContent)
	requireProblem(t, c.Do("GET", path, nil), http.StatusNotFound, "not_found")
}

// testPoolsRedirect walks every invalidation rule of the cached lookup: each
// write is followed by a visit that must see it.
func testPoolsRedirect(t *testing.T, h *apptest.Harness) {
	seller := h.RegisterSeller("loja")
	c := seller.Client
	visitor := h.NewClient()
	a, aName := runningBot(t, h, seller.ID, "alpha")
	b, bName := runningBot(t, h, seller.ID, "beta")
	cID, cName := runningBot(t, h, seller.ID, "gamma")
	slug := "loja-" + strings.ToLower(testenv.RandomName(""))
	id := createPool(t, c, slug, "priority")
	path := fmt.Sprintf("/api/v1/pools/%d", id)

	// An empty pool: the page, not an error. Then A joins (member add).
	if _, res := visit(t, visitor, slug); res.Status != http.StatusServiceUnavailable {
		t.Fatalf("empty pool: %s", res)
	}
	setMember(t, c, id, a, 1, 10).RequireStatus(t, http.StatusOK)
	setMember(t, c, id, b, 1, 0).RequireStatus(t, http.StatusOK)
	for range 3 {
		mustVisit(t, visitor, slug, aName, "priority: the highest")
	}
	setMember(t, c, id, b, 1, 20).RequireStatus(t, http.StatusOK)
	mustVisit(t, visitor, slug, bName, "member edit: B now has the highest priority")

	c.Do("PATCH", path, map[string]any{"strategy": "round_robin"}).RequireStatus(t, http.StatusOK)
	seen := map[string]int{}
	for range 4 {
		name, res := visit(t, visitor, slug)
		if name == "" {
			t.Fatalf("round robin: %s", res)
		}
		seen[name]++
	}
	if seen[aName] != 2 || seen[bName] != 2 {
		t.Fatalf("pool edit to round robin: visits %v, want 2 each", seen)
	}
	c.Do("PATCH", path, map[string]any{"strategy": "priority"}).RequireStatus(t, http.StatusOK)

	c.Do("DELETE", fmt.Sprintf("%s/members/%d", path, b), nil).RequireStatus(t, http.StatusNoContent)
	mustVisit(t, visitor, slug, aName, "member removed: B is out")
	setMember(t, c, id, cID, 1, 30).RequireStatus(t, http.StatusOK)
	mustVisit(t, visitor, slug, cName, "member added: C has the highest priority")

	c.Do("POST", fmt.Sprintf("/api/v1/bots/%d/stop", cID), nil).RequireStatus(t, http.StatusOK)
	mustVisit(t, visitor, slug, aName, "bot stopped: failover to the next priority")

	// The health check found A offline (it tells the pools, as the bots
	// service does on every state change): nobody is left.
	ctx := context.Background()
	storetest.Must(t, h.App.Store.SetBotHealth(ctx, a, grimbots.BotOffline, 3, h.Clock.Now()))
	h.App.Pools.BotChanged(ctx, a)
	if _, res := visit(t, visitor, slug); res.Status != http.StatusServiceUnavailable {
		t.Fatalf("every bot stopped or offline: %s", res)
	}
	storetest.Must(t, h.App.Store.SetBotHealth(ctx, a, grimbots.BotRevoked, 0, h.Clock.Now()))
	h.App.Pools.BotChanged(ctx, a)
	if _, res := visit(t, visitor, slug); res.Status != http.StatusServiceUnavailable {
		t.Fatalf("a revoked bot took a visitor: %s", res)
	}
	storetest.Must(t, h.App.Store.SetBotHealth(ctx, a, grimbots.BotOnline, 0, h.Clock.Now()))
	h.App.Pools.BotChanged(ctx, a)
	mustVisit(t, visitor, slug, aName, "bot back online")

	c.Do("PATCH", path, map[string]any{"active": false}).RequireStatus(t, http.StatusOK)
	if _, res := visit(t, visitor, slug); res.Status != http.StatusNotFound {
		t.Fatalf("inactive pool: %s", res)
	}
	c.Do("PATCH", path, map[string]any{"active": true, "slug": slug + "-2"}).RequireStatus(t, http.StatusOK)
	if _, res := visit(t, visitor, slug); res.Status != http.StatusNotFound {
		t.Fatalf("the old slug after a rename: %s", res)
	}
	mustVisit(t, visitor, slug+"-2", aName, "renamed slug")

	c.Do("DELETE", fmt.Sprintf("/api/v1/bots/%d", a), nil).RequireStatus(t, http.StatusNoContent)
	if _, res := visit(t, visitor, slug+"-2"); res.Status != http.StatusServiceUnavailable {
		t.Fatalf("bot deleted: %s", res)
	}
	// A slug looked up before its pool existed (cached as unknown) works
	// once the pool is created.
	fresh := slug + "-new"
	if _, res := visit(t, visitor, fresh); res.Status != http.StatusNotFound {
		t.Fatalf("unknown slug: %s", res)
	}
	newID := createPool(t, c, fresh, "random")
	d, dName := runningBot(t, h, seller.ID, "delta")
	setMember(t, c, newID, d, 1, 0).RequireStatus(t, http.StatusOK)
	mustVisit(t, visitor, fresh, dName, "pool created after its slug was visited")
}

func testPoolsPages(t *testing.T, h *apptest.Harness) {
	seller := h.RegisterSeller("paginas")
	createPool(t, seller.Client, "sem-bots", "random")
	visitor := h.NewClient()
	check := func(res *apptest.Response, status int, text string) {
		t.Helper()
		if res.Status != status || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("want an HTML page with status %d: %s", status, res)
		}
		body := string(res.Body)
		for _, want := range []string{`<html lang="pt-BR">`, text, `href="/go/page.css?v=`} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q: %s", want, body)
			}
		}
		// Nothing the strict CSP would block.
		for _, bad := range []string{"<script", "<style", "style=", "onclick"} {
			if strings.Contains(body, bad) {
				t.Errorf("page has %q", bad)
			}
		}
		if !strings.Contains(res.Header.Get("Content-Security-Policy"), "style-src 'self'") {
			t.Errorf("page without the strict CSP: %v", res.Header)
		}
	}
	_, res := visit(t, visitor, "sem-bots")
	check(res, http.StatusServiceUnavailable, "Nenhum atendente disponível agora")
	if res.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	_, res = visit(t, visitor, "nao-existe")
	check(res, http.StatusNotFound, "Link não encontrado")
	_, res = visit(t, visitor, "Not%20a%20slug!")
	check(res, http.StatusNotFound, "Link não encontrado")
	css := visitor.Do("GET", "/go/page.css", nil).RequireStatus(t, http.StatusOK)
	if !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") || !strings.Contains(string(css.Body), ".card") {
		t.Fatalf("stylesheet: %s", css)
	}
}

func testPoolsStats(t *testing.T, h *apptest.Harness) {
	seller := h.RegisterSeller("numeros")
	c := seller.Client
	a, aName := runningBot(t, h, seller.ID, "sa")
	b, _ := runningBot(t, h, seller.ID, "sb")
	id := createPool(t, c, "numeros-"+strings.ToLower(testenv.RandomName("")), "weighted")
	setMember(t, c, id, a, 3, 0).RequireStatus(t, http.StatusOK)
	setMember(t, c, id, b, 1, 0).RequireStatus(t, http.StatusOK)
	slug := c.Do("GET", fmt.Sprintf("/api/v1/pools/%d", id), nil).Str("pool.slug")
	visitor := h.NewClient()
	perBot := map[string]int64{}
	for range 20 {
		name, res := visit(t, visitor, slug)
		if name == "" {
			t.Fatalf("visit: %s", res)
		}
		perBot[name]++
	}
	storetest.Must(t, h.App.Pools.FlushClicks(context.Background()))
	st := c.Do("GET", fmt.Sprintf("/api/v1/pools/%d/stats?days=7", id), nil).RequireStatus(t, http.StatusOK)
	if st.Int("total") != 20 || len(st.List("days")) != 7 || st.Int("days.6.total") != 20 {
		t.Fatalf("stats: %s", st)
	}
	var sum int64
	for i := range st.List("bots") {
		p := fmt.Sprintf("bots.%d.", i)
		sum += st.Int(p + "clicks")
		if st.Int(p+"clicks") != perBot[st.Str(p+"username")] {
			t.Errorf("bot %s: %d clicks counted, %d visits made", st.Str(p+"username"), st.Int(p+"clicks"), perBot[st.Str(p+"username")])
		}
	}
	if sum != 20 || perBot[aName] == 0 {
		t.Fatalf("per bot %s, visits %v", st, perBot)
	}
	requireFieldError(t, c.Do("GET", fmt.Sprintf("/api/v1/pools/%d/stats?days=91", id), nil), http.StatusUnprocessableEntity, "query.days")
}

// TestPoolsAcrossInstances sends concurrent visits through two instances
// sharing one database and one Redis: round robin and least connections
// spread them exactly.
func TestPoolsAcrossInstances(t *testing.T) {
	t.Parallel()
	for _, engine := range apptest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			apptest.RequireEngine(t, engine)
			apptest.RequireRedis(t)
			h1 := apptest.New(t, apptest.Options{Engine: engine, Redis: true})
			h2 := apptest.New(t, apptest.Options{Share: h1})
			seller := h1.RegisterSeller("cluster")
			c := seller.Client
			const bots, visits = 3, 90
			id := createPool(t, c, "cluster-"+strings.ToLower(testenv.RandomName("")), "round_robin")
			slug := c.Do("GET", fmt.Sprintf("/api/v1/pools/%d", id), nil).Str("pool.slug")
			for i := range bots {
				b, _ := runningBot(t, h1, seller.ID, fmt.Sprintf("c%d", i))
				setMember(t, c, id, b, 1+i, 0).RequireStatus(t, http.StatusOK)
			}
			for _, strategy := range []string{"round_robin", "least_connections"} {
				c.Do("PATCH", fmt.Sprintf("/api/v1/pools/%d", id), map[string]any{"strategy": strategy}).RequireStatus(t, http.StatusOK)
				clients := []*apptest.Client{h1.NewClient(), h2.NewClient()}
				var mu sync.Mutex
				got := map[string]int{}
				var wg sync.WaitGroup
				for i := range visits {
					wg.Go(func() {
						name, res := visit(t, clients[i%2], slug)
						if name == "" {
							t.Errorf("visit %d: %s", i, res)
						}
						mu.Lock()
						got[name]++
						mu.Unlock()
					})
				}
				wg.Wait()
				if len(got) != bots {
					t.Fatalf("%s: visits went to %v", strategy, got)
				}
				for name, n := range got {
					if n < visits/bots-1 || n > visits/bots+1 {
						t.Errorf("%s: %s took %d of %d visits, want %d ± 1 (%v)", strategy, name, n, visits, visits/bots, got)
					}
				}
			}
		})
	}
}

func testRateGoPerIP(t *testing.T, h *apptest.Harness) {
	visitor := h.NewClient()
	for i := range 3 {
		if _, res := visit(t, visitor, "qualquer-link"); res.Status != http.StatusNotFound {
			t.Fatalf("visit %d: %s", i+1, res)
		}
	}
	_, res := visit(t, visitor, "qualquer-link")
	if res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" ||
		!strings.Contains(string(res.Body), "Muitas tentativas") {
		t.Fatalf("4th visit in the hour: %s", res)
	}
}
