package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/grimbots/grimbots/internal/gamification"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// LeagueView is a league.
type LeagueView struct {
	Slug      string `json:"slug" enum:"bronze,silver,gold,platinum,diamond,master,grandmaster,challenger"`
	Name      string `json:"name" example:"Ouro"`
	Tier      int    `json:"tier" minimum:"1" maximum:"8"`
	MinPoints int64  `json:"min_points" doc:"The league starts at this score (inclusive)."`
	MaxPoints *int64 `json:"max_points" doc:"The next league starts at this score; null for the top league."`
	Color     string `json:"color" example:"#FFD700"`
	Icon      string `json:"icon" example:"fa-award"`
}

func leagueView(l gamification.League) LeagueView {
	v := LeagueView{Slug: l.Slug, Name: l.Name, Tier: l.Tier, MinPoints: l.MinPoints, Color: l.Color, Icon: l.Icon}
	if l.MaxPoints > 0 {
		v.MaxPoints = &l.MaxPoints
	}
	return v
}

// RankingEntry is a seller's row in a ranking.
type RankingEntry struct {
	Position     int        `json:"position" doc:"Exact ties (same revenue and sales) share a position: 1, 2, 2, 4."`
	Name         string     `json:"name" doc:"The seller's public display name, or an anonymous \"Vendedor #…\" code."`
	Public       bool       `json:"public" doc:"Whether name is a display name the seller chose to show."`
	RevenueCents int64      `json:"revenue_cents" doc:"Net revenue in the period: paid minus refunded and charged back."`
	Revenue      string     `json:"revenue" example:"R$ 1.234,50"`
	Sales        int64      `json:"sales"`
	League       LeagueView `json:"league"`
	Me           bool       `json:"me" doc:"The caller's own row."`
}

func rankingEntry(e gamification.Entry) RankingEntry {
	return RankingEntry{Position: e.Position, Name: e.Name, Public: e.Public, RevenueCents: e.RevenueCents,
		Revenue: grimbots.Cents(e.RevenueCents).String(), Sales: e.Sales, League: leagueView(e.League), Me: e.Me}
}

// RankingMe is the caller's own place.
type RankingMe struct {
	Ranked       bool          `json:"ranked" doc:"False without net revenue in the period."`
	Position     *int          `json:"position" doc:"Null when not ranked."`
	RevenueCents int64         `json:"revenue_cents"`
	Revenue      string        `json:"revenue"`
	Sales        int64         `json:"sales"`
	Name         string        `json:"name" doc:"How the caller appears to other sellers."`
	Public       bool          `json:"public"`
	League       LeagueView    `json:"league"`
	Score        int64         `json:"score" doc:"League score: one point per real of net revenue, halved for every 30 days of the sale's age."`
	Ahead        *RankingEntry `json:"ahead" doc:"The closest entry ahead; null for the first and the unranked."`
	BehindCents  *int64        `json:"behind_cents" doc:"Revenue by which the entry ahead leads."`
}

// RankingInput chooses the period.
type RankingInput struct {
	Period string `query:"period" enum:"today,week,month,all" default:"month" doc:"Calendar windows in America/Sao_Paulo; weeks start on Monday."`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"10"`
}

// RankingOutput is a period's ranking.
type RankingOutput struct {
	Body struct {
		Period   string         `json:"period"`
		TimeZone string         `json:"time_zone" example:"America/Sao_Paulo"`
		StartsAt *time.Time     `json:"starts_at" doc:"Null for all time."`
		EndsAt   *time.Time     `json:"ends_at" doc:"Exclusive; null for all time."`
		Ranked   int            `json:"ranked" doc:"How many sellers the period ranks."`
		Top      []RankingEntry `json:"top"`
		Me       RankingMe      `json:"me"`
	}
}

// RequirementView is the progress on one requirement.
type RequirementView struct {
	Metric   string  `json:"metric" example:"sales"`
	Current  int64   `json:"current"`
	Target   int64   `json:"target" doc:"Amounts are centavos; the requirement is current ≥ target."`
	Progress float64 `json:"progress" minimum:"0" maximum:"1"`
}

// AchievementView is a catalogue entry with the caller's progress. Secret
// achievements show nothing but their category until unlocked.
type AchievementView struct {
	Slug         string            `json:"slug"`
	Name         string            `json:"name"`
	Description  string            `json:"description"`
	Category     string            `json:"category" enum:"sales,streak,speed,technical,ranking,secret"`
	Tier         int               `json:"tier"`
	Rarity       string            `json:"rarity" enum:"common,uncommon,rare,epic,legendary,mythic"`
	Points       int64             `json:"points" doc:"Experience shown with the achievement; it does not enter the ranking."`
	Icon         string            `json:"icon"`
	Secret       bool              `json:"secret"`
	Unlocked     bool              `json:"unlocked"`
	UnlockedAt   *time.Time        `json:"unlocked_at"`
	Progress     float64           `json:"progress" minimum:"0" maximum:"1" doc:"The mean of the requirements' progress."`
	Requirements []RequirementView `json:"requirements"`
}

func achievementView(it gamification.Item) AchievementView {
	a := it.Achievement
	v := AchievementView{Slug: a.Slug, Name: a.Name, Description: a.Description, Category: a.Category, Tier: a.Tier,
		Rarity: a.Rarity, Points: a.Points, Icon: a.Icon, Secret: a.Secret, Unlocked: it.Unlocked, UnlockedAt: it.UnlockedAt,
		Progress: it.Ratio, Requirements: []RequirementView{}}
	if a.Secret && !it.Unlocked {
		v.Slug, v.Name, v.Description, v.Icon, v.Progress = "secret", "???", "Conquista secreta.", "fa-question", 0
		return v
	}
	for _, r := range it.Requirements {
		v.Requirements = append(v.Requirements, RequirementView{Metric: string(r.Metric), Current: r.Current, Target: r.Target,
			Progress: r.Ratio})
	}
	return v
}

// AchievementsOutput is the catalogue with the caller's progress.
type AchievementsOutput struct {
	Body struct {
		Stats struct {
			Sales               int64      `json:"sales" doc:"Net (refunded and charged back sales excluded)."`
			RevenueCents        int64      `json:"revenue_cents"`
			Revenue             string     `json:"revenue"`
			CurrentStreak       int        `json:"current_streak" doc:"Consecutive days with sales up to today or yesterday (São Paulo days)."`
			BestStreak          int        `json:"best_streak"`
			BestDaySales        int64      `json:"best_day_sales"`
			BestDayRevenueCents int64      `json:"best_day_revenue_cents"`
			League              LeagueView `json:"league"`
			Score               int64      `json:"score"`
			XP                  int64      `json:"xp" doc:"Points of the achievements held."`
			Unlocked            int        `json:"unlocked"`
			Total               int        `json:"total"`
		} `json:"stats"`
		Achievements []AchievementView `json:"achievements"`
	}
}

// PublicProfileBody is how the caller appears in rankings.
type PublicProfileBody struct {
	Body struct {
		DisplayName string `json:"display_name"`
		Public      bool   `json:"public" doc:"Rankings show display_name only when true; otherwise an anonymous code."`
		ShownAs     string `json:"shown_as" doc:"The name other sellers see."`
	}
}

func profileBody(p *gamification.Profile, err error) (*PublicProfileBody, error) {
	if err != nil {
		return nil, err
	}
	out := &PublicProfileBody{}
	out.Body.DisplayName, out.Body.Public, out.Body.ShownAs = p.DisplayName, p.Public, p.ShownAs
	return out, nil
}

// PublicProfileInput sets the display name.
type PublicProfileInput struct {
	Body struct {
		DisplayName string `json:"display_name" maxLength:"64" doc:"3 to 30 letters, digits, spaces and . _ - '; empty to be anonymous. Unique among public names (ignoring case and accents)."`
		Public      bool   `json:"public" doc:"Show the display name in rankings (opt-in)."`
	}
}

func (a *API) registerGamification() {
	tags := []string{"Ranking and achievements"}
	register(a, huma.Operation{OperationID: "ranking", Method: http.MethodGet, Path: "/api/v1/ranking",
		Summary: "The sellers' ranking by net revenue", Tags: tags}, authAny,
		func(ctx context.Context, in *RankingInput) (*RankingOutput, error) {
			period, _ := gamification.ParsePeriod(in.Period)
			r, err := a.gamification.Ranking(ctx, principal(ctx).User.ID, period, in.Limit)
			if err != nil {
				return nil, err
			}
			out := &RankingOutput{}
			b := &out.Body
			b.Period, b.TimeZone, b.Ranked, b.Top = in.Period, gamification.TimeZone, r.Population, []RankingEntry{}
			if !r.Window.StartsAt.IsZero() {
				b.StartsAt, b.EndsAt = &r.Window.StartsAt, &r.Window.EndsAt
			}
			for _, e := range r.Top {
				b.Top = append(b.Top, rankingEntry(e))
			}
			m := r.Me
			b.Me = RankingMe{Ranked: m.Ranked, RevenueCents: m.RevenueCents, Revenue: grimbots.Cents(m.RevenueCents).String(),
				Sales: m.Sales, Name: m.Name, Public: m.Public, League: leagueView(m.League), Score: m.Score}
			if m.Ranked {
				b.Me.Position = &m.Position
			}
			if m.Ahead != nil {
				ahead := rankingEntry(*m.Ahead)
				b.Me.Ahead, b.Me.BehindCents = &ahead, &m.BehindCents
			}
			return out, nil
		})
	register(a, huma.Operation{OperationID: "my-achievements", Method: http.MethodGet, Path: "/api/v1/me/achievements",
		Summary: "The achievement catalogue with the caller's progress", Tags: tags}, authAny,
		func(ctx context.Context, _ *struct{}) (*AchievementsOutput, error) {
			v, err := a.gamification.Achievements(ctx, principal(ctx).User.ID)
			if err != nil {
				return nil, err
			}
			out := &AchievementsOutput{}
			st, s := &out.Body.Stats, v.Stats
			st.Sales, st.RevenueCents, st.Revenue = s.Sales, s.RevenueCents, grimbots.Cents(s.RevenueCents).String()
			st.CurrentStreak, st.BestStreak, st.BestDaySales, st.BestDayRevenueCents = s.Streak.Current, s.Streak.Best,
				s.BestDaySales, s.BestDayRevenueCents
			st.League, st.Score, st.XP, st.Unlocked, st.Total = leagueView(s.League), s.Score, s.XP, s.Unlocked, s.Total
			for _, it := range v.Items {
				out.Body.Achievements = append(out.Body.Achievements, achievementView(it))
			}
			return out, nil
		})
	register(a, huma.Operation{OperationID: "my-public-profile", Method: http.MethodGet, Path: "/api/v1/me/public-profile",
		Summary: "How the caller appears in rankings", Tags: tags}, authAny,
		func(ctx context.Context, _ *struct{}) (*PublicProfileBody, error) {
			return profileBody(a.gamification.PublicProfile(ctx, principal(ctx).User.ID))
		})
	register(a, huma.Operation{OperationID: "set-my-public-profile", Method: http.MethodPut, Path: "/api/v1/me/public-profile",
		Summary: "Choose a display name and whether rankings show it", Tags: tags,
		Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity}}, authAny,
		func(ctx context.Context, in *PublicProfileInput) (*PublicProfileBody, error) {
			return profileBody(a.gamification.SetPublicProfile(ctx, principal(ctx).User.ID, in.Body.DisplayName, in.Body.Public))
		})
}
