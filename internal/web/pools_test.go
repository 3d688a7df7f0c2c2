package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
)

// runningBot adds a bot with a ready funnel and starts it, so a pool's
// link sends visitors to it.
func (w *world) runningBot(t *testing.T, seller *apptest.Account, username, name string) *grimbots.Bot {
	t.Helper()
	b := w.addBot(t, seller, username, name)
	cfg := funnel.Default(name)
	cfg.Offers[0].Delivery.AccessLink = "https://t.me/+grupo" + username
	actor := payments.Actor{UserID: seller.ID}
	if _, err := w.h.App.Bots.SaveConfig(t.Context(), actor, b.ID, 0, cfg); err != nil {
		t.Fatal(err)
	}
	b, err := w.h.App.Bots.Start(t.Context(), actor, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPoolPages(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apptest.SQLite)
	seller, other := w.h.RegisterSeller("pia"), w.h.RegisterSeller("quim")
	one, two := w.runningBot(t, seller, "pia_um_bot", "Loja Um"), w.runningBot(t, seller, "pia_dois_bot", "Loja Dois")
	otherBot := w.addBot(t, other, "quim_bot", "Loja do Quim")
	get(t, seller.Client, "/pools", http.StatusOK).requireText("Nenhum link ainda.")

	// Errors inline, values kept.
	res := post(t, seller.Client, "/pools", form("name", " ", "slug", "NO", "strategy", "weighted"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	d := parse(t, res)
	d.requireText("Use de 1 a 100 caracteres.", "Use de 3 a 50 letras")
	d.one(".has-error input[name=name]")
	if v := attr(d.one("input[name=slug]"), "value"); v != "NO" {
		t.Errorf("slug not kept: %q", v)
	}
	d.one("select[name=strategy] option[value=weighted][selected]")

	res = post(t, seller.Client, "/pools", form("name", "Promo Verão", "slug", "promo-pia", "strategy", "round_robin"))
	requireRedirect(t, res, "/pools/")
	page := res.Header.Get("Location")
	id := strings.TrimPrefix(page, "/pools/")
	d = get(t, seller.Client, page, http.StatusOK)
	d.requireText("Promo Verão", "Link criado.", "/go/promo-pia", "ainda não tem bots")
	if v := attr(d.one("#pool-link button[data-copy]"), "data-copy"); !strings.HasSuffix(v, "/go/promo-pia") {
		t.Errorf("copy button copies %q", v)
	}
	// The slug is unique on the platform: another seller is told so, and
	// learns nothing else.
	res = post(t, other.Client, "/pools", form("name", "Minha promo", "slug", "promo-pia", "strategy", "random"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	d = parse(t, res)
	d.requireText("já está em uso")
	d.requireNoText("Promo Verão")

	// Members: added from the seller's own bots, weights checked.
	d.requireNoText("pia_um_bot")
	d = get(t, seller.Client, page, http.StatusOK)
	d.one("#add-member option[value=" + itoa(one.ID) + "]")
	if len(d.all("#add-member option[value="+itoa(otherBot.ID)+"]")) != 0 {
		t.Error("another seller's bot is offered")
	}
	requireRedirect(t, post(t, seller.Client, page+"/members", form("form", "member", "bot_id", itoa(one.ID), "weight", "3")), page)
	res = post(t, seller.Client, page+"/members", form("form", "member", "bot_id", itoa(two.ID), "weight", "0", "priority", "2"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	d = parse(t, res)
	d.requireText("Use um número de 1 a 1000.")
	d.one("#add-member option[value=" + itoa(two.ID) + "][selected]")
	if v := attr(d.one("#add-member input[name=priority]"), "value"); v != "2" {
		t.Errorf("priority not kept: %q", v)
	}
	res = post(t, seller.Client, page+"/members", form("form", "member", "bot_id", itoa(otherBot.ID), "weight", "1"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	d = parse(t, res)
	d.requireText("Escolha um dos seus bots.")
	d.requireNoText("quim_bot", "Loja do Quim")
	requireRedirect(t, post(t, seller.Client, page+"/members", form("form", "member", "bot_id", itoa(two.ID), "weight", "1")), page)
	// A member's weight changes from its row.
	requireRedirect(t, post(t, seller.Client, page+"/members", form("form", "row", "bot_id", itoa(two.ID), "weight", "2", "priority", "5")), page)
	d = get(t, seller.Client, page, http.StatusOK)
	d.requireText("@pia_um_bot", "@pia_dois_bot", "Bot salvo no link.")
	if v := attr(d.one("#member-"+itoa(two.ID)+" input[name=priority]"), "value"); v != "5" {
		t.Errorf("priority of the second bot %q", v)
	}
	if v := attr(d.one("#member-"+itoa(one.ID)+" input[name=weight]"), "value"); v != "3" {
		t.Errorf("weight of the first bot %q", v)
	}

	// Visits of the link (in turn), per bot and per day.
	visitor := w.h.NewClient()
	for range 4 {
		if res := visitor.Do("GET", "/go/promo-pia", nil); res.Status != http.StatusFound {
			t.Fatalf("visit: %s", res)
		}
	}
	if err := w.h.App.Pools.FlushClicks(t.Context()); err != nil {
		t.Fatal(err)
	}
	d = get(t, seller.Client, page, http.StatusOK)
	if got := text(d.one("#pool-total")); !strings.Contains(got, "4 visitas nos últimos 7 dias") {
		t.Errorf("total %q", got)
	}
	if rows := d.all("#clicks-by-day tbody tr"); len(rows) != 7 || !strings.Contains(text(rows[0]), "4") {
		t.Errorf("%d days; today's row: %q", len(rows), text(rows[0]))
	}
	if n := len(d.all("#clicks-by-bot tbody tr")); n != 2 {
		t.Errorf("%d bots with visits, want 2", n)
	}
	if n := len(get(t, seller.Client, page+"?days=30", http.StatusOK).all("#clicks-by-day tbody tr")); n != 30 {
		t.Errorf("%d days for 30", n)
	}
	var cells []string
	for _, td := range get(t, seller.Client, "/pools", http.StatusOK).all("#pool-" + id + " td") {
		cells = append(cells, text(td))
	}
	if got := strings.Join(cells[2:], "|"); got != "Rodízio|2|4|4" {
		t.Errorf("list row: strategy, members, visits today and in 7 days %q", got)
	}

	// Another seller sees none of it and changes nothing.
	for _, path := range []string{page, page + "?days=30"} {
		res := other.Client.Do("GET", path, nil)
		res.RequireStatus(t, http.StatusNotFound)
		parse(t, res).requireNoText("Promo Verão", "pia_um_bot")
	}
	for _, path := range []string{page + "/settings", page + "/members", page + "/delete", page + "/members/" + itoa(one.ID) + "/remove"} {
		post(t, other.Client, path, form("form", "settings", "name", "Roubado", "bot_id", itoa(otherBot.ID), "strategy", "random")).
			RequireStatus(t, http.StatusNotFound)
	}
	get(t, other.Client, "/pools", http.StatusOK).requireNoText("Promo Verão", "promo-pia")

	// Settings: errors inline with the values sent; then saved.
	res = post(t, seller.Client, page+"/settings", form("form", "settings", "name", "Promo Inverno", "slug", "x", "strategy", "priority"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	d = parse(t, res)
	d.one("#pool-settings .has-error input[name=slug]")
	if v := attr(d.one("#pool-settings input[name=name]"), "value"); v != "Promo Inverno" {
		t.Errorf("name not kept: %q", v)
	}
	if len(d.all("#pool-settings input[name=active][checked]")) != 0 {
		t.Error("the active box was sent unchecked and shows checked")
	}
	requireRedirect(t, post(t, seller.Client, page+"/settings", form("form", "settings", "name", "Promo Inverno",
		"slug", "promo-inverno", "strategy", "priority")), page)
	d = get(t, seller.Client, page, http.StatusOK)
	d.requireText("Promo Inverno", "desativado", "/go/promo-inverno")
	if res := visitor.Do("GET", "/go/promo-inverno", nil); res.Status != http.StatusNotFound {
		t.Errorf("an inactive pool's link: %d", res.Status)
	}
	get(t, seller.Client, "/pools", http.StatusOK).requireText("Promo Inverno", "Prioridade (reserva)", "desativado")

	// A bot taken out keeps its visits, as a former member.
	requireRedirect(t, post(t, seller.Client, page+"/members/"+itoa(one.ID)+"/remove", nil), page)
	d = get(t, seller.Client, page, http.StatusOK)
	if len(d.all("#member-"+itoa(one.ID))) != 0 {
		t.Error("the removed bot is still listed")
	}
	d.one("#add-member option[value=" + itoa(one.ID) + "]")

	d.one("form[action=" + page + "/delete][data-confirm]")
	requireRedirect(t, post(t, seller.Client, page+"/delete", nil), "/pools")
	get(t, seller.Client, "/pools", http.StatusOK).requireText("Link excluído.", "Nenhum link ainda.")
	seller.Client.Do("GET", page, nil).RequireStatus(t, http.StatusNotFound)
}
