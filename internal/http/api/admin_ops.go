package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// ListUsersInput filters the user list.
type ListUsersInput struct {
	Query  string `query:"q" maxLength:"100" doc:"Substring of email, username or full name."`
	Banned string `query:"banned" enum:"true,false," doc:"Only banned (true) or only active (false) accounts."`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	Offset int    `query:"offset" minimum:"0" default:"0"`
}

// UsersOutput is a page of users.
type UsersOutput struct {
	Body struct {
		Users []User `json:"users"`
		Total int    `json:"total"`
	}
}

// BanInput bans a user.
type BanInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Reason string `json:"reason" minLength:"1" maxLength:"500" doc:"Shown to the user when they try to log in."`
	}
}

// RoleInput sets a role.
type RoleInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Role string `json:"role" enum:"seller,admin"`
	}
}

// ListAuditInput filters the audit log.
type ListAuditInput struct {
	UserID int64  `query:"user_id" minimum:"0" doc:"Entries where this user is actor or target."`
	Action string `query:"action" maxLength:"64" example:"auth.login_failed"`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	Offset int    `query:"offset" minimum:"0" default:"0"`
}

// AuditOutput is a page of audit entries.
type AuditOutput struct {
	Body struct {
		Entries []AuditEntry `json:"entries"`
		Total   int          `json:"total"`
	}
}

func (a *API) registerAdmin() {
	tags := []string{"Admin"}
	register(a, huma.Operation{OperationID: "admin-list-users", Method: http.MethodGet, Path: "/api/v1/admin/users",
		Summary: "List and search accounts", Tags: tags}, authAdmin,
		func(ctx context.Context, in *ListUsersInput) (*UsersOutput, error) {
			f := grimbots.UserFilter{Query: in.Query, Limit: in.Limit, Offset: in.Offset}
			if in.Banned != "" {
				b := in.Banned == "true"
				f.Banned = &b
			}
			users, total, err := a.auth.Users(ctx, principal(ctx), f)
			if err != nil {
				return nil, err
			}
			out := &UsersOutput{}
			out.Body.Total = total
			out.Body.Users = make([]User, len(users))
			for i, u := range users {
				out.Body.Users[i] = userView(u)
			}
			return out, nil
		})
	register(a, huma.Operation{OperationID: "admin-get-user", Method: http.MethodGet, Path: "/api/v1/admin/users/{id}",
		Summary: "One account", Tags: tags, Errors: []int{http.StatusNotFound}}, authAdmin,
		func(ctx context.Context, in *IDPath) (*UserBody, error) {
			u, err := a.auth.User(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			out := &UserBody{}
			out.Body.User = userView(u)
			return out, nil
		})
	register(a, huma.Operation{OperationID: "admin-ban-user", Method: http.MethodPost, Path: "/api/v1/admin/users/{id}/ban",
		Summary: "Ban an account", Tags: tags, Description: "Bans the account and ends all its sessions at once.",
		Errors: []int{http.StatusNotFound, http.StatusConflict}}, authAdmin,
		func(ctx context.Context, in *BanInput) (*UserBody, error) {
			u, err := a.auth.SetBanned(ctx, principal(ctx), in.ID, true, in.Body.Reason, meta(ctx))
			if err != nil {
				return nil, err
			}
			out := &UserBody{}
			out.Body.User = userView(u)
			return out, nil
		})
	register(a, huma.Operation{OperationID: "admin-unban-user", Method: http.MethodPost, Path: "/api/v1/admin/users/{id}/unban",
		Summary: "Lift a ban", Tags: tags, Errors: []int{http.StatusNotFound}}, authAdmin,
		func(ctx context.Context, in *IDPath) (*UserBody, error) {
			u, err := a.auth.SetBanned(ctx, principal(ctx), in.ID, false, "", meta(ctx))
			if err != nil {
				return nil, err
			}
			out := &UserBody{}
			out.Body.User = userView(u)
			return out, nil
		})
	register(a, huma.Operation{OperationID: "admin-set-role", Method: http.MethodPut, Path: "/api/v1/admin/users/{id}/role",
		Summary: "Set an account's role", Tags: tags, Errors: []int{http.StatusNotFound, http.StatusConflict}}, authAdmin,
		func(ctx context.Context, in *RoleInput) (*UserBody, error) {
			u, err := a.auth.SetRole(ctx, principal(ctx), in.ID, grimbots.Role(in.Body.Role), meta(ctx))
			if err != nil {
				return nil, err
			}
			out := &UserBody{}
			out.Body.User = userView(u)
			return out, nil
		})
	register(a, huma.Operation{OperationID: "admin-audit-log", Method: http.MethodGet, Path: "/api/v1/admin/audit",
		Summary: "Read the audit log", Tags: tags, Description: "Newest first."}, authAdmin,
		func(ctx context.Context, in *ListAuditInput) (*AuditOutput, error) {
			f := grimbots.AuditFilter{Action: in.Action, Limit: in.Limit, Offset: in.Offset}
			if in.UserID > 0 {
				f.UserID = &in.UserID
			}
			entries, total, err := a.auth.Audit(ctx, principal(ctx), f)
			if err != nil {
				return nil, err
			}
			out := &AuditOutput{}
			out.Body.Total = total
			out.Body.Entries = make([]AuditEntry, len(entries))
			for i, e := range entries {
				out.Body.Entries[i] = AuditEntry{ID: e.ID, ActorID: e.ActorID, TargetUserID: e.TargetUserID, Action: e.Action,
					IP: e.IP, UserAgent: e.UserAgent, Details: e.Details, CreatedAt: e.CreatedAt}
			}
			return out, nil
		})
}
