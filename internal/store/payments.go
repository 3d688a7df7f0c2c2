package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

var _ grimbots.PaymentStore = (*Store)(nil)

const paymentColumns = `p.id, p.seller_id, p.bot_id, p.lead_id, p.gateway_id, p.gateway_kind, p.reference,
	COALESCE(p.gateway_transaction_id, ''), COALESCE(p.gateway_hash, ''), p.amount_cents, p.status, p.description,
	p.offer_key, p.pix_code, p.qr_code, p.commission_bps, p.failure_reason, p.expires_at, p.paid_at, p.refunded_at,
	p.checked_at, p.created_at, p.updated_at, p.funnel`

func scanPayment(row scanner) (*grimbots.Payment, error) {
	p := &grimbots.Payment{}
	err := row.Scan(&p.ID, &p.SellerID, &p.BotID, &p.LeadID, &p.GatewayID, &p.GatewayKind, &p.Reference, &p.TransactionID,
		&p.Hash, &p.AmountCents, &p.Status, &p.Description, &p.OfferKey, &p.PixCode, &p.QRCode, &p.CommissionBasisPoints,
		&p.FailureReason, nullTime{&p.ExpiresAt}, nullTime{&p.PaidAt}, nullTime{&p.RefundedAt}, nullTime{&p.CheckedAt},
		utc{&p.CreatedAt}, utc{&p.UpdatedAt}, &p.Funnel)
	return p, err
}

func scanPayments(rows *sql.Rows) (*grimbots.Payment, error) { return scanPayment(rows) }

// nullString stores "" as NULL (unique indexes ignore NULLs).
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreatePayment inserts a pending payment, setting its ID.
func (s *Store) CreatePayment(ctx context.Context, p *grimbots.Payment) error {
	err := s.db.primary.QueryRowContext(ctx, `INSERT INTO payments (seller_id, bot_id, lead_id, gateway_id, gateway_kind, reference,
		amount_cents, status, description, offer_key, commission_bps, created_at, updated_at, funnel)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13) RETURNING id`,
		p.SellerID, p.BotID, p.LeadID, p.GatewayID, p.GatewayKind, p.Reference, p.AmountCents, p.Status, p.Description,
		p.OfferKey, p.CommissionBasisPoints, p.CreatedAt, p.Funnel).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("store: inserting payment: %w", err)
	}
	return nil
}

// SetPaymentCharge records the gateway's charge on a payment that is still
// pending (a charge created after the payment was settled is not recorded).
func (s *Store) SetPaymentCharge(ctx context.Context, p *grimbots.Payment) error {
	err := updateOne(ctx, s.db.primary, `UPDATE payments SET gateway_id = $1, gateway_kind = $2, gateway_transaction_id = $3,
		gateway_hash = $4, pix_code = $5, qr_code = $6, expires_at = $7, updated_at = $8
		WHERE id = $9 AND seller_id = $10 AND status = 'pending'`,
		p.GatewayID, p.GatewayKind, nullString(p.TransactionID), nullString(p.Hash), p.PixCode, p.QRCode, timeArg(p.ExpiresAt),
		p.UpdatedAt, p.ID, p.SellerID)
	if s.db.dialect.isUniqueViolation(err) {
		return grimbots.Errorf(grimbots.ECONFLICT, "the gateway returned a transaction id already used by another payment")
	}
	return notFound(err, "pending payment not found")
}

// Payment returns one payment of the seller.
func (s *Store) Payment(ctx context.Context, sellerID, id int64) (*grimbots.Payment, error) {
	return s.onePayment(ctx, `p.id = $1 AND p.seller_id = $2`, id, sellerID)
}

// PaymentByReference returns the seller's payment with our reference.
func (s *Store) PaymentByReference(ctx context.Context, sellerID int64, reference string) (*grimbots.Payment, error) {
	return s.onePayment(ctx, `p.reference = $1 AND p.seller_id = $2`, reference, sellerID)
}

// PaymentByTransaction matches exactly on the gateway's ids or our reference.
func (s *Store) PaymentByTransaction(ctx context.Context, sellerID int64, kind string, ids ...string) (*grimbots.Payment, error) {
	// One exact, indexed lookup per column (an OR across the columns
	// would scan the seller's payments).
	for _, id := range ids {
		if id == "" {
			continue
		}
		for _, col := range []string{"gateway_transaction_id", "gateway_hash", "reference"} {
			p, err := s.onePayment(ctx, `p.gateway_kind = $1 AND p.`+col+` = $2 AND p.seller_id = $3`, kind, id, sellerID)
			if grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
				return p, err
			}
		}
	}
	return nil, grimbots.Errorf(grimbots.ENOTFOUND, "payment not found")
}

func (s *Store) onePayment(ctx context.Context, cond string, args ...any) (*grimbots.Payment, error) {
	var p *grimbots.Payment
	err := s.db.readFresh(ctx, func(q querier) (err error) {
		p, err = scanPayment(q.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payments p WHERE `+cond+` ORDER BY p.id DESC LIMIT 1`, args...))
		return err
	})
	return p, notFound(err, "payment not found")
}

// ReusablePayment finds a pending charge the lead can pay again instead of
// getting a new one.
func (s *Store) ReusablePayment(ctx context.Context, sellerID, leadID int64, offerKey string, amountCents int64, since, now time.Time) (*grimbots.Payment, error) {
	return s.onePayment(ctx, `p.seller_id = $1 AND p.lead_id = $2 AND p.offer_key = $3 AND p.amount_cents = $4
		AND p.status = 'pending' AND p.pix_code <> '' AND p.created_at >= $5 AND (p.expires_at IS NULL OR p.expires_at > $6)`,
		sellerID, leadID, offerKey, amountCents, since, now)
}

// ListPayments returns a page of the seller's payments and the total.
func (s *Store) ListPayments(ctx context.Context, sellerID int64, f grimbots.PaymentFilter) ([]*grimbots.Payment, int, error) {
	where := []string{"p.seller_id = $1"}
	args := []any{sellerID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Status != "" {
		add("p.status = $%d", f.Status)
	}
	if f.BotID != nil {
		add("p.bot_id = $%d", *f.BotID)
	}
	if f.From != nil {
		add("p.created_at >= $%d", f.From.UTC())
	}
	if f.To != nil {
		add("p.created_at < $%d", f.To.UTC())
	}
	cond := strings.Join(where, " AND ")
	limit, offset := pageBounds(f.Limit, f.Offset)
	var out []*grimbots.Payment
	var total int
	err := s.db.read(ctx, func(q querier) (err error) {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM payments p WHERE `+cond, args...).Scan(&total); err != nil {
			return err
		}
		out, err = queryAll(ctx, q, `SELECT `+paymentColumns+` FROM payments p WHERE `+cond+
			fmt.Sprintf(` ORDER BY p.id DESC LIMIT $%d OFFSET $%d`, len(args)+1, len(args)+2),
			append(args[:len(args):len(args)], limit, offset), scanPayments)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: listing payments: %w", err)
	}
	return out, total, nil
}

// PendingPayments lists pending charges of every seller for reconciliation,
// least recently checked first.
func (s *Store) PendingPayments(ctx context.Context, since time.Time, limit int) ([]*grimbots.Payment, error) {
	return queryAll(ctx, s.db.primary, `SELECT `+paymentColumns+` FROM payments p
		WHERE p.status = 'pending' AND p.created_at >= $1 ORDER BY COALESCE(p.checked_at, p.created_at), p.id LIMIT $2`,
		[]any{since, limit}, scanPayments)
}

// ClaimPaymentCheck stamps checked_at when the previous check is at least
// minInterval old; only the caller that stamps it asks the gateway, which
// keeps bursts of "I paid" clicks within the providers' query limits.
func (s *Store) ClaimPaymentCheck(ctx context.Context, sellerID, id int64, now time.Time, minInterval time.Duration) (bool, error) {
	res, err := s.db.primary.ExecContext(ctx, `UPDATE payments SET checked_at = $1
		WHERE id = $2 AND seller_id = $3 AND (checked_at IS NULL OR checked_at <= $4)`, now, id, sellerID, now.Add(-minInterval))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// TransitionPayment applies one conditional state change with its ledger
// entry, event row and jobs in a single transaction. The conditional UPDATE
// is what makes the change exactly-once: of any number of concurrent
// callers, one matches the old status and the others change nothing.
func (s *Store) TransitionPayment(ctx context.Context, t grimbots.PaymentTransition) (bool, *grimbots.Payment, error) {
	if len(t.From) == 0 {
		return false, nil, fmt.Errorf("store: transition to %s without source statuses", t.To)
	}
	var changed bool
	var from string
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		// Lock the row while reading its status: a concurrent writer cannot
		// change it between this read and the UPDATE, so the event records
		// the status actually replaced.
		if err := tx.QueryRowContext(ctx, `SELECT status FROM payments WHERE id = $1 AND seller_id = $2`+s.db.dialect.forUpdate(),
			t.PaymentID, t.SellerID).Scan(&from); err != nil {
			return notFound(err, "payment not found")
		}
		args := []any{t.To, t.Now, t.PaymentID, t.SellerID}
		marks := make([]string, len(t.From))
		for i, f := range t.From {
			args = append(args, f)
			marks[i] = fmt.Sprintf("$%d", len(args))
		}
		set := "status = $1, updated_at = $2"
		switch t.To {
		case grimbots.PaymentPaid:
			set += ", paid_at = $2, failure_reason = ''"
		case grimbots.PaymentRefunded, grimbots.PaymentChargeback:
			set += ", refunded_at = $2"
		}
		res, err := tx.ExecContext(ctx, `UPDATE payments SET `+set+` WHERE id = $3 AND seller_id = $4 AND status IN (`+
			strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		changed = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO payment_events (seller_id, payment_id, from_status, to_status, source, raw_status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.SellerID, t.PaymentID, from, t.To, t.Source, truncate(t.RawStatus, 100), t.Now); err != nil {
			return err
		}
		if err := bookCommission(ctx, tx, t); err != nil {
			return err
		}
		return s.insertJobs(ctx, tx, t.Jobs...)
	})
	if err != nil {
		return false, nil, err
	}
	p, err := s.Payment(ctx, t.SellerID, t.PaymentID)
	return changed, p, err
}

// bookCommission writes the ledger entry of a transition. The unique index
// on (payment_id, kind) makes each entry exist at most once.
func bookCommission(ctx context.Context, tx *sql.Tx, t grimbots.PaymentTransition) error {
	switch t.Commission {
	case grimbots.CommissionCharge:
		_, err := tx.ExecContext(ctx, `INSERT INTO commissions (seller_id, payment_id, kind, sale_amount_cents, rate_bps, amount_cents, created_at)
			SELECT seller_id, id, 'charge', amount_cents, commission_bps, (amount_cents * commission_bps + 5000) / 10000, $1
			FROM payments WHERE id = $2 ON CONFLICT (payment_id, kind) DO NOTHING`, t.Now, t.PaymentID)
		return err
	case grimbots.CommissionReversal:
		_, err := tx.ExecContext(ctx, `INSERT INTO commissions (seller_id, payment_id, kind, sale_amount_cents, rate_bps, amount_cents, created_at)
			SELECT seller_id, payment_id, 'reversal', sale_amount_cents, rate_bps, -amount_cents, $1
			FROM commissions WHERE payment_id = $2 AND kind = 'charge' ON CONFLICT (payment_id, kind) DO NOTHING`, t.Now, t.PaymentID)
		return err
	}
	return nil
}
