package grimbots

import "time"

// Redirect pool strategies: how GET /go/{slug} picks among the pool's
// available bots.
const (
	// StrategyRoundRobin takes the bots in turn (one counter per pool,
	// shared by every instance).
	StrategyRoundRobin = "round_robin"
	// StrategyLeastConnections takes the bot with the fewest redirects in
	// the last few minutes (see pools.ConnectionWindow).
	StrategyLeastConnections = "least_connections"
	// StrategyRandom takes any bot, uniformly.
	StrategyRandom = "random"
	// StrategyWeighted takes a bot with a probability proportional to its
	// weight.
	StrategyWeighted = "weighted"
	// StrategyPriority takes the bots of the highest priority (by weight
	// among equals); the next priority only when none of those is
	// available.
	StrategyPriority = "priority"
)

// PoolStrategies lists every strategy.
var PoolStrategies = []string{StrategyRoundRobin, StrategyLeastConnections, StrategyRandom, StrategyWeighted, StrategyPriority}

// Pool is a seller's redirect pool: one public link, /go/{slug}, that sends
// each visitor to one of several bots.
type Pool struct {
	ID       int64
	SellerID int64
	Name     string
	// Slug is the link's last segment, unique on the platform.
	Slug     string
	Strategy string
	// Active pools redirect; an inactive one answers 404.
	Active    bool
	Members   []PoolMember
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PoolMember is a bot of a pool. The Bot fields are read with it.
type PoolMember struct {
	BotID int64
	// Weight (≥ 1) is the bot's share under the weighted strategy and
	// among equals under priority.
	Weight int
	// Priority: higher first under the priority strategy.
	Priority int
	AddedAt  time.Time

	BotUsername string
	BotName     string
	BotRunning  bool
	BotHealth   string
}

// Available reports whether a redirect may send a visitor to the member's
// bot: it runs and Telegram has not been found to refuse or miss it.
func (m PoolMember) Available() bool {
	return m.BotRunning && m.BotHealth != BotOffline && m.BotHealth != BotRevoked
}

// PoolClicks is one counter of redirects: a bot of a pool on a day.
type PoolClicks struct {
	PoolID   int64
	SellerID int64
	BotID    int64
	// Day is the calendar day in America/Sao_Paulo, YYYY-MM-DD.
	Day    string
	Clicks int64
}

// Audit actions of pools.
const (
	AuditPoolCreate = "pool.create"
	AuditPoolUpdate = "pool.update"
	AuditPoolDelete = "pool.delete"
	AuditPoolMember = "pool.member_set"
	AuditPoolRemove = "pool.member_remove"
)
