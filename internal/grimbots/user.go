package grimbots

import (
	"context"
	"time"
)

// Role is what a user may do on the platform.
type Role string

const (
	RoleSeller Role = "seller"
	RoleAdmin  Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleSeller || r == RoleAdmin }

// DefaultCommissionBasisPoints is the platform fee for a new seller: 4.00%.
const DefaultCommissionBasisPoints = 400

// DefaultTimeZone is where Brazilian sellers live unless they say otherwise.
const DefaultTimeZone = "America/Sao_Paulo"

// User is a seller or admin account. Email and Username are stored
// normalised (lower case) so uniqueness is case-insensitive.
type User struct {
	ID           int64
	Email        string
	Username     string
	FullName     string
	PasswordHash string
	Role         Role
	// CommissionBasisPoints is the platform fee in hundredths of a percent
	// (400 = 4%). Only admins change it.
	CommissionBasisPoints int64
	TimeZone              string
	BannedAt              *time.Time
	BanReason             string
	// PasswordChangedAt is when the password was last set; sessions older
	// than it are not valid.
	PasswordChangedAt time.Time
	LastLoginAt       *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Banned reports whether the account is banned.
func (u *User) Banned() bool { return u.BannedAt != nil }

// IsAdmin reports whether the user has the admin role.
func (u *User) IsAdmin() bool { return u.Role == RoleAdmin }

// UserFilter selects users for admin listings. Zero fields match everything.
type UserFilter struct {
	// Query matches a substring of the email, username or full name.
	Query  string
	Banned *bool
	Limit  int
	Offset int
}

// Session is a server-side login session. The cookie holds a random token;
// only its keyed hash is stored, so a database leak yields no usable cookie.
type Session struct {
	ID         int64
	UserID     int64
	TokenHash  string
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// ImpersonatorID is the admin who opened this session as its user
	// ("log in as"); nil for the user's own logins.
	ImpersonatorID *int64
}

// APIToken is a personal access token for `Authorization: Bearer`. The
// secret is shown once at creation; only its keyed hash is stored.
type APIToken struct {
	ID        int64
	UserID    int64
	Name      string
	TokenHash string
	// Prefix is the first characters of the token, shown so the owner can
	// tell tokens apart.
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
}

// PasswordReset is a single-use password reset ticket.
type PasswordReset struct {
	ID        int64
	UserID    int64
	TokenHash string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// AccountStore persists accounts, sessions, API tokens, reset tickets and the
// audit log. Methods that change state take the audit entries to write in the
// same transaction, so an auth event and its audit record are atomic.
//
// Methods that touch one seller's rows take the owner's user id explicitly and
// return ENOTFOUND for rows of another user.
type AccountStore interface {
	// CreateUser inserts u (setting ID) and returns ECONFLICT with a field
	// error if the email or username is taken.
	CreateUser(ctx context.Context, u *User, audit ...AuditEntry) error
	UserByID(ctx context.Context, id int64) (*User, error)
	// UserByLogin finds a user by normalised email or username.
	UserByLogin(ctx context.Context, login string) (*User, error)
	FindUsers(ctx context.Context, f UserFilter) ([]*User, int, error)
	CountAdmins(ctx context.Context) (int, error)
	// SetPassword stores a new hash, records when it changed and deletes every
	// session of the user except keepSessionID (0 keeps none) and every
	// outstanding password reset.
	SetPassword(ctx context.Context, userID int64, hash string, keepSessionID int64, now time.Time, audit ...AuditEntry) error
	// SetBanned bans (reason non-empty; sessions and password resets
	// deleted) or unbans a user. API tokens are kept: authentication refuses
	// them while the owner is banned, and they work again after an unban.
	SetBanned(ctx context.Context, userID int64, banned bool, reason string, now time.Time, audit ...AuditEntry) error
	SetRole(ctx context.Context, userID int64, role Role, now time.Time, audit ...AuditEntry) error
	RecordLogin(ctx context.Context, userID int64, s *Session, audit ...AuditEntry) error

	// SessionByTokenHash returns the session and its user, or ENOTFOUND
	// when there is none or it expired at now.
	SessionByTokenHash(ctx context.Context, hash string, now time.Time) (*Session, *User, error)
	TouchSession(ctx context.Context, sessionID int64, now time.Time) error
	// DeleteSession deletes one session of userID.
	DeleteSession(ctx context.Context, userID, sessionID int64, audit ...AuditEntry) error
	// DeleteSessions deletes every session of userID and returns how many.
	DeleteSessions(ctx context.Context, userID int64, audit ...AuditEntry) (int, error)
	ListSessions(ctx context.Context, userID int64, now time.Time) ([]*Session, error)

	CreateAPIToken(ctx context.Context, t *APIToken, audit ...AuditEntry) error
	APITokenByHash(ctx context.Context, hash string, now time.Time) (*APIToken, *User, error)
	TouchAPIToken(ctx context.Context, tokenID int64, now time.Time) error
	ListAPITokens(ctx context.Context, userID int64) ([]*APIToken, error)
	DeleteAPIToken(ctx context.Context, userID, tokenID int64, audit ...AuditEntry) error

	// CreatePasswordReset stores a reset ticket and enqueues its email in
	// the same transaction.
	CreatePasswordReset(ctx context.Context, r *PasswordReset, email Job, audit ...AuditEntry) error
	// UsePasswordReset consumes the unexpired, unused ticket with the given
	// hash, sets the new password hash and ends every session, atomically.
	// It returns EGONE for an unknown, used or expired ticket.
	UsePasswordReset(ctx context.Context, tokenHash, newPasswordHash string, now time.Time, audit ...AuditEntry) (*User, error)

	AppendAudit(ctx context.Context, entries ...AuditEntry) error
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, int, error)

	// UpdateProfile sets a user's full name and time zone.
	UpdateProfile(ctx context.Context, userID int64, fullName, timeZone string, now time.Time, audit ...AuditEntry) error
	// StartImpersonation opens sess (its ImpersonatorID set to adminID) and
	// ends the admin's session adminSessionID (0: none), atomically.
	StartImpersonation(ctx context.Context, adminID, adminSessionID int64, sess *Session, audit ...AuditEntry) error
	// EndImpersonation deletes userID's impersonation session sessionID
	// opened by adminSess.UserID (ENOTFOUND otherwise) and opens adminSess,
	// atomically.
	EndImpersonation(ctx context.Context, userID, sessionID int64, adminSess *Session, audit ...AuditEntry) error
}
