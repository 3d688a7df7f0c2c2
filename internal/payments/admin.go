package payments

import (
	"context"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// MaxCommissionBasisPoints caps a seller's fee at 50%.
const MaxCommissionBasisPoints = 5000

// SetCommissionRate changes a seller's fee for future charges (admins only;
// the caller checks the role). Booked commissions keep their rate.
func (s *Service) SetCommissionRate(ctx context.Context, admin Actor, sellerID, basisPoints int64) (*grimbots.User, error) {
	if basisPoints < 0 || basisPoints > MaxCommissionBasisPoints {
		return nil, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.rate_bps",
			Message: "must be between 0 and 5000 (50%)", Value: basisPoints})
	}
	before, err := s.store.UserByID(ctx, sellerID)
	if err != nil {
		return nil, err
	}
	entry := grimbots.AuditEntry{ActorID: &admin.UserID, TargetUserID: &sellerID, Action: grimbots.AuditUserCommission,
		IP: admin.IP, UserAgent: admin.UserAgent, CreatedAt: s.now(),
		Details: map[string]any{"from_bps": before.CommissionBasisPoints, "to_bps": basisPoints}}
	if err := s.store.SetCommissionRate(ctx, sellerID, basisPoints, s.now(), entry); err != nil {
		return nil, err
	}
	return s.store.UserByID(ctx, sellerID)
}

// Revenue is the platform's commission income in a period.
type Revenue struct {
	From, To        time.Time
	Sales           int64
	SalesCents      int64
	CommissionCents int64
	Reversals       int64
	BySeller        []grimbots.RevenueRow
}

// PlatformRevenue sums the ledger for [from, to).
func (s *Service) PlatformRevenue(ctx context.Context, from, to time.Time) (*Revenue, error) {
	if !to.After(from) {
		return nil, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "query.to", Message: "must be after from"})
	}
	rows, err := s.store.PlatformRevenue(ctx, from, to)
	if err != nil {
		return nil, err
	}
	r := &Revenue{From: from, To: to, BySeller: rows}
	for _, row := range rows {
		r.Sales += row.Sales
		r.SalesCents += row.SalesCents
		r.CommissionCents += row.CommissionCents
		r.Reversals += row.Reversals
	}
	return r, nil
}

// Payments lists a seller's payments.
func (s *Service) Payments(ctx context.Context, sellerID int64, f grimbots.PaymentFilter) ([]*grimbots.Payment, int, error) {
	return s.store.ListPayments(ctx, sellerID, f)
}

// Payment returns one of a seller's payments.
func (s *Service) Payment(ctx context.Context, sellerID, id int64) (*grimbots.Payment, error) {
	return s.store.Payment(ctx, sellerID, id)
}
