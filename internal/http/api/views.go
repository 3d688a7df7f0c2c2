package api

import (
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

var (
	unauthenticated = grimbots.Errorf(grimbots.EUNAUTHORIZED, "authentication required")
	badAuthHeader   = grimbots.Errorf(grimbots.EUNAUTHORIZED, "the Authorization header must be `Bearer <token>`")
	sessionRequired = grimbots.Errorf(grimbots.EFORBIDDEN, "this operation requires a logged-in session, not an API token")
	adminRequired   = grimbots.Errorf(grimbots.EFORBIDDEN, "admin role required")
)

// User is an account as the API shows it.
type User struct {
	ID                int64      `json:"id"`
	Email             string     `json:"email" format:"email"`
	Username          string     `json:"username"`
	FullName          string     `json:"full_name"`
	Role              string     `json:"role" enum:"seller,admin"`
	CommissionRateBPS int64      `json:"commission_rate_bps" doc:"Platform fee in basis points (400 = 4%)."`
	TimeZone          string     `json:"time_zone" example:"America/Sao_Paulo"`
	Banned            bool       `json:"banned"`
	BanReason         string     `json:"ban_reason,omitempty"`
	CreatedAt         time.Time  `json:"created_at"`
	LastLoginAt       *time.Time `json:"last_login_at,omitempty"`
}

func userView(u *grimbots.User) User {
	return User{ID: u.ID, Email: u.Email, Username: u.Username, FullName: u.FullName, Role: string(u.Role),
		CommissionRateBPS: u.CommissionBasisPoints, TimeZone: u.TimeZone, Banned: u.Banned(), BanReason: u.BanReason,
		CreatedAt: u.CreatedAt, LastLoginAt: u.LastLoginAt}
}

// Session is a login session as its owner sees it.
type Session struct {
	ID         int64     `json:"id"`
	Current    bool      `json:"current" doc:"True for the session making this request."`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// APIToken is a personal token without its secret.
type APIToken struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" doc:"First characters of the token, to tell tokens apart."`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
}

func apiTokenView(t *grimbots.APIToken) APIToken {
	return APIToken{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, ExpiresAt: t.ExpiresAt}
}

// AuditEntry is one audit record.
type AuditEntry struct {
	ID           int64          `json:"id"`
	ActorID      *int64         `json:"actor_id,omitempty"`
	TargetUserID *int64         `json:"target_user_id,omitempty"`
	Action       string         `json:"action"`
	IP           string         `json:"ip"`
	UserAgent    string         `json:"user_agent"`
	Details      map[string]any `json:"details,omitempty"`
	CreatedAt    time.Time      `json:"created_at"`
}
