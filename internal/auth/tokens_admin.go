package auth

import (
	"context"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// MaxAPITokens bounds how many tokens one account may hold.
const MaxAPITokens = 50

// CreateAPIToken issues a personal API token. The secret is returned once and
// only its keyed hash is kept.
func (s *Service) CreateAPIToken(ctx context.Context, p *Principal, name string, ttl time.Duration, m Meta) (*grimbots.APIToken, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 64 {
		return nil, "", grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.name", Message: "must be 1 to 64 characters"})
	}
	existing, err := s.store.ListAPITokens(ctx, p.User.ID)
	if err != nil {
		return nil, "", err
	}
	if len(existing) >= MaxAPITokens {
		return nil, "", grimbots.Errorf(grimbots.ECONFLICT, "too many API tokens; revoke one first")
	}
	secret := newToken(apiTokenPrefix)
	now := s.now()
	t := &grimbots.APIToken{UserID: p.User.ID, Name: name, TokenHash: s.tokenHash("api", secret),
		Prefix: secret[:len(apiTokenPrefix)+6], CreatedAt: now}
	if ttl > 0 {
		exp := now.Add(ttl)
		t.ExpiresAt = &exp
	}
	if err := s.store.CreateAPIToken(ctx, t, s.audit(grimbots.AuditAPITokenCreate, &p.User.ID, &p.User.ID, m,
		map[string]any{"name": name})); err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// APITokens lists the caller's tokens (without secrets).
func (s *Service) APITokens(ctx context.Context, p *Principal) ([]*grimbots.APIToken, error) {
	return s.store.ListAPITokens(ctx, p.User.ID)
}

// RevokeAPIToken deletes one of the caller's tokens.
func (s *Service) RevokeAPIToken(ctx context.Context, p *Principal, id int64, m Meta) error {
	return s.store.DeleteAPIToken(ctx, p.User.ID, id,
		s.audit(grimbots.AuditAPITokenRevoke, &p.User.ID, &p.User.ID, m, map[string]any{"token_id": id}))
}

func requireAdmin(p *Principal) error {
	if p == nil || !p.User.IsAdmin() {
		return grimbots.Errorf(grimbots.EFORBIDDEN, "admin role required")
	}
	return nil
}

// SetBanned bans (ending every session at once) or unbans a user. Admins
// cannot ban themselves or other admins.
func (s *Service) SetBanned(ctx context.Context, admin *Principal, userID int64, banned bool, reason string, m Meta) (*grimbots.User, error) {
	if err := requireAdmin(admin); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if banned && (reason == "" || len([]rune(reason)) > 500) {
		return nil, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.reason", Message: "must be 1 to 500 characters"})
	}
	target, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if banned && (target.IsAdmin() || target.ID == admin.User.ID) {
		return nil, grimbots.Errorf(grimbots.ECONFLICT, "admins cannot be banned; remove the admin role first")
	}
	action := grimbots.AuditUserUnban
	details := map[string]any{}
	if banned {
		action = grimbots.AuditUserBan
		details["reason"] = reason
	}
	if err := s.store.SetBanned(ctx, userID, banned, reason, s.now(), s.audit(action, &admin.User.ID, &userID, m, details)); err != nil {
		return nil, err
	}
	return s.store.UserByID(ctx, userID)
}

// SetRole changes a user's role. An admin cannot demote themself, so the
// platform never loses its last admin by accident.
func (s *Service) SetRole(ctx context.Context, admin *Principal, userID int64, role grimbots.Role, m Meta) (*grimbots.User, error) {
	if err := requireAdmin(admin); err != nil {
		return nil, err
	}
	if !role.Valid() {
		return nil, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.role", Message: "must be seller or admin"})
	}
	if userID == admin.User.ID && role != grimbots.RoleAdmin {
		return nil, grimbots.Errorf(grimbots.ECONFLICT, "you cannot remove your own admin role")
	}
	if err := s.store.SetRole(ctx, userID, role, s.now(),
		s.audit(grimbots.AuditUserRole, &admin.User.ID, &userID, m, map[string]any{"role": string(role)})); err != nil {
		return nil, err
	}
	return s.store.UserByID(ctx, userID)
}

// Users lists accounts for admins.
func (s *Service) Users(ctx context.Context, admin *Principal, f grimbots.UserFilter) ([]*grimbots.User, int, error) {
	if err := requireAdmin(admin); err != nil {
		return nil, 0, err
	}
	return s.store.FindUsers(ctx, f)
}

// User returns one account for admins.
func (s *Service) User(ctx context.Context, admin *Principal, id int64) (*grimbots.User, error) {
	if err := requireAdmin(admin); err != nil {
		return nil, err
	}
	return s.store.UserByID(ctx, id)
}

// Audit lists audit entries for admins.
func (s *Service) Audit(ctx context.Context, admin *Principal, f grimbots.AuditFilter) ([]*grimbots.AuditEntry, int, error) {
	if err := requireAdmin(admin); err != nil {
		return nil, 0, err
	}
	return s.store.ListAudit(ctx, f)
}

// CreateAdmin creates an admin account from the command line, with the same
// validation as a sign-up.
func (s *Service) CreateAdmin(ctx context.Context, p RegisterParams) (*grimbots.User, error) {
	email, username := NormalizeEmail(p.Email), NormalizeUsername(p.Username)
	local, _, _ := strings.Cut(email, "@")
	if err := collect(checkEmail("email", email), checkUsername("username", username),
		checkPassword("password", p.Password, local, username)); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(p.Password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := &grimbots.User{Email: email, Username: username, FullName: strings.TrimSpace(p.FullName), PasswordHash: hash,
		Role: grimbots.RoleAdmin, CommissionBasisPoints: grimbots.DefaultCommissionBasisPoints,
		TimeZone: grimbots.DefaultTimeZone, PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}
	err = s.store.CreateUser(ctx, u, s.audit(grimbots.AuditAdminCreate, nil, nil, Meta{IP: "cli"}, map[string]any{"via": "cli"}))
	return u, err
}
