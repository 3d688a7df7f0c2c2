// Package pools runs sellers' redirect pools: one public link, /go/{slug},
// that spreads visitors over several of the seller's bots by a strategy
// (round robin, least connections, random, weighted, priority failover),
// skipping bots that are stopped, offline or revoked.
//
// A redirect reads the pool from the cache (invalidated by every write to
// the pool or its members, and by every change of a member bot's state
// through BotChanged; CacheTTL bounds what any missed invalidation could
// leave), takes the shared strategy state from Counters (Redis when
// configured), and counts the click in memory; the counts are added to the
// database every second and at shutdown, so a crash loses at most the last
// second of counts.
package pools

import (
	"cmp"
	"context"
	"crypto/rand"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/grimbots/grimbots/internal/cache"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
	"github.com/grimbots/grimbots/internal/store"
)

// Actor is who changes a pool, for the audit log.
type Actor = payments.Actor

// Config configures the service.
type Config struct {
	// Cache holds pool lookups by slug (in-process, or Redis).
	Cache cache.Cache
	// Counters hold the strategies' shared state (in-process, or Redis).
	Counters Counters
	// CacheTTL bounds how long a cached pool is used (default 15s, the
	// bot health check's period).
	CacheTTL time.Duration
	// FlushInterval is how often click counts are written (default 1s).
	FlushInterval time.Duration
}

// Service manages pools and answers their public links.
type Service struct {
	store    *store.Store
	cfg      Config
	now      grimbots.Clock
	logger   *slog.Logger
	clicks   *clicks
	intn     func(int) int
	metrics  *Metrics
	warnedAt atomic.Int64
}

// New returns the service and starts its click writer; Close stops it.
func New(st *store.Store, cfg Config, now grimbots.Clock, logger *slog.Logger, m *Metrics) *Service {
	if now == nil {
		now = grimbots.Now
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 15 * time.Second
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = time.Second
	}
	if cfg.Cache == nil {
		cfg.Cache = cache.NewMemory(cache.Options{Name: "pools"})
	}
	if cfg.Counters == nil {
		cfg.Counters = NewMemoryCounters(nil)
	}
	s := &Service{store: st, cfg: cfg, now: now, logger: logger, intn: randomIntN, metrics: m}
	s.clicks = newClicks(st.AddPoolClicks, cfg.FlushInterval, logger)
	return s
}

// Close writes the pending click counts and stops the writer.
func (s *Service) Close(ctx context.Context) error { return s.clicks.close(ctx) }

// FlushClicks writes the pending click counts now (tests, benchmarks).
func (s *Service) FlushClicks(ctx context.Context) error { return s.clicks.flush(ctx) }

// PoolParams are a pool's settings. Nil fields are left as they are on
// update (and take their defaults on create).
type PoolParams struct {
	Name     *string
	Slug     *string
	Strategy *string
	Active   *bool
}

// MemberParams place a bot in a pool.
type MemberParams struct {
	Weight   int
	Priority int
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{2,49}$`)

// NormalizeSlug lowercases s and reports whether it is a valid slug: 3 to
// 50 of a-z, 0-9, _ and -, starting with a letter or digit.
func NormalizeSlug(s string) (string, bool) {
	s = strings.ToLower(s)
	return s, slugPattern.MatchString(s)
}

func (p PoolParams) apply(pool *grimbots.Pool) error {
	var fields []grimbots.FieldError
	if p.Name != nil {
		pool.Name = strings.TrimSpace(*p.Name)
		if n := utf8.RuneCountInString(pool.Name); n < 1 || n > 100 {
			fields = append(fields, grimbots.FieldError{Field: "body.name", Message: "must have 1 to 100 characters"})
		}
	}
	if p.Slug != nil {
		slug, ok := NormalizeSlug(strings.TrimSpace(*p.Slug))
		if !ok {
			fields = append(fields, grimbots.FieldError{Field: "body.slug",
				Message: "must have 3 to 50 letters, digits, _ or -, starting with a letter or digit"})
		}
		pool.Slug = slug
	}
	if p.Strategy != nil {
		pool.Strategy = *p.Strategy
		if !validStrategy(pool.Strategy) {
			fields = append(fields, grimbots.FieldError{Field: "body.strategy",
				Message: "must be one of " + strings.Join(grimbots.PoolStrategies, ", ")})
		}
	}
	if p.Active != nil {
		pool.Active = *p.Active
	}
	if len(fields) > 0 {
		return grimbots.Invalid("validation failed", fields...)
	}
	return nil
}

func validStrategy(s string) bool { return slices.Contains(grimbots.PoolStrategies, s) }

// newSlug is an unguessable default slug (12 characters of a-z0-9).
func newSlug() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Create adds a pool without members. Without a slug it gets an
// unguessable one; without a strategy, round robin; it starts active.
func (s *Service) Create(ctx context.Context, a Actor, p PoolParams) (*grimbots.Pool, error) {
	pool := &grimbots.Pool{SellerID: a.UserID, Slug: newSlug(), Strategy: grimbots.StrategyRoundRobin, Active: true, CreatedAt: s.now()}
	if p.Name == nil {
		return nil, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.name", Message: "is required"})
	}
	if err := p.apply(pool); err != nil {
		return nil, err
	}
	if err := s.store.CreatePool(ctx, pool); err != nil {
		return nil, err
	}
	// A lookup of the slug before it existed may be cached as "no pool".
	s.invalidate(ctx, pool.Slug)
	s.audit(ctx, a, grimbots.AuditPoolCreate, map[string]any{"pool_id": pool.ID, "slug": pool.Slug})
	return pool, nil
}

// Pools lists the seller's pools.
func (s *Service) Pools(ctx context.Context, sellerID int64) ([]*grimbots.Pool, error) {
	return s.store.Pools(ctx, sellerID)
}

// Pool returns one of the seller's pools.
func (s *Service) Pool(ctx context.Context, sellerID, id int64) (*grimbots.Pool, error) {
	return s.store.Pool(ctx, sellerID, id)
}

// Update changes a pool's settings.
func (s *Service) Update(ctx context.Context, a Actor, id int64, p PoolParams) (*grimbots.Pool, error) {
	pool, err := s.store.Pool(ctx, a.UserID, id)
	if err != nil {
		return nil, err
	}
	if err := p.apply(pool); err != nil {
		return nil, err
	}
	pool.UpdatedAt = s.now()
	old, err := s.store.UpdatePool(ctx, pool)
	if err != nil {
		return nil, err
	}
	s.invalidate(ctx, old, pool.Slug)
	s.audit(ctx, a, grimbots.AuditPoolUpdate, map[string]any{"pool_id": id, "slug": pool.Slug, "strategy": pool.Strategy,
		"active": pool.Active})
	return s.store.Pool(ctx, a.UserID, id)
}

// Delete removes a pool, its members and its counters; its link answers 404.
func (s *Service) Delete(ctx context.Context, a Actor, id int64) error {
	slug, err := s.store.DeletePool(ctx, a.UserID, id)
	if err != nil {
		return err
	}
	s.invalidate(ctx, slug)
	s.audit(ctx, a, grimbots.AuditPoolDelete, map[string]any{"pool_id": id, "slug": slug})
	return nil
}

// SetMember adds one of the seller's bots to a pool, or changes its weight
// and priority there.
func (s *Service) SetMember(ctx context.Context, a Actor, poolID, botID int64, m MemberParams) (*grimbots.Pool, error) {
	if m.Weight < 1 || m.Weight > 1000 {
		return nil, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.weight", Message: "must be 1 to 1000"})
	}
	slug, err := s.store.SetPoolMember(ctx, a.UserID, poolID, grimbots.PoolMember{BotID: botID, Weight: m.Weight,
		Priority: m.Priority, AddedAt: s.now()})
	if err != nil {
		return nil, err
	}
	s.invalidate(ctx, slug)
	s.audit(ctx, a, grimbots.AuditPoolMember, map[string]any{"pool_id": poolID, "bot_id": botID, "weight": m.Weight,
		"priority": m.Priority})
	return s.store.Pool(ctx, a.UserID, poolID)
}

// RemoveMember takes a bot out of a pool.
func (s *Service) RemoveMember(ctx context.Context, a Actor, poolID, botID int64) error {
	slug, err := s.store.RemovePoolMember(ctx, a.UserID, poolID, botID)
	if err != nil {
		return err
	}
	s.invalidate(ctx, slug)
	s.audit(ctx, a, grimbots.AuditPoolRemove, map[string]any{"pool_id": poolID, "bot_id": botID})
	return nil
}

// BotChanged invalidates the cached lookups of the pools a bot is in. The
// bots service calls it after every change of a bot's state that decides
// whether it can take visitors (start, stop, delete, new token, health).
func (s *Service) BotChanged(ctx context.Context, botID int64) {
	slugs, err := s.store.PoolSlugsOfBot(ctx, botID)
	if err != nil {
		s.logger.WarnContext(ctx, "pools: listing a changed bot's pools; their cache expires by itself", "bot_id", botID, "err", err)
		return
	}
	s.invalidate(ctx, slugs...)
}

func cacheKey(slug string) string { return "slug:" + slug }

// invalidate drops the cached lookups of slugs. A failure is logged: the
// entries expire after CacheTTL anyway.
func (s *Service) invalidate(ctx context.Context, slugs ...string) {
	if len(slugs) == 0 {
		return
	}
	keys := make([]string, len(slugs))
	for i, slug := range slugs {
		keys[i] = cacheKey(slug)
	}
	if err := s.cfg.Cache.Delete(context.WithoutCancel(ctx), keys...); err != nil {
		s.logger.WarnContext(ctx, "pools: cache invalidation failed; entries expire by themselves", "slugs", slugs, "err", err)
	}
}

func (s *Service) audit(ctx context.Context, a Actor, action string, details map[string]any) {
	_ = s.store.AppendAudit(ctx, grimbots.AuditEntry{ActorID: &a.UserID, TargetUserID: &a.UserID, Action: action, IP: a.IP,
		UserAgent: a.UserAgent, Details: details, CreatedAt: s.now()})
}

// ---- statistics ----

// saoPaulo is the zone of the counters' calendar days.
var saoPaulo = mustLoadLocation(grimbots.DefaultTimeZone)

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// The binary embeds the zone database (time/tzdata in main); a
		// fixed offset is the last resort (Brazil has no summer time now).
		return time.FixedZone("BRT", -3*60*60)
	}
	return loc
}

// Day is t's calendar day in America/Sao_Paulo.
func Day(t time.Time) string { return t.In(saoPaulo).Format(time.DateOnly) }

// Stats are a pool's redirects over a period.
type Stats struct {
	From, To string // YYYY-MM-DD, inclusive
	Total    int64
	// ByBot totals each bot that received visitors, most first.
	ByBot []BotClicks
	// Days lists every day of the period, oldest first.
	Days []DayClicks
}

// BotClicks is one bot's share.
type BotClicks struct {
	BotID    int64
	Username string // "" for a bot no longer in the pool
	Clicks   int64
}

// DayClicks are one day's redirects, by bot.
type DayClicks struct {
	Day   string
	Total int64
	ByBot map[int64]int64
}

// Stats returns a pool's redirects of the last days (today included).
// Counts of the current second may not be written yet.
func (s *Service) Stats(ctx context.Context, sellerID, poolID int64, days int) (*Stats, error) {
	pool, err := s.store.Pool(ctx, sellerID, poolID)
	if err != nil {
		return nil, err
	}
	today := s.now().In(saoPaulo)
	first := today.AddDate(0, 0, -(days - 1))
	st := &Stats{From: first.Format(time.DateOnly), To: today.Format(time.DateOnly)}
	rows, err := s.store.PoolClicks(ctx, sellerID, poolID, st.From, st.To)
	if err != nil {
		return nil, err
	}
	byDay := map[string]*DayClicks{}
	for d := first; !d.After(today); d = d.AddDate(0, 0, 1) {
		st.Days = append(st.Days, DayClicks{Day: d.Format(time.DateOnly), ByBot: map[int64]int64{}})
	}
	for i := range st.Days {
		byDay[st.Days[i].Day] = &st.Days[i]
	}
	byBot := map[int64]int64{}
	for _, r := range rows {
		if d := byDay[r.Day]; d != nil {
			d.Total += r.Clicks
			d.ByBot[r.BotID] += r.Clicks
		}
		byBot[r.BotID] += r.Clicks
		st.Total += r.Clicks
	}
	names := map[int64]string{}
	for _, m := range pool.Members {
		names[m.BotID] = m.BotUsername
	}
	for id, n := range byBot {
		st.ByBot = append(st.ByBot, BotClicks{BotID: id, Username: names[id], Clicks: n})
	}
	slices.SortFunc(st.ByBot, func(a, b BotClicks) int {
		return cmp.Or(cmp.Compare(b.Clicks, a.Clicks), cmp.Compare(a.BotID, b.BotID))
	})
	return st, nil
}
