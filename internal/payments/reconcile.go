package payments

import (
	"context"
	"errors"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// ReconcileBatch bounds one reconciliation pass.
const ReconcileBatch = 200

// ReconcileResult counts what a pass did.
type ReconcileResult struct {
	Checked, Paid, Expired, Failed, Errors int
}

// Reconcile polls the gateways of pending payments (each at most once per
// CheckInterval) and expires charges that outlived their PIX: the third
// confirmation path, for webhooks that never came.
func (s *Service) Reconcile(ctx context.Context) (ReconcileResult, error) {
	var r ReconcileResult
	now := s.now()
	pending, err := s.store.PendingPayments(ctx, now.Add(-s.cfg.ReconcileWindow), ReconcileBatch)
	if err != nil {
		return r, err
	}
	for _, p := range pending {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		s.reconcileOne(ctx, p, &r)
	}
	return r, nil
}

func (s *Service) reconcileOne(ctx context.Context, p *grimbots.Payment, r *ReconcileResult) {
	now := s.now()
	overdue := p.ExpiresAt != nil && now.After(p.ExpiresAt.Add(s.cfg.ExpiryGrace))
	if p.TransactionID == "" {
		// The charge was never recorded (a crash between creating the
		// payment and storing the gateway's answer): nothing to poll.
		if now.Sub(p.CreatedAt) > s.cfg.ChargeTTL+s.cfg.ExpiryGrace {
			s.count(r, s.expire(ctx, p, grimbots.PaymentFailed, "charge never created"))
		}
		return
	}
	ok, err := s.store.ClaimPaymentCheck(ctx, p.SellerID, p.ID, now, s.cfg.CheckInterval)
	if err != nil || !ok {
		return
	}
	r.Checked++
	ev, err := s.fetch(ctx, p)
	switch {
	case errors.Is(err, gateway.ErrNotSupported):
		if overdue {
			s.count(r, s.expire(ctx, p, grimbots.PaymentExpired, "expired (no status API)"))
		}
		return
	case errors.Is(err, gateway.ErrNotFound):
		if overdue {
			s.count(r, s.expire(ctx, p, grimbots.PaymentExpired, "unknown to the gateway"))
		}
		return
	case err != nil:
		r.Errors++
		s.logger.WarnContext(ctx, "reconciling a payment", "payment_id", p.ID, "gateway", p.GatewayKind, "err", err)
		return
	}
	if ev.Status == gateway.StatusPending && overdue {
		s.count(r, s.expire(ctx, p, grimbots.PaymentExpired, ev.RawStatus))
		return
	}
	changed, np, err := s.apply(ctx, p, ev.Status, grimbots.SourceReconciler, ev.RawStatus)
	if err != nil {
		r.Errors++
		s.logger.ErrorContext(ctx, "applying a reconciled status", "payment_id", p.ID, "err", err)
		return
	}
	if changed {
		s.count(r, np.Status)
	}
}

func (s *Service) expire(ctx context.Context, p *grimbots.Payment, to, raw string) string {
	changed, _, err := s.apply(ctx, p, gateway.Status(to), grimbots.SourceReconciler, raw)
	if err != nil {
		s.logger.ErrorContext(ctx, "expiring a payment", "payment_id", p.ID, "err", err)
		return ""
	}
	if !changed {
		return ""
	}
	return to
}

func (s *Service) count(r *ReconcileResult, status string) {
	switch status {
	case grimbots.PaymentPaid:
		r.Paid++
	case grimbots.PaymentExpired:
		r.Expired++
	case grimbots.PaymentFailed:
		r.Failed++
	}
}
