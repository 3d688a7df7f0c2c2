package auth

import (
	"context"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// impersonator returns the admin holding an impersonation session, who must
// still be an unbanned admin: a demoted or banned admin's impersonation
// ends at once.
func (s *Service) impersonator(ctx context.Context, adminID int64) (*grimbots.User, error) {
	admin, err := s.store.UserByID(ctx, adminID)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
		return nil, grimbots.Errorf(grimbots.EUNAUTHORIZED, "not logged in")
	} else if err != nil {
		return nil, err
	}
	if !admin.IsAdmin() || admin.Banned() {
		return nil, grimbots.Errorf(grimbots.EUNAUTHORIZED, "not logged in")
	}
	return admin, nil
}

// Impersonate logs the admin in as the seller userID ("log in as"): the
// admin's session ends and a session of the seller, marked with the admin
// as its impersonator, replaces it. Admins and banned accounts cannot be
// impersonated. Audited as admin.impersonate_start (actor: the admin).
func (s *Service) Impersonate(ctx context.Context, admin *Principal, userID int64, m Meta) (*grimbots.User, *NewSession, error) {
	if err := requireAdmin(admin); err != nil {
		return nil, nil, err
	}
	if admin.Impersonator != nil {
		return nil, nil, grimbots.Errorf(grimbots.ECONFLICT, "stop the current impersonation first")
	}
	target, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	if target.IsAdmin() {
		return nil, nil, grimbots.Errorf(grimbots.EFORBIDDEN, "admins cannot be impersonated")
	}
	if target.Banned() {
		return nil, nil, grimbots.Errorf(grimbots.ECONFLICT, "banned accounts cannot be impersonated; unban first")
	}
	var adminSession int64
	if admin.Session != nil {
		adminSession = admin.Session.ID
	}
	token := newToken("")
	now := s.now()
	sess := &grimbots.Session{UserID: target.ID, TokenHash: s.tokenHash("session", token), IP: m.IP, UserAgent: m.UserAgent,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(min(s.cfg.SessionTTL, impersonationTTL))}
	if err := s.store.StartImpersonation(ctx, admin.User.ID, adminSession, sess,
		s.audit(grimbots.AuditImpersonateStart, &admin.User.ID, &target.ID, m, nil)); err != nil {
		return nil, nil, err
	}
	return target, &NewSession{Session: sess, Token: token}, nil
}

// StopImpersonation ends the caller's impersonation session and logs the
// impersonating admin back in (a new session). Audited as
// admin.impersonate_stop (actor: the admin).
func (s *Service) StopImpersonation(ctx context.Context, p *Principal, m Meta) (*grimbots.User, *NewSession, error) {
	if p == nil || p.Session == nil || p.Impersonator == nil {
		return nil, nil, grimbots.Errorf(grimbots.ECONFLICT, "not impersonating anyone")
	}
	admin := p.Impersonator
	token := newToken("")
	now := s.now()
	sess := &grimbots.Session{UserID: admin.ID, TokenHash: s.tokenHash("session", token), IP: m.IP, UserAgent: m.UserAgent,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if err := s.store.EndImpersonation(ctx, p.User.ID, p.Session.ID, sess,
		s.audit(grimbots.AuditImpersonateStop, &admin.ID, &p.User.ID, m, nil)); err != nil {
		return nil, nil, err
	}
	return admin, &NewSession{Session: sess, Token: token}, nil
}

// impersonationTTL bounds an impersonation session: support work, not a
// second account.
const impersonationTTL = 8 * time.Hour
