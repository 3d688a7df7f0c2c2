package app

import (
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/web"
)

// newDashboard builds the seller and admin dashboard (HTML pages).
func (a *App) newDashboard(now grimbots.Clock) (*web.Handler, error) {
	cfg := web.Config{CookieSecure: a.Config.CookieSecure(), PublicURL: a.Config.PublicURL, Now: now,
		JobsURL: JobsUIPrefix + "/"}
	if a.Events != nil {
		cfg.EventsURL = "/api/v1/events" // the API's stream of the seller's live events
	}
	return web.New(web.Deps{Auth: a.Auth, Payments: a.Payments, Bots: a.Bots, Stats: a.Stats, Sandbox: a.Store,
		Campaigns: a.Remarketing, Pools: a.Pools, Gamification: a.Gamification,
		Logger: a.Logger}, cfg)
}
