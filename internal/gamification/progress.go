package gamification

import (
	"github.com/grimbots/grimbots/internal/grimbots"
)

// RequirementProgress is how far a seller is on one requirement.
type RequirementProgress struct {
	Metric  Metric
	Current int64
	Target  int64
	// Ratio is Current / Target, at most 1.
	Ratio float64
}

// Progress is how far a seller is on an achievement.
type Progress struct {
	Achievement  Achievement
	Requirements []RequirementProgress
	// Ratio is the mean of the requirements' ratios: partial progress
	// shows (1 sale of 10 is 0.1), where the reference counted only the
	// requirements fully met (0.0 until the tenth sale).
	Ratio float64
	Met   bool
}

func progressOf(a Achievement, m map[Metric]int64) Progress {
	p := Progress{Achievement: a, Met: true}
	var sum float64
	for _, r := range a.Requires {
		cur := m[r.Metric]
		ratio := 1.0
		if cur < r.Target {
			ratio = float64(max(cur, 0)) / float64(r.Target)
			p.Met = false
		}
		p.Requirements = append(p.Requirements, RequirementProgress{Metric: r.Metric, Current: cur, Target: r.Target, Ratio: ratio})
		sum += ratio
	}
	p.Ratio = sum / float64(len(a.Requires))
	if p.Met {
		p.Ratio = 1 // exact, whatever the float rounding of the mean
	}
	return p
}

// decide is an evaluation: achievements newly met are unlocked; held ones
// no longer met are withdrawn unless permanent; the league follows the
// score. Running it again on the same facts decides nothing new.
func decide(f *grimbots.SellerFacts, today date) grimbots.ProgressChange {
	m := measure(f, today)
	held := make(map[string]bool, len(f.Unlocked))
	for _, u := range f.Unlocked {
		held[u.Achievement] = true
	}
	var ch grimbots.ProgressChange
	for _, a := range Catalogue {
		met := progressOf(a, m).Met
		switch {
		case met && !held[a.Slug]:
			ch.Unlock = append(ch.Unlock, a.Slug)
		case !met && held[a.Slug] && !a.Permanent:
			ch.Revoke = append(ch.Revoke, a.Slug)
		}
	}
	ch.Score = Score(f.Days, today)
	ch.League = LeagueFor(ch.Score).Slug
	return ch
}
