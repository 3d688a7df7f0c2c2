package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// A sale is a payment paid in the period (by its payment time) that is
// still paid; a generated PIX is a charge created in the period that did
// not fail.
const (
	saleCond = `p.seller_id = $1 AND p.status = 'paid' AND p.paid_at >= $2 AND p.paid_at < $3`
	pixCond  = `p.seller_id = $1 AND p.status <> 'failed' AND p.created_at >= $2 AND p.created_at < $3`
	leadCond = `l.seller_id = $1 AND l.first_seen_at >= $2 AND l.first_seen_at < $3`
)

// SalesSummary returns the seller's sales, PIX and new leads in [from, to).
func (s *Store) SalesSummary(ctx context.Context, sellerID int64, from, to time.Time) (grimbots.SalesSummary, error) {
	var out grimbots.SalesSummary
	query := `SELECT
		(SELECT COUNT(*) FROM payments p WHERE ` + saleCond + `),
		(SELECT CAST(COALESCE(SUM(p.amount_cents), 0) AS BIGINT) FROM payments p WHERE ` + saleCond + `),
		(SELECT COUNT(*) FROM payments p WHERE ` + pixCond + `),
		(SELECT COUNT(*) FROM payments p WHERE ` + pixCond + ` AND p.paid_at IS NOT NULL),
		(SELECT COUNT(*) FROM leads l WHERE ` + leadCond + `)`
	err := s.db.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, query, sellerID, from.UTC(), to.UTC()).
			Scan(&out.Sales, &out.RevenueCents, &out.PIXGenerated, &out.PIXPaid, &out.Leads)
	})
	if err != nil {
		return out, fmt.Errorf("store: sales summary: %w", err)
	}
	return out, nil
}

// RevenueBuckets returns the seller's sales in [from, to) grouped by
// intervals of grimbots.RevenueBucketSeconds aligned on the Unix epoch,
// oldest first; intervals without sales are absent. The caller groups them
// into days of any time zone.
func (s *Store) RevenueBuckets(ctx context.Context, sellerID int64, from, to time.Time) ([]grimbots.RevenueBucket, error) {
	width := strconv.Itoa(grimbots.RevenueBucketSeconds)
	query := `SELECT ` + s.db.dialect.epochSeconds("p.paid_at") + ` / ` + width + `, COUNT(*),
		CAST(SUM(p.amount_cents) AS BIGINT) FROM payments p WHERE ` + saleCond + ` GROUP BY 1 ORDER BY 1`
	var out []grimbots.RevenueBucket
	err := s.db.read(ctx, func(q querier) (err error) {
		out, err = queryAll(ctx, q, query, []any{sellerID, from.UTC(), to.UTC()}, func(rows *sql.Rows) (grimbots.RevenueBucket, error) {
			var b grimbots.RevenueBucket
			var n int64
			err := rows.Scan(&n, &b.Sales, &b.RevenueCents)
			b.Start = time.Unix(n*grimbots.RevenueBucketSeconds, 0).UTC()
			return b, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: revenue buckets: %w", err)
	}
	return out, nil
}

// BotSales returns, for each of the seller's bots with any activity in
// [from, to), its sales, generated PIX and new leads, by bot id.
func (s *Store) BotSales(ctx context.Context, sellerID int64, from, to time.Time) (map[int64]*grimbots.BotSales, error) {
	out := map[int64]*grimbots.BotSales{}
	args := []any{sellerID, from.UTC(), to.UTC()}
	// Each query yields (bot id, count, sum); the count-only ones sum 0.
	groups := []struct {
		query string
		apply func(r *grimbots.BotSales, count, sum int64)
	}{
		{`SELECT p.bot_id, COUNT(*), CAST(SUM(p.amount_cents) AS BIGINT) FROM payments p WHERE ` + saleCond +
			` AND p.bot_id IS NOT NULL GROUP BY p.bot_id`,
			func(r *grimbots.BotSales, count, sum int64) { r.Sales, r.RevenueCents = count, sum }},
		{`SELECT p.bot_id, COUNT(*), 0 FROM payments p WHERE ` + pixCond + ` AND p.bot_id IS NOT NULL GROUP BY p.bot_id`,
			func(r *grimbots.BotSales, count, _ int64) { r.PIXGenerated = count }},
		{`SELECT l.bot_id, COUNT(*), 0 FROM leads l WHERE ` + leadCond + ` GROUP BY l.bot_id`,
			func(r *grimbots.BotSales, count, _ int64) { r.Leads = count }},
	}
	err := s.db.read(ctx, func(q querier) error {
		clear(out) // a retry on the primary starts over
		for _, g := range groups {
			type counts struct{ id, count, sum int64 }
			list, err := queryAll(ctx, q, g.query, args, func(rows *sql.Rows) (c counts, err error) {
				return c, rows.Scan(&c.id, &c.count, &c.sum)
			})
			if err != nil {
				return err
			}
			for _, c := range list {
				if out[c.id] == nil {
					out[c.id] = &grimbots.BotSales{BotID: c.id}
				}
				g.apply(out[c.id], c.count, c.sum)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: sales by bot: %w", err)
	}
	return out, nil
}

// Sales lists the seller's sales (see grimbots.SaleFilter) with the bot's
// and the buyer's names, most recently paid first.
func (s *Store) Sales(ctx context.Context, sellerID int64, f grimbots.SaleFilter) ([]*grimbots.Sale, error) {
	limit := f.Limit
	if limit <= 0 || limit > grimbots.MaxSalesPage {
		limit = 50
	}
	args := []any{sellerID, f.From.UTC(), f.To.UTC(), limit, max(f.Offset, 0)}
	cond := saleCond
	if f.BotID != nil {
		args = append(args, *f.BotID)
		cond += ` AND p.bot_id = $6`
	}
	query := `SELECT ` + paymentColumns + `, COALESCE(b.name, ''), COALESCE(l.first_name, ''), COALESCE(l.last_name, ''),
		COALESCE(l.username, '')
		FROM payments p LEFT JOIN bots b ON b.id = p.bot_id AND b.seller_id = p.seller_id
		LEFT JOIN leads l ON l.id = p.lead_id AND l.seller_id = p.seller_id
		WHERE ` + cond + ` ORDER BY p.paid_at DESC, p.id DESC LIMIT $4 OFFSET $5`
	var out []*grimbots.Sale
	err := s.db.read(ctx, func(q querier) (err error) {
		out, err = queryAll(ctx, q, query, args, func(rows *sql.Rows) (*grimbots.Sale, error) {
			sale := &grimbots.Sale{}
			var first, last, username string
			p, err := scanPayment(withExtra{rows, []any{&sale.BotName, &first, &last, &username}})
			sale.Payment = p
			sale.Buyer = buyerName(first, last, username)
			return sale, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: listing sales: %w", err)
	}
	return out, nil
}

func buyerName(first, last, username string) string {
	switch name := first + " " + last; {
	case first != "" || last != "":
		if first == "" || last == "" {
			return first + last
		}
		return name
	case username != "":
		return "@" + username
	}
	return ""
}

// withExtra scans the row's trailing columns into extra, after the
// destinations a shared scan function knows.
type withExtra struct {
	row   scanner
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }
