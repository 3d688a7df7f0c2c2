package web

import (
	"net/http"
	"slices"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// timeZones are offered in the settings: Brazil's zones first, then a few
// where Brazilian sellers often live. The service accepts any IANA name.
var timeZones = []string{
	"America/Sao_Paulo", "America/Bahia", "America/Fortaleza", "America/Recife", "America/Belem", "America/Maceio",
	"America/Araguaina", "America/Manaus", "America/Cuiaba", "America/Campo_Grande", "America/Porto_Velho",
	"America/Boa_Vista", "America/Rio_Branco", "America/Noronha", "Europe/Lisbon", "America/New_York", "UTC",
}

type settingsData struct {
	Tokens    []*grimbots.APIToken
	TimeZones []string
	// NewSecret is a token created just now, shown once.
	NewSecret string
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal, status int, v *view, secret string) error {
	tokens, err := h.auth.APITokens(r.Context(), p)
	if err != nil {
		return err
	}
	zones := timeZones
	if !slices.Contains(zones, p.User.TimeZone) {
		zones = append([]string{p.User.TimeZone}, zones...)
	}
	if v.Form.Get("full_name") == "" && v.Form.Get("time_zone") == "" {
		v.Form.Set("full_name", p.User.FullName)
		v.Form.Set("time_zone", p.User.TimeZone)
	}
	v.Data = &settingsData{Tokens: tokens, TimeZones: zones, NewSecret: secret}
	return h.render(w, r, status, "settings", v)
}

func (h *Handler) showSettings(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.settingsPage(w, r, p, http.StatusOK, h.newView(w, r, p, "settings.title", "settings"), "")
}

// settingsError shows the settings again with a form's errors, or fails.
func (h *Handler) settingsError(w http.ResponseWriter, r *http.Request, p *auth.Principal, v *view, err error) error {
	status, ok := formFailure(v, err)
	if !ok {
		return err
	}
	return h.settingsPage(w, r, p, status, v, "")
}

func (h *Handler) saveProfile(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	params := auth.ProfileParams{FullName: r.PostForm.Get("full_name"), TimeZone: r.PostForm.Get("time_zone")}
	if _, err := h.auth.UpdateProfile(r.Context(), p, params, meta(r)); err != nil {
		v := h.newView(w, r, p, "settings.title", "settings")
		v.Form.Set("full_name", params.FullName)
		v.Form.Set("time_zone", params.TimeZone)
		return h.settingsError(w, r, p, v, err)
	}
	return h.redirect(w, r, "/settings", "flash.saved")
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	s, err := h.auth.ChangePassword(r.Context(), p, r.PostForm.Get("current_password"), r.PostForm.Get("new_password"), meta(r))
	if err != nil {
		return h.settingsError(w, r, p, h.newView(w, r, p, "settings.title", "settings"), err)
	}
	if s != nil {
		h.setSession(w, s) // every session ended; this browser gets a new one
	}
	return h.redirect(w, r, "/settings", "flash.password_changed")
}

func (h *Handler) createToken(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	v := h.newView(w, r, p, "settings.title", "settings")
	_, secret, err := h.auth.CreateAPIToken(r.Context(), p, r.PostForm.Get("name"), 0, meta(r))
	if err != nil {
		v.Form.Set("name", r.PostForm.Get("name"))
		return h.settingsError(w, r, p, v, err)
	}
	// Shown once, in this answer only: no redirect, nothing stored.
	return h.settingsPage(w, r, p, http.StatusCreated, v, secret)
}

func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.auth.RevokeAPIToken(r.Context(), p, id, meta(r)); err != nil {
		return err
	}
	return h.redirect(w, r, "/settings", "flash.token_revoked")
}
