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

func TestAddBotWizardAndBotPages(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apptest.SQLite)
	seller, other := w.h.RegisterSeller("kaio"), w.h.RegisterSeller("lia")

	d := get(t, seller.Client, "/bots", http.StatusOK)
	d.one(".empty a.btn[href=/bots/new]")
	d.requireText("Você ainda não tem bots.")

	res := post(t, seller.Client, "/bots", form("token", "not a token", "name", "Loja"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	d = parse(t, res)
	d.requireText("Isto não é um token de bot")
	if v := attr(d.one("input[name=name]"), "value"); v != "Loja" {
		t.Errorf("name not kept: %q", v)
	}
	res = post(t, seller.Client, "/bots", form("token", "7999:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	parse(t, res).requireText("O Telegram recusou este token")

	token := w.newToken("loja_kaio_bot")
	res = post(t, seller.Client, "/bots", form("token", token, "name", "Loja do Kaio"))
	requireRedirect(t, res, "/bots/")
	funnelPath := res.Header.Get("Location")
	if !strings.HasSuffix(funnelPath, "/funnel?new=1") {
		t.Fatalf("the wizard goes on to %q, want the funnel editor", funnelPath)
	}
	list, err := w.h.App.Bots.Bots(t.Context(), seller.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("bots %v %v", list, err)
	}
	bot := list[0]
	id := itoa(bot.ID)

	d = get(t, seller.Client, funnelPath, http.StatusOK)
	d.requireText("Passo 2 de 2")
	ed := d.one("#funnel-editor")
	if attr(ed, "data-api") != "/api/v1/bots/"+id+"/config" || !strings.Contains(attr(ed, "data-labels"), "Salvar funil") {
		t.Errorf("editor attributes %v", ed.Attr)
	}
	found := false
	for _, s := range d.all("script") {
		found = found || strings.HasPrefix(attr(s, "src"), "/static/funnel.js?v=")
	}
	if !found {
		t.Error("the editor's script is not loaded")
	}
	if res := seller.Client.Do("GET", "/static/funnel.js", nil); res.Status != http.StatusOK ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("funnel.js: %d %s", res.Status, res.Header.Get("Content-Type"))
	}

	// Starting with the example access link is refused, with the way out.
	res = post(t, seller.Client, "/bots/"+id+"/start", nil)
	res.RequireStatus(t, http.StatusConflict)
	d = parse(t, res)
	d.requireText("troque o link de acesso de exemplo")
	d.one("#bot-" + id + " p.help a[href=/bots/" + id + "/funnel]")

	cfg := funnel.Default("Loja do Kaio")
	cfg.Offers[0].Delivery.AccessLink = "https://t.me/+grupoKaio"
	actor := payments.Actor{UserID: seller.ID}
	if _, err := w.h.App.Bots.SaveConfig(t.Context(), actor, bot.ID, 0, cfg); err != nil {
		t.Fatal(err)
	}
	requireRedirect(t, post(t, seller.Client, "/bots/"+id+"/start", nil), "/bots")
	d = get(t, seller.Client, "/bots", http.StatusOK)
	d.requireText("Loja do Kaio", "@loja_kaio_bot", "online", "v2")
	d.one("form[action=/bots/" + id + "/stop]")

	// Leads, with search.
	w.lead(t, seller, bot.ID, 9001, "Marina")
	w.lead(t, seller, bot.ID, 9002, "Otávio")
	d = get(t, seller.Client, "/bots/"+id+"/leads", http.StatusOK)
	d.requireText("Marina", "Otávio", "2 leads")
	d = get(t, seller.Client, "/bots/"+id+"/leads?q=mari", http.StatusOK)
	d.requireText("Marina", "1 leads")
	d.requireNoText("Otávio")

	// Sales with their delivery and a resend button.
	marina := w.lead(t, seller, bot.ID, 9001, "Marina")
	p, err := w.h.App.Payments.Checkout(t.Context(), payments.CheckoutParams{SellerID: seller.ID, BotID: &bot.ID,
		LeadID: &marina.ID, OfferKey: "vip", Funnel: `{"offer":"vip"}`, AmountCents: 1990, Description: "Acesso VIP"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.h.App.Payments.SandboxSettle(t.Context(), seller.ID, p.ID, grimbots.PaymentPaid, w.h.App.Store); err != nil {
		t.Fatal(err)
	}
	d = get(t, seller.Client, "/bots/"+id+"/sales", http.StatusOK)
	d.requireText("Acesso VIP", "Marina", "R$ 19,90")
	d.one("#sale-" + itoa(p.ID) + " form[action=/bots/" + id + "/sales/" + itoa(p.ID) + "/resend]")

	// The other seller sees none of it.
	for _, path := range []string{"/bots/" + id + "/funnel", "/bots/" + id + "/leads", "/bots/" + id + "/sales"} {
		res := other.Client.Do("GET", path, nil)
		res.RequireStatus(t, http.StatusNotFound)
		parse(t, res).requireNoText("Loja do Kaio", "Marina")
	}
	get(t, other.Client, "/bots", http.StatusOK).requireNoText("Loja do Kaio")
	post(t, other.Client, "/bots/"+id+"/stop", nil).RequireStatus(t, http.StatusNotFound)
	post(t, other.Client, "/bots/"+id+"/sales/"+itoa(p.ID)+"/resend", nil).RequireStatus(t, http.StatusNotFound)
}

// A banned bot's token is replaced from the list; the bot keeps its funnel.
func TestReplaceBotToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apptest.SQLite)
	seller, other := w.h.RegisterSeller("tito"), w.h.RegisterSeller("uma")
	bot := w.addBot(t, seller, "velho_bot", "Loja do Tito")
	path := "/bots/" + itoa(bot.ID) + "/token"
	get(t, seller.Client, "/bots", http.StatusOK).one("form[action=" + path + "]")

	res := post(t, seller.Client, path, form("token", "nada"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	parse(t, res).requireText("Isto não é um token de bot")
	post(t, other.Client, path, form("token", w.newToken("alheio_bot"))).RequireStatus(t, http.StatusNotFound)

	requireRedirect(t, post(t, seller.Client, path, form("token", w.newToken("novo_bot"))), "/bots")
	d := get(t, seller.Client, "/bots", http.StatusOK)
	d.requireText("Loja do Tito", "@novo_bot", "Token trocado")
	d.requireNoText("@velho_bot")
}

func TestRenameAndDuplicateBot(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apptest.SQLite)
	seller, other := w.h.RegisterSeller("vera"), w.h.RegisterSeller("xavi")
	bot := w.addBot(t, seller, "vera_bot", "Loja da Vera")
	base := "/bots/" + itoa(bot.ID)
	list := get(t, seller.Client, "/bots", http.StatusOK)
	list.one("form[action=" + base + "/rename]")
	list.one("form[action=" + base + "/duplicate]")

	// Rename: an empty name is refused on the list; another seller's bot
	// does not exist.
	res := post(t, seller.Client, base+"/rename", form("name", "  "))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	parse(t, res).requireText("Use de 1 a 64 caracteres.")
	post(t, other.Client, base+"/rename", form("name", "Roubada")).RequireStatus(t, http.StatusNotFound)
	requireRedirect(t, post(t, seller.Client, base+"/rename", form("name", "Vera Cursos")), "/bots")
	get(t, seller.Client, "/bots", http.StatusOK).requireText("Vera Cursos", "Nome do bot salvo")

	// Duplicate: a new Telegram bot with a copy of the funnel, stopped.
	post(t, other.Client, base+"/duplicate", form("token", w.newToken("alheio2_bot"))).RequireStatus(t, http.StatusNotFound)
	requireRedirect(t, post(t, seller.Client, base+"/duplicate", form("token", w.newToken("vera2_bot"), "name", "Vera 2")), "/bots")
	d := get(t, seller.Client, "/bots", http.StatusOK)
	d.requireText("Vera Cursos", "@vera_bot", "Vera 2", "@vera2_bot", "Cópia criada")
	bots, err := w.h.App.Store.Bots(t.Context(), seller.ID)
	if err != nil || len(bots) != 2 {
		t.Fatalf("bots %v %v", bots, err)
	}
	orig, err := w.h.App.Store.BotConfig(t.Context(), seller.ID, bot.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bots {
		if b.ID == bot.ID {
			continue
		}
		copied, err := w.h.App.Store.BotConfig(t.Context(), seller.ID, b.ID, 0)
		if err != nil || copied.Document != orig.Document || b.Running {
			t.Fatalf("copy %+v running %v: %v", copied, b.Running, err)
		}
	}
	if others, _ := w.h.App.Store.Bots(t.Context(), other.ID); len(others) != 0 {
		t.Fatalf("the other seller got bots: %v", others)
	}
}
