package web_test

import (
	"net/http"
	"testing"

	"github.com/grimbots/grimbots/internal/app/apptest"
)

func TestAdminPagesAreForAdminsOnly(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{})
	seller := h.RegisterSeller("mel")
	for _, path := range []string{"/admin", "/admin/users", "/admin/users/1", "/admin/revenue", "/admin/audit"} {
		res := seller.Client.Do("GET", path, nil)
		res.RequireStatus(t, http.StatusForbidden)
		d := parse(t, res)
		d.requireText("Acesso negado")
		if len(d.all("a[href=/admin]")) != 0 {
			t.Errorf("%s: the seller's menu links the admin area", path)
		}
	}
	post(t, seller.Client, "/admin/users/1/ban", form("reason", "x")).RequireStatus(t, http.StatusForbidden)
	get(t, seller.Client, "/dashboard", http.StatusOK) // still logged in
}

func TestAdminUsersBanCommissionRevenueAudit(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apptest.SQLite)
	h := w.h
	admin := h.CreateAdmin("chefe")
	nina, otto := h.RegisterSeller("nina"), h.RegisterSeller("otto")
	w.sale(t, nina, nil, nil, 10000, "Curso da Nina")

	d := get(t, admin.Client, "/admin", http.StatusOK)
	d.requireText("R$ 4,00") // 4% of R$ 100,00 in the last 30 days
	d.one("a#jobs-link[href=/admin/jobs/]")

	d = get(t, admin.Client, "/admin/users?q=nin", http.StatusOK)
	d.requireText("nina", "1 contas")
	d.requireNoText("otto")

	id := itoa(nina.ID)
	d = get(t, admin.Client, "/admin/users/"+id, http.StatusOK)
	d.requireText("nina@example.com", "Curso da Nina", "R$ 100,00", "auth.register")
	if v := attr(d.one("input[name=rate]"), "value"); v != "4" {
		t.Errorf("rate field %q", v)
	}

	// Commission: a bad value is refused inline; a good one is saved.
	res := post(t, admin.Client, "/admin/users/"+id+"/commission", form("rate", "abc"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	parse(t, res).requireText("Informe um percentual")
	res = post(t, admin.Client, "/admin/users/"+id+"/commission", form("rate", "60"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	parse(t, res).requireText("A comissão vai de 0% a 50%.")
	requireRedirect(t, post(t, admin.Client, "/admin/users/"+id+"/commission", form("rate", "3,5")), "/admin/users/"+id)
	d = get(t, admin.Client, "/admin/users/"+id, http.StatusOK)
	if v := attr(d.one("input[name=rate]"), "value"); v != "3,5" {
		t.Errorf("rate after saving %q", v)
	}

	// Ban: the reason is required; the seller's sessions end at once.
	res = post(t, admin.Client, "/admin/users/"+id+"/ban", form("reason", ""))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	get(t, nina.Client, "/dashboard", http.StatusOK)
	requireRedirect(t, post(t, admin.Client, "/admin/users/"+id+"/ban", form("reason", "Golpe")), "/admin/users/"+id)
	requireRedirect(t, nina.Client.Do("GET", "/dashboard", nil), "/login")
	res = post(t, h.NewClient(), "/login", form("login", "nina", "password", apptest.DefaultPassword))
	res.RequireStatus(t, http.StatusForbidden)
	parse(t, res).requireText("Esta conta está suspensa.")
	get(t, admin.Client, "/admin/users?status=banned", http.StatusOK).requireText("nina")
	// Admins cannot be banned.
	res = post(t, admin.Client, "/admin/users/"+itoa(admin.ID)+"/ban", form("reason", "x"))
	res.RequireStatus(t, http.StatusConflict)
	parse(t, res).requireText("Admins não podem ser banidos.")

	requireRedirect(t, post(t, admin.Client, "/admin/users/"+id+"/unban", nil), "/admin/users/"+id)
	requireRedirect(t, post(t, h.NewClient(), "/login", form("login", "nina", "password", apptest.DefaultPassword)), "/dashboard")

	d = get(t, admin.Client, "/admin/revenue?period=30d", http.StatusOK)
	d.requireText("nina", "R$ 4,00", "R$ 100,00")
	d.requireNoText("otto")

	d = get(t, admin.Client, "/admin/audit?user="+id, http.StatusOK)
	d.requireText("admin.user_ban", "admin.user_unban", "admin.user_commission", "Golpe")
	d = get(t, admin.Client, "/admin/audit?action=admin.user_ban", http.StatusOK)
	d.requireText("admin.user_ban")
	d.requireNoText("admin.user_unban")
	_ = otto
}
