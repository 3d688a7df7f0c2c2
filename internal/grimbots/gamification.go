package grimbots

import (
	"context"
	"time"
)

// Ranking periods: calendar windows in São Paulo (day, ISO week starting
// Monday, month) and all time.
const (
	PeriodDay   = "day"
	PeriodWeek  = "week"
	PeriodMonth = "month"
	PeriodAll   = "all"
)

// PeriodKey names one ranking period: its kind and the São Paulo calendar
// date it starts on, as YYYY-MM-DD ("" for all time).
type PeriodKey struct {
	Period string
	Start  string
}

// SaleFact is what one paid payment contributes to its seller's ranking
// and achievements. It is fixed once the payment is paid (amount, paid_at);
// whether it counts follows the payment's status (paid counts; refunded and
// charged back do not).
type SaleFact struct {
	SellerID    int64
	PaymentID   int64
	LeadID      *int64
	AmountCents int64
	PaidAt      time.Time
	// Periods are the ranking periods the sale belongs to; Periods[0] is
	// its day.
	Periods []PeriodKey
	// Night: paid between 00:00 and 04:59 in São Paulo.
	Night bool
	// What the funnel sold: an offer with an order bump, a downsell, an
	// upsell.
	Bump, Downsell, Upsell bool
	Now                    time.Time
}

// LeaderboardRow is one seller's place in a period's ranking. Positions
// are shared by exact ties (same revenue and sales).
type LeaderboardRow struct {
	Position     int
	SellerID     int64
	RevenueCents int64
	Sales        int64
	// DisplayName is set only when the seller chose to be shown (Public).
	DisplayName string
	League      string
}

// Leaderboard is the top of a period's ranking and how many sellers it
// ranks (sellers with net revenue in the period; no admins, no banned).
type Leaderboard struct {
	Rows       []LeaderboardRow
	Population int
}

// RankingStanding is one seller's own place in a period's ranking.
type RankingStanding struct {
	// Position is 0 when the seller is not ranked (no net revenue in the
	// period, or not eligible).
	Position     int
	RevenueCents int64
	Sales        int64
	Population   int
	// Ahead is the closest better entry (nil for the first and the
	// unranked).
	Ahead *LeaderboardRow
}

// PublicProfile is how a seller appears in rankings: anonymous unless
// Public, then under DisplayName; with the league last computed.
type PublicProfile struct {
	SellerID    int64
	DisplayName string
	Public      bool
	League      string
	Score       int64
	UpdatedAt   time.Time
}

// DayTotal is a seller's net sales on one São Paulo calendar day.
type DayTotal struct {
	Day          string
	Sales        int64
	RevenueCents int64
}

// Standing is a seller's final position in a closed period.
type Standing struct {
	Period, Start string
	Position      int
	Population    int
}

// Unlock is an achievement a seller holds.
type Unlock struct {
	ID          int64
	SellerID    int64
	Achievement string
	UnlockedAt  time.Time
}

// SellerFacts is everything achievements, streaks and leagues are derived
// from, net of reversed sales.
type SellerFacts struct {
	SellerID   int64
	SignedUpAt time.Time
	// Lifetime net sales and revenue.
	Sales, RevenueCents int64
	// Days with net sales, oldest first.
	Days        []DayTotal
	FirstSaleAt *time.Time
	NightSales  int64
	BumpSales   int64
	// DownsellSales and UpsellSales count paid sales of those kinds.
	DownsellSales int64
	UpsellSales   int64
	// Leads of all the seller's bots; Buyers are the leads with a net sale.
	Leads, Buyers int64
	// Standings are the seller's final positions in closed months.
	Standings []Standing
	Unlocked  []Unlock
	League    string
	Score     int64
}

// ProgressChange is what an evaluation decided for a seller.
type ProgressChange struct {
	Unlock []string
	Revoke []string
	// League and Score replace the stored ones ("" keeps them).
	League string
	Score  int64
}

// ProgressResult is what an evaluation changed: the unlocks it inserted,
// the achievements it revoked, and the league before and after.
type ProgressResult struct {
	Unlocked             []Unlock
	Revoked              []string
	LeagueFrom, LeagueTo string
}

// GamificationStore persists rankings, achievements and public profiles.
// Methods that take a seller id touch only that seller's rows.
type GamificationStore interface {
	// RecordSale brings the seller's aggregates in line with the payment's
	// current status, exactly once whatever the retries and concurrency:
	// it returns +1 when the sale was added, -1 when it was taken out
	// (reversed), 0 when nothing changed. ENOTFOUND: not this seller's.
	RecordSale(ctx context.Context, f SaleFact) (int, error)
	// EvaluateSeller loads the seller's facts and applies what decide
	// returns, serialised with every other evaluation of the seller.
	EvaluateSeller(ctx context.Context, sellerID int64, now time.Time, decide func(*SellerFacts) ProgressChange) (*ProgressResult, error)
	// SellerFacts reads the seller's facts without changing anything.
	SellerFacts(ctx context.Context, sellerID int64) (*SellerFacts, error)
	// Leaderboard returns the first limit rows of a period's ranking.
	Leaderboard(ctx context.Context, key PeriodKey, limit int) (*Leaderboard, error)
	// RankingStanding returns the seller's own place in a period.
	RankingStanding(ctx context.Context, sellerID int64, key PeriodKey) (*RankingStanding, error)
	// SnapshotStandings records the final positions of a closed period,
	// replacing a previous snapshot of it; it returns how many sellers
	// were ranked.
	SnapshotStandings(ctx context.Context, key PeriodKey, now time.Time) (int, error)
	// StandingSellers lists the sellers ranked at most maxPosition in a
	// recorded period.
	StandingSellers(ctx context.Context, key PeriodKey, maxPosition int) ([]int64, error)
	// GamifiedSellers pages through the sellers with gamification state
	// (ids greater than after, ascending).
	GamifiedSellers(ctx context.Context, after int64, limit int) ([]int64, error)
	PublicProfile(ctx context.Context, sellerID int64) (*PublicProfile, error)
	// SetPublicProfile saves the profile; ECONFLICT when another public
	// profile uses the same name key.
	SetPublicProfile(ctx context.Context, p *PublicProfile, nameKey string) error
	// UnlocksSince lists the seller's unlocks with ids greater than
	// afterID, oldest first.
	UnlocksSince(ctx context.Context, sellerID, afterID int64) ([]Unlock, error)
}
