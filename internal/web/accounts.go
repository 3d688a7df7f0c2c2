package web

import (
	"net/http"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// maxFormBytes bounds a submitted form.
const maxFormBytes = 64 << 10

// parseForm reads a POSTed form, bounded.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return grimbots.Errorf(grimbots.EINVALID, "malformed form")
	}
	return nil
}

// formPage re-renders a form after a failed submission: field errors
// inline (422) or the service's message on top; internal errors go to fail.
func (h *Handler) formPage(w http.ResponseWriter, r *http.Request, v *view, page string, err error) error {
	status := http.StatusUnprocessableEntity
	switch {
	case formErrors(v, err):
	case userAlert(v, err):
		if s, ok := errorStatus[grimbots.ErrorCode(err)]; ok {
			status = s
		} else if grimbots.ErrorCode(err) == grimbots.EUNAUTHORIZED {
			status = http.StatusUnauthorized
		}
	default:
		return err
	}
	return h.render(w, r, status, page, v)
}

func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if p != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	v := h.newView(w, r, nil, "login.title", "")
	v.Form.Set("next", r.URL.Query().Get("next"))
	return h.render(w, r, http.StatusOK, "login", v)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	_, s, err := h.auth.Login(r.Context(), r.PostForm.Get("login"), r.PostForm.Get("password"), meta(r))
	if err != nil {
		v := h.newView(w, r, nil, "login.title", "")
		v.Form.Set("login", r.PostForm.Get("login"))
		v.Form.Set("next", r.PostForm.Get("next"))
		return h.formPage(w, r, v, "login", err)
	}
	h.setSession(w, s)
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
	return nil
}

func (h *Handler) showRegister(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if p != nil {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return nil
	}
	return h.render(w, r, http.StatusOK, "register", h.newView(w, r, nil, "register.title", ""))
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	_, s, err := h.auth.Register(r.Context(), auth.RegisterParams{Email: f.Get("email"), Username: f.Get("username"),
		Password: f.Get("password"), FullName: f.Get("full_name")}, meta(r))
	if err != nil {
		v := h.newView(w, r, nil, "register.title", "")
		for _, k := range []string{"email", "username", "full_name"} {
			v.Form.Set(k, f.Get(k))
		}
		return h.formPage(w, r, v, "register", err)
	}
	h.setSession(w, s)
	return h.redirect(w, r, "/dashboard", "flash.welcome")
}

func (h *Handler) showForgot(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	return h.render(w, r, http.StatusOK, "forgot", h.newView(w, r, nil, "forgot.title", ""))
}

// forgot asks for a reset email. The answer is the same whether or not the
// address has an account (the service makes sure of it).
func (h *Handler) forgot(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	v := h.newView(w, r, nil, "forgot.title", "")
	if err := h.auth.RequestPasswordReset(r.Context(), r.PostForm.Get("email"), meta(r)); err != nil {
		v.Form.Set("email", r.PostForm.Get("email"))
		return h.formPage(w, r, v, "forgot", err)
	}
	v.Data = true
	return h.render(w, r, http.StatusOK, "forgot", v)
}

func (h *Handler) showReset(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	v := h.newView(w, r, nil, "reset.title", "")
	v.Form.Set("token", r.URL.Query().Get("token"))
	// The token is in the URL: keep it out of Referer headers.
	w.Header().Set("Referrer-Policy", "no-referrer")
	return h.render(w, r, http.StatusOK, "reset", v)
}

func (h *Handler) reset(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	err := h.auth.ResetPassword(r.Context(), r.PostForm.Get("token"), r.PostForm.Get("new_password"), meta(r))
	if err != nil {
		v := h.newView(w, r, nil, "reset.title", "")
		v.Form.Set("token", r.PostForm.Get("token"))
		return h.formPage(w, r, v, "reset", err)
	}
	// Every session ended, this browser's included.
	h.clearSession(w)
	return h.redirect(w, r, "/login", "flash.password_reset")
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if p != nil && p.Session != nil {
		if err := h.auth.Logout(r.Context(), p, meta(r)); err != nil && grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
			return err
		}
	}
	h.clearSession(w)
	return h.redirect(w, r, "/login", "flash.logged_out")
}

func (h *Handler) logoutAll(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if _, err := h.auth.LogoutAll(r.Context(), p, meta(r)); err != nil {
		return err
	}
	h.clearSession(w)
	return h.redirect(w, r, "/login", "flash.logged_out_all")
}
