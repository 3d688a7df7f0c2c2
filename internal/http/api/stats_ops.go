package api

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// maxStatsSpan is the longest period the statistics cover at once.
const maxStatsSpan = 400 * 24 * time.Hour

// StatsInput is a period [from, to).
type StatsInput struct {
	From time.Time `query:"from" required:"true" doc:"Start of the period (RFC 3339), inclusive." example:"2026-11-01T00:00:00-03:00"`
	To   time.Time `query:"to" required:"true" doc:"End of the period (RFC 3339), exclusive; at most 400 days after from." example:"2026-12-01T00:00:00-03:00"`
}

// StatsSummary is a seller's or a bot's activity in the period.
type StatsSummary struct {
	Sales        int64  `json:"sales" doc:"Payments paid in the period and still paid (not refunded or charged back)."`
	RevenueCents int64  `json:"revenue_cents"`
	Revenue      string `json:"revenue" example:"R$ 1.234,50"`
	PIXGenerated int64  `json:"pix_generated" doc:"PIX charges created in the period (failed ones excluded)."`
	Leads        int64  `json:"leads" doc:"Buyers whose first contact with a bot was in the period."`
}

// BotStats is one bot's activity.
type BotStats struct {
	BotID int64 `json:"bot_id"`
	StatsSummary
}

// StatsOutput is the seller's statistics.
type StatsOutput struct {
	Body struct {
		From    time.Time    `json:"from"`
		To      time.Time    `json:"to"`
		Summary StatsSummary `json:"summary"`
		PIXPaid int64        `json:"pix_paid" doc:"Of the PIX generated in the period, those paid (whenever)."`
		// Conversion in basis points: 10000 is 100%.
		ConversionBasisPoints int64      `json:"conversion_basis_points" doc:"pix_paid ÷ pix_generated, in basis points (10000 = 100%)."`
		Bots                  []BotStats `json:"bots" doc:"Bots with any activity in the period, by id."`
	}
}

func (a *API) registerStats() {
	if a.stats == nil {
		return
	}
	register(a, huma.Operation{OperationID: "get-stats", Method: http.MethodGet, Path: "/api/v1/stats",
		Summary: "Sales statistics of a period", Tags: []string{"Statistics"},
		Description: "The numbers of the dashboard. Served from a cache that every sale, charge and new lead " +
			"invalidates at once."}, authAny,
		func(ctx context.Context, in *StatsInput) (*StatsOutput, error) {
			if !in.To.After(in.From) || in.To.Sub(in.From) > maxStatsSpan {
				return nil, grimbots.Invalid("validation failed",
					grimbots.FieldError{Field: "to", Message: "must be after from, by at most 400 days"})
			}
			seller := principal(ctx).User.ID
			sum, err := a.stats.SalesSummary(ctx, seller, in.From, in.To)
			if err != nil {
				return nil, err
			}
			byBot, err := a.stats.BotSales(ctx, seller, in.From, in.To)
			if err != nil {
				return nil, err
			}
			out := &StatsOutput{}
			out.Body.From, out.Body.To = in.From, in.To
			out.Body.Summary = statsSummary(sum.Sales, sum.RevenueCents, sum.PIXGenerated, sum.Leads)
			out.Body.PIXPaid, out.Body.ConversionBasisPoints = sum.PIXPaid, sum.Conversion()
			out.Body.Bots = []BotStats{}
			for id, b := range byBot {
				out.Body.Bots = append(out.Body.Bots, BotStats{BotID: id,
					StatsSummary: statsSummary(b.Sales, b.RevenueCents, b.PIXGenerated, b.Leads)})
			}
			slices.SortFunc(out.Body.Bots, func(x, y BotStats) int { return cmp.Compare(x.BotID, y.BotID) })
			return out, nil
		})
}

func statsSummary(sales, revenue, pix, leads int64) StatsSummary {
	return StatsSummary{Sales: sales, RevenueCents: revenue, Revenue: grimbots.Cents(revenue).String(), PIXGenerated: pix, Leads: leads}
}
