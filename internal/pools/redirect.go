package pools

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/grimbots/grimbots/internal/cache"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// Errors of Redirect.
var (
	// ErrNotFound: no pool has the slug, or it is inactive.
	ErrNotFound = grimbots.Errorf(grimbots.ENOTFOUND, "no such link")
	// ErrNoBot: none of the pool's bots can take visitors now.
	ErrNoBot = grimbots.Errorf(grimbots.EUNAVAILABLE, "no bot available")
)

// route is a pool as its link needs it: what is cached by slug. A slug
// without a pool is cached too (Found false), so that unknown links do not
// reach the database on every visit; creating the pool invalidates it.
type route struct {
	Found    bool     `json:"found"`
	ID       int64    `json:"id,omitempty"`
	SellerID int64    `json:"seller,omitempty"`
	Active   bool     `json:"active,omitempty"`
	Strategy string   `json:"strategy,omitempty"`
	Members  []member `json:"members,omitempty"`
}

func (s *Service) loadRoute(ctx context.Context, slug string) (route, error) {
	p, err := s.store.PoolBySlug(ctx, slug)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
		return route{}, nil
	}
	if err != nil {
		return route{}, err
	}
	r := route{Found: true, ID: p.ID, SellerID: p.SellerID, Active: p.Active, Strategy: p.Strategy,
		Members: make([]member, len(p.Members))}
	for i, m := range p.Members {
		r.Members[i] = member{BotID: m.BotID, Username: m.BotUsername, Weight: m.Weight, Priority: m.Priority, Available: m.Available()}
	}
	return r, nil
}

// Target is where a visitor of a pool's link is sent.
type Target struct {
	PoolID   int64
	BotID    int64
	Username string
	// Payload is the /start parameter that identifies the click.
	Payload string
	// URL is https://t.me/{username}?start={payload}.
	URL string
}

// Redirect picks the bot for one visit of /go/{slug} and counts the click.
// It returns ErrNotFound or ErrNoBot, or an error when the pool cannot be
// read at all.
func (s *Service) Redirect(ctx context.Context, slug string) (Target, error) {
	slug, ok := NormalizeSlug(slug)
	if !ok {
		s.metrics.redirect(resultNotFound)
		return Target{}, ErrNotFound
	}
	r, err := cache.GetOrLoadJSON(ctx, s.cfg.Cache, cacheKey(slug), s.cfg.CacheTTL, func(ctx context.Context) (route, error) {
		return s.loadRoute(ctx, slug)
	})
	if err != nil {
		return Target{}, err
	}
	if !r.Found || !r.Active {
		s.metrics.redirect(resultNotFound)
		return Target{}, ErrNotFound
	}
	candidates := make([]member, 0, len(r.Members))
	for _, m := range r.Members {
		if m.Available {
			candidates = append(candidates, m)
		}
	}
	if len(candidates) == 0 {
		s.metrics.redirect(resultNoBot)
		return Target{}, ErrNoBot
	}
	i, err := choose(ctx, s.cfg.Counters, r.Strategy, r.ID, candidates, s.intn)
	if err != nil {
		// The shared state is out of reach (Redis): a visitor sent at
		// random is better than one sent nowhere.
		s.warnCounters(ctx, err)
		i = s.intn(len(candidates))
	}
	m := candidates[i]
	payload := Payload(r.ID, clickID())
	s.clicks.add(clickKey{pool: r.ID, seller: r.SellerID, bot: m.BotID, day: Day(s.now())})
	s.metrics.redirect(resultRedirected)
	return Target{PoolID: r.ID, BotID: m.BotID, Username: m.Username, Payload: payload,
		URL: "https://t.me/" + m.Username + "?start=" + payload}, nil
}

// warnCounters logs a counters failure at most once every 10 seconds.
func (s *Service) warnCounters(ctx context.Context, err error) {
	s.metrics.counterError()
	now := time.Now().UnixNano()
	last := s.warnedAt.Load()
	if now-last < int64(10*time.Second) || !s.warnedAt.CompareAndSwap(last, now) {
		return
	}
	s.logger.WarnContext(ctx, "pools: strategy state unavailable; picking at random", "err", err)
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func appendBase62(b []byte, v uint64) []byte {
	var tmp [11]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = base62[v%62]
		v /= 62
		if v == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}

// Payload is the /start parameter of a click: "p", the pool id and the
// click id in base62, joined by "_" (at most 24 characters of A-Za-z0-9_,
// well within Telegram's 64 of A-Za-z0-9_-).
func Payload(poolID int64, click uint64) string {
	b := make([]byte, 0, 24)
	b = append(b, 'p')
	b = appendBase62(b, uint64(poolID))
	b = append(b, '_')
	return string(appendBase62(b, click))
}

func clickID() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// Redirect results, as counted.
const (
	resultRedirected = "redirected"
	resultNoBot      = "no_bot"
	resultNotFound   = "not_found"
)

// Metrics count redirects. A nil *Metrics counts nothing.
type Metrics struct {
	redirects     *prometheus.CounterVec
	counterErrors prometheus.Counter
}

// NewMetrics registers the collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		redirects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grimbots_pool_redirects_total",
			Help: "Visits of pool links by result: redirected, no_bot (the page saying so), not_found.",
		}, []string{"result"}),
		counterErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "grimbots_pool_counter_errors_total",
			Help: "Redirects whose strategy state (Redis) was unavailable; they picked a bot at random.",
		}),
	}
	reg.MustRegister(m.redirects, m.counterErrors)
	return m
}

func (m *Metrics) redirect(result string) {
	if m != nil {
		m.redirects.WithLabelValues(result).Inc()
	}
}

func (m *Metrics) counterError() {
	if m != nil {
		m.counterErrors.Inc()
	}
}
