package gamification

import (
	"math"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// League is a tier of sellers by score. Its interval is half-open,
// [MinPoints, MaxPoints): the reference's inclusive bounds put 10,000 in
// both Bronze and Prata (and resolved it downwards), and its score cap made
// Challenger reachable only transiently; here every score has exactly one
// league and the score has no cap. The reference's benefits (commission
// discounts, bot limits) were never applied, so none are promised here.
type League struct {
	Slug      string `json:"slug"`
	Name      string `json:"name"`
	Tier      int    `json:"tier"`
	MinPoints int64  `json:"min_points"`
	// MaxPoints is exclusive; 0 for the top league.
	MaxPoints int64  `json:"max_points,omitempty"`
	Color     string `json:"color"`
	Icon      string `json:"icon"`
}

// Leagues, lowest first (the reference's table).
var Leagues = []League{
	{Slug: "bronze", Name: "Bronze", Tier: 1, MinPoints: 0, MaxPoints: 10_000, Color: "#CD7F32", Icon: "fa-medal"},
	{Slug: "silver", Name: "Prata", Tier: 2, MinPoints: 10_000, MaxPoints: 25_000, Color: "#C0C0C0", Icon: "fa-medal"},
	{Slug: "gold", Name: "Ouro", Tier: 3, MinPoints: 25_000, MaxPoints: 50_000, Color: "#FFD700", Icon: "fa-award"},
	{Slug: "platinum", Name: "Platina", Tier: 4, MinPoints: 50_000, MaxPoints: 100_000, Color: "#E5E4E2", Icon: "fa-award"},
	{Slug: "diamond", Name: "Diamante", Tier: 5, MinPoints: 100_000, MaxPoints: 250_000, Color: "#B9F2FF", Icon: "fa-gem"},
	{Slug: "master", Name: "Mestre", Tier: 6, MinPoints: 250_000, MaxPoints: 500_000, Color: "#9B30FF", Icon: "fa-star"},
	{Slug: "grandmaster", Name: "Grão-Mestre", Tier: 7, MinPoints: 500_000, MaxPoints: 1_000_000, Color: "#FF1493", Icon: "fa-crown"},
	{Slug: "challenger", Name: "Challenger", Tier: 8, MinPoints: 1_000_000, Color: "#F59E0B", Icon: "fa-trophy"},
}

// LeagueFor returns the league of a score.
func LeagueFor(points int64) League {
	for i := len(Leagues) - 1; i > 0; i-- {
		if points >= Leagues[i].MinPoints {
			return Leagues[i]
		}
	}
	return Leagues[0]
}

// LeagueBySlug returns a league by its slug (Bronze for an unknown one).
func LeagueBySlug(slug string) League {
	for _, l := range Leagues {
		if l.Slug == slug {
			return l
		}
	}
	return Leagues[0]
}

// Score decay: a sale's weight halves every scoreHalfLife days of age, so
// the score reflects recent selling. Days older than scoreHorizon weigh
// less than a millionth and are skipped.
const (
	scoreHalfLife = 30
	scoreHorizon  = 600
)

// Score is a seller's league score on day today: one point per real of net
// revenue, each day's revenue weighted by 0.5^(age in days / 30), rounded
// down. This replaces the reference's V2 score, which decayed a seller's
// whole history by the account's age (a veteran's sale yesterday was worth
// 1%), let conversion dominate (one R$ 30 sale with no leads scored 5,040),
// normalised only some sellers by cohort, and multiplied by bonuses fed by
// its own achievements. Achievement points are kept apart (XP) and never
// feed the score.
func Score(days []grimbots.DayTotal, today date) int64 {
	var sum float64
	for _, d := range days {
		day, err := parseDate(d.Day)
		if err != nil || d.RevenueCents <= 0 {
			continue
		}
		age := max(today.daysSince(day), 0)
		if age > scoreHorizon {
			continue
		}
		sum += float64(d.RevenueCents) * math.Exp2(-float64(age)/scoreHalfLife)
	}
	// A hair above the floor absorbs float noise (0.5 × 3 days of 10 000
	// must give 15 000, not 14 999.999…).
	return int64(math.Floor(sum/100 + 1e-9))
}
