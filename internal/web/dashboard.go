package web

import (
	"net/http"
	"time"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// recentSales is how many sales the dashboard lists.
const recentSales = 10

type dashboardData struct {
	Period  period
	Summary grimbots.SalesSummary
	Chart   chart
	Bots    []botRow
	Recent  []*grimbots.Sale
	Setup   setup
	// EventsURL is the live sales stream, "" without one.
	EventsURL string
	// Live is true when the period includes now: live sales then count in
	// the numbers shown.
	Live bool
}

// botRow is a bot with its numbers in the period.
type botRow struct {
	Bot   *grimbots.Bot
	Stats grimbots.BotSales
}

// setup is the first-run checklist: what a new seller still has to do.
type setup struct {
	HasBot, BotRunning, RealGateway, HasSale bool
}

// Done reports whether the checklist is complete (it is then hidden).
func (s setup) Done() bool { return s.HasBot && s.BotRunning && s.RealGateway && s.HasSale }

func (h *Handler) showDashboard(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	v := h.newView(w, r, p, "dashboard.title", "dashboard")
	per, ok := parsePeriod(r.URL.Query(), v.Loc, h.cfg.Now())
	if !ok {
		v.Alert = T("dashboard.bad_period", maxPeriodDays)
	}
	seller := p.User.ID
	now := h.cfg.Now()
	d := &dashboardData{Period: per, EventsURL: h.cfg.EventsURL, Live: !now.Before(per.From) && now.Before(per.To)}
	var err error
	if d.Summary, err = h.stats.SalesSummary(ctx, seller, per.From, per.To); err != nil {
		return err
	}
	buckets, err := h.stats.RevenueBuckets(ctx, seller, per.From, per.To)
	if err != nil {
		return err
	}
	d.Chart = newChart(dailyRevenue(per, buckets, v.Loc))
	byBot, err := h.stats.BotSales(ctx, seller, per.From, per.To)
	if err != nil {
		return err
	}
	list, err := h.bots.Bots(ctx, seller)
	if err != nil {
		return err
	}
	for _, b := range list {
		row := botRow{Bot: b, Stats: grimbots.BotSales{BotID: b.ID}}
		if s := byBot[b.ID]; s != nil {
			row.Stats = *s
		}
		d.Bots = append(d.Bots, row)
		d.Setup.HasBot = true
		d.Setup.BotRunning = d.Setup.BotRunning || b.Running
	}
	if d.Recent, err = h.stats.Sales(ctx, seller, grimbots.SaleFilter{From: per.From, To: per.To, Limit: recentSales}); err != nil {
		return err
	}
	if d.Setup, err = h.setupState(r, p, d.Setup); err != nil {
		return err
	}
	v.Data = d
	return h.render(w, r, http.StatusOK, "dashboard", v)
}

// setupState completes the checklist: a gateway other than the sandbox,
// and a first sale ever.
func (h *Handler) setupState(r *http.Request, p *auth.Principal, s setup) (setup, error) {
	gs, err := h.payments.Gateways(r.Context(), p.User.ID)
	if err != nil {
		return s, err
	}
	for _, g := range gs {
		s.RealGateway = s.RealGateway || (g.Account.Kind != "sandbox" && g.Account.Active)
	}
	sales, err := h.stats.Sales(r.Context(), p.User.ID, grimbots.SaleFilter{From: time.Unix(0, 0),
		To: h.cfg.Now().Add(time.Hour), Limit: 1})
	if err != nil {
		return s, err
	}
	s.HasSale = len(sales) > 0
	return s, nil
}
