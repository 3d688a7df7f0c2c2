package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// SessionsOutput lists sessions.
type SessionsOutput struct {
	Body struct {
		Sessions []Session `json:"sessions"`
	}
}

// IDPath names an object by id.
type IDPath struct {
	ID int64 `path:"id" minimum:"1"`
}

// CreateTokenInput creates an API token.
type CreateTokenInput struct {
	Body struct {
		Name          string `json:"name" minLength:"1" maxLength:"64" example:"integração n8n"`
		ExpiresInDays int    `json:"expires_in_days,omitempty" minimum:"0" maximum:"3650" doc:"0 or absent: never expires."`
	}
}

// CreateTokenOutput returns the secret once.
type CreateTokenOutput struct {
	Body struct {
		Token  APIToken `json:"token"`
		Secret string   `json:"secret" doc:"The token itself. Shown only now; store it safely."`
	}
}

// TokensOutput lists tokens.
type TokensOutput struct {
	Body struct {
		Tokens []APIToken `json:"tokens"`
	}
}

func (a *API) registerAccount() {
	register(a, huma.Operation{OperationID: "me", Method: http.MethodGet, Path: "/api/v1/me",
		Summary: "The authenticated account", Tags: []string{"Account"}}, authAny,
		func(ctx context.Context, _ *struct{}) (*UserBody, error) {
			out := &UserBody{}
			out.Body.User = userView(principal(ctx).User)
			return out, nil
		})

	tags := []string{"Sessions"}
	register(a, huma.Operation{OperationID: "list-sessions", Method: http.MethodGet, Path: "/api/v1/sessions",
		Summary: "List login sessions", Tags: tags}, authAny,
		func(ctx context.Context, _ *struct{}) (*SessionsOutput, error) {
			p := principal(ctx)
			list, err := a.auth.Sessions(ctx, p)
			if err != nil {
				return nil, err
			}
			out := &SessionsOutput{}
			out.Body.Sessions = make([]Session, len(list))
			for i, s := range list {
				out.Body.Sessions[i] = Session{ID: s.ID, Current: p.Session != nil && p.Session.ID == s.ID, IP: s.IP,
					UserAgent: s.UserAgent, CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt}
			}
			return out, nil
		})
	register(a, huma.Operation{OperationID: "revoke-session", Method: http.MethodDelete, Path: "/api/v1/sessions/{id}",
		Summary: "End one session", Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound}}, authAny,
		func(ctx context.Context, in *IDPath) (*struct{}, error) {
			return nil, a.auth.RevokeSession(ctx, principal(ctx), in.ID, meta(ctx))
		})

	tags = []string{"API tokens"}
	register(a, huma.Operation{OperationID: "list-api-tokens", Method: http.MethodGet, Path: "/api/v1/tokens",
		Summary: "List personal API tokens", Tags: tags}, authAny,
		func(ctx context.Context, _ *struct{}) (*TokensOutput, error) {
			list, err := a.auth.APITokens(ctx, principal(ctx))
			if err != nil {
				return nil, err
			}
			out := &TokensOutput{}
			out.Body.Tokens = make([]APIToken, len(list))
			for i, t := range list {
				out.Body.Tokens[i] = apiTokenView(t)
			}
			return out, nil
		})
	register(a, huma.Operation{OperationID: "create-api-token", Method: http.MethodPost, Path: "/api/v1/tokens",
		Summary: "Create a personal API token", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Returns the secret once. Requires a logged-in session: a token cannot mint tokens."}, authSession,
		func(ctx context.Context, in *CreateTokenInput) (*CreateTokenOutput, error) {
			ttl := time.Duration(in.Body.ExpiresInDays) * 24 * time.Hour
			t, secret, err := a.auth.CreateAPIToken(ctx, principal(ctx), in.Body.Name, ttl, meta(ctx))
			if err != nil {
				return nil, err
			}
			out := &CreateTokenOutput{}
			out.Body.Token = apiTokenView(t)
			out.Body.Secret = secret
			return out, nil
		})
	register(a, huma.Operation{OperationID: "revoke-api-token", Method: http.MethodDelete, Path: "/api/v1/tokens/{id}",
		Summary: "Revoke a personal API token", Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound}}, authAny,
		func(ctx context.Context, in *IDPath) (*struct{}, error) {
			return nil, a.auth.RevokeAPIToken(ctx, principal(ctx), in.ID, meta(ctx))
		})
}
