package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// ranked is the population of a period's ranking: sellers (no admins) not
// banned, with net revenue in the period. $1 and $2 are the period key.
const ranked = `FROM gamification_totals t JOIN users u ON u.id = t.seller_id
	LEFT JOIN gamification_sellers g ON g.seller_id = t.seller_id
	WHERE t.period = $1 AND t.period_start = $2 AND t.revenue_cents > 0 AND u.role = 'seller' AND u.banned_at IS NULL`

// rankOrder orders a ranking: revenue, then sales (a tie on both shares a
// position), then the seller id, so that the order of exact ties is
// deterministic.
const rankOrder = ` ORDER BY t.revenue_cents DESC, t.sales DESC, t.seller_id`

const boardColumns = `SELECT t.seller_id, t.revenue_cents, t.sales, COALESCE(g.league, 'bronze'),
	CASE WHEN g.public THEN g.display_name ELSE '' END `

func scanBoardRow(rows *sql.Rows) (grimbots.LeaderboardRow, error) {
	var r grimbots.LeaderboardRow
	return r, rows.Scan(&r.SellerID, &r.RevenueCents, &r.Sales, &r.League, &r.DisplayName)
}

// Leaderboard returns the top of a period's ranking. Positions follow
// competition ranking: exact ties share one, the next skips (1, 2, 2, 4).
func (s *Store) Leaderboard(ctx context.Context, key grimbots.PeriodKey, limit int) (*grimbots.Leaderboard, error) {
	b := &grimbots.Leaderboard{}
	err := s.db.read(ctx, func(q querier) (err error) {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) `+ranked, key.Period, key.Start).Scan(&b.Population); err != nil {
			return err
		}
		b.Rows, err = queryAll(ctx, q, boardColumns+ranked+rankOrder+` LIMIT $3`, []any{key.Period, key.Start, limit}, scanBoardRow)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: leaderboard %s %s: %w", key.Period, key.Start, err)
	}
	for i := range b.Rows {
		r, prev := &b.Rows[i], grimbots.LeaderboardRow{}
		if i > 0 {
			prev = b.Rows[i-1]
		}
		if i > 0 && r.RevenueCents == prev.RevenueCents && r.Sales == prev.Sales {
			r.Position = prev.Position
		} else {
			r.Position = i + 1
		}
	}
	return b, nil
}

// better selects the ranked entries strictly ahead of ($3, $4).
const better = ` AND (t.revenue_cents > $3 OR (t.revenue_cents = $3 AND t.sales > $4))`

// RankingStanding returns the seller's place in a period: position, the
// population, and the closest entry ahead.
func (s *Store) RankingStanding(ctx context.Context, sellerID int64, key grimbots.PeriodKey) (*grimbots.RankingStanding, error) {
	st := &grimbots.RankingStanding{}
	err := s.db.read(ctx, func(q querier) error {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) `+ranked, key.Period, key.Start).Scan(&st.Population); err != nil {
			return err
		}
		err := q.QueryRowContext(ctx, `SELECT t.revenue_cents, t.sales `+ranked+` AND t.seller_id = $3`, key.Period, key.Start,
			sellerID).Scan(&st.RevenueCents, &st.Sales)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // not ranked in this period
		} else if err != nil {
			return err
		}
		if st.Position, err = countAhead(ctx, q, key, st.RevenueCents, st.Sales); err != nil {
			return err
		}
		ahead, err := queryAll(ctx, q, boardColumns+ranked+better+` ORDER BY t.revenue_cents, t.sales, t.seller_id DESC LIMIT 1`,
			[]any{key.Period, key.Start, st.RevenueCents, st.Sales}, scanBoardRow)
		if err != nil || len(ahead) == 0 {
			return err
		}
		st.Ahead = &ahead[0]
		st.Ahead.Position, err = countAhead(ctx, q, key, st.Ahead.RevenueCents, st.Ahead.Sales)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: ranking standing of seller %d: %w", sellerID, err)
	}
	return st, nil
}

// countAhead returns the position of an entry with revenue and sales: one
// more than the entries strictly ahead of it.
func countAhead(ctx context.Context, q querier, key grimbots.PeriodKey, revenue, sales int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) `+ranked+better, key.Period, key.Start, revenue, sales).Scan(&n)
	return n + 1, err
}

// snapshotBatch bounds the rows of one INSERT of a standings snapshot.
const snapshotBatch = 200

// SnapshotStandings replaces the recorded final positions of a period with
// its current ranking (same population and tie rules as Leaderboard).
func (s *Store) SnapshotStandings(ctx context.Context, key grimbots.PeriodKey, now time.Time) (int, error) {
	var n int
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := queryAll(ctx, tx, `SELECT t.seller_id, RANK() OVER (ORDER BY t.revenue_cents DESC, t.sales DESC),
			t.revenue_cents, t.sales `+ranked+rankOrder, []any{key.Period, key.Start},
			func(rows *sql.Rows) (grimbots.LeaderboardRow, error) {
				var r grimbots.LeaderboardRow
				return r, rows.Scan(&r.SellerID, &r.Position, &r.RevenueCents, &r.Sales)
			})
		if err != nil {
			return err
		}
		n = len(rows)
		if _, err := tx.ExecContext(ctx, `DELETE FROM gamification_standings WHERE period = $1 AND period_start = $2`,
			key.Period, key.Start); err != nil {
			return err
		}
		for len(rows) > 0 {
			batch := rows[:min(len(rows), snapshotBatch)]
			rows = rows[len(batch):]
			values := make([]string, len(batch))
			args := []any{key.Period, key.Start, n, now}
			for i, r := range batch {
				values[i] = fmt.Sprintf("($1, $2, $%d, $%d, $3, $%d, $%d, $4)", len(args)+1, len(args)+2, len(args)+3, len(args)+4)
				args = append(args, r.SellerID, r.Position, r.RevenueCents, r.Sales)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO gamification_standings (period, period_start, seller_id, position,
				population, revenue_cents, sales, recorded_at) VALUES `+strings.Join(values, ", "), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: snapshot of %s %s: %w", key.Period, key.Start, err)
	}
	return n, nil
}

// StandingSellers lists the sellers recorded at maxPosition or better in a
// period, best first.
func (s *Store) StandingSellers(ctx context.Context, key grimbots.PeriodKey, maxPosition int) ([]int64, error) {
	return queryAll(ctx, s.db.primary, `SELECT seller_id FROM gamification_standings WHERE period = $1 AND period_start = $2
		AND position <= $3 ORDER BY position, seller_id`, []any{key.Period, key.Start, maxPosition}, scanID)
}

// GamifiedSellers pages through the sellers that have gamification state.
func (s *Store) GamifiedSellers(ctx context.Context, after int64, limit int) ([]int64, error) {
	return queryAll(ctx, s.db.primary, `SELECT seller_id FROM gamification_sellers WHERE seller_id > $1 ORDER BY seller_id LIMIT $2`,
		[]any{after, limit}, scanID)
}

func scanID(rows *sql.Rows) (int64, error) {
	var id int64
	return id, rows.Scan(&id)
}

// PublicProfile returns how the seller appears in rankings; a seller who
// never chose gets the anonymous default.
func (s *Store) PublicProfile(ctx context.Context, sellerID int64) (*grimbots.PublicProfile, error) {
	p := &grimbots.PublicProfile{SellerID: sellerID, League: "bronze"}
	err := s.db.readFresh(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, `SELECT display_name, public, league, score, updated_at FROM gamification_sellers
			WHERE seller_id = $1`, sellerID).Scan(&p.DisplayName, &p.Public, &p.League, &p.Score, utc{&p.UpdatedAt})
	})
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	return p, err
}

// SetPublicProfile saves the seller's profile. nameKey is the name's
// normalised form: no two public profiles share one (ECONFLICT).
func (s *Store) SetPublicProfile(ctx context.Context, p *grimbots.PublicProfile, nameKey string) error {
	var one int
	if err := s.db.primary.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = $1`, p.SellerID).Scan(&one); err != nil {
		return notFound(err, "seller not found")
	}
	_, err := s.db.primary.ExecContext(ctx, `INSERT INTO gamification_sellers (seller_id, display_name, display_key, public, updated_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (seller_id) DO UPDATE SET display_name = excluded.display_name,
		display_key = excluded.display_key, public = excluded.public, updated_at = excluded.updated_at`,
		p.SellerID, p.DisplayName, nameKey, p.Public, p.UpdatedAt)
	if s.db.dialect.isUniqueViolation(err) {
		return &grimbots.Error{Code: grimbots.ECONFLICT, Message: "another seller already shows this name",
			Fields: []grimbots.FieldError{{Field: "body.display_name", Message: "this name is already in use"}}}
	}
	return err
}
