package payments

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// CheckoutParams asks for a PIX charge.
type CheckoutParams struct {
	SellerID    int64
	BotID       *int64
	LeadID      *int64
	OfferKey    string // which offer; with LeadID, enables reuse of a pending charge
	Funnel      string // what a bot's charge sells, recorded on the payment
	AmountCents int64  // computed by the caller on the server, never taken from a client
	Description string
	Payer       *gateway.Payer // what the buyer gave, if anything
}

// Checkout creates (or reuses) a pending payment with a PIX charge from the
// seller's first active gateway that succeeds, in priority order.
func (s *Service) Checkout(ctx context.Context, p CheckoutParams) (*grimbots.Payment, error) {
	if p.AmountCents <= 0 {
		return nil, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "amount_cents", Message: "must be positive"})
	}
	p.Description = strings.TrimSpace(p.Description)
	if p.Description == "" || len([]rune(p.Description)) > 200 {
		return nil, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "description", Message: "must be 1 to 200 characters"})
	}
	now := s.now()
	if p.LeadID != nil && p.OfferKey != "" {
		reused, err := s.store.ReusablePayment(ctx, p.SellerID, *p.LeadID, p.OfferKey, p.AmountCents, now.Add(-s.cfg.ReuseWindow), now)
		if err == nil {
			s.metrics.charges.WithLabelValues(reused.GatewayKind, "reused").Inc()
			return reused, nil
		} else if grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
			return nil, err
		}
	}
	seller, err := s.store.UserByID(ctx, p.SellerID)
	if err != nil {
		return nil, err
	}
	accounts, err := s.activeGateways(ctx, p.SellerID)
	if err != nil {
		return nil, err
	}
	pay := &grimbots.Payment{SellerID: p.SellerID, BotID: p.BotID, LeadID: p.LeadID, GatewayKind: accounts[0].Kind,
		Reference: NewReference(), AmountCents: p.AmountCents, Status: grimbots.PaymentPending, Description: p.Description,
		OfferKey: p.OfferKey, Funnel: p.Funnel, CommissionBasisPoints: seller.CommissionBasisPoints, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreatePayment(ctx, pay); err != nil {
		return nil, err
	}
	defer s.changed(context.WithoutCancel(ctx), pay)
	var failures []string
	for _, g := range accounts {
		err := s.charge(ctx, pay, g, p.Payer)
		if err == nil {
			s.metrics.charges.WithLabelValues(g.Kind, "created").Inc()
			return pay, nil
		}
		s.metrics.charges.WithLabelValues(g.Kind, "failed").Inc()
		s.logger.WarnContext(ctx, "creating PIX charge failed; trying the next gateway", "seller_id", p.SellerID,
			"payment_id", pay.ID, "gateway", g.Kind, "err", err)
		failures = append(failures, g.Kind)
	}
	_, _, terr := s.store.TransitionPayment(ctx, grimbots.PaymentTransition{SellerID: p.SellerID, PaymentID: pay.ID,
		From: []string{grimbots.PaymentPending}, To: grimbots.PaymentFailed, Source: grimbots.SourceCheckout,
		RawStatus: "no gateway could create the charge", Now: s.now()})
	if terr != nil {
		s.logger.ErrorContext(ctx, "marking an uncreated charge failed", "payment_id", pay.ID, "err", terr)
	}
	return nil, grimbots.Errorf(grimbots.EUNAVAILABLE, "no gateway could create the PIX charge (%s); try again shortly", strings.Join(failures, ", "))
}

// activeGateways returns the seller's usable gateways, primary first; a
// seller with none configured uses the sandbox.
func (s *Service) activeGateways(ctx context.Context, sellerID int64) ([]*grimbots.GatewayAccount, error) {
	list, err := s.store.GatewayAccounts(ctx, sellerID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		sb, err := s.ensureSandbox(ctx, sellerID)
		if err != nil {
			return nil, err
		}
		if sb == nil {
			if list, err = s.store.GatewayAccounts(ctx, sellerID); err != nil {
				return nil, err
			}
		} else {
			list = []*grimbots.GatewayAccount{sb}
		}
	}
	var out []*grimbots.GatewayAccount
	for _, g := range list {
		if _, ok := s.drivers[gateway.Kind(g.Kind)]; ok && g.Active && g.VerifiedAt != nil {
			out = append(out, g)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Priority < out[j].Priority })
	if len(out) == 0 {
		return nil, grimbots.Errorf(grimbots.ECONFLICT, "no active, verified gateway: activate one in the gateway settings")
	}
	return out, nil
}

// charge asks one gateway for the charge and records it on the payment.
func (s *Service) charge(ctx context.Context, pay *grimbots.Payment, g *grimbots.GatewayAccount, buyer *gateway.Payer) error {
	d, c, creds, err := s.client(g)
	if err != nil {
		return err
	}
	if pay.AmountCents < d.MinAmountCents {
		return fmt.Errorf("%w: %s's minimum is %d cents", gateway.ErrRejected, d.Name, d.MinAmountCents)
	}
	req := gateway.ChargeRequest{Reference: pay.Reference, AmountCents: pay.AmountCents, Description: pay.Description,
		Payer: mergePayer(buyer, gateway.PayerFromCredentials(creds)), WebhookURL: s.WebhookURL(g), ExpiresIn: s.cfg.ChargeTTL}
	if acct := s.cfg.SplitAccounts[d.Kind]; acct != "" && d.SupportsSplit {
		if fee := grimbots.Cents(pay.AmountCents).PercentOf(pay.CommissionBasisPoints); fee > 0 {
			req.Split = &gateway.Split{AccountID: acct, AmountCents: int64(fee)}
		}
	}
	ch, err := c.CreateCharge(ctx, req)
	if err != nil {
		return err
	}
	if ch.TransactionID == "" || ch.PixCode == "" {
		return fmt.Errorf("%w: %s returned a charge without id or PIX code", gateway.ErrUnavailable, d.Name)
	}
	now := s.now()
	exp := ch.ExpiresAt
	if exp == nil {
		e := now.Add(s.cfg.ChargeTTL)
		exp = &e
	}
	pay.GatewayID, pay.GatewayKind = &g.ID, g.Kind
	pay.TransactionID, pay.Hash, pay.PixCode, pay.QRCode = ch.TransactionID, ch.Hash, ch.PixCode, ch.QRCodeImage
	pay.ExpiresAt, pay.UpdatedAt = exp, now
	if err := s.store.SetPaymentCharge(ctx, pay); err != nil {
		return errors.Join(gateway.ErrUnavailable, err)
	}
	return nil
}

// mergePayer takes each field from the buyer when given, else from the
// seller's configured default.
func mergePayer(buyer, seller *gateway.Payer) *gateway.Payer {
	if buyer == nil {
		return seller
	}
	if seller == nil {
		return buyer
	}
	m := *buyer
	if m.Name == "" {
		m.Name = seller.Name
	}
	if m.Document == "" {
		m.Document = seller.Document
	}
	if m.Email == "" {
		m.Email = seller.Email
	}
	if m.Phone == "" {
		m.Phone = seller.Phone
	}
	return &m
}

const referenceAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// NewReference returns an unguessable payment reference: "gb" and 22
// characters (110 random bits), letters and digits only so every gateway
// accepts it as an external id.
func NewReference() string {
	b := make([]byte, 22)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = referenceAlphabet[int(b[i])%len(referenceAlphabet)]
	}
	return "gb" + string(b)
}
