// Package web is the seller and admin dashboard: server-rendered pages
// (html/template) with our own small CSS and JavaScript, everything embedded
// in the binary and served under the strict Content-Security-Policy set by
// the HTTP middleware (no inline script or style anywhere). Texts are pt-BR,
// looked up by key in a message catalog (i18n.go).
//
// Pages use the same server-side sessions as the JSON API (the same cookie)
// and the account, payment and bot services directly; the funnel editor and
// a few buttons call the JSON API from the browser, same-origin.
package web

import (
	"log/slog"
	"net/http"
	"net/url"
	_ "time/tzdata" // sellers' time zones, even where the system has no zoneinfo

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/bots"
	"github.com/grimbots/grimbots/internal/gamification"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
	"github.com/grimbots/grimbots/internal/pools"
	"github.com/grimbots/grimbots/internal/remarketing"
	"github.com/grimbots/grimbots/internal/stats"
)

// StatsStore is the read side the dashboard needs beyond the services:
// seller-scoped statistics (the cached ones of package stats in the
// platform).
type StatsStore = stats.Store

// Deps are the services behind the pages.
type Deps struct {
	Auth     *auth.Service
	Payments *payments.Service
	Bots     *bots.Service
	Stats    StatsStore
	// Campaigns is the remarketing service (nil: no campaign pages).
	Campaigns *remarketing.Service
	// Pools is the redirect pools service (nil: no pool pages).
	Pools *pools.Service
	// Gamification is the ranking and achievements (nil: no ranking and
	// profile pages).
	Gamification *gamification.Service
	// Sandbox is the sandbox bank's ledger, for settling test charges.
	Sandbox payments.SandboxLedger
	Logger  *slog.Logger
}

// Config configures the pages.
type Config struct {
	// CookieSecure sets the Secure attribute and the __Host- name prefix of
	// the session cookie, exactly as the JSON API does.
	CookieSecure bool
	// PublicURL is the platform's address (shown in links to copy).
	PublicURL *url.URL
	// Now is the clock (nil: the real one).
	Now grimbots.Clock
	// JobsURL is the job dashboard's address, linked from the admin area.
	JobsURL string
	// EventsURL is the Server-Sent Events stream of live sales, or "" when
	// the platform has none (the dashboard then offers a refresh button).
	EventsURL string
}

// Handler serves the dashboard.
type Handler struct {
	auth         *auth.Service
	payments     *payments.Service
	bots         *bots.Service
	stats        StatsStore
	sandbox      payments.SandboxLedger
	campaigns    *remarketing.Service
	pools        *pools.Service
	gamification *gamification.Service
	logger       *slog.Logger
	cfg          Config
	cookie       string
	pages        *pages
}

// New parses the templates and returns the dashboard.
func New(deps Deps, cfg Config) (*Handler, error) {
	if cfg.Now == nil {
		cfg.Now = grimbots.Now
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	h := &Handler{auth: deps.Auth, payments: deps.Payments, bots: deps.Bots, stats: deps.Stats, sandbox: deps.Sandbox, campaigns: deps.Campaigns,
		pools: deps.Pools, gamification: deps.Gamification, logger: deps.Logger, cfg: cfg, cookie: sessionCookie, pages: p}
	if cfg.CookieSecure {
		h.cookie = secureSessionCookie
	}
	return h, nil
}

// Register adds every dashboard route to mux: all of them are here.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET /static/{file}", staticHandler())

	// Accounts (public).
	mux.Handle("GET /login", h.public(h.showLogin))
	mux.Handle("POST /login", h.public(h.login))
	mux.Handle("GET /register", h.public(h.showRegister))
	mux.Handle("POST /register", h.public(h.register))
	mux.Handle("GET /forgot-password", h.public(h.showForgot))
	mux.Handle("POST /forgot-password", h.public(h.forgot))
	// The auth service emails links to /reset-password?token=….
	mux.Handle("GET /reset-password", h.public(h.showReset))
	mux.Handle("POST /reset-password", h.public(h.reset))
	mux.Handle("POST /logout", h.public(h.logout))
	mux.Handle("POST /logout-all", h.seller(h.logoutAll))
	mux.Handle("POST /impersonation/stop", h.seller(h.stopImpersonation))

	// Seller pages.
	mux.Handle("GET /{$}", h.seller(h.home))
	mux.Handle("GET /dashboard", h.seller(h.showDashboard))
	mux.Handle("GET /dashboard/sales.csv", h.seller(h.exportSales))

	mux.Handle("GET /gateways", h.seller(h.showGateways))
	mux.Handle("POST /gateways", h.seller(h.addGateway))
	mux.Handle("POST /gateways/{id}/{action}", h.seller(h.gatewayAction))
	mux.Handle("POST /gateways/sandbox/{payment}/{status}", h.seller(h.settleSandbox))

	mux.Handle("GET /settings", h.seller(h.showSettings))
	mux.Handle("POST /settings/profile", h.seller(h.saveProfile))
	mux.Handle("POST /settings/password", h.seller(h.changePassword))
	mux.Handle("POST /settings/tokens", h.seller(h.createToken))
	mux.Handle("POST /settings/tokens/{id}/revoke", h.seller(h.revokeToken))

	mux.Handle("GET /bots", h.seller(h.showBots))
	mux.Handle("GET /bots/new", h.seller(h.showNewBot))
	mux.Handle("POST /bots", h.seller(h.addBot))
	mux.Handle("POST /bots/{id}/{action}", h.seller(h.botAction))
	mux.Handle("GET /bots/{id}/funnel", h.seller(h.showFunnel))
	mux.Handle("GET /bots/{id}/leads", h.seller(h.showLeads))
	mux.Handle("GET /bots/{id}/sales", h.seller(h.showBotSales))
	mux.Handle("POST /bots/{id}/sales/{payment}/resend", h.seller(h.resendDelivery))

	if h.campaigns != nil {
		mux.Handle("GET /campaigns", h.seller(h.showCampaigns))
		mux.Handle("GET /campaigns/new", h.seller(h.showNewCampaign))
		mux.Handle("POST /campaigns", h.seller(h.createCampaign))
		mux.Handle("GET /campaigns/{id}", h.seller(h.showCampaign))
		mux.Handle("POST /campaigns/{id}/{action}", h.seller(h.campaignAction))
	}

	if h.pools != nil {
		mux.Handle("GET /pools", h.seller(h.showPools))
		mux.Handle("POST /pools", h.seller(h.createPool))
		mux.Handle("GET /pools/{id}", h.seller(h.showPool))
		mux.Handle("POST /pools/{id}/{action}", h.seller(h.poolAction))
		mux.Handle("POST /pools/{id}/members/{bot}/remove", h.seller(h.removePoolMember))
	}

	if h.gamification != nil {
		mux.Handle("GET /ranking", h.seller(h.showRanking))
		mux.Handle("GET /profile", h.seller(h.showProfile))
		mux.Handle("POST /profile", h.seller(h.savePublicProfile))
	}

	// Admin area (admins only; sellers and impersonated sessions get 403).
	mux.Handle("GET /admin", h.admin(h.showAdmin))
	mux.Handle("GET /admin/users", h.admin(h.showUsers))
	mux.Handle("GET /admin/users/{id}", h.admin(h.showUser))
	mux.Handle("POST /admin/users/{id}/{action}", h.admin(h.userAction))
	mux.Handle("GET /admin/revenue", h.admin(h.showRevenue))
	mux.Handle("GET /admin/audit", h.admin(h.showAudit))
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
	return nil
}

// NotFound is the page for unknown paths asked for by a browser.
func (h *Handler) NotFound() http.Handler {
	return h.public(func(http.ResponseWriter, *http.Request, *auth.Principal) error {
		return grimbots.Errorf(grimbots.ENOTFOUND, "no such page")
	})
}
