package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// SetCommissionRate changes a seller's platform fee for future charges.
func (s *Store) SetCommissionRate(ctx context.Context, userID, basisPoints int64, now time.Time, audit ...grimbots.AuditEntry) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, `UPDATE users SET commission_bps = $1, updated_at = $2 WHERE id = $3`, basisPoints, now, userID); err != nil {
			return notFound(err, "user not found")
		}
		return appendAudit(ctx, tx, audit)
	})
}

// Commissions lists a seller's ledger entries, oldest first.
func (s *Store) Commissions(ctx context.Context, sellerID int64) ([]*grimbots.Commission, error) {
	return queryAll(ctx, s.db.primary, `SELECT id, seller_id, payment_id, kind, sale_amount_cents, rate_bps, amount_cents, created_at
		FROM commissions WHERE seller_id = $1 ORDER BY id`, []any{sellerID}, func(rows *sql.Rows) (*grimbots.Commission, error) {
		c := &grimbots.Commission{}
		return c, rows.Scan(&c.ID, &c.SellerID, &c.PaymentID, &c.Kind, &c.SaleAmountCents, &c.RateBasisPoints, &c.AmountCents, utc{&c.CreatedAt})
	})
}

// PlatformRevenue sums the ledger per seller for entries booked in
// [from, to): sales and their commissions, minus reversals booked then.
func (s *Store) PlatformRevenue(ctx context.Context, from, to time.Time) ([]grimbots.RevenueRow, error) {
	var out []grimbots.RevenueRow
	err := s.db.read(ctx, func(q querier) (err error) {
		out, err = queryAll(ctx, q, `SELECT c.seller_id, u.username,
				SUM(CASE WHEN c.kind = 'charge' THEN 1 ELSE 0 END),
				SUM(CASE WHEN c.kind = 'charge' THEN c.sale_amount_cents ELSE 0 END),
				SUM(c.amount_cents),
				SUM(CASE WHEN c.kind = 'reversal' THEN 1 ELSE 0 END)
			FROM commissions c JOIN users u ON u.id = c.seller_id
			WHERE c.created_at >= $1 AND c.created_at < $2
			GROUP BY c.seller_id, u.username ORDER BY SUM(c.amount_cents) DESC, c.seller_id`,
			[]any{from.UTC(), to.UTC()}, func(rows *sql.Rows) (grimbots.RevenueRow, error) {
				var r grimbots.RevenueRow
				return r, rows.Scan(&r.SellerID, &r.Username, &r.Sales, &r.SalesCents, &r.CommissionCents, &r.Reversals)
			})
		return err
	})
	return out, err
}
