package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/http/reqctx"
)

// AdminOnly guards a plain HTTP handler mounted outside the JSON API (an
// admin page such as the job dashboard) with the same rule as the API's
// admin operations: an admin's session cookie or API token. Without
// credentials it answers 401, for any other user 403, with the API's problem
// bodies. Cross-site protection is the server's, as for every route.
func (a *API) AdminOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		p, err := a.resolveHTTP(r)
		if err == nil && p == nil {
			err = unauthenticated
		}
		if err == nil && !p.User.IsAdmin() {
			err = adminRequired
		}
		if err != nil {
			pr := a.errs.problem(ctx, err)
			if pr.Status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="grimbots"`)
			}
			for k, v := range pr.headers {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Type", "application/problem+json")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(pr.Status)
			_ = json.NewEncoder(w).Encode(pr)
			return
		}
		reqctx.From(ctx).UserID.Store(p.User.ID)
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, principalKey{}, p)))
	})
}

// Caller returns the principal that AdminOnly authenticated (nil outside
// it), for handlers that audit what the caller does.
func Caller(ctx context.Context) *auth.Principal { return principal(ctx) }

// RequestMeta describes the client of ctx's request, for audit entries.
func RequestMeta(ctx context.Context) auth.Meta { return meta(ctx) }

// resolveHTTP is resolve for a plain request: a bearer token, else the
// session cookie; (nil, nil) means no credentials.
func (a *API) resolveHTTP(r *http.Request) (*auth.Principal, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, badAuthHeader
		}
		return a.auth.AuthenticateAPIToken(ctx, strings.TrimSpace(token))
	}
	c, err := r.Cookie(a.cookie)
	if err != nil || c.Value == "" {
		return nil, nil //nolint:nilerr // no (readable) cookie means no credentials, not a failure
	}
	return a.auth.AuthenticateSession(ctx, c.Value)
}
