package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/grimbots/grimbots/internal/auth"
)

// UserBody wraps a user.
type UserBody struct {
	Body struct {
		User User `json:"user"`
	}
}

// SessionOutput answers a login: the user and the session cookie.
type SessionOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      struct {
		User      User      `json:"user"`
		ExpiresAt time.Time `json:"expires_at" doc:"When the session ends."`
	}
}

// RegisterInput is a sign-up.
type RegisterInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"254" doc:"Login email; stored lower case." example:"maria@example.com"`
		Username string `json:"username" maxLength:"32" doc:"3–32 letters, digits or underscores; stored lower case." example:"maria_vendas"`
		Password string `json:"password" maxLength:"128" doc:"At least 10 characters, not a common password, not containing the email or username."`
		FullName string `json:"full_name,omitempty" maxLength:"120"`
	}
}

// LoginInput is a login.
type LoginInput struct {
	Body struct {
		Login    string `json:"login" maxLength:"254" doc:"Email or username."`
		Password string `json:"password" maxLength:"128"`
	}
}

// ChangePasswordInput changes the caller's password.
type ChangePasswordInput struct {
	Body struct {
		CurrentPassword string `json:"current_password" maxLength:"128"`
		NewPassword     string `json:"new_password" maxLength:"128"`
	}
}

// ChangePasswordOutput carries the replacement session cookie.
type ChangePasswordOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
}

// ResetRequestInput asks for a reset email.
type ResetRequestInput struct {
	Body struct {
		Email string `json:"email" maxLength:"254"`
	}
}

// ResetConfirmInput sets a password with a reset token.
type ResetConfirmInput struct {
	Body struct {
		Token       string `json:"token" maxLength:"128" doc:"The token from the reset email link."`
		NewPassword string `json:"new_password" maxLength:"128"`
	}
}

// LogoutOutput clears the cookie.
type LogoutOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
}

// LogoutAllOutput reports how many sessions ended and clears the cookie.
type LogoutAllOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      struct {
		Ended int `json:"ended" doc:"Number of sessions ended."`
	}
}

func (a *API) sessionCookie(s *auth.NewSession) http.Cookie {
	return http.Cookie{Name: a.cookie, Value: s.Token, Path: "/", Expires: s.Session.ExpiresAt,
		HttpOnly: true, Secure: a.cfg.CookieSecure, SameSite: http.SameSiteLaxMode}
}

func (a *API) clearedCookie() http.Cookie {
	return http.Cookie{Name: a.cookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HttpOnly: true, Secure: a.cfg.CookieSecure, SameSite: http.SameSiteLaxMode}
}

func (a *API) sessionOutput(u User, s *auth.NewSession) *SessionOutput {
	out := &SessionOutput{SetCookie: a.sessionCookie(s)}
	out.Body.User = u
	out.Body.ExpiresAt = s.Session.ExpiresAt
	return out
}

func (a *API) registerAuth() {
	tags := []string{"Authentication"}
	register(a, huma.Operation{OperationID: "register", Method: http.MethodPost, Path: "/api/v1/auth/register",
		Summary: "Create a seller account", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Creates a seller account and logs it in (sets the session cookie). Rate limited per client IP.",
		Errors:      []int{http.StatusConflict, http.StatusTooManyRequests}}, authNone,
		func(ctx context.Context, in *RegisterInput) (*SessionOutput, error) {
			u, s, err := a.auth.Register(ctx, auth.RegisterParams{Email: in.Body.Email, Username: in.Body.Username,
				Password: in.Body.Password, FullName: in.Body.FullName}, meta(ctx))
			if err != nil {
				return nil, err
			}
			return a.sessionOutput(userView(u), s), nil
		})

	register(a, huma.Operation{OperationID: "login", Method: http.MethodPost, Path: "/api/v1/auth/login",
		Summary: "Log in", Tags: tags,
		Description: "Checks the credentials and sets the session cookie. Rate limited per client IP and per account.",
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests}}, authNone,
		func(ctx context.Context, in *LoginInput) (*SessionOutput, error) {
			u, s, err := a.auth.Login(ctx, in.Body.Login, in.Body.Password, meta(ctx))
			if err != nil {
				return nil, err
			}
			return a.sessionOutput(userView(u), s), nil
		})

	register(a, huma.Operation{OperationID: "logout", Method: http.MethodPost, Path: "/api/v1/auth/logout",
		Summary: "Log out", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Ends the current session and clears the cookie. Succeeds even without a session."}, authNone,
		func(ctx context.Context, _ *struct{}) (*LogoutOutput, error) {
			if p := principal(ctx); p != nil && p.Session != nil {
				if err := a.auth.Logout(ctx, p, meta(ctx)); err != nil {
					return nil, err
				}
			}
			return &LogoutOutput{SetCookie: a.clearedCookie()}, nil
		})

	register(a, huma.Operation{OperationID: "logout-all", Method: http.MethodPost, Path: "/api/v1/auth/logout-all",
		Summary: "Log out everywhere", Tags: tags,
		Description: "Ends every session of the account on every device, the current one included."}, authAny,
		func(ctx context.Context, _ *struct{}) (*LogoutAllOutput, error) {
			n, err := a.auth.LogoutAll(ctx, principal(ctx), meta(ctx))
			if err != nil {
				return nil, err
			}
			out := &LogoutAllOutput{SetCookie: a.clearedCookie()}
			out.Body.Ended = n
			return out, nil
		})

	register(a, huma.Operation{OperationID: "change-password", Method: http.MethodPost, Path: "/api/v1/auth/password",
		Summary: "Change password", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Changes the password after checking the current one. Every session ends; the caller's " +
			"session is replaced by a new one (new cookie)."}, authSession,
		func(ctx context.Context, in *ChangePasswordInput) (*ChangePasswordOutput, error) {
			s, err := a.auth.ChangePassword(ctx, principal(ctx), in.Body.CurrentPassword, in.Body.NewPassword, meta(ctx))
			if err != nil {
				return nil, err
			}
			return &ChangePasswordOutput{SetCookie: a.sessionCookie(s)}, nil
		})

	register(a, huma.Operation{OperationID: "request-password-reset", Method: http.MethodPost, Path: "/api/v1/auth/password-reset",
		Summary: "Request a password reset email", Tags: tags, DefaultStatus: http.StatusAccepted,
		Description: "Emails a single-use reset link (valid one hour) if the address belongs to an account. " +
			"The answer is the same either way."}, authNone,
		func(ctx context.Context, in *ResetRequestInput) (*struct{}, error) {
			return nil, a.auth.RequestPasswordReset(ctx, in.Body.Email, meta(ctx))
		})

	register(a, huma.Operation{OperationID: "confirm-password-reset", Method: http.MethodPost, Path: "/api/v1/auth/password-reset/confirm",
		Summary: "Set a new password with a reset token", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Consumes the reset token, sets the password and ends every session of the account.",
		Errors:      []int{http.StatusGone}}, authNone,
		func(ctx context.Context, in *ResetConfirmInput) (*struct{}, error) {
			return nil, a.auth.ResetPassword(ctx, in.Body.Token, in.Body.NewPassword, meta(ctx))
		})
}
