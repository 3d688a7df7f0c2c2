// Package auth holds account logic: registration, login, sessions, password
// changes and resets, API tokens, bans and roles. It decides; the store
// persists (each change with its audit entries in one transaction).
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/ratelimit"
	"github.com/grimbots/grimbots/internal/secretbox"
)

// Config tunes the service.
type Config struct {
	// Secret keys token hashes. Required.
	Secret     []byte
	SessionTTL time.Duration
	// ResetTTL is how long a password reset link works. Defaults to 1 hour.
	ResetTTL time.Duration
	// PublicURL is used to build links in emails.
	PublicURL *url.URL

	LoginPerIP      ratelimit.Rate
	LoginPerAccount ratelimit.Rate
	RegisterPerIP   ratelimit.Rate
	ResetPerIP      ratelimit.Rate
	ResetPerAccount ratelimit.Rate
}

// Service implements the account use cases.
type Service struct {
	store   grimbots.AccountStore
	limiter ratelimit.Limiter
	// keys seal sensitive email bodies (reset links) in the job queue.
	keys   *secretbox.Keyring
	hasher *Hasher
	secret []byte
	cfg    Config
	now    grimbots.Clock
	logger *slog.Logger
}

// New returns a Service. now may be nil for the real clock.
func New(store grimbots.AccountStore, limiter ratelimit.Limiter, keys *secretbox.Keyring, hasher *Hasher,
	cfg Config, now grimbots.Clock, logger *slog.Logger) (*Service, error) {
	if len(cfg.Secret) < 32 {
		return nil, errors.New("auth: secret must be at least 32 bytes")
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 30 * 24 * time.Hour
	}
	if cfg.ResetTTL <= 0 {
		cfg.ResetTTL = time.Hour
	}
	if now == nil {
		now = grimbots.Now
	}
	return &Service{store: store, limiter: limiter, keys: keys, hasher: hasher, secret: cfg.Secret,
		cfg: cfg, now: now, logger: logger}, nil
}

// Meta describes the client making a request, for audit and rate limits.
type Meta struct {
	IP        string
	UserAgent string
}

// Principal is an authenticated caller: a user through a session cookie or
// through an API token.
type Principal struct {
	User    *grimbots.User
	Session *grimbots.Session  // set for cookie sessions
	Token   *grimbots.APIToken // set for API tokens
	// Impersonator is the admin acting as User (Session.ImpersonatorID).
	Impersonator *grimbots.User
}

// NewSession is a freshly created session with its secret cookie value.
type NewSession struct {
	Session *grimbots.Session
	Token   string
}

func (s *Service) audit(action string, actor, target *int64, m Meta, details map[string]any) grimbots.AuditEntry {
	return grimbots.AuditEntry{ActorID: actor, TargetUserID: target, Action: action, IP: m.IP,
		UserAgent: m.UserAgent, Details: details, CreatedAt: s.now()}
}

// limit takes one event under key and converts a refusal into ERATELIMIT.
// A limiter failure fails closed for the request: better a retry than an
// unlimited brute force while Redis is down.
func (s *Service) limit(ctx context.Context, key string, r ratelimit.Rate, take bool) error {
	var res ratelimit.Result
	var err error
	if take {
		res, err = s.limiter.Take(ctx, key, r)
	} else {
		res, err = s.limiter.Check(ctx, key, r)
	}
	if err != nil {
		return fmt.Errorf("auth: rate limiter: %w", err)
	}
	if !res.Allowed {
		secs := int(res.RetryAfter.Seconds() + 0.999)
		return &grimbots.Error{Code: grimbots.ERATELIMIT, Message: "too many attempts; try again later",
			RetryAfterSeconds: max(secs, 1)}
	}
	return nil
}

// RegisterParams is a sign-up request.
type RegisterParams struct {
	Email    string
	Username string
	Password string
	FullName string
}

// Register creates a seller account and logs it in.
func (s *Service) Register(ctx context.Context, p RegisterParams, m Meta) (*grimbots.User, *NewSession, error) {
	if err := s.limit(ctx, "register:ip:"+m.IP, s.cfg.RegisterPerIP, true); err != nil {
		if grimbots.ErrorCode(err) == grimbots.ERATELIMIT {
			_ = s.store.AppendAudit(ctx, s.audit(grimbots.AuditRegisterRateLimited, nil, nil, m, nil))
		}
		return nil, nil, err
	}
	email, username := NormalizeEmail(p.Email), NormalizeUsername(p.Username)
	fullName := strings.TrimSpace(p.FullName)
	var nameErr *grimbots.FieldError
	if len([]rune(fullName)) > 120 {
		nameErr = &grimbots.FieldError{Field: "body.full_name", Message: "must be at most 120 characters"}
	}
	local, _, _ := strings.Cut(email, "@")
	if err := collect(checkEmail("body.email", email), checkUsername("body.username", username),
		checkPassword("body.password", p.Password, local, username), nameErr); err != nil {
		return nil, nil, err
	}
	hash, err := s.hasher.Hash(p.Password)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	u := &grimbots.User{Email: email, Username: username, FullName: fullName, PasswordHash: hash,
		Role: grimbots.RoleSeller, CommissionBasisPoints: grimbots.DefaultCommissionBasisPoints,
		TimeZone: grimbots.DefaultTimeZone, PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateUser(ctx, u, s.audit(grimbots.AuditRegister, nil, nil, m, nil)); err != nil {
		return nil, nil, err
	}
	sess, err := s.startSession(ctx, u, m, grimbots.AuditLogin, map[string]any{"via": "register"})
	if err != nil {
		return nil, nil, err
	}
	return u, sess, nil
}

// Login checks credentials and opens a session. The answer to a wrong email
// and a wrong password is the same, in content and in time.
func (s *Service) Login(ctx context.Context, login, password string, m Meta) (*grimbots.User, *NewSession, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	if err := s.limit(ctx, "login:ip:"+m.IP, s.cfg.LoginPerIP, true); err != nil {
		return nil, nil, s.loginRefused(ctx, err, nil, m, "ip")
	}
	u, err := s.store.UserByLogin(ctx, login)
	if err != nil && grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
		return nil, nil, err
	}
	// Failures count against the account whichever of its names (email or
	// username) they used; an unknown name is limited by itself.
	accountKey := "login:account:" + login
	var target *int64
	if u != nil {
		accountKey = "login:user:" + strconv.FormatInt(u.ID, 10)
		target = &u.ID
	}
	if err := s.limit(ctx, accountKey, s.cfg.LoginPerAccount, false); err != nil {
		return nil, nil, s.loginRefused(ctx, err, target, m, "account")
	}
	bad := grimbots.Errorf(grimbots.EUNAUTHORIZED, "invalid login or password")
	if u == nil {
		s.hasher.burnTime(password)
		_, _ = s.limiter.Take(ctx, accountKey, s.cfg.LoginPerAccount)
		_ = s.store.AppendAudit(ctx, s.audit(grimbots.AuditLoginFailed, nil, nil, m, map[string]any{"reason": "unknown_account"}))
		return nil, nil, bad
	}
	ok, err := s.hasher.Verify(u.PasswordHash, password)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: verifying password of user %d: %w", u.ID, err)
	}
	if !ok {
		_, _ = s.limiter.Take(ctx, accountKey, s.cfg.LoginPerAccount)
		_ = s.store.AppendAudit(ctx, s.audit(grimbots.AuditLoginFailed, nil, &u.ID, m, map[string]any{"reason": "bad_password"}))
		return nil, nil, bad
	}
	if u.Banned() {
		_ = s.store.AppendAudit(ctx, s.audit(grimbots.AuditLoginFailed, &u.ID, &u.ID, m, map[string]any{"reason": "banned"}))
		return nil, nil, grimbots.Errorf(grimbots.EFORBIDDEN, "this account is suspended")
	}
	sess, err := s.startSession(ctx, u, m, grimbots.AuditLogin, nil)
	if err != nil {
		return nil, nil, err
	}
	return u, sess, nil
}

func (s *Service) loginRefused(ctx context.Context, err error, target *int64, m Meta, scope string) error {
	if grimbots.ErrorCode(err) == grimbots.ERATELIMIT {
		_ = s.store.AppendAudit(ctx, s.audit(grimbots.AuditLoginRateLimited, nil, target, m, map[string]any{"scope": scope}))
	}
	return err
}

func (s *Service) startSession(ctx context.Context, u *grimbots.User, m Meta, action string, details map[string]any) (*NewSession, error) {
	token := newToken("")
	now := s.now()
	sess := &grimbots.Session{UserID: u.ID, TokenHash: s.tokenHash("session", token), IP: m.IP, UserAgent: m.UserAgent,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if err := s.store.RecordLogin(ctx, u.ID, sess, s.audit(action, &u.ID, &u.ID, m, details)); err != nil {
		return nil, err
	}
	u.LastLoginAt = &now
	return &NewSession{Session: sess, Token: token}, nil
}

// touchInterval limits how often activity is written for a session or token.
const touchInterval = 5 * time.Minute

// AuthenticateSession resolves a session cookie value.
func (s *Service) AuthenticateSession(ctx context.Context, token string) (*Principal, error) {
	unauth := grimbots.Errorf(grimbots.EUNAUTHORIZED, "not logged in")
	if !plausibleToken(token, "") {
		return nil, unauth
	}
	now := s.now()
	sess, u, err := s.store.SessionByTokenHash(ctx, s.tokenHash("session", token), now)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
		return nil, unauth
	} else if err != nil {
		return nil, err
	}
	if u.Banned() || sess.CreatedAt.Before(u.PasswordChangedAt) {
		return nil, unauth
	}
	p := &Principal{User: u, Session: sess}
	if sess.ImpersonatorID != nil {
		if p.Impersonator, err = s.impersonator(ctx, *sess.ImpersonatorID); err != nil {
			return nil, err
		}
	}
	if now.Sub(sess.LastSeenAt) > touchInterval {
		if err := s.store.TouchSession(ctx, sess.ID, now); err != nil {
			s.logger.WarnContext(ctx, "recording session activity", "err", err)
		}
	}
	return p, nil
}

// AuthenticateAPIToken resolves a bearer token.
func (s *Service) AuthenticateAPIToken(ctx context.Context, token string) (*Principal, error) {
	unauth := grimbots.Errorf(grimbots.EUNAUTHORIZED, "invalid API token")
	if !plausibleToken(token, apiTokenPrefix) {
		return nil, unauth
	}
	now := s.now()
	t, u, err := s.store.APITokenByHash(ctx, s.tokenHash("api", token), now)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
		return nil, unauth
	} else if err != nil {
		return nil, err
	}
	if u.Banned() {
		return nil, grimbots.Errorf(grimbots.EFORBIDDEN, "this account is suspended")
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > touchInterval {
		if err := s.store.TouchAPIToken(ctx, t.ID, now); err != nil {
			s.logger.WarnContext(ctx, "recording token use", "err", err)
		}
	}
	return &Principal{User: u, Token: t}, nil
}

// Logout ends the caller's session.
func (s *Service) Logout(ctx context.Context, p *Principal, m Meta) error {
	if p.Session == nil {
		return grimbots.Errorf(grimbots.EINVALID, "logout applies to cookie sessions; revoke the API token instead")
	}
	return s.store.DeleteSession(ctx, p.User.ID, p.Session.ID, s.audit(grimbots.AuditLogout, &p.User.ID, &p.User.ID, m, nil))
}

// LogoutAll ends every session of the caller, on every device.
func (s *Service) LogoutAll(ctx context.Context, p *Principal, m Meta) (int, error) {
	return s.store.DeleteSessions(ctx, p.User.ID, s.audit(grimbots.AuditLogoutAll, &p.User.ID, &p.User.ID, m, nil))
}

// Sessions lists the caller's live sessions.
func (s *Service) Sessions(ctx context.Context, p *Principal) ([]*grimbots.Session, error) {
	return s.store.ListSessions(ctx, p.User.ID, s.now())
}

// RevokeSession ends one of the caller's sessions.
func (s *Service) RevokeSession(ctx context.Context, p *Principal, sessionID int64, m Meta) error {
	return s.store.DeleteSession(ctx, p.User.ID, sessionID,
		s.audit(grimbots.AuditSessionRevoke, &p.User.ID, &p.User.ID, m, map[string]any{"session_id": sessionID}))
}

// ChangePassword sets a new password after checking the current one. Every
// other session ends; the caller's session is replaced by a new one, which is
// returned (nil for API token callers).
func (s *Service) ChangePassword(ctx context.Context, p *Principal, current, next string, m Meta) (*NewSession, error) {
	ok, err := s.hasher.Verify(p.User.PasswordHash, current)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.current_password", Message: "is incorrect"})
	}
	local, _, _ := strings.Cut(p.User.Email, "@")
	fe := checkPassword("body.new_password", next, local, p.User.Username)
	if fe == nil && next == current {
		fe = &grimbots.FieldError{Field: "body.new_password", Message: "must differ from the current password"}
	}
	if err := collect(fe); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(next)
	if err != nil {
		return nil, err
	}
	// All sessions end, the current one included (it predates the change);
	// a new one replaces it.
	if err := s.store.SetPassword(ctx, p.User.ID, hash, 0, s.now(),
		s.audit(grimbots.AuditPasswordChange, &p.User.ID, &p.User.ID, m, nil)); err != nil {
		return nil, err
	}
	if p.Session == nil {
		return nil, nil
	}
	return s.startSession(ctx, p.User, m, grimbots.AuditLogin, map[string]any{"via": "password_change"})
}
