package gamification

import (
	"context"
	"time"

	"github.com/grimbots/grimbots/internal/cache"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// BoardSize is how many rows of a ranking are served (and cached).
const BoardSize = 100

// Entry is a seller's row in a ranking as others see it.
type Entry struct {
	Position int
	// Name is the public display name, or the anonymous "Vendedor #…".
	Name         string
	Public       bool
	RevenueCents int64
	Sales        int64
	League       League
	// Me marks the viewer's own row.
	Me bool
}

// Ranking is a period's ranking as one seller sees it.
type Ranking struct {
	Window     Window
	Population int
	Top        []Entry
	Me         Mine
}

// Mine is the viewer's own place. A seller without net revenue in the
// period is not ranked (the reference showed such a viewer "#1" when they
// had many points).
type Mine struct {
	Ranked       bool
	Position     int
	RevenueCents int64
	Sales        int64
	Name         string
	Public       bool
	League       League
	Score        int64
	// Ahead is the closest entry ahead; BehindCents is the revenue it
	// leads by (in revenue, the ranking's own measure: the reference
	// showed a gap in points under an order by revenue).
	Ahead       *Entry
	BehindCents int64
}

// Ranking returns the top limit (at most BoardSize) of a period at now and
// the viewer's place in it.
func (s *Service) Ranking(ctx context.Context, viewerID int64, period string, limit int) (*Ranking, error) {
	if limit <= 0 || limit > BoardSize {
		limit = BoardSize
	}
	w := WindowAt(period, s.now())
	board, err := s.leaderboard(ctx, w.Key)
	if err != nil {
		return nil, err
	}
	st, err := s.store.RankingStanding(ctx, viewerID, w.Key)
	if err != nil {
		return nil, err
	}
	prof, err := s.store.PublicProfile(ctx, viewerID)
	if err != nil {
		return nil, err
	}
	r := &Ranking{Window: w, Population: board.Population}
	for _, row := range board.Rows[:min(limit, len(board.Rows))] {
		r.Top = append(r.Top, s.entry(row, viewerID))
	}
	r.Me = Mine{Ranked: st.Position > 0, Position: st.Position, RevenueCents: st.RevenueCents, Sales: st.Sales,
		Name: s.shownName(viewerID, prof.DisplayName, prof.Public), Public: prof.Public, League: LeagueBySlug(prof.League), Score: prof.Score}
	if st.Ahead != nil {
		e := s.entry(*st.Ahead, viewerID)
		r.Me.Ahead, r.Me.BehindCents = &e, st.Ahead.RevenueCents-st.RevenueCents
	}
	return r, nil
}

func (s *Service) entry(row grimbots.LeaderboardRow, viewerID int64) Entry {
	return Entry{Position: row.Position, Name: s.shownName(row.SellerID, row.DisplayName, row.DisplayName != ""),
		Public: row.DisplayName != "", RevenueCents: row.RevenueCents, Sales: row.Sales, League: LeagueBySlug(row.League),
		Me: row.SellerID == viewerID}
}

// shownName is how a seller appears to others.
func (s *Service) shownName(sellerID int64, displayName string, public bool) string {
	if public && displayName != "" {
		return displayName
	}
	return s.alias.name(sellerID)
}

// leaderboard reads a period's top BoardSize through the cache.
func (s *Service) leaderboard(ctx context.Context, key grimbots.PeriodKey) (*grimbots.Leaderboard, error) {
	load := func(ctx context.Context) (*grimbots.Leaderboard, error) {
		return s.store.Leaderboard(ctx, key, BoardSize)
	}
	if s.cfg.Boards == nil {
		return load(ctx)
	}
	return cache.GetOrLoadJSON(ctx, s.cfg.Boards, boardKey(key), s.cfg.BoardTTL, load)
}

func boardKey(k grimbots.PeriodKey) string { return "board:" + k.Period + ":" + k.Start }

// currentKeys are the periods the API serves at now.
func currentKeys(now time.Time) []grimbots.PeriodKey {
	return salePeriods(now)
}

// invalidateBoards drops cached leaderboards after a change committed. A
// failure leaves the cached board until its TTL: logged, not fatal.
func (s *Service) invalidateBoards(ctx context.Context, keys ...grimbots.PeriodKey) {
	if s.cfg.Boards == nil || len(keys) == 0 {
		return
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = boardKey(k)
	}
	if err := s.cfg.Boards.Delete(ctx, names...); err != nil {
		s.logger.WarnContext(ctx, "invalidating cached rankings", "err", err)
	}
}
