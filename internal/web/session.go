package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/http/reqctx"
	"github.com/grimbots/grimbots/internal/payments"
)

// Session cookie names: the same cookie as the JSON API's login sets (see
// internal/http/api), so one login serves the pages and the page scripts'
// API calls. The __Host- prefix, allowed only with Secure, pins the cookie
// to this exact host and path.
const (
	sessionCookie       = "grimbots_session"
	secureSessionCookie = "__Host-grimbots_session"
)

// pageFunc is a page handler for an authenticated user. Handlers return
// errors; fail renders them (one place).
type pageFunc func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error

func meta(r *http.Request) auth.Meta {
	info := reqctx.From(r.Context())
	return auth.Meta{IP: info.ClientIP, UserAgent: info.UserAgent}
}

// principal resolves the session cookie; nil means not logged in (a bad or
// expired cookie included).
func (h *Handler) principal(r *http.Request) (*auth.Principal, error) {
	c, err := r.Cookie(h.cookie)
	if err != nil || c.Value == "" {
		return nil, nil //nolint:nilerr // no cookie: not logged in
	}
	p, err := h.auth.AuthenticateSession(r.Context(), c.Value)
	if grimbots.ErrorCode(err) == grimbots.EUNAUTHORIZED {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	reqctx.From(r.Context()).UserID.Store(p.User.ID)
	return p, nil
}

// public serves a page that needs no login; it still learns who is asking.
func (h *Handler) public(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		noStore(w)
		p, err := h.principal(r)
		if err == nil {
			err = fn(w, r, p)
		}
		if err != nil {
			h.fail(w, r, p, err)
		}
	})
}

// seller serves a page for any logged-in user; others go to the login page
// and come back afterwards.
func (h *Handler) seller(fn pageFunc) http.Handler {
	return h.authenticated(fn, false)
}

// admin serves a page for admins; sellers (and impersonated sessions) get
// the 403 page.
func (h *Handler) admin(fn pageFunc) http.Handler {
	return h.authenticated(fn, true)
}

func (h *Handler) authenticated(fn pageFunc, adminOnly bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		noStore(w)
		p, err := h.principal(r)
		switch {
		case err != nil:
		case p == nil:
			toLogin(w, r)
			return
		case adminOnly && !p.User.IsAdmin():
			err = grimbots.Errorf(grimbots.EFORBIDDEN, "admin role required")
		default:
			err = fn(w, r, p)
		}
		if err != nil {
			h.fail(w, r, p, err)
		}
	})
}

func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
}

// toLogin redirects to the login page, remembering where to come back.
func toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext returns a local path to go to after login, or the dashboard.
// Only same-site absolute paths are accepted (no "//host", no scheme).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/dashboard"
	}
	return next
}

func (h *Handler) setSession(w http.ResponseWriter, s *auth.NewSession) {
	http.SetCookie(w, &http.Cookie{Name: h.cookie, Value: s.Token, Path: "/", Expires: s.Session.ExpiresAt,
		HttpOnly: true, Secure: h.cfg.CookieSecure, SameSite: http.SameSiteLaxMode})
}

func (h *Handler) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: h.cookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HttpOnly: true, Secure: h.cfg.CookieSecure, SameSite: http.SameSiteLaxMode})
}

// Flash messages survive one redirect in a cookie that holds a catalog key
// (never free text, so nothing a user typed is echoed back from it).
const flashCookie = "grimbots_flash"

func (h *Handler) flash(w http.ResponseWriter, key string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: key, Path: "/", MaxAge: 60, HttpOnly: true,
		Secure: h.cfg.CookieSecure, SameSite: http.SameSiteLaxMode})
}

// takeFlash returns the pending flash message's key (if it is one) and
// clears it.
func (h *Handler) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: h.cfg.CookieSecure, SameSite: http.SameSiteLaxMode})
	if !hasMessage(c.Value) || !strings.HasPrefix(c.Value, "flash.") {
		return ""
	}
	return c.Value
}

// redirect sends the browser to path after a successful POST, with a flash.
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, path, flashKey string) error {
	if flashKey != "" {
		h.flash(w, flashKey)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
	return nil
}

// actor is who acts, for the payment and bot services' audit entries.
func actor(r *http.Request, p *auth.Principal) payments.Actor {
	m := meta(r)
	return payments.Actor{UserID: p.User.ID, IP: m.IP, UserAgent: m.UserAgent}
}
