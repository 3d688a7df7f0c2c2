package app

import (
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/web"
)

// newDashboard builds the seller and admin dashboard (HTML pages).
func (a *App) newDashboard(now grimbots.Clock) (*web.Handler, error) {
	return web.New(web.Deps{Auth: a.Auth, Payments: a.Payments, Bots: a.Bots, Stats: a.Store, Sandbox: a.Store,
		Logger: a.Logger},
		web.Config{CookieSecure: a.Config.CookieSecure(), PublicURL: a.Config.PublicURL, Now: now,
			JobsURL: JobsUIPrefix + "/"})
}
