// Package api is the JSON API under /api/v1, built with huma: OpenAPI 3.1 is
// generated from the Go types below, requests are validated from their struct
// tags, and every error is an RFC 9457 problem with field-level details.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/bots"
	"github.com/grimbots/grimbots/internal/events"
	"github.com/grimbots/grimbots/internal/gamification"
	"github.com/grimbots/grimbots/internal/http/reqctx"
	"github.com/grimbots/grimbots/internal/payments"
	"github.com/grimbots/grimbots/internal/pools"
	"github.com/grimbots/grimbots/internal/remarketing"
	"github.com/grimbots/grimbots/internal/stats"
)

// Config configures the API.
type Config struct {
	Version string
	// CookieSecure sets the Secure attribute (and the __Host- name prefix)
	// on the session cookie.
	CookieSecure bool
	Logger       *slog.Logger
	// EventsHeartbeat is how often a live event stream sends a comment
	// and checks its credentials again (default 15 s).
	EventsHeartbeat time.Duration
}

// API holds the handlers' dependencies.
type API struct {
	// remarketing runs the campaigns.
	remarketing *remarketing.Service

	auth     *auth.Service
	payments *payments.Service
	bots     *bots.Service
	sandbox  payments.SandboxLedger
	cfg      Config
	errs     errorMapper
	huma     huma.API
	cookie   string

	gamification *gamification.Service
	events       events.Bus
	// pools runs the redirect pools.
	pools *pools.Service
	stats *stats.Cached
}

// Auth levels, stored in each operation's metadata and enforced by the
// authentication middleware.
const (
	authNone    = ""        // public
	authAny     = "any"     // session cookie or API token
	authSession = "session" // session cookie only (account security operations)
	authAdmin   = "admin"   // admin user, session or token
)

// Session cookie names. The __Host- prefix, allowed only with Secure, pins
// the cookie to this exact host and path.
const (
	sessionCookie       = "grimbots_session"
	secureSessionCookie = "__Host-grimbots_session"
)

// maxBody bounds request bodies; account operations are small.
const maxBody = 64 << 10

var installOnce sync.Once

// Deps are the services behind the API.
type Deps struct {
	// Remarketing runs the campaigns.
	Remarketing *remarketing.Service

	Auth     *auth.Service
	Payments *payments.Service
	// Sandbox is the sandbox bank's ledger (the store).
	Sandbox payments.SandboxLedger
	Bots    *bots.Service
	// Gamification serves the ranking and achievements; Events is the
	// live event bus behind /api/v1/events.
	Gamification *gamification.Service
	Events       events.Bus
	// Pools runs the redirect pools.
	Pools *pools.Service
	// Stats are the seller's sales statistics, cached.
	Stats *stats.Cached
}

// New registers every operation on mux and returns the API. The OpenAPI
// document is served at /api/openapi.json and the docs page at /api/docs.
func New(mux *http.ServeMux, deps Deps, cfg Config) *API {
	installOnce.Do(installErrorModel)
	hc := huma.DefaultConfig("grimbots API", cfg.Version)
	hc.Info.Description = "The grimbots platform API. Authenticate with the session cookie set by " +
		"`POST /api/v1/auth/login`, or with a personal API token: `Authorization: Bearer gbt_…`."
	hc.OpenAPIPath = "/api/openapi"
	hc.DocsPath = ""
	hc.SchemasPath = "/api/schemas"
	// No $schema field and Link header in every response: clients get the
	// schemas from the OpenAPI document, and responses stay lean.
	hc.CreateHooks = nil
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"session": {Type: "apiKey", In: "cookie", Name: sessionCookie, Description: "Session cookie set by login (named `__Host-grimbots_session` over HTTPS)."},
		"token":   {Type: "http", Scheme: "bearer", Description: "Personal API token (`gbt_…`) created in the settings."},
	}
	a := &API{auth: deps.Auth, payments: deps.Payments, bots: deps.Bots, sandbox: deps.Sandbox, cfg: cfg, errs: errorMapper{logger: cfg.Logger}, cookie: sessionCookie}
	a.remarketing = deps.Remarketing
	a.pools = deps.Pools
	a.stats = deps.Stats
	a.gamification, a.events = deps.Gamification, deps.Events
	if cfg.CookieSecure {
		a.cookie = secureSessionCookie
	}
	a.huma = humago.New(mux, hc)
	a.huma.UseMiddleware(a.authenticate)
	a.registerAuth()
	a.registerAccount()
	a.registerAdmin()
	a.registerGateways()
	a.registerPayments()
	a.registerBots()
	a.registerGamification()
	a.registerEvents()
	a.registerCampaigns()
	a.registerPools()
	a.registerStats()
	mux.Handle("GET /api/docs", a.docsHandler())
	return a
}

// OpenAPI returns the generated document.
func (a *API) OpenAPI() *huma.OpenAPI { return a.huma.OpenAPI() }

// register adds an operation whose handler returns domain errors; they are
// converted to problems here, in one place.
func register[I, O any](a *API, op huma.Operation, level string, h func(context.Context, *I) (*O, error)) {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata["auth"] = level
	switch level {
	case authAny, authAdmin:
		op.Security = []map[string][]string{{"session": {}}, {"token": {}}}
	case authSession:
		op.Security = []map[string][]string{{"session": {}}}
	}
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = maxBody
	}
	op.BodyReadTimeout = 10 * time.Second
	huma.Register(a.huma, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, a.errs.problem(ctx, err)
		}
		return out, nil
	})
}

type principalKey struct{}

// principal returns the authenticated caller; the middleware guarantees one
// for every operation that requires authentication.
func principal(ctx context.Context) *auth.Principal {
	p, _ := ctx.Value(principalKey{}).(*auth.Principal)
	return p
}

func meta(ctx context.Context) auth.Meta {
	info := reqctx.From(ctx)
	return auth.Meta{IP: info.ClientIP, UserAgent: info.UserAgent}
}

// authenticate resolves the caller from a bearer token or the session cookie
// and enforces the operation's auth level.
func (a *API) authenticate(hctx huma.Context, next func(huma.Context)) {
	level, _ := hctx.Operation().Metadata["auth"].(string)
	if level == authNone {
		// Public operations still learn who is calling (logout needs the
		// session; login ignores it).
		if p, _ := a.resolve(hctx); p != nil {
			hctx = huma.WithValue(hctx, principalKey{}, p)
		}
		next(hctx)
		return
	}
	p, err := a.resolve(hctx)
	if err == nil && p == nil {
		err = unauthenticated
	}
	if err == nil && level == authSession && p.Session == nil {
		err = sessionRequired
	}
	if err == nil && level == authAdmin && !p.User.IsAdmin() {
		err = adminRequired
	}
	if err != nil {
		pr := a.errs.problem(hctx.Context(), err)
		if pr.Status == http.StatusUnauthorized {
			hctx.SetHeader("WWW-Authenticate", `Bearer realm="grimbots"`)
		}
		_ = huma.WriteErr(a.huma, hctx, pr.Status, pr.Detail, errorsOf(pr)...)
		return
	}
	reqctx.From(hctx.Context()).UserID.Store(p.User.ID)
	next(huma.WithValue(hctx, principalKey{}, p))
}

// resolve authenticates the request; (nil, nil) means no credentials.
func (a *API) resolve(hctx huma.Context) (*auth.Principal, error) {
	ctx := hctx.Context()
	if h := hctx.Header("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, badAuthHeader
		}
		return a.auth.AuthenticateAPIToken(ctx, strings.TrimSpace(token))
	}
	c, err := huma.ReadCookie(hctx, a.cookie)
	if err != nil || c.Value == "" {
		return nil, nil //nolint:nilerr // no (readable) cookie means no credentials, not a failure
	}
	return a.auth.AuthenticateSession(ctx, c.Value)
}

func errorsOf(p *Problem) []error {
	out := make([]error, len(p.Errors))
	for i, d := range p.Errors {
		out[i] = d
	}
	return out
}
