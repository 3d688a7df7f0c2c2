package web_test

import (
	"net/http"
	"testing"

	"github.com/grimbots/grimbots/internal/app/apptest"
)

func TestSettingsProfilePasswordAndTokens(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{})
	seller, other := h.RegisterSeller("iris"), h.RegisterSeller("joao")
	elsewhere := seller.Login()

	d := get(t, seller.Client, "/settings", http.StatusOK)
	if v := attr(d.one("select[name=time_zone] option[selected]"), "value"); v != "America/Sao_Paulo" {
		t.Errorf("selected time zone %q", v)
	}

	res := post(t, seller.Client, "/settings/profile", form("full_name", "Íris Souza", "time_zone", "Mars/Olympus"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	parse(t, res).requireText("Escolha um fuso horário válido.")
	requireRedirect(t, post(t, seller.Client, "/settings/profile", form("full_name", "Íris Souza", "time_zone", "America/Manaus")), "/settings")
	d = get(t, seller.Client, "/settings", http.StatusOK)
	if v := attr(d.one("select[name=time_zone] option[selected]"), "value"); v != "America/Manaus" {
		t.Errorf("time zone after saving %q", v)
	}
	if v := attr(d.one("input[name=full_name]"), "value"); v != "Íris Souza" {
		t.Errorf("full name after saving %q", v)
	}

	res = post(t, seller.Client, "/settings/password", form("current_password", "not it at all", "new_password", "outra frase bem longa"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	parse(t, res).requireText("Senha atual incorreta.")
	requireRedirect(t, post(t, seller.Client, "/settings/password", form("current_password", apptest.DefaultPassword,
		"new_password", "outra frase bem longa")), "/settings")
	get(t, seller.Client, "/settings", http.StatusOK) // this browser got a new session
	requireRedirect(t, elsewhere.Do("GET", "/settings", nil), "/login")

	// A token is shown once, works for the API, and can be revoked.
	res = post(t, seller.Client, "/settings/tokens", form("name", "integracao-xyz"))
	res.RequireStatus(t, http.StatusCreated)
	secret := text(parse(t, res).one("code#new-token"))
	h.TokenClient(secret).Do("GET", "/api/v1/me", nil).RequireStatus(t, http.StatusOK)
	d = get(t, seller.Client, "/settings", http.StatusOK)
	d.requireText("integracao-xyz")
	d.requireNoText(secret)
	revoke := attr(d.one("#tokens-table form"), "action")
	// Another seller cannot revoke it.
	post(t, other.Client, revoke, nil).RequireStatus(t, http.StatusNotFound)
	get(t, other.Client, "/settings", http.StatusOK).requireNoText("integracao-xyz")
	requireRedirect(t, post(t, seller.Client, revoke, nil), "/settings")
	h.TokenClient(secret).Do("GET", "/api/v1/me", nil).RequireStatus(t, http.StatusUnauthorized)
}
