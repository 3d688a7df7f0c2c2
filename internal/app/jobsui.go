package app

import (
	"context"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/http/api"
	"github.com/grimbots/grimbots/internal/http/jobsui"
)

// JobsUIPrefix is where the admins' job dashboard (River UI) is mounted.
const JobsUIPrefix = "/admin/jobs"

// newJobsUI builds the job dashboard. Changes made through it are audited
// with the admin who made them.
func (a *App) newJobsUI(now grimbots.Clock) (*jobsui.Handler, error) {
	return jobsui.New(jobsui.Config{Client: a.Jobs.Client(), Prefix: JobsUIPrefix, Logger: a.Logger,
		Audit: func(ctx context.Context, action string, details map[string]any) {
			e := grimbots.AuditEntry{Action: action, Details: details, CreatedAt: now()}
			if p := api.Caller(ctx); p != nil {
				e.ActorID = &p.User.ID
			}
			m := api.RequestMeta(ctx)
			e.IP, e.UserAgent = m.IP, m.UserAgent
			// The change is made: record it even if the client has gone.
			if err := a.Store.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
				a.Logger.ErrorContext(ctx, "auditing a job dashboard change", "action", action, "details", details, "err", err)
			}
		}})
}
