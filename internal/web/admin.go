package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
)

type adminData struct {
	Today, Week, Month *payments.Revenue
	Users, Banned      int
}

// showAdmin is the admin home: the platform's revenue and accounts.
func (h *Handler) showAdmin(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	v := h.newView(w, r, p, "admin.title", "admin")
	d := &adminData{}
	for key, dst := range map[string]**payments.Revenue{"today": &d.Today, "7d": &d.Week, "30d": &d.Month} {
		per, _ := parsePeriod(url.Values{"period": {key}}, v.Loc, h.cfg.Now())
		rev, err := h.payments.PlatformRevenue(ctx, per.From, per.To)
		if err != nil {
			return err
		}
		*dst = rev
	}
	var err error
	if _, d.Users, err = h.auth.Users(ctx, p, grimbots.UserFilter{Limit: 1}); err != nil {
		return err
	}
	banned := true
	if _, d.Banned, err = h.auth.Users(ctx, p, grimbots.UserFilter{Limit: 1, Banned: &banned}); err != nil {
		return err
	}
	v.Data = d
	return h.render(w, r, http.StatusOK, "admin", v)
}

type usersData struct {
	Users      []*grimbots.User
	Total      int
	Query      string
	Status     string
	Page       int
	Prev, Next string
}

func (h *Handler) showUsers(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	q := r.URL.Query()
	d := &usersData{Query: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Page: pageNumber(q)}
	if len(d.Query) > 100 {
		d.Query = d.Query[:100]
	}
	f := grimbots.UserFilter{Query: d.Query, Limit: pageSize, Offset: (d.Page - 1) * pageSize}
	switch d.Status {
	case "banned", "active":
		b := d.Status == "banned"
		f.Banned = &b
	default:
		d.Status = ""
	}
	users, total, err := h.auth.Users(r.Context(), p, f)
	if err != nil {
		return err
	}
	d.Users, d.Total = users, total
	d.Prev, d.Next = pageLinks(q, d.Page, total)
	v := h.newView(w, r, p, "admin.users.title", "admin")
	v.Data = d
	return h.render(w, r, http.StatusOK, "admin_users", v)
}

// pageNumber reads ?page= (from 1).
func pageNumber(q url.Values) int {
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}

// pageLinks returns the query strings of the previous and next pages, ""
// when there is none.
func pageLinks(q url.Values, page, total int) (prev, next string) {
	link := func(n int) string {
		c := url.Values{}
		for k, v := range q {
			c[k] = v
		}
		c.Set("page", strconv.Itoa(n))
		return "?" + c.Encode()
	}
	if page > 1 {
		prev = link(page - 1)
	}
	if page*pageSize < total {
		next = link(page + 1)
	}
	return prev, next
}

type userData struct {
	Seller  *grimbots.User
	Bots    []*grimbots.Bot
	Month   grimbots.SalesSummary
	Sales   []*grimbots.Sale
	Audit   []*grimbots.AuditEntry
	RatePct string
}

// showUser is the admin's view of one account: profile, bots, the last
// 30 days, latest sales and audit entries.
func (h *Handler) showUser(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.showUserWith(w, r, p, h.newView(w, r, p, "admin.user.title", "admin"), http.StatusOK)
}

func (h *Handler) showUserWith(w http.ResponseWriter, r *http.Request, p *auth.Principal, v *view, status int) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	u, err := h.auth.User(ctx, p, id)
	if err != nil {
		return err
	}
	d := &userData{Seller: u, RatePct: percentInput(u.CommissionBasisPoints)}
	if d.Bots, err = h.bots.Bots(ctx, u.ID); err != nil {
		return err
	}
	per, _ := parsePeriod(url.Values{"period": {"30d"}}, v.Loc, h.cfg.Now())
	if d.Month, err = h.stats.SalesSummary(ctx, u.ID, per.From, per.To); err != nil {
		return err
	}
	if d.Sales, err = h.stats.Sales(ctx, u.ID, grimbots.SaleFilter{From: time.Unix(0, 0), To: h.cfg.Now().Add(time.Hour), Limit: 20}); err != nil {
		return err
	}
	if d.Audit, _, err = h.auth.Audit(ctx, p, grimbots.AuditFilter{UserID: &u.ID, Limit: 20}); err != nil {
		return err
	}
	if v.Form.Get("rate") == "" {
		v.Form.Set("rate", d.RatePct)
	}
	v.Data = d
	return h.render(w, r, status, "admin_user", v)
}

// percentInput shows basis points as the rate field's value: 450 → "4,5".
func percentInput(bps int64) string { return strings.TrimSuffix(percent(bps), "%") }

// parsePercent reads "4", "4,5" or "4.55" as basis points.
func parsePercent(s string) (int64, bool) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	whole, frac, _ := strings.Cut(strings.ReplaceAll(s, ",", "."), ".")
	if len(frac) > 2 || whole == "" {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 100 {
		return 0, false
	}
	f := int64(0)
	if frac != "" {
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return 0, false
		}
		if len(frac) == 1 {
			f *= 10
		}
	}
	return w*100 + f, true
}

// userAction bans, unbans, sets the commission of, or impersonates a user.
func (h *Handler) userAction(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx, m := r.Context(), meta(r)
	back := "/admin/users/" + itoa(id)
	var flash string
	switch r.PathValue("action") {
	case "ban":
		_, err = h.auth.SetBanned(ctx, p, id, true, r.PostForm.Get("reason"), m)
		flash = "flash.user_banned"
	case "unban":
		_, err = h.auth.SetBanned(ctx, p, id, false, "", m)
		flash = "flash.user_unbanned"
	case "commission":
		bps, ok := parsePercent(r.PostForm.Get("rate"))
		if !ok {
			err = grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.rate", Message: "must be a percentage such as 4 or 4,5"})
			break
		}
		_, err = h.payments.SetCommissionRate(ctx, actor(r, p), id, bps)
		flash = "flash.commission_saved"
	case "impersonate":
		return h.impersonate(w, r, p, id)
	default:
		return grimbots.Errorf(grimbots.ENOTFOUND, "no such action")
	}
	if err != nil {
		if grimbots.ErrorCode(err) == grimbots.EINVALID || grimbots.ErrorCode(err) == grimbots.ECONFLICT {
			return h.userFormError(w, r, p, err)
		}
		return err
	}
	return h.redirect(w, r, back, flash)
}

// userFormError shows the user's page again with the error.
func (h *Handler) userFormError(w http.ResponseWriter, r *http.Request, p *auth.Principal, err error) error {
	v := h.newView(w, r, p, "admin.user.title", "admin")
	formErrors(v, err)
	if len(v.Errors) == 0 {
		v.Alert = errorText(err)
	} else if msg, ok := v.Errors["rate_bps"]; ok {
		v.Errors["rate"] = msg
	}
	v.Form.Set("rate", r.PostForm.Get("rate"))
	v.Form.Set("reason", r.PostForm.Get("reason"))
	return h.showUserWith(w, r, p, v, errorStatus[grimbots.ErrorCode(err)])
}

type auditData struct {
	Entries    []*grimbots.AuditEntry
	Total      int
	Action     string
	UserID     string
	Prev, Next string
}

func (h *Handler) showAudit(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	q := r.URL.Query()
	page := pageNumber(q)
	d := &auditData{Action: strings.TrimSpace(q.Get("action")), UserID: q.Get("user")}
	if len(d.Action) > 64 {
		d.Action = d.Action[:64]
	}
	f := grimbots.AuditFilter{Action: d.Action, Limit: pageSize, Offset: (page - 1) * pageSize}
	if uid, err := strconv.ParseInt(d.UserID, 10, 64); err == nil && uid > 0 {
		f.UserID = &uid
	} else {
		d.UserID = ""
	}
	entries, total, err := h.auth.Audit(r.Context(), p, f)
	if err != nil {
		return err
	}
	d.Entries, d.Total = entries, total
	d.Prev, d.Next = pageLinks(q, page, total)
	v := h.newView(w, r, p, "admin.audit.title", "admin")
	v.Data = d
	return h.render(w, r, http.StatusOK, "admin_audit", v)
}

type revenueData struct {
	Period  period
	Revenue *payments.Revenue
}

func (h *Handler) showRevenue(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	v := h.newView(w, r, p, "admin.revenue.title", "admin")
	per, ok := parsePeriod(r.URL.Query(), v.Loc, h.cfg.Now())
	if !ok {
		v.Alert = T("dashboard.bad_period", maxPeriodDays)
	}
	rev, err := h.payments.PlatformRevenue(r.Context(), per.From, per.To)
	if err != nil {
		return err
	}
	v.Data = &revenueData{Period: per, Revenue: rev}
	return h.render(w, r, http.StatusOK, "admin_revenue", v)
}
