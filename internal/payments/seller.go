package payments

import (
	"context"
	"errors"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// SandboxSettle lets a seller play the sandbox bank: the charge is marked
// paid, refunded or expired at the "bank", and then confirmed through the
// same path as a real gateway (the status is re-read from the bank).
func (s *Service) SandboxSettle(ctx context.Context, sellerID, paymentID int64, status string, ledger SandboxLedger) (*grimbots.Payment, error) {
	p, err := s.store.Payment(ctx, sellerID, paymentID)
	if err != nil {
		return nil, err
	}
	if p.GatewayKind != "sandbox" || p.TransactionID == "" {
		return nil, grimbots.Errorf(grimbots.ECONFLICT, "only sandbox charges can be settled by hand")
	}
	switch gateway.Status(status) {
	case gateway.StatusPaid, gateway.StatusExpired:
	case gateway.StatusRefunded, gateway.StatusChargeback:
		if p.Status != grimbots.PaymentPaid {
			return nil, grimbots.Errorf(grimbots.ECONFLICT, "only a paid charge can be refunded or charged back")
		}
	default:
		return nil, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.status",
			Message: "must be paid, expired, refunded or chargeback", Value: status})
	}
	if err := ledger.SetSandboxChargeStatus(ctx, sellerID, p.TransactionID, status, s.now()); err != nil {
		return nil, err
	}
	ev, err := s.fetch(ctx, p)
	if err != nil {
		return nil, err
	}
	_, np, err := s.apply(ctx, p, ev.Status, grimbots.SourceSandbox, ev.RawStatus)
	return np, err
}

// SandboxLedger is the part of the store the sandbox bank writes.
type SandboxLedger interface {
	SetSandboxChargeStatus(ctx context.Context, sellerID int64, transactionID, status string, now time.Time) error
}

// Refund asks the gateway to return a paid charge to the payer, then
// records the refund (reversing the commission and revoking access).
func (s *Service) Refund(ctx context.Context, sellerID, paymentID int64) (*grimbots.Payment, error) {
	p, err := s.store.Payment(ctx, sellerID, paymentID)
	if err != nil {
		return nil, err
	}
	if p.Status != grimbots.PaymentPaid {
		return nil, grimbots.Errorf(grimbots.ECONFLICT, "only a paid payment can be refunded")
	}
	if p.GatewayID == nil {
		return nil, grimbots.Errorf(grimbots.ECONFLICT, "this payment has no gateway charge")
	}
	g, err := s.store.GatewayAccount(ctx, sellerID, *p.GatewayID)
	if err != nil {
		return nil, err
	}
	_, c, _, err := s.client(g)
	if err != nil {
		return nil, err
	}
	if err := c.Refund(ctx, p.TransactionID, p.AmountCents); errors.Is(err, gateway.ErrNotSupported) {
		return nil, grimbots.Errorf(grimbots.ECONFLICT, "this gateway does not refund through its API; refund in its panel and the webhook will record it")
	} else if err != nil {
		s.logger.WarnContext(ctx, "refund refused by the gateway", "payment_id", p.ID, "err", err)
		return nil, grimbots.Errorf(grimbots.EUNAVAILABLE, "the gateway did not accept the refund; try again or refund in its panel")
	}
	_, np, err := s.apply(ctx, p, gateway.StatusRefunded, grimbots.SourceSeller, "refund requested by the seller")
	return np, err
}
