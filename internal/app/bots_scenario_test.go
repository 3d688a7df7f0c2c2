package app_test

// Bot scenarios: adding bots by token against the fake Telegram Bot API,
// their funnel configuration versions, start and stop, token replacement,
// duplication, leads and deliveries, through the HTTP API of a real
// instance on each engine.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

func init() {
	scenarios = append(scenarios,
		scenario{name: "bots/add-list-rename-delete", run: withTelegram(testBotsAdd)},
		scenario{name: "bots/tenancy", run: withTelegram(testBotsTenancy)},
		scenario{name: "bots/config-versions", run: withTelegram(testBotsConfig)},
		scenario{name: "bots/start-sell-stop", run: withTelegram(testBotsStartSellStop)},
		scenario{name: "bots/token-and-duplicate", run: withTelegram(testBotsTokenAndDuplicate)},
		scenario{name: "bots/deliveries-without-bot", run: testBotsDeliveriesWithoutBot},
	)
	operations = append(operations,
		operation{"GET", "/api/v1/bots", "any"},
		operation{"POST", "/api/v1/bots", "any"},
		operation{"GET", "/api/v1/bots/{id}", "any"},
		operation{"PATCH", "/api/v1/bots/{id}", "any"},
		operation{"DELETE", "/api/v1/bots/{id}", "any"},
		operation{"POST", "/api/v1/bots/{id}/duplicate", "any"},
		operation{"PUT", "/api/v1/bots/{id}/token", "any"},
		operation{"POST", "/api/v1/bots/{id}/start", "any"},
		operation{"POST", "/api/v1/bots/{id}/stop", "any"},
		operation{"GET", "/api/v1/bots/{id}/config", "any"},
		operation{"PUT", "/api/v1/bots/{id}/config", "any"},
		operation{"GET", "/api/v1/bots/{id}/config/versions", "any"},
		operation{"GET", "/api/v1/bots/{id}/config/export", "any"},
		operation{"POST", "/api/v1/bots/{id}/config/import", "any"},
		operation{"GET", "/api/v1/bots/{id}/leads", "any"},
		operation{"GET", "/api/v1/payments/{id}/delivery", "any"},
		operation{"POST", "/api/v1/payments/{id}/delivery/resend", "any"},
	)
}

// Tokens of the fake's bots (the secret part is 35 characters, as real ones).
const (
	lojaToken    = "1001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDs01"
	loja2Token   = "1002:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDs02"
	copiaToken   = "1003:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDs03"
	revokedToken = "1004:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDs04"
	unknownToken = "1999:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDs99"
)

// realLink replaces the starter's placeholder access link.
const realLink = "https://t.me/+grupoVipDaLoja"

type botJSON struct {
	ID            int64  `json:"id"`
	TelegramBotID int64  `json:"telegram_bot_id"`
	Username      string `json:"username"`
	Name          string `json:"name"`
	Running       bool   `json:"running"`
	Status        string `json:"status"`
	Link          string `json:"link"`
	ConfigVersion int    `json:"config_version"`
}

type leadJSON struct {
	ID             int64  `json:"id"`
	TelegramUserID int64  `json:"telegram_user_id"`
	FirstName      string `json:"first_name"`
	Username       string `json:"username"`
	Origin         string `json:"origin"`
	Blocked        bool   `json:"blocked"`
	Purchases      int    `json:"purchases"`
}

// withTelegram runs a scenario on an instance whose bots talk to a fake Bot
// API (polling mode), which knows the bots of the tokens above; the revoked
// one is refused.
func withTelegram(run func(t *testing.T, h *apptest.Harness, tg *telegramtest.Server)) func(t *testing.T, h *apptest.Harness) {
	return func(t *testing.T, base *apptest.Harness) {
		tg := telegramtest.New(t)
		tg.WaitTimeout = 30 * time.Second
		tg.AddBot(lojaToken, "loja_bot")
		tg.AddBot(loja2Token, "loja2_bot")
		tg.AddBot(copiaToken, "copia_bot")
		tg.AddBot(revokedToken, "revogado_bot")
		tg.RevokeToken(revokedToken)
		h := apptest.New(t, apptest.Options{Engine: base.Engine, Env: map[string]string{
			"TELEGRAM_API_URL": tg.URL, "TELEGRAM_UPDATES": "polling"}})
		run(t, h, tg)
	}
}

func addBot(t *testing.T, c *apptest.Client, token, name string) botJSON {
	t.Helper()
	body := map[string]any{"token": token}
	if name != "" {
		body["name"] = name
	}
	return decode[botJSON](t, c.Do("POST", "/api/v1/bots", body).RequireStatus(t, http.StatusCreated), "bot")
}

func getBot(t *testing.T, c *apptest.Client, id int64) botJSON {
	t.Helper()
	return decode[botJSON](t, c.Do("GET", path("/api/v1/bots/%d", id), nil).RequireStatus(t, http.StatusOK), "bot")
}

func listBots(t *testing.T, c *apptest.Client) []botJSON {
	t.Helper()
	return decode[[]botJSON](t, c.Do("GET", "/api/v1/bots", nil).RequireStatus(t, http.StatusOK), "bots")
}

// botConfig returns a version of a bot's funnel document (0: in force).
func botConfig(t *testing.T, c *apptest.Client, id int64, version int) (int, map[string]any) {
	t.Helper()
	p := path("/api/v1/bots/%d/config", id)
	if version != 0 {
		p += path("?version=%d", version)
	}
	res := c.Do("GET", p, nil).RequireStatus(t, http.StatusOK)
	doc, ok := res.Get("config").(map[string]any)
	if !ok {
		t.Fatalf("config is not an object: %s", res)
	}
	return int(res.Int("version")), doc
}

func saveBotConfig(t *testing.T, c *apptest.Client, id int64, base int, doc any) int {
	t.Helper()
	res := c.Do("PUT", path("/api/v1/bots/%d/config", id), map[string]any{"base_version": base, "config": doc})
	return int(res.RequireStatus(t, http.StatusOK).Int("version"))
}

// withLink returns a copy of doc whose first offer delivers link.
func withLink(t *testing.T, doc map[string]any, link string) map[string]any {
	t.Helper()
	c := cloneDoc(t, doc)
	c["offers"].([]any)[0].(map[string]any)["delivery"].(map[string]any)["access_link"] = link
	return c
}

func cloneDoc(t *testing.T, doc map[string]any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func leads(t *testing.T, c *apptest.Client, botID int64, query string) ([]leadJSON, int64) {
	t.Helper()
	res := c.Do("GET", path("/api/v1/bots/%d/leads?%s", botID, query), nil).RequireStatus(t, http.StatusOK)
	return decode[[]leadJSON](t, res, "leads"), res.Int("total")
}

// requireNoSecrets checks that an answer about a bot carries no token
// material.
func requireNoSecrets(t *testing.T, res *apptest.Response, tokens ...string) {
	t.Helper()
	body := string(res.Body)
	for _, tok := range tokens {
		_, secret, _ := strings.Cut(tok, ":")
		if strings.Contains(body, secret) {
			t.Fatalf("the token is in the answer: %s", res)
		}
	}
	for _, leak := range []string{"token", "secret", "webhook", "cipher", "hash"} {
		if strings.Contains(strings.ToLower(body), `"`+leak) || strings.Contains(strings.ToLower(body), `_`+leak+`"`) {
			t.Fatalf("the answer has a %q field: %s", leak, res)
		}
	}
}

func testBotsAdd(t *testing.T, h *apptest.Harness, tg *telegramtest.Server) {
	seller := h.RegisterSeller("ana")
	c := seller.Client
	other := h.RegisterSeller("bia").Client

	if list := listBots(t, c); len(list) != 0 {
		t.Fatalf("a new seller has bots: %+v", list)
	}
	res := c.Do("POST", "/api/v1/bots", map[string]any{"token": "  " + lojaToken + "\n", "name": "Loja da Ana"}).
		RequireStatus(t, http.StatusCreated)
	requireNoSecrets(t, res, lojaToken)
	b := decode[botJSON](t, res, "bot")
	if b.ID <= 0 || b.TelegramBotID != 1001 || b.Username != "loja_bot" || b.Name != "Loja da Ana" || b.Running ||
		b.Status != "stopped" || b.Link != "https://t.me/loja_bot" || b.ConfigVersion != 1 {
		t.Fatalf("added bot: %+v", b)
	}
	var fields []string
	for k := range res.Get("bot").(map[string]any) {
		fields = append(fields, k)
	}
	slices.Sort(fields)
	if want := []string{"config_version", "created_at", "id", "link", "name", "running", "status", "telegram_bot_id",
		"updated_at", "username"}; !slices.Equal(fields, want) {
		t.Fatalf("bot fields %v, want %v", fields, want)
	}
	if n := len(tg.Calls(telegramtest.All(telegramtest.Method("getMe"), telegramtest.FromBot(1001)))); n == 0 {
		t.Fatal("the token was not checked with getMe")
	}

	// Malformed, refused and taken tokens.
	for _, tok := range []string{"", "abc", "1001:", "1001:short", "bot1001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDs01",
		"1001:AAHdqTcvCH1vGWJxfSeofSAs0K5PA/Ds01", strings.Repeat("1", 10) + ":" + strings.Repeat("A", 200)} {
		requireFieldError(t, c.Do("POST", "/api/v1/bots", map[string]any{"token": tok}), http.StatusUnprocessableEntity, "body.token")
	}
	requireFieldError(t, c.Do("POST", "/api/v1/bots", map[string]any{}), http.StatusUnprocessableEntity, "body")
	for _, tok := range []string{unknownToken, revokedToken} {
		res := c.Do("POST", "/api/v1/bots", map[string]any{"token": tok})
		requireProblem(t, res, http.StatusUnprocessableEntity, "invalid")
		requireFieldError(t, res, http.StatusUnprocessableEntity, "body.token")
		requireNoSecrets(t, res, tok)
	}
	requireFieldError(t, c.Do("POST", "/api/v1/bots", map[string]any{"token": loja2Token, "name": strings.Repeat("n", 65)}),
		http.StatusUnprocessableEntity, "body.name")
	requireProblem(t, c.Do("POST", "/api/v1/bots", map[string]any{"token": lojaToken}), http.StatusConflict, "conflict")
	requireProblem(t, other.Do("POST", "/api/v1/bots", map[string]any{"token": lojaToken}), http.StatusConflict, "conflict")

	// A second bot without a name is named after Telegram's.
	b2 := addBot(t, c, loja2Token, "")
	if b2.Name != "loja2_bot" || b2.Username != "loja2_bot" {
		t.Fatalf("unnamed bot: %+v", b2)
	}
	list := listBots(t, c)
	if len(list) != 2 || list[0].ID != b2.ID || list[1].ID != b.ID {
		t.Fatalf("list: %+v", list)
	}
	res = c.Do("GET", "/api/v1/bots", nil)
	requireNoSecrets(t, res, lojaToken, loja2Token)
	if res.Str("mode") != "polling" {
		t.Fatalf("mode %q: %s", res.Str("mode"), res)
	}
	if got := getBot(t, c, b.ID); got != b {
		t.Fatalf("get %+v, want %+v", got, b)
	}

	// Rename.
	res = c.Do("PATCH", path("/api/v1/bots/%d", b.ID), map[string]any{"name": "  Loja Nova  "}).RequireStatus(t, http.StatusOK)
	if got := decode[botJSON](t, res, "bot"); got.Name != "Loja Nova" || got.Username != "loja_bot" {
		t.Fatalf("renamed: %+v", got)
	}
	for _, name := range []string{"", "   ", strings.Repeat("ç", 65)} {
		requireFieldError(t, c.Do("PATCH", path("/api/v1/bots/%d", b.ID), map[string]any{"name": name}),
			http.StatusUnprocessableEntity, "body.name")
	}
	requireProblem(t, c.Do("GET", "/api/v1/bots/999999", nil), http.StatusNotFound, "not_found")

	// Delete: gone, and its token may be added again (by anyone).
	c.Do("DELETE", path("/api/v1/bots/%d", b.ID), nil).RequireStatus(t, http.StatusNoContent)
	requireProblem(t, c.Do("GET", path("/api/v1/bots/%d", b.ID), nil), http.StatusNotFound, "not_found")
	requireProblem(t, c.Do("DELETE", path("/api/v1/bots/%d", b.ID), nil), http.StatusNotFound, "not_found")
	if list := listBots(t, c); len(list) != 1 || list[0].ID != b2.ID {
		t.Fatalf("list after delete: %+v", list)
	}
	again := addBot(t, other, lojaToken, "")
	if again.ID == b.ID || again.ConfigVersion != 1 {
		t.Fatalf("re-added bot: %+v", again)
	}

	// The tokens never reach the log.
	logs := h.Logs.String()
	for _, tok := range []string{lojaToken, loja2Token, unknownToken, revokedToken} {
		_, secret, _ := strings.Cut(tok, ":")
		if strings.Contains(logs, secret) {
			t.Fatalf("a token is in the server log")
		}
	}
	entries, _ := audit(t, h.CreateAdmin("chefe"), "action=bot.add")
	if len(entries) != 3 {
		t.Fatalf("%d bot.add audit entries, want 3", len(entries))
	}
}

func testBotsTenancy(t *testing.T, h *apptest.Harness, tg *telegramtest.Server) {
	alice := h.RegisterSeller("alice").Client
	bob := h.RegisterSeller("bob").Client
	b := addBot(t, alice, lojaToken, "Loja da Alice")
	_, doc := botConfig(t, alice, b.ID, 0)
	valid := withLink(t, doc, realLink)
	exported := alice.Do("GET", path("/api/v1/bots/%d/config/export", b.ID), nil).RequireStatus(t, http.StatusOK).Body

	for _, req := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/bots/%d", nil},
		{"PATCH", "/api/v1/bots/%d", map[string]any{"name": "Minha"}},
		{"DELETE", "/api/v1/bots/%d", nil},
		{"POST", "/api/v1/bots/%d/duplicate", map[string]any{"token": copiaToken}},
		{"PUT", "/api/v1/bots/%d/token", map[string]any{"token": loja2Token}},
		{"POST", "/api/v1/bots/%d/start", nil},
		{"POST", "/api/v1/bots/%d/stop", nil},
		{"GET", "/api/v1/bots/%d/config", nil},
		{"GET", "/api/v1/bots/%d/config?version=1", nil},
		{"PUT", "/api/v1/bots/%d/config", map[string]any{"config": valid}},
		{"GET", "/api/v1/bots/%d/config/versions", nil},
		{"GET", "/api/v1/bots/%d/config/export", nil},
		{"POST", "/api/v1/bots/%d/config/import", apptest.Raw(exported)},
		{"GET", "/api/v1/bots/%d/leads", nil},
	} {
		requireProblem(t, bob.Do(req.method, path(req.path, b.ID), req.body), http.StatusNotFound, "not_found")
	}
	if list := listBots(t, bob); len(list) != 0 {
		t.Fatalf("bob sees alice's bots: %+v", list)
	}
	// Nothing of alice's changed, and bob's tokens were not used.
	if got := getBot(t, alice, b.ID); got.Name != "Loja da Alice" || got.Running || got.ConfigVersion != 1 || got.Username != "loja_bot" {
		t.Fatalf("bob changed alice's bot: %+v", got)
	}
	addBot(t, bob, copiaToken, "")
	addBot(t, bob, loja2Token, "")
	requireProblem(t, h.NewClient().Do("GET", "/api/v1/bots", nil), http.StatusUnauthorized, "unauthorized")
	requireProblem(t, h.NewClient().Do("GET", path("/api/v1/bots/%d/config", b.ID), nil), http.StatusUnauthorized, "unauthorized")
}

func testBotsConfig(t *testing.T, h *apptest.Harness, tg *telegramtest.Server) {
	seller := h.RegisterSeller("carla")
	c := seller.Client
	b := addBot(t, c, lojaToken, "Loja da Carla")

	// Version 1 is the starter document.
	v, v1 := botConfig(t, c, b.ID, 0)
	if v != 1 {
		t.Fatalf("version %d, want 1", v)
	}
	var starter map[string]any
	raw, _ := funnel.Export(funnel.Default("Loja da Carla"))
	if err := json.Unmarshal(raw, &starter); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v1, starter) {
		t.Fatalf("version 1 %v, want the starter %v", v1, starter)
	}

	// Invalid documents: each problem at its path under body.config.
	bad := cloneDoc(t, v1)
	offer := bad["offers"].([]any)[0].(map[string]any)
	offer["price_cents"] = 10
	res := c.Do("PUT", path("/api/v1/bots/%d/config", b.ID), map[string]any{"base_version": 1, "config": bad})
	requireProblem(t, res, http.StatusUnprocessableEntity, "invalid")
	requireFieldError(t, res, http.StatusUnprocessableEntity, "body.config.offers[0].price_cents")
	offer["price_cents"] = "19,90"
	offer["preco"] = 1990
	res = c.Do("PUT", path("/api/v1/bots/%d/config", b.ID), map[string]any{"config": bad})
	requireFieldError(t, res, http.StatusUnprocessableEntity, "body.config.offers[0].price_cents")
	requireFieldError(t, res, http.StatusUnprocessableEntity, "body.config.offers[0].preco")
	empty := cloneDoc(t, v1)
	empty["offers"] = []any{}
	requireFieldError(t, c.Do("PUT", path("/api/v1/bots/%d/config", b.ID), map[string]any{"config": empty}),
		http.StatusUnprocessableEntity, "body.config.offers")
	requireFieldError(t, c.Do("PUT", path("/api/v1/bots/%d/config", b.ID), map[string]any{}), http.StatusUnprocessableEntity, "body")
	for _, body := range []any{map[string]any{"config": []any{1}}, map[string]any{"config": "{}"}, map[string]any{"config": nil}} {
		requireFieldError(t, c.Do("PUT", path("/api/v1/bots/%d/config", b.ID), body), http.StatusUnprocessableEntity, "body.config")
	}
	requireFieldError(t, c.Do("PUT", path("/api/v1/bots/%d/config", b.ID), map[string]any{"base_version": -1, "config": v1}),
		http.StatusUnprocessableEntity, "body.base_version")
	if _, doc := botConfig(t, c, b.ID, 0); !reflect.DeepEqual(doc, v1) {
		t.Fatal("a refused save changed the configuration")
	}

	// A valid save is version 2; a save based on version 1 is now stale.
	v2 := cloneDoc(t, v1)
	v2["welcome"].(map[string]any)["text"] = "Olá, {nome}! Bem-vindo à <b>Loja da Carla</b>."
	if got := saveBotConfig(t, c, b.ID, 1, v2); got != 2 {
		t.Fatalf("saved version %d, want 2", got)
	}
	requireProblem(t, c.Do("PUT", path("/api/v1/bots/%d/config", b.ID), map[string]any{"base_version": 1, "config": v1}),
		http.StatusConflict, "conflict")
	if got := getBot(t, c, b.ID); got.ConfigVersion != 2 {
		t.Fatalf("bot config_version %d, want 2", got.ConfigVersion)
	}
	if v, doc := botConfig(t, c, b.ID, 0); v != 2 || !reflect.DeepEqual(doc, v2) {
		t.Fatalf("in force: version %d %v", v, doc)
	}
	if v, doc := botConfig(t, c, b.ID, 1); v != 1 || !reflect.DeepEqual(doc, v1) {
		t.Fatalf("version 1 now: %d %v", v, doc)
	}
	requireProblem(t, c.Do("GET", path("/api/v1/bots/%d/config?version=9", b.ID), nil), http.StatusNotFound, "not_found")
	requireFieldError(t, c.Do("GET", path("/api/v1/bots/%d/config?version=-1", b.ID), nil), http.StatusUnprocessableEntity, "query.version")

	// Export, then import the file: version 3, the same document.
	res = c.Do("GET", path("/api/v1/bots/%d/config/export", b.ID), nil).RequireStatus(t, http.StatusOK)
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="loja_bot-funil-v2.json"` {
		t.Fatalf("Content-Disposition %q", cd)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	if !strings.Contains(string(res.Body), "\n  \"welcome\"") || !strings.Contains(string(res.Body), "<b>Loja da Carla</b>") {
		t.Fatalf("the export is not an indented, readable document: %s", res.Body)
	}
	var exported map[string]any
	if err := json.Unmarshal(res.Body, &exported); err != nil || !reflect.DeepEqual(exported, v2) {
		t.Fatalf("export %s (%v), want version 2", res.Body, err)
	}
	old := c.Do("GET", path("/api/v1/bots/%d/config/export?version=1", b.ID), nil).RequireStatus(t, http.StatusOK)
	if cd := old.Header.Get("Content-Disposition"); !strings.Contains(cd, "-v1.json") {
		t.Fatalf("Content-Disposition of version 1: %q", cd)
	}
	imp := c.Do("POST", path("/api/v1/bots/%d/config/import", b.ID), apptest.Raw(res.Body)).RequireStatus(t, http.StatusOK)
	if imp.Int("version") != 3 {
		t.Fatalf("import: %s", imp)
	}
	if v, doc := botConfig(t, c, b.ID, 0); v != 3 || !reflect.DeepEqual(doc, v2) {
		t.Fatalf("after import: version %d %v", v, doc)
	}

	// Imports are strict, with paths under body.
	for _, tc := range []struct{ body, location string }{
		{`{"schema":1,"bogus":true}`, "body.bogus"},
		{`[1]`, "body"},
		{`{"schema":1`, "body"},
		{`   `, "body"},
		{strings.Replace(string(res.Body), `"price_cents": 1990`, `"price_cents": 10`, 1), "body.offers[0].price_cents"},
	} {
		res := c.Do("POST", path("/api/v1/bots/%d/config/import", b.ID), apptest.Raw(tc.body))
		requireProblem(t, res, http.StatusUnprocessableEntity, "invalid")
		requireFieldError(t, res, http.StatusUnprocessableEntity, tc.location)
	}
	requireProblem(t, c.Do("POST", path("/api/v1/bots/%d/config/import", b.ID), apptest.Raw("")), http.StatusBadRequest, "bad_request")
	requireProblem(t, c.Do("POST", path("/api/v1/bots/%d/config/import", b.ID),
		apptest.Raw(`{"x":"`+strings.Repeat("a", funnel.MaxDocumentBytes+32<<10)+`"}`)), http.StatusRequestEntityTooLarge, "")

	// Versions, newest first, with their author.
	res = c.Do("GET", path("/api/v1/bots/%d/config/versions", b.ID), nil).RequireStatus(t, http.StatusOK)
	versions := decode[[]struct {
		Version   int       `json:"version"`
		CreatedAt time.Time `json:"created_at"`
		CreatedBy int64     `json:"created_by"`
	}](t, res, "versions")
	if len(versions) != 3 || versions[0].Version != 3 || versions[2].Version != 1 {
		t.Fatalf("versions: %s", res)
	}
	for _, v := range versions {
		if v.CreatedBy != seller.ID || v.CreatedAt.IsZero() {
			t.Fatalf("version %+v, want created by %d", v, seller.ID)
		}
	}
	if strings.Contains(string(res.Body), "welcome") {
		t.Fatalf("the versions list carries documents: %s", res)
	}
}

func testBotsStartSellStop(t *testing.T, h *apptest.Harness, tg *telegramtest.Server) {
	c := h.RegisterSeller("duda").Client
	b := addBot(t, c, lojaToken, "Loja da Duda")
	if got, total := leads(t, c, b.ID, ""); len(got) != 0 || total != 0 {
		t.Fatalf("a new bot has leads: %+v", got)
	}

	// The starter's example link must be replaced before selling.
	res := c.Do("POST", path("/api/v1/bots/%d/start", b.ID), nil)
	requireProblem(t, res, http.StatusConflict, "conflict")
	requireFieldError(t, res, http.StatusConflict, "config.offers[0].delivery.access_link")
	if got := getBot(t, c, b.ID); got.Running || got.Status != "stopped" {
		t.Fatalf("a refused start: %+v", got)
	}
	v, doc := botConfig(t, c, b.ID, 0)
	saveBotConfig(t, c, b.ID, v, withLink(t, doc, realLink))
	res = c.Do("POST", path("/api/v1/bots/%d/start", b.ID), nil).RequireStatus(t, http.StatusOK)
	requireNoSecrets(t, res, lojaToken)
	if got := decode[botJSON](t, res, "bot"); !got.Running || got.Status != "online" {
		t.Fatalf("started: %+v", got)
	}

	// A buyer arrives through a campaign link: a lead.
	const chat = int64(777001)
	tg.Inject(1001, telegramtest.Start(chat, "promo_insta"))
	welcome := tg.WaitCalls(t, 1, telegramtest.All(telegramtest.Method("sendMessage", "sendPhoto"), telegramtest.ToChat(chat),
		telegramtest.Succeeded()))[0]
	got, total := leads(t, c, b.ID, "")
	if total != 1 || len(got) != 1 || got[0].TelegramUserID != chat || got[0].FirstName != "Lead" ||
		got[0].Username != "lead777001" || got[0].Origin != "promo_insta" || got[0].Blocked || got[0].Purchases != 0 {
		t.Fatalf("leads: %+v (total %d)", got, total)
	}
	for query, want := range map[string]int64{"search=insta": 1, "search=LEAD777": 1, "search=777001": 1,
		"search=ninguem": 0, "search=777": 1 /* a number also matches names */, "limit=1&offset=1": 1} {
		if _, total := leads(t, c, b.ID, query); total != want {
			t.Fatalf("leads?%s: total %d, want %d", query, total, want)
		}
	}
	requireFieldError(t, c.Do("GET", path("/api/v1/bots/%d/leads?limit=500", b.ID), nil), http.StatusUnprocessableEntity, "query.limit")

	// The buyer picks the offer, the PIX is paid: the access is delivered,
	// and can be sent again.
	var offer string
	for _, row := range welcome.ReplyMarkup.InlineKeyboard {
		for _, btn := range row {
			if offer == "" && btn.CallbackData != "" {
				offer = btn.CallbackData
			}
		}
	}
	if offer == "" {
		t.Fatalf("welcome without an offer button: %+v", welcome)
	}
	tg.Inject(1001, telegramtest.Callback(chat, welcome.MessageID, offer))
	tg.WaitCalls(t, 2, telegramtest.All(telegramtest.Method("sendMessage", "sendPhoto"), telegramtest.ToChat(chat),
		telegramtest.Succeeded()))
	var sale paymentJSON
	for deadline := time.Now().Add(10 * time.Second); sale.ID == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, p := range decode[[]paymentJSON](t, c.Do("GET", "/api/v1/payments", nil).RequireStatus(t, http.StatusOK), "payments") {
			sale = p
		}
	}
	if sale.ID == 0 || sale.AmountCents != 1990 {
		t.Fatalf("the bot's charge: %+v", sale)
	}
	requireProblem(t, c.Do("GET", path("/api/v1/payments/%d/delivery", sale.ID), nil), http.StatusNotFound, "not_found")
	requireProblem(t, c.Do("POST", path("/api/v1/payments/%d/delivery/resend", sale.ID), nil), http.StatusConflict, "conflict")
	settle(t, c, sale.ID, "paid")
	delivered := telegramtest.All(telegramtest.ToChat(chat), telegramtest.Succeeded(), func(call telegramtest.Call) bool {
		if call.ReplyMarkup == nil {
			return false
		}
		for _, row := range call.ReplyMarkup.InlineKeyboard {
			for _, btn := range row {
				if btn.URL == realLink {
					return true
				}
			}
		}
		return false
	})
	tg.WaitCalls(t, 1, delivered)
	var d *apptest.Response
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		d = c.Do("GET", path("/api/v1/payments/%d/delivery", sale.ID), nil).RequireStatus(t, http.StatusOK)
		if d.Str("status") == "sent" || time.Now().After(deadline) {
			break
		}
	}
	if d.Str("status") != "sent" || d.Int("attempts") != 1 || d.Str("sent_at") == "" || d.Int("bot_id") != b.ID ||
		d.Int("payment_id") != sale.ID || d.Str("last_error") != "" {
		t.Fatalf("delivery: %s", d)
	}
	c.Do("POST", path("/api/v1/payments/%d/delivery/resend", sale.ID), nil).RequireStatus(t, http.StatusAccepted)
	tg.WaitCalls(t, 2, delivered)
	if got, _ := leads(t, c, b.ID, ""); len(got) != 1 || got[0].Purchases != 1 {
		t.Fatalf("lead after the purchase: %+v", got)
	}

	// Stop.
	res = c.Do("POST", path("/api/v1/bots/%d/stop", b.ID), nil).RequireStatus(t, http.StatusOK)
	if got := decode[botJSON](t, res, "bot"); got.Running || got.Status != "stopped" {
		t.Fatalf("stopped: %+v", got)
	}
	if got := getBot(t, c, b.ID); got.Running || got.Status != "stopped" {
		t.Fatalf("after stop: %+v", got)
	}
	entries, _ := audit(t, h.CreateAdmin("chefe"), "action=delivery.resend")
	if len(entries) != 1 {
		t.Fatalf("%d delivery.resend audit entries, want 1", len(entries))
	}
}

func testBotsTokenAndDuplicate(t *testing.T, h *apptest.Harness, tg *telegramtest.Server) {
	c := h.RegisterSeller("edu").Client
	b := addBot(t, c, lojaToken, "Loja do Edu")
	v, doc := botConfig(t, c, b.ID, 0)
	saveBotConfig(t, c, b.ID, v, withLink(t, doc, realLink))
	_, doc = botConfig(t, c, b.ID, 0)
	c.Do("POST", path("/api/v1/bots/%d/start", b.ID), nil).RequireStatus(t, http.StatusOK)
	const chat = int64(777002)
	tg.Inject(1001, telegramtest.Start(chat, ""))
	tg.WaitCalls(t, 1, telegramtest.All(telegramtest.ToChat(chat), telegramtest.Succeeded()))
	if _, total := leads(t, c, b.ID, ""); total != 1 {
		t.Fatalf("%d leads, want 1", total)
	}

	// A revoked token shows; the start is refused until it is replaced.
	tg.RevokeToken(lojaToken)
	c.Do("POST", path("/api/v1/bots/%d/stop", b.ID), nil).RequireStatus(t, http.StatusOK)
	requireProblem(t, c.Do("POST", path("/api/v1/bots/%d/start", b.ID), nil), http.StatusConflict, "conflict")
	if got := getBot(t, c, b.ID); got.Status != "revoked" || got.Running {
		t.Fatalf("a bot whose token was revoked: %+v", got)
	}

	// Replacing the token keeps the funnel and the leads.
	for _, tok := range []string{"nope", unknownToken, revokedToken} {
		requireFieldError(t, c.Do("PUT", path("/api/v1/bots/%d/token", b.ID), map[string]any{"token": tok}),
			http.StatusUnprocessableEntity, "body.token")
	}
	other := addBot(t, c, copiaToken, "")
	requireProblem(t, c.Do("PUT", path("/api/v1/bots/%d/token", b.ID), map[string]any{"token": copiaToken}), http.StatusConflict, "conflict")
	c.Do("DELETE", path("/api/v1/bots/%d", other.ID), nil).RequireStatus(t, http.StatusNoContent)
	res := c.Do("PUT", path("/api/v1/bots/%d/token", b.ID), map[string]any{"token": loja2Token}).RequireStatus(t, http.StatusOK)
	requireNoSecrets(t, res, lojaToken, loja2Token)
	nb := decode[botJSON](t, res, "bot")
	if nb.ID != b.ID || nb.Username != "loja2_bot" || nb.TelegramBotID != 1002 || nb.ConfigVersion != 2 || nb.Name != "Loja do Edu" ||
		nb.Status != "stopped" || nb.Link != "https://t.me/loja2_bot" {
		t.Fatalf("after the new token: %+v", nb)
	}
	if _, total := leads(t, c, b.ID, ""); total != 1 {
		t.Fatalf("the leads were lost with the token: %d", total)
	}
	res = c.Do("POST", path("/api/v1/bots/%d/start", b.ID), nil).RequireStatus(t, http.StatusOK)
	if got := decode[botJSON](t, res, "bot"); !got.Running || got.Status != "online" {
		t.Fatalf("restarted: %+v", got)
	}
	// The old token is free again, and now refused by Telegram.
	requireFieldError(t, c.Do("POST", "/api/v1/bots", map[string]any{"token": lojaToken}), http.StatusUnprocessableEntity, "body.token")

	// Duplicate: the same funnel as version 1, no leads, not running.
	requireProblem(t, c.Do("POST", path("/api/v1/bots/%d/duplicate", b.ID), map[string]any{"token": loja2Token}),
		http.StatusConflict, "conflict")
	requireFieldError(t, c.Do("POST", path("/api/v1/bots/%d/duplicate", b.ID), map[string]any{"token": "x"}),
		http.StatusUnprocessableEntity, "body.token")
	res = c.Do("POST", path("/api/v1/bots/%d/duplicate", b.ID), map[string]any{"token": copiaToken, "name": "Cópia"}).
		RequireStatus(t, http.StatusCreated)
	requireNoSecrets(t, res, copiaToken)
	dup := decode[botJSON](t, res, "bot")
	if dup.ID == b.ID || dup.Username != "copia_bot" || dup.Name != "Cópia" || dup.ConfigVersion != 1 || dup.Running || dup.Status != "stopped" {
		t.Fatalf("duplicate: %+v", dup)
	}
	if v, got := botConfig(t, c, dup.ID, 0); v != 1 || !reflect.DeepEqual(got, doc) {
		t.Fatalf("the duplicate's funnel: version %d %v, want %v", v, got, doc)
	}
	if got, total := leads(t, c, dup.ID, ""); total != 0 || len(got) != 0 {
		t.Fatalf("the duplicate has leads: %+v", got)
	}
	// Its funnel is ready: it starts at once.
	c.Do("POST", path("/api/v1/bots/%d/start", dup.ID), nil).RequireStatus(t, http.StatusOK)
	if list := listBots(t, c); len(list) != 2 {
		t.Fatalf("bots: %+v", list)
	}
	c.Do("DELETE", path("/api/v1/bots/%d", dup.ID), nil).RequireStatus(t, http.StatusNoContent)
	if list := listBots(t, c); len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("bots after deleting the duplicate: %+v", list)
	}
}

func testBotsDeliveriesWithoutBot(t *testing.T, h *apptest.Harness) {
	alice := h.RegisterSeller("alice").Client
	bob := h.RegisterSeller("bob").Client
	p := createPayment(t, alice, 1990)
	requireProblem(t, alice.Do("GET", path("/api/v1/payments/%d/delivery", p.ID), nil), http.StatusNotFound, "not_found")
	requireProblem(t, alice.Do("POST", path("/api/v1/payments/%d/delivery/resend", p.ID), nil), http.StatusConflict, "conflict")
	settle(t, alice, p.ID, "paid")
	requireProblem(t, alice.Do("GET", path("/api/v1/payments/%d/delivery", p.ID), nil), http.StatusNotFound, "not_found")
	requireProblem(t, alice.Do("POST", path("/api/v1/payments/%d/delivery/resend", p.ID), nil), http.StatusConflict, "conflict")
	for _, req := range []struct{ method, path string }{
		{"GET", fmt.Sprintf("/api/v1/payments/%d/delivery", p.ID)},
		{"POST", fmt.Sprintf("/api/v1/payments/%d/delivery/resend", p.ID)},
		{"GET", "/api/v1/payments/999999/delivery"},
		{"POST", "/api/v1/payments/999999/delivery/resend"},
	} {
		requireProblem(t, bob.Do(req.method, req.path, nil), http.StatusNotFound, "not_found")
	}
}
