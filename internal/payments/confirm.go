package payments

import (
	"context"
	"errors"
	"fmt"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// PaymentPaidJob is enqueued with every pending → paid transition. Features
// that act on a sale (delivery, upsells, ranking, notifications) hook in
// through Config.OnPaid; this job is the sale's own record in the queue.
type PaymentPaidJob struct {
	SellerID  int64 `json:"seller_id"`
	PaymentID int64 `json:"payment_id"`
}

// Kind names the job.
func (PaymentPaidJob) Kind() string { return "payment_paid" }

// PaymentReversedJob is enqueued when a paid payment is refunded or charged
// back (access revocation hooks in through Config.OnReversed).
type PaymentReversedJob struct {
	SellerID  int64  `json:"seller_id"`
	PaymentID int64  `json:"payment_id"`
	Status    string `json:"status"`
}

// Kind names the job.
func (PaymentReversedJob) Kind() string { return "payment_reversed" }

// transition turns a target status into the conditional change it means.
// ok is false when there is nothing to do (pending).
func (s *Service) transition(p *grimbots.Payment, to gateway.Status, source, raw string) (grimbots.PaymentTransition, bool) {
	t := grimbots.PaymentTransition{SellerID: p.SellerID, PaymentID: p.ID, Source: source, RawStatus: raw, Now: s.now()}
	switch to {
	case gateway.StatusPaid:
		// A late payment of an expired or failed charge still arrived: it
		// is a sale.
		t.From, t.To = []string{grimbots.PaymentPending, grimbots.PaymentExpired, grimbots.PaymentFailed}, grimbots.PaymentPaid
		t.Commission = grimbots.CommissionCharge
		t.Jobs = []grimbots.Job{PaymentPaidJob{SellerID: p.SellerID, PaymentID: p.ID}}
		if s.cfg.OnPaid != nil {
			t.Jobs = append(t.Jobs, s.cfg.OnPaid(p)...)
		}
	case gateway.StatusRefunded, gateway.StatusChargeback:
		if p.Status != grimbots.PaymentPaid {
			// Money returned before we saw it paid: the sale never was.
			t.From, t.To = []string{grimbots.PaymentPending}, grimbots.PaymentFailed
			return t, true
		}
		t.From, t.To = []string{grimbots.PaymentPaid}, string(to)
		t.Commission = grimbots.CommissionReversal
		t.Jobs = []grimbots.Job{PaymentReversedJob{SellerID: p.SellerID, PaymentID: p.ID, Status: string(to)}}
		if s.cfg.OnReversed != nil {
			t.Jobs = append(t.Jobs, s.cfg.OnReversed(p)...)
		}
	case gateway.StatusFailed, gateway.StatusExpired:
		t.From, t.To = []string{grimbots.PaymentPending}, string(to)
	default:
		return t, false
	}
	return t, true
}

// apply moves p to status to, exactly once across every path and instance.
func (s *Service) apply(ctx context.Context, p *grimbots.Payment, to gateway.Status, source, raw string) (bool, *grimbots.Payment, error) {
	t, ok := s.transition(p, to, source, raw)
	if !ok {
		return false, p, nil
	}
	changed, np, err := s.store.TransitionPayment(ctx, t)
	if err != nil {
		return false, nil, err
	}
	if changed {
		s.changed(ctx, np)
		s.metrics.transitions.WithLabelValues(np.GatewayKind, np.Status, source).Inc()
		if np.Status == grimbots.PaymentPaid {
			s.metrics.revenue.WithLabelValues(np.GatewayKind).Add(float64(np.AmountCents))
		}
		s.logger.InfoContext(ctx, "payment state changed", "seller_id", np.SellerID, "payment_id", np.ID, "status", np.Status,
			"source", source, "gateway", np.GatewayKind, "amount_cents", np.AmountCents)
	}
	return changed, np, nil
}

// errAmountMismatch marks a status report whose amount differs from ours.
var errAmountMismatch = errors.New("payments: reported amount differs from the charge")

// fetch asks the payment's gateway for its current state. It returns
// gateway.ErrNotSupported for providers without a status API.
func (s *Service) fetch(ctx context.Context, p *grimbots.Payment) (*gateway.Event, error) {
	if p.GatewayID == nil || p.TransactionID == "" {
		return nil, fmt.Errorf("payments: payment %d has no gateway charge: %w", p.ID, gateway.ErrNotFound)
	}
	g, err := s.store.GatewayAccount(ctx, p.SellerID, *p.GatewayID)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
		return nil, fmt.Errorf("payments: gateway of payment %d was deleted: %w", p.ID, gateway.ErrNotSupported)
	} else if err != nil {
		return nil, err
	}
	d, c, _, err := s.client(g)
	if err != nil {
		return nil, err
	}
	if !d.HasStatusAPI {
		return nil, gateway.ErrNotSupported
	}
	ev, err := c.ChargeStatus(ctx, p.TransactionID)
	if err != nil {
		return nil, err
	}
	if ev.Status == gateway.StatusPaid && ev.AmountCents != 0 && ev.AmountCents != p.AmountCents {
		return ev, errAmountMismatch
	}
	return ev, nil
}

// Check is the buyer's "I paid" button (and a seller's refresh): it asks the
// gateway at most once per CheckInterval per payment and applies the answer.
func (s *Service) Check(ctx context.Context, sellerID, paymentID int64) (*grimbots.Payment, error) {
	p, err := s.store.Payment(ctx, sellerID, paymentID)
	if err != nil {
		return nil, err
	}
	if p.Status != grimbots.PaymentPending && p.Status != grimbots.PaymentExpired {
		return p, nil
	}
	ok, err := s.store.ClaimPaymentCheck(ctx, sellerID, paymentID, s.now(), s.cfg.CheckInterval)
	if err != nil || !ok {
		return p, err
	}
	ev, err := s.fetch(ctx, p)
	switch {
	case errors.Is(err, gateway.ErrNotSupported):
		return p, nil // this gateway only confirms by webhook
	case errors.Is(err, errAmountMismatch):
		s.logger.WarnContext(ctx, "gateway reports a different amount; not confirming", "payment_id", p.ID, "reported", ev.AmountCents)
		return p, nil
	case err != nil:
		s.logger.WarnContext(ctx, "checking a payment with its gateway", "payment_id", p.ID, "err", err)
		return p, nil
	}
	_, np, err := s.apply(ctx, p, ev.Status, grimbots.SourceCheck, ev.RawStatus)
	return np, err
}
