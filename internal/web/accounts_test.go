package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/app/apptest"
)

func TestLoginRequired(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{})
	c := h.NewClient()
	for _, path := range []string{"/", "/dashboard", "/dashboard/sales.csv", "/pools", "/pools/1", "/ranking", "/profile"} {
		res := c.Do("GET", path, nil)
		requireRedirect(t, res, "/login")
	}
	res := c.Do("GET", "/dashboard?period=7d", nil)
	if loc := res.Header.Get("Location"); loc != "/login?next=%2Fdashboard%3Fperiod%3D7d" {
		t.Fatalf("login redirect %q does not bring the visitor back", loc)
	}
}

func TestRegisterLoginLogout(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{})
	c := h.NewClient()
	d := get(t, c, "/register", http.StatusOK)
	d.one("form[action=/register]")
	d.one("input[name=email]")

	// Field errors come back inline, with what was typed (not the password).
	res := post(t, c, "/register", form("email", "not-an-email", "username", "x", "password", "short"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	d = parse(t, res)
	d.requireText("Informe um e-mail válido.", "Use de 3 a 32 letras, números ou _.", "pelo menos 10 caracteres")
	if v := attr(d.one("input[name=email]"), "value"); v != "not-an-email" {
		t.Errorf("email input value %q", v)
	}
	if v := attr(d.one("input[name=password]"), "value"); v != "" {
		t.Errorf("password echoed back: %q", v)
	}

	res = post(t, c, "/register", form("email", "bia@example.com", "username", "bia", "password", apptest.DefaultPassword))
	requireRedirect(t, res, "/dashboard")
	if c.Session() == "" {
		t.Fatal("no session cookie after registering")
	}
	d = get(t, c, "/dashboard", http.StatusOK)
	d.requireText("bia")

	// Logging out ends the session: the cookie no longer opens pages.
	old := c.Session()
	requireRedirect(t, post(t, c, "/logout", nil), "/login")
	requireRedirect(t, h.SessionClient(old).Do("GET", "/dashboard", nil), "/login")

	// Wrong password: the form says so, with 401.
	res = post(t, c, "/login", form("login", "bia", "password", "wrong password!"))
	res.RequireStatus(t, http.StatusUnauthorized)
	parse(t, res).requireText("E-mail, usuário ou senha incorretos.")

	// The next parameter brings the user back, but only to this site.
	res = post(t, c, "/login", form("login", "bia@example.com", "password", apptest.DefaultPassword, "next", "//evil.example/x"))
	requireRedirect(t, res, "/dashboard")
	res = post(t, h.NewClient(), "/login", form("login", "bia", "password", apptest.DefaultPassword, "next", "/settings"))
	requireRedirect(t, res, "/settings")
}

func TestLogoutEverywhere(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{})
	seller := h.RegisterSeller("caio")
	other := seller.Login()
	requireRedirect(t, post(t, seller.Client, "/logout-all", nil), "/login")
	requireRedirect(t, other.Do("GET", "/dashboard", nil), "/login")
}

func TestPasswordResetThroughTheEmailedLink(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{})
	seller := h.RegisterSeller("duda")
	c := h.NewClient()
	res := post(t, c, "/forgot-password", form("email", seller.Email))
	res.RequireStatus(t, http.StatusOK)
	parse(t, res).requireText("Se houver uma conta com esse e-mail")
	// The same answer for an unknown address.
	res = post(t, c, "/forgot-password", form("email", "nobody@example.com"))
	res.RequireStatus(t, http.StatusOK)
	parse(t, res).requireText("Se houver uma conta com esse e-mail")

	msg := h.Mailer.WaitTo(t, seller.Email)
	link := msg.Text[strings.Index(msg.Text, "http"):]
	link = strings.Fields(link)[0]
	path := strings.TrimPrefix(link, "http://localhost:8080")
	if !strings.HasPrefix(path, "/reset-password?token=") {
		t.Fatalf("emailed link %q does not open the reset page", link)
	}
	d := get(t, c, path, http.StatusOK)
	token := attr(d.one("input[name=token]"), "value")

	res = post(t, c, "/reset-password", form("token", token, "new_password", "short"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	parse(t, res).requireText("pelo menos 10 caracteres")

	res = post(t, c, "/reset-password", form("token", token, "new_password", "uma frase nova e longa"))
	requireRedirect(t, res, "/login")
	requireRedirect(t, seller.Client.Do("GET", "/dashboard", nil), "/login")
	requireRedirect(t, post(t, c, "/login", form("login", "duda", "password", "uma frase nova e longa")), "/dashboard")

	// A used link is refused with a friendly message.
	res = post(t, c, "/reset-password", form("token", token, "new_password", "outra frase bem longa"))
	res.RequireStatus(t, http.StatusGone)
	parse(t, res).requireText("inválido ou expirou")
}

// Unknown paths: a page for browsers, the JSON problem for API clients.
func TestNotFoundPage(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{})
	c := h.NewClient()
	res := c.Do("GET", "/nao-existe", nil, "Accept", "text/html,application/xhtml+xml")
	res.RequireStatus(t, http.StatusNotFound)
	d := parse(t, res)
	d.requireText("Página não encontrada", res.Header.Get("X-Request-ID"))
	res = c.Do("GET", "/nao-existe", nil)
	res.RequireStatus(t, http.StatusNotFound)
	if res.Str("code") != "not_found" {
		t.Errorf("API clients get %s", res)
	}
	res = c.Do("GET", "/api/v1/nao-existe", nil, "Accept", "text/html")
	if res.Status != http.StatusNotFound || res.Str("code") != "not_found" {
		t.Errorf("an unknown API path for a browser: %s", res)
	}
}

// Forms posted from another site are refused before any page code runs.
func TestCrossSiteFormsRefused(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{})
	seller := h.RegisterSeller("xena")
	for _, path := range []string{"/logout-all", "/settings/tokens", "/bots", "/login", "/pools", "/pools/1/delete", "/profile"} {
		res := seller.Client.Do("POST", path, []byte("name=x"), "Content-Type", "application/x-www-form-urlencoded",
			"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		res.RequireStatus(t, http.StatusForbidden)
	}
	get(t, seller.Client, "/dashboard", http.StatusOK) // still logged in
	d := get(t, seller.Client, "/settings", http.StatusOK)
	d.requireText("Nenhum token criado.")
	get(t, seller.Client, "/pools", http.StatusOK).requireText("Nenhum link ainda.")
}
