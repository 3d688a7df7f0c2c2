package web

import (
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/gamification"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// The sellers' ranking, and the seller's profile: league, achievements and
// the opt-in public name. Others appear by the anonymous name the service
// gives them unless they chose to show theirs.

// rankingSize is how many sellers the ranking page lists.
const rankingSize = 20

// rankingPeriods are the ranking's tabs (the API's period names); the
// default is the month, as in the API.
var rankingPeriods = []string{"today", "week", "month", "all"}

type rankingData struct {
	Period  string
	Periods []string
	Ranking *gamification.Ranking
	// MeInTop is true when the viewer's row is in the list.
	MeInTop bool
}

func (h *Handler) showRanking(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	name := r.URL.Query().Get("period")
	period, ok := gamification.ParsePeriod(name)
	if !ok {
		name, period = "month", grimbots.PeriodMonth
	}
	rk, err := h.gamification.Ranking(r.Context(), p.User.ID, period, rankingSize)
	if err != nil {
		return err
	}
	v := h.newView(w, r, p, "ranking.title", "ranking")
	v.Data = &rankingData{Period: name, Periods: rankingPeriods, Ranking: rk,
		MeInTop: slices.ContainsFunc(rk.Top, func(e gamification.Entry) bool { return e.Me })}
	return h.render(w, r, http.StatusOK, "ranking", v)
}

type profileData struct {
	Profile *gamification.Profile
	Stats   gamification.Stats
	// Next is the league after the seller's (nil at the top), and
	// NextPercent how far the score is from the current league's start to
	// it.
	Next        *gamification.League
	NextPercent int
	Groups      []achievementGroup
}

// achievementGroup is a category of the catalogue.
type achievementGroup struct {
	Category string
	Items    []achievementRow
}

// achievementRow is an achievement as the seller sees it.
type achievementRow struct {
	Slug, Name, Description, Rarity string
	Points                          int64
	// Hidden is a secret achievement not unlocked yet: only its category
	// shows.
	Hidden     bool
	Unlocked   bool
	UnlockedAt *time.Time
	Percent    int
	// Requirements are what is still missing, formatted.
	Requirements []requirementRow
}

type requirementRow struct {
	Metric, Current, Target string
}

func (h *Handler) showProfile(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.profilePage(w, r, p, http.StatusOK, h.newView(w, r, p, "profile.title", "profile"))
}

// profilePage shows the seller's league and achievements and the public
// name form, filled with the profile unless it was just submitted.
func (h *Handler) profilePage(w http.ResponseWriter, r *http.Request, p *auth.Principal, status int, v *view) error {
	ctx := r.Context()
	prof, err := h.gamification.PublicProfile(ctx, p.User.ID)
	if err != nil {
		return err
	}
	ach, err := h.gamification.Achievements(ctx, p.User.ID)
	if err != nil {
		return err
	}
	d := &profileData{Profile: prof, Stats: ach.Stats}
	if i := slices.IndexFunc(gamification.Leagues, func(l gamification.League) bool {
		return l.Tier == ach.Stats.League.Tier+1
	}); i >= 0 {
		next, from := gamification.Leagues[i], ach.Stats.League.MinPoints
		d.Next, d.NextPercent = &next, int(100*(ach.Stats.Score-from)/(next.MinPoints-from))
	}
	for _, it := range ach.Items {
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Category != it.Achievement.Category {
			d.Groups = append(d.Groups, achievementGroup{Category: it.Achievement.Category})
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Items = append(g.Items, achievementItem(it))
	}
	if v.Form.Get("form") == "" {
		v.Form.Set("display_name", prof.DisplayName)
		if prof.Public {
			v.Form.Set("public", "1")
		}
	}
	v.Data = d
	return h.render(w, r, status, "profile", v)
}

func achievementItem(it gamification.Item) achievementRow {
	a := it.Achievement
	row := achievementRow{Slug: a.Slug, Name: a.Name, Description: a.Description, Rarity: a.Rarity, Points: a.Points,
		Unlocked: it.Unlocked, UnlockedAt: it.UnlockedAt, Percent: int(math.Floor(it.Ratio*100 + 1e-9))}
	if a.Secret && !it.Unlocked {
		return achievementRow{Hidden: true, Rarity: a.Rarity}
	}
	if it.Unlocked {
		row.Percent = 100
		return row
	}
	for _, req := range it.Requirements {
		if req.Ratio < 1 {
			row.Requirements = append(row.Requirements, requirementRow{Metric: string(req.Metric),
				Current: metricValue(req.Metric, req.Current), Target: metricValue(req.Metric, req.Target)})
		}
	}
	return row
}

// metricValue formats an achievement metric: amounts in reais, rates as
// percentages, counts with thousands separators.
func metricValue(m gamification.Metric, v int64) string {
	switch m {
	case gamification.MetricRevenue, gamification.MetricAvgTicket, gamification.MetricBestDayRevenue:
		return grimbots.Cents(v).String()
	case gamification.MetricConversion:
		return percent(v)
	}
	return thousands(v)
}

// savePublicProfile sets the name shown in the ranking and whether it is
// shown (opt-in).
func (h *Handler) savePublicProfile(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	_, err := h.gamification.SetPublicProfile(r.Context(), p.User.ID, f.Get("display_name"), f.Get("public") != "")
	if err == nil {
		return h.redirect(w, r, "/profile", "flash.public_profile_saved")
	}
	v := h.newView(w, r, p, "profile.title", "profile")
	keepForm(v, f)
	v.Form.Set("form", "profile")
	status, ok := formFailure(v, err)
	if !ok {
		return err
	}
	return h.profilePage(w, r, p, status, v)
}
