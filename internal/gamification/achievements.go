package gamification

import (
	"context"
	"time"
)

// Unlocked is an achievement the seller holds, as its live event and the
// catalogue show it.
type Unlocked struct {
	Slug        string    `json:"slug"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Category    string    `json:"category"`
	Tier        int       `json:"tier"`
	Rarity      string    `json:"rarity"`
	Points      int64     `json:"points"`
	Icon        string    `json:"icon"`
	UnlockedAt  time.Time `json:"unlocked_at"`
}

func unlockedView(a Achievement, at time.Time) Unlocked {
	return Unlocked{Slug: a.Slug, Name: a.Name, Description: a.Description, Category: a.Category, Tier: a.Tier,
		Rarity: a.Rarity, Points: a.Points, Icon: a.Icon, UnlockedAt: at}
}

// Item is one catalogue entry with the seller's progress.
type Item struct {
	Progress
	Unlocked   bool
	UnlockedAt *time.Time
}

// Stats are the seller's figures behind the achievements.
type Stats struct {
	Sales, RevenueCents int64
	Streak              Streaks
	BestDaySales        int64
	BestDayRevenueCents int64
	League              League
	Score               int64
	// XP is the sum of the points of the achievements held.
	XP              int64
	Unlocked, Total int
}

// Achievements is the catalogue with the seller's progress.
type Achievements struct {
	Stats Stats
	Items []Item
}

// Achievements returns the catalogue with the seller's progress, from the
// facts as they are now (the held achievements as recorded).
func (s *Service) Achievements(ctx context.Context, sellerID int64) (*Achievements, error) {
	f, err := s.store.SellerFacts(ctx, sellerID)
	if err != nil {
		return nil, err
	}
	today := dateOf(s.now())
	m := measure(f, today)
	held := map[string]time.Time{}
	for _, u := range f.Unlocked {
		held[u.Achievement] = u.UnlockedAt
	}
	score := Score(f.Days, today)
	out := &Achievements{Stats: Stats{Sales: f.Sales, RevenueCents: f.RevenueCents, Streak: streaks(f.Days, today),
		BestDaySales: m[MetricBestDaySales], BestDayRevenueCents: m[MetricBestDayRevenue], League: LeagueFor(score),
		Score: score, Total: len(Catalogue)}}
	for _, a := range Catalogue {
		it := Item{Progress: progressOf(a, m)}
		if at, ok := held[a.Slug]; ok {
			it.Unlocked, it.UnlockedAt = true, &at
			out.Stats.XP += a.Points
			out.Stats.Unlocked++
		}
		out.Items = append(out.Items, it)
	}
	return out, nil
}

// Replay returns the seller's unlocks after the event id a reconnecting
// client last saw, as their live events would have carried them.
func (s *Service) Replay(ctx context.Context, sellerID, afterID int64) ([]ReplayedUnlock, error) {
	us, err := s.store.UnlocksSince(ctx, sellerID, afterID)
	if err != nil {
		return nil, err
	}
	var out []ReplayedUnlock
	for _, u := range us {
		if a, ok := achievement(u.Achievement); ok {
			out = append(out, ReplayedUnlock{ID: u.ID, Unlocked: unlockedView(a, u.UnlockedAt)})
		}
	}
	return out, nil
}

// ReplayedUnlock is an unlock with its event id.
type ReplayedUnlock struct {
	ID int64
	Unlocked
}
