package grimbots

import "time"

// Audit actions. They are stored verbatim; keep them stable.
const (
	AuditRegister            = "auth.register"
	AuditLogin               = "auth.login"
	AuditLoginFailed         = "auth.login_failed"
	AuditLoginRateLimited    = "auth.login_rate_limited"
	AuditLogout              = "auth.logout"
	AuditLogoutAll           = "auth.logout_all"
	AuditSessionRevoke       = "auth.session_revoke"
	AuditPasswordChange      = "auth.password_change"
	AuditPasswordResetAsk    = "auth.password_reset_request"
	AuditPasswordReset       = "auth.password_reset"
	AuditAPITokenCreate      = "auth.api_token_create"
	AuditAPITokenRevoke      = "auth.api_token_revoke"
	AuditRegisterRateLimited = "auth.register_rate_limited"
	AuditUserBan             = "admin.user_ban"
	AuditUserUnban           = "admin.user_unban"
	AuditUserRole            = "admin.user_role"
	AuditAdminCreate         = "admin.create"
	AuditUserCommission      = "admin.user_commission"
	AuditImpersonateStart    = "admin.impersonate_start"
	AuditImpersonateStop     = "admin.impersonate_stop"
	AuditProfileUpdate       = "auth.profile_update"
	AuditGatewayAdd          = "gateway.add"
	AuditGatewayUpdate       = "gateway.update"
	AuditGatewayDelete       = "gateway.delete"
	AuditKeysRotate          = "keys.rotate"
)

// AuditEntry is one append-only record of a security-relevant event.
// ActorID is who did it (nil for anonymous or the system); TargetUserID is
// the account affected.
type AuditEntry struct {
	ID           int64
	ActorID      *int64
	TargetUserID *int64
	Action       string
	IP           string
	UserAgent    string
	// Details is a small JSON-serialisable map; never put secrets in it.
	Details   map[string]any
	CreatedAt time.Time
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	UserID *int64 // matches actor or target
	Action string
	Limit  int
	Offset int
}
