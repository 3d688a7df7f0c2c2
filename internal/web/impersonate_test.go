package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// An admin logs in as a seller: a banner says so on every page, the admin
// area is closed meanwhile, both start and stop are audited with the admin
// as the actor, and stopping brings the admin back.
func TestImpersonation(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{})
	admin := h.CreateAdmin("suporte")
	seller := h.RegisterSeller("quel")
	other := h.CreateAdmin("outro")
	id := itoa(seller.ID)

	res := post(t, admin.Client, "/admin/users/"+id+"/impersonate", nil)
	requireRedirect(t, res, "/dashboard")
	d := get(t, admin.Client, "/dashboard", http.StatusOK)
	banner := text(d.one(".impersonation"))
	if !strings.Contains(banner, "suporte") || !strings.Contains(banner, "quel") {
		t.Errorf("banner %q", banner)
	}
	d.one(".impersonation form[action=/impersonation/stop]")
	get(t, admin.Client, "/settings", http.StatusOK).one(".impersonation")
	// The admin area is closed while acting as the seller, and so is
	// impersonating someone else.
	admin.Client.Do("GET", "/admin/users", nil).RequireStatus(t, http.StatusForbidden)
	post(t, admin.Client, "/admin/users/"+itoa(other.ID)+"/impersonate", nil).RequireStatus(t, http.StatusForbidden)
	// The seller's own session is untouched.
	get(t, seller.Client, "/dashboard", http.StatusOK).requireNoText("suporte")

	requireRedirect(t, post(t, admin.Client, "/impersonation/stop", nil), "/admin/users")
	d = get(t, admin.Client, "/admin/users", http.StatusOK)
	if len(d.all(".impersonation")) != 0 {
		t.Error("banner still shown after stopping")
	}
	// Stopping again is refused: nothing to stop.
	post(t, admin.Client, "/impersonation/stop", nil).RequireStatus(t, http.StatusConflict)

	entries, _, err := h.App.Auth.Audit(t.Context(), adminPrincipal(t, h, admin), grimbots.AuditFilter{UserID: &seller.ID})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if (e.Action == grimbots.AuditImpersonateStart || e.Action == grimbots.AuditImpersonateStop) &&
			e.ActorID != nil && *e.ActorID == admin.ID && e.TargetUserID != nil && *e.TargetUserID == seller.ID {
			seen[e.Action] = true
		}
	}
	if !seen[grimbots.AuditImpersonateStart] || !seen[grimbots.AuditImpersonateStop] {
		t.Errorf("audit entries %v", seen)
	}

	// Admins cannot be impersonated; sellers cannot impersonate.
	res = post(t, admin.Client, "/admin/users/"+itoa(other.ID)+"/impersonate", nil)
	res.RequireStatus(t, http.StatusForbidden)
	post(t, seller.Client, "/admin/users/"+itoa(admin.ID)+"/impersonate", nil).RequireStatus(t, http.StatusForbidden)

	// A banned admin's impersonation ends at once.
	requireRedirect(t, post(t, other.Client, "/admin/users/"+id+"/impersonate", nil), "/dashboard")
	if err := h.App.Store.SetRole(t.Context(), other.ID, grimbots.RoleSeller, h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	requireRedirect(t, other.Client.Do("GET", "/dashboard", nil), "/login")
}

func adminPrincipal(t *testing.T, h *apptest.Harness, admin *apptest.Account) *auth.Principal {
	t.Helper()
	p, err := h.App.Auth.AuthenticateSession(t.Context(), admin.Client.Session())
	if err != nil {
		t.Fatal(err)
	}
	return p
}
