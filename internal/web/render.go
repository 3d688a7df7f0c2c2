package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/http/reqctx"
)

//go:embed templates
var templateFiles embed.FS

// pages holds one template set per page: the layout and partials plus the
// page's own "content".
type pages struct {
	byName map[string]*template.Template
}

func loadPages() (*pages, error) {
	base, err := template.New("").Funcs(templateFuncs).ParseFS(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parsing layout: %w", err)
	}
	names, err := fs.Glob(templateFiles, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, file := range names {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t, err = t.ParseFS(templateFiles, file); err != nil {
			return nil, fmt.Errorf("web: parsing %s: %w", file, err)
		}
		p.byName[strings.TrimSuffix(path.Base(file), ".html")] = t
	}
	return p, nil
}

// view is what every page template receives.
type view struct {
	// Title is the catalog key of the page title.
	Title string
	// Nav names the active menu entry.
	Nav string
	// Bare pages (login, register, errors for visitors) have no menu.
	Bare bool
	User *grimbots.User
	// Impersonator is the admin acting as User (a banner says so).
	Impersonator *grimbots.User
	Loc          *time.Location
	// Flash is the catalog key of a message from the previous request.
	Flash string
	// Alert is a translated message about the submitted form.
	Alert string
	// Errors are translated messages by form field name.
	Errors map[string]string
	// Form holds the submitted values to show again (never passwords).
	Form      url.Values
	RequestID string
	// JobsURL links the job dashboard in the admin menu.
	JobsURL string
	// Menu says which optional areas the menu links.
	Menu menu
	Data any
}

// menu is the optional areas of the dashboard, present when their service
// is.
type menu struct {
	Campaigns, Pools, Ranking bool
}

// newView starts a page's view for the caller p (nil for visitors).
func (h *Handler) newView(w http.ResponseWriter, r *http.Request, p *auth.Principal, title, nav string) *view {
	v := &view{Title: title, Nav: nav, Loc: defaultLocation(), Flash: h.takeFlash(w, r), Form: url.Values{},
		Errors: map[string]string{}, JobsURL: h.cfg.JobsURL,
		Menu: menu{Campaigns: h.campaigns != nil, Pools: h.pools != nil, Ranking: h.gamification != nil}}
	if p != nil {
		v.User, v.Impersonator, v.Loc = p.User, p.Impersonator, userLocation(p.User)
	} else {
		v.Bare = true
	}
	return v
}

// render writes the page with status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) error {
	t, ok := h.pages.byName[name]
	if !ok {
		return fmt.Errorf("web: no page template %q", name)
	}
	v.RequestID = reqctx.From(r.Context()).RequestID
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("web: rendering %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// formErrors puts an EINVALID error's (or a conflict's) field errors on the view (by form
// field name: "body.new_password" is the field new_password) and returns
// true; other errors are left to the caller.
func formErrors(v *view, err error) bool {
	var e *grimbots.Error
	if !asError(err, &e) || (e.Code != grimbots.EINVALID && len(e.Fields) == 0) {
		return false
	}
	for _, f := range e.Fields {
		name := strings.TrimPrefix(strings.TrimPrefix(f.Field, "body."), "query.")
		if _, dup := v.Errors[name]; !dup {
			v.Errors[name] = fieldMessage(f.Message)
		}
	}
	if len(e.Fields) == 0 {
		v.Alert = T("error.invalid.text")
	}
	return true
}

// userAlert turns a non-internal service error into a message to show on
// the form (true), or reports an internal one (false).
func userAlert(v *view, err error) bool {
	code := grimbots.ErrorCode(err)
	switch code {
	case grimbots.EINTERNAL, grimbots.EUNAVAILABLE:
		return false
	case grimbots.ERATELIMIT:
		v.Alert = T("error.rate_limited.text")
	default:
		v.Alert = errorText(err)
	}
	return true
}

// formFailure puts a failed submission's errors on the view (field errors
// inline, or the service's message on top) and returns the status to show
// the form again with; false for an internal error, which the caller
// returns instead.
func formFailure(v *view, err error) (int, bool) {
	if !formErrors(v, err) && !userAlert(v, err) {
		return 0, false
	}
	if s, ok := errorStatus[grimbots.ErrorCode(err)]; ok {
		return s, true
	}
	return http.StatusUnprocessableEntity, true
}

// errorText is the pt-BR text for a service error: its message when the
// catalog knows it, else the generic text of its code.
func errorText(err error) string {
	if msg, ok := translate(grimbots.ErrorMessage(err)); ok {
		return msg
	}
	return T("error." + grimbots.ErrorCode(err) + ".text")
}

var errorStatus = map[string]int{
	grimbots.EINVALID:     http.StatusUnprocessableEntity,
	grimbots.ENOTFOUND:    http.StatusNotFound,
	grimbots.EFORBIDDEN:   http.StatusForbidden,
	grimbots.ECONFLICT:    http.StatusConflict,
	grimbots.ERATELIMIT:   http.StatusTooManyRequests,
	grimbots.EGONE:        http.StatusGone,
	grimbots.EUNAVAILABLE: http.StatusServiceUnavailable,
}

// fail renders an error as a friendly page. Internal errors are logged
// with the request id, which the page shows; their text never is.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, p *auth.Principal, err error) {
	code := grimbots.ErrorCode(err)
	if code == grimbots.EUNAUTHORIZED {
		h.clearSession(w)
		toLogin(w, r)
		return
	}
	status, ok := errorStatus[code]
	if !ok {
		status = http.StatusInternalServerError
		code = grimbots.EINTERNAL
	}
	if status >= 500 {
		h.logger.ErrorContext(r.Context(), "dashboard page failed", "request_id", reqctx.From(r.Context()).RequestID,
			"path", r.URL.Path, "err", err)
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	v := h.newView(w, r, p, "error."+code+".title", "")
	v.Alert = T("error." + code + ".text")
	if code != grimbots.EINTERNAL && code != grimbots.EUNAVAILABLE {
		v.Alert = errorText(err)
	}
	if rerr := h.render(w, r, status, "error", v); rerr != nil {
		h.logger.ErrorContext(r.Context(), "rendering the error page", "err", rerr)
		http.Error(w, T("error.internal.text"), http.StatusInternalServerError)
	}
}

// defaultLocation is the platform's default time zone.
func defaultLocation() *time.Location {
	loc, err := time.LoadLocation(grimbots.DefaultTimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// userLocation is the user's time zone, or the default.
func userLocation(u *grimbots.User) *time.Location {
	if u == nil || u.TimeZone == "" {
		return defaultLocation()
	}
	loc, err := time.LoadLocation(u.TimeZone)
	if err != nil {
		return defaultLocation()
	}
	return loc
}
