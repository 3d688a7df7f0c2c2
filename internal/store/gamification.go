package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

var _ grimbots.GamificationStore = (*Store)(nil)

// RecordSale brings the seller's aggregates in line with the payment's
// status. The payment row is locked first, so the calls for one payment
// (its sale job, its reversal job, their retries) run one after the other
// and a refund committing meanwhile waits; each then compares what the
// payment is with what the ledger row says is counted, and changes the
// aggregates only when they differ. Whatever the order and the retries, a
// paid payment is counted once and a reversed one not at all.
func (s *Store) RecordSale(ctx context.Context, f grimbots.SaleFact) (int, error) {
	if len(f.Periods) == 0 {
		return 0, fmt.Errorf("store: sale of payment %d has no periods", f.PaymentID)
	}
	var delta int
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM payments WHERE id = $1 AND seller_id = $2`+s.db.dialect.forUpdate(),
			f.PaymentID, f.SellerID).Scan(&status); err != nil {
			return notFound(err, "payment not found")
		}
		var counted bool
		err := tx.QueryRowContext(ctx, `SELECT counted FROM gamification_sales WHERE payment_id = $1`, f.PaymentID).Scan(&counted)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = tx.ExecContext(ctx, `INSERT INTO gamification_sales (payment_id, seller_id, lead_id, amount_cents, paid_at, day,
				night, bump, downsell, upsell, counted, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, FALSE, $11)`,
				f.PaymentID, f.SellerID, f.LeadID, f.AmountCents, f.PaidAt.UTC(), f.Periods[0].Start, f.Night, f.Bump, f.Downsell,
				f.Upsell, f.Now)
		}
		if err != nil {
			return err
		}
		want := status == grimbots.PaymentPaid
		if want == counted {
			return nil
		}
		delta = 1
		if !want {
			delta = -1
		}
		if _, err := tx.ExecContext(ctx, `UPDATE gamification_sales SET counted = $1, updated_at = $2 WHERE payment_id = $3`,
			want, f.Now, f.PaymentID); err != nil {
			return err
		}
		// Always in the same order (the fact's), so that two sales of one
		// seller lock the same total rows in the same order.
		for _, k := range f.Periods {
			if _, err := tx.ExecContext(ctx, `INSERT INTO gamification_totals (period, period_start, seller_id, revenue_cents, sales,
				updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (period, period_start, seller_id) DO UPDATE SET
				revenue_cents = gamification_totals.revenue_cents + excluded.revenue_cents,
				sales = gamification_totals.sales + excluded.sales, updated_at = excluded.updated_at`,
				k.Period, k.Start, f.SellerID, int64(delta)*f.AmountCents, delta, f.Now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: recording sale of payment %d: %w", f.PaymentID, err)
	}
	return delta, nil
}

// EvaluateSeller locks the seller's gamification row (creating it), loads
// the facts inside the same transaction, so two evaluations of one seller
// never decide on stale facts, and applies the decision.
func (s *Store) EvaluateSeller(ctx context.Context, sellerID int64, now time.Time,
	decide func(*grimbots.SellerFacts) grimbots.ProgressChange) (*grimbots.ProgressResult, error) {
	res := &grimbots.ProgressResult{}
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = $1`, sellerID).Scan(&one); err != nil {
			return notFound(err, "seller not found")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO gamification_sellers (seller_id, updated_at) VALUES ($1, $2)
			ON CONFLICT (seller_id) DO NOTHING`, sellerID, now); err != nil {
			return err
		}
		var league string
		if err := tx.QueryRowContext(ctx, `SELECT league FROM gamification_sellers WHERE seller_id = $1`+s.db.dialect.forUpdate(),
			sellerID).Scan(&league); err != nil {
			return err
		}
		f, err := loadSellerFacts(ctx, tx, sellerID)
		if err != nil {
			return err
		}
		ch := decide(f)
		res.LeagueFrom, res.LeagueTo = league, league
		for _, slug := range ch.Unlock {
			u := grimbots.Unlock{SellerID: sellerID, Achievement: slug, UnlockedAt: now}
			err := tx.QueryRowContext(ctx, `INSERT INTO gamification_unlocks (seller_id, achievement, unlocked_at) VALUES ($1, $2, $3)
				ON CONFLICT (seller_id, achievement) DO NOTHING RETURNING id`, sellerID, slug, now).Scan(&u.ID)
			if errors.Is(err, sql.ErrNoRows) {
				continue // held already
			} else if err != nil {
				return err
			}
			res.Unlocked = append(res.Unlocked, u)
		}
		for _, slug := range ch.Revoke {
			r, err := tx.ExecContext(ctx, `DELETE FROM gamification_unlocks WHERE seller_id = $1 AND achievement = $2`, sellerID, slug)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n > 0 {
				res.Revoked = append(res.Revoked, slug)
			}
		}
		if ch.League == "" {
			return nil
		}
		res.LeagueTo = ch.League
		_, err = tx.ExecContext(ctx, `UPDATE gamification_sellers SET league = $1, score = $2, updated_at = $3 WHERE seller_id = $4`,
			ch.League, ch.Score, now, sellerID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: evaluating seller %d: %w", sellerID, err)
	}
	return res, nil
}

// SellerFacts reads the seller's facts.
func (s *Store) SellerFacts(ctx context.Context, sellerID int64) (*grimbots.SellerFacts, error) {
	var f *grimbots.SellerFacts
	err := s.db.read(ctx, func(q querier) (err error) {
		f, err = loadSellerFacts(ctx, q, sellerID)
		return err
	})
	return f, err
}

func loadSellerFacts(ctx context.Context, q querier, sellerID int64) (*grimbots.SellerFacts, error) {
	f := &grimbots.SellerFacts{SellerID: sellerID}
	err := q.QueryRowContext(ctx, `SELECT u.created_at, COALESCE(g.league, 'bronze'), COALESCE(g.score, 0),
			COALESCE(t.sales, 0), COALESCE(t.revenue_cents, 0)
		FROM users u LEFT JOIN gamification_sellers g ON g.seller_id = u.id
		LEFT JOIN gamification_totals t ON t.seller_id = u.id AND t.period = 'all' AND t.period_start = ''
		WHERE u.id = $1`, sellerID).Scan(utc{&f.SignedUpAt}, &f.League, &f.Score, &f.Sales, &f.RevenueCents)
	if err != nil {
		return nil, notFound(err, "seller not found")
	}
	f.Days, err = queryAll(ctx, q, `SELECT period_start, sales, revenue_cents FROM gamification_totals
		WHERE seller_id = $1 AND period = 'day' AND sales > 0 ORDER BY period_start`, []any{sellerID},
		func(rows *sql.Rows) (grimbots.DayTotal, error) {
			var d grimbots.DayTotal
			return d, rows.Scan(&d.Day, &d.Sales, &d.RevenueCents)
		})
	if err != nil {
		return nil, err
	}
	err = q.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN night THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN bump THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN downsell THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN upsell THEN 1 ELSE 0 END), 0), COUNT(DISTINCT lead_id)
		FROM gamification_sales WHERE seller_id = $1 AND counted`, sellerID).
		Scan(&f.NightSales, &f.BumpSales, &f.DownsellSales, &f.UpsellSales, &f.Buyers)
	if err != nil {
		return nil, err
	}
	var first time.Time
	err = q.QueryRowContext(ctx, `SELECT paid_at FROM gamification_sales WHERE seller_id = $1 AND counted
		ORDER BY paid_at LIMIT 1`, sellerID).Scan(utc{&first})
	switch {
	case err == nil:
		f.FirstSaleAt = &first
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM leads WHERE seller_id = $1`, sellerID).Scan(&f.Leads); err != nil {
		return nil, err
	}
	f.Standings, err = queryAll(ctx, q, `SELECT period, period_start, position, population FROM gamification_standings
		WHERE seller_id = $1 AND period = 'month' ORDER BY period_start`, []any{sellerID},
		func(rows *sql.Rows) (grimbots.Standing, error) {
			var st grimbots.Standing
			return st, rows.Scan(&st.Period, &st.Start, &st.Position, &st.Population)
		})
	if err != nil {
		return nil, err
	}
	f.Unlocked, err = queryAll(ctx, q, `SELECT id, seller_id, achievement, unlocked_at FROM gamification_unlocks
		WHERE seller_id = $1 ORDER BY id`, []any{sellerID}, scanUnlock)
	return f, err
}

func scanUnlock(rows *sql.Rows) (grimbots.Unlock, error) {
	var u grimbots.Unlock
	return u, rows.Scan(&u.ID, &u.SellerID, &u.Achievement, utc{&u.UnlockedAt})
}

// UnlocksSince lists the seller's unlocks after afterID (a client's last
// event id), oldest first.
func (s *Store) UnlocksSince(ctx context.Context, sellerID, afterID int64) ([]grimbots.Unlock, error) {
	var out []grimbots.Unlock
	err := s.db.readFresh(ctx, func(q querier) (err error) {
		out, err = queryAll(ctx, q, `SELECT id, seller_id, achievement, unlocked_at FROM gamification_unlocks
			WHERE seller_id = $1 AND id > $2 ORDER BY id LIMIT 100`, []any{sellerID, afterID}, scanUnlock)
		return err
	})
	return out, err
}
