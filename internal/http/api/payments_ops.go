package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
)

// Payment is a PIX charge as its seller sees it.
type Payment struct {
	ID            int64      `json:"id"`
	Reference     string     `json:"reference" doc:"Our unguessable reference, also sent to the gateway."`
	Status        string     `json:"status" enum:"pending,paid,expired,failed,refunded,chargeback"`
	AmountCents   int64      `json:"amount_cents"`
	Amount        string     `json:"amount" example:"R$ 19,90"`
	Description   string     `json:"description"`
	Gateway       string     `json:"gateway"`
	TransactionID string     `json:"transaction_id,omitempty"`
	PixCode       string     `json:"pix_code,omitempty" doc:"The PIX copy-and-paste code."`
	QRCode        string     `json:"qr_code,omitempty" doc:"QR image (URL or data: URL)."`
	BotID         *int64     `json:"bot_id,omitempty"`
	LeadID        *int64     `json:"lead_id,omitempty"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
	PaidAt        *time.Time `json:"paid_at,omitempty"`
	RefundedAt    *time.Time `json:"refunded_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

func paymentView(p *grimbots.Payment) Payment {
	return Payment{ID: p.ID, Reference: p.Reference, Status: p.Status, AmountCents: p.AmountCents,
		Amount: grimbots.Cents(p.AmountCents).String(), Description: p.Description, Gateway: p.GatewayKind,
		TransactionID: p.TransactionID, PixCode: p.PixCode, QRCode: p.QRCode, BotID: p.BotID, LeadID: p.LeadID,
		ExpiresAt: p.ExpiresAt, PaidAt: p.PaidAt, RefundedAt: p.RefundedAt, CreatedAt: p.CreatedAt}
}

// PaymentBody wraps one payment.
type PaymentBody struct {
	Body struct {
		Payment Payment `json:"payment"`
	}
}

func onePayment(p *grimbots.Payment, err error) (*PaymentBody, error) {
	if err != nil {
		return nil, err
	}
	out := &PaymentBody{}
	out.Body.Payment = paymentView(p)
	return out, nil
}

// ListPaymentsInput filters payments.
type ListPaymentsInput struct {
	Status string `query:"status" enum:"pending,paid,expired,failed,refunded,chargeback,"`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	Offset int    `query:"offset" minimum:"0" default:"0"`
}

// CreatePaymentInput creates a charge by hand.
type CreatePaymentInput struct {
	Body struct {
		AmountCents int64  `json:"amount_cents" minimum:"50" maximum:"100000000" doc:"In centavos: 1990 is R$ 19,90. Minimum R$ 0,50."`
		Description string `json:"description" minLength:"1" maxLength:"200"`
	}
}

// SandboxInput settles a sandbox charge.
type SandboxInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Status string `json:"status" enum:"paid,expired,refunded,chargeback" doc:"What the sandbox bank does with the charge."`
	}
}

// CommissionInput sets a seller's fee.
type CommissionInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		RateBPS int64 `json:"rate_bps" minimum:"0" maximum:"5000" doc:"Basis points: 400 is 4%."`
	}
}

// RevenueInput is a period.
type RevenueInput struct {
	From time.Time `query:"from" required:"true" doc:"Start (inclusive), RFC 3339."`
	To   time.Time `query:"to" required:"true" doc:"End (exclusive), RFC 3339."`
}

// RevenueRow is one seller's share.
type RevenueRow struct {
	SellerID        int64  `json:"seller_id"`
	Username        string `json:"username"`
	Sales           int64  `json:"sales"`
	SalesCents      int64  `json:"sales_cents"`
	CommissionCents int64  `json:"commission_cents"`
	Reversals       int64  `json:"reversals"`
}

// RevenueOutput is the platform's income in a period.
type RevenueOutput struct {
	Body struct {
		From            time.Time    `json:"from"`
		To              time.Time    `json:"to"`
		Sales           int64        `json:"sales"`
		SalesCents      int64        `json:"sales_cents"`
		CommissionCents int64        `json:"commission_cents" doc:"Commissions booked minus reversals booked in the period."`
		Reversals       int64        `json:"reversals"`
		BySeller        []RevenueRow `json:"by_seller"`
	}
}

func (a *API) registerPayments() {
	tags := []string{"Payments"}
	register(a, huma.Operation{OperationID: "list-payments", Method: http.MethodGet, Path: "/api/v1/payments",
		Summary: "The seller's payments", Tags: tags}, authAny,
		func(ctx context.Context, in *ListPaymentsInput) (*struct {
			Body struct {
				Payments []Payment `json:"payments"`
				Total    int       `json:"total"`
			}
		}, error) {
			list, total, err := a.payments.Payments(ctx, principal(ctx).User.ID, grimbots.PaymentFilter{Status: in.Status, Limit: in.Limit, Offset: in.Offset})
			if err != nil {
				return nil, err
			}
			out := &struct {
				Body struct {
					Payments []Payment `json:"payments"`
					Total    int       `json:"total"`
				}
			}{}
			out.Body.Total = total
			out.Body.Payments = make([]Payment, len(list))
			for i, p := range list {
				out.Body.Payments[i] = paymentView(p)
			}
			return out, nil
		})
	register(a, huma.Operation{OperationID: "create-payment", Method: http.MethodPost, Path: "/api/v1/payments",
		Summary: "Create a PIX charge", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Charges through the seller's active gateways (primary first, then fallbacks). Bots create " +
			"charges themselves; this is for manual sales and for trying the sandbox.", Errors: []int{http.StatusConflict, http.StatusServiceUnavailable}}, authAny,
		func(ctx context.Context, in *CreatePaymentInput) (*PaymentBody, error) {
			return onePayment(a.payments.Checkout(ctx, payments.CheckoutParams{SellerID: principal(ctx).User.ID,
				AmountCents: in.Body.AmountCents, Description: in.Body.Description}))
		})
	register(a, huma.Operation{OperationID: "get-payment", Method: http.MethodGet, Path: "/api/v1/payments/{id}",
		Summary: "One payment", Tags: tags, Errors: []int{http.StatusNotFound}}, authAny,
		func(ctx context.Context, in *IDPath) (*PaymentBody, error) {
			return onePayment(a.payments.Payment(ctx, principal(ctx).User.ID, in.ID))
		})
	register(a, huma.Operation{OperationID: "check-payment", Method: http.MethodPost, Path: "/api/v1/payments/{id}/check",
		Summary: "Ask the gateway whether a payment was paid", Tags: tags, Errors: []int{http.StatusNotFound},
		Description: "The same check as the buyer's \"I paid\" button; at most one query per payment per minute reaches the gateway."}, authAny,
		func(ctx context.Context, in *IDPath) (*PaymentBody, error) {
			return onePayment(a.payments.Check(ctx, principal(ctx).User.ID, in.ID))
		})
	register(a, huma.Operation{OperationID: "refund-payment", Method: http.MethodPost, Path: "/api/v1/payments/{id}/refund",
		Summary: "Refund a paid payment through its gateway", Tags: tags, Errors: []int{http.StatusNotFound, http.StatusConflict},
		Description: "Reverses the commission and revokes the buyer's access."}, authAny,
		func(ctx context.Context, in *IDPath) (*PaymentBody, error) {
			return onePayment(a.payments.Refund(ctx, principal(ctx).User.ID, in.ID))
		})
	register(a, huma.Operation{OperationID: "settle-sandbox-payment", Method: http.MethodPost, Path: "/api/v1/payments/{id}/sandbox",
		Summary: "Act as the sandbox bank", Tags: tags, Errors: []int{http.StatusNotFound, http.StatusConflict},
		Description: "Marks a sandbox charge paid, expired, refunded or charged back, then confirms it exactly as a " +
			"real gateway's would be (delivery, commission, notifications)."}, authAny,
		func(ctx context.Context, in *SandboxInput) (*PaymentBody, error) {
			return onePayment(a.payments.SandboxSettle(ctx, principal(ctx).User.ID, in.ID, in.Body.Status, a.sandbox))
		})

	admin := []string{"Admin"}
	register(a, huma.Operation{OperationID: "admin-set-commission", Method: http.MethodPut, Path: "/api/v1/admin/users/{id}/commission",
		Summary: "Set a seller's platform fee", Tags: admin, Errors: []int{http.StatusNotFound},
		Description: "Applies to charges created from now on; booked commissions keep their rate."}, authAdmin,
		func(ctx context.Context, in *CommissionInput) (*UserBody, error) {
			u, err := a.payments.SetCommissionRate(ctx, a.actor(ctx), in.ID, in.Body.RateBPS)
			if err != nil {
				return nil, err
			}
			out := &UserBody{}
			out.Body.User = userView(u)
			return out, nil
		})
	register(a, huma.Operation{OperationID: "admin-revenue", Method: http.MethodGet, Path: "/api/v1/admin/revenue",
		Summary: "Platform commission revenue in a period, by seller", Tags: admin}, authAdmin,
		func(ctx context.Context, in *RevenueInput) (*RevenueOutput, error) {
			r, err := a.payments.PlatformRevenue(ctx, in.From, in.To)
			if err != nil {
				return nil, err
			}
			out := &RevenueOutput{}
			out.Body.From, out.Body.To, out.Body.Sales, out.Body.SalesCents = r.From, r.To, r.Sales, r.SalesCents
			out.Body.CommissionCents, out.Body.Reversals = r.CommissionCents, r.Reversals
			out.Body.BySeller = make([]RevenueRow, len(r.BySeller))
			for i, row := range r.BySeller {
				out.Body.BySeller[i] = RevenueRow(row)
			}
			return out, nil
		})
}
