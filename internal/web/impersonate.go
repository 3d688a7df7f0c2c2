package web

import (
	"net/http"

	"github.com/grimbots/grimbots/internal/auth"
)

// impersonate logs the admin in as the seller id (audited by the auth
// service); every page then shows a banner with the way back.
func (h *Handler) impersonate(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64) error {
	_, s, err := h.auth.Impersonate(r.Context(), p, id, meta(r))
	if err != nil {
		return err
	}
	h.setSession(w, s)
	return h.redirect(w, r, "/dashboard", "flash.impersonating")
}

func (h *Handler) stopImpersonation(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	_, s, err := h.auth.StopImpersonation(r.Context(), p, meta(r))
	if err != nil {
		return err
	}
	h.setSession(w, s)
	return h.redirect(w, r, "/admin/users", "flash.impersonation_stopped")
}
