package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/app/apptest"
)

func TestCampaignPages(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apptest.SQLite)
	seller, other := w.h.RegisterSeller("vera"), w.h.RegisterSeller("wil")
	bot := w.addBot(t, seller, "vera_bot", "Loja da Vera")
	for i, name := range []string{"Ana", "Bia", "Caio"} {
		w.lead(t, seller, bot.ID, int64(7001+i), name)
	}
	d := get(t, seller.Client, "/campaigns", http.StatusOK)
	d.requireText("Nenhuma campanha ainda.")
	d = get(t, seller.Client, "/campaigns/new", http.StatusOK)
	d.one("input[name=bot_ids][value=" + itoa(bot.ID) + "]")

	base := url.Values{"name": {"Volta, Vera!"}, "bot_ids": {itoa(bot.ID)}, "segment.kind": {"non_buyers"},
		"cooldown_hours": {"24"}, "message.text": {"Oi {nome}, sentimos sua falta!"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	// The audience size, before saving.
	res := post(t, seller.Client, "/campaigns", with("intent", "preview"))
	res.RequireStatus(t, http.StatusOK)
	d = parse(t, res)
	if got := text(d.one("#audience")); !strings.Contains(got, "3 leads") {
		t.Errorf("audience %q", got)
	}
	// Errors inline; another seller's bot is not accepted.
	res = post(t, seller.Client, "/campaigns", with("intent", "create", "name", "", "message.buttons[0].text", "Site"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	d = parse(t, res)
	d.requireText("Obrigatório")
	if len(d.all(".has-error input[name=name]")) != 1 {
		t.Error("the name field is not marked")
	}
	otherBot := w.addBot(t, other, "wil_bot", "Loja do Wil")
	res = post(t, seller.Client, "/campaigns", with("intent", "create", "bot_ids", itoa(otherBot.ID)))
	if res.Status < 400 {
		t.Fatalf("a campaign on another seller's bot: %s", res)
	}

	res = post(t, seller.Client, "/campaigns", with("intent", "create"))
	requireRedirect(t, res, "/campaigns/")
	page := res.Header.Get("Location")
	d = get(t, seller.Client, page, http.StatusOK)
	d.requireText("Volta, Vera!", "rascunho", "Quem nunca comprou", "@vera_bot", "Oi {nome}, sentimos sua falta!")
	d.one("form[action=" + page + "/start]")
	other.Client.Do("GET", page, nil).RequireStatus(t, http.StatusNotFound)
	post(t, other.Client, page+"/start", nil).RequireStatus(t, http.StatusNotFound)
	get(t, other.Client, "/campaigns", http.StatusOK).requireNoText("Volta, Vera!")

	requireRedirect(t, post(t, seller.Client, page+"/start", nil), page)
	d = get(t, seller.Client, page, http.StatusOK)
	d.requireNoText("rascunho")
	get(t, seller.Client, "/campaigns", http.StatusOK).requireText("Volta, Vera!")
}
