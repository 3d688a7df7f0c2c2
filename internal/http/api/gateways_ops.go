package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/grimbots/grimbots/internal/payments"
)

// GatewayField describes one credential field of a gateway kind.
type GatewayField struct {
	Name     string `json:"name"`
	Label    string `json:"label"`
	Secret   bool   `json:"secret"`
	Required bool   `json:"required"`
	Help     string `json:"help,omitempty"`
	Pattern  string `json:"pattern,omitempty"`
}

// GatewayKind is an available gateway type.
type GatewayKind struct {
	Kind           string         `json:"kind"`
	Name           string         `json:"name"`
	Fields         []GatewayField `json:"fields"`
	MinAmountCents int64          `json:"min_amount_cents"`
	HasStatusAPI   bool           `json:"has_status_api" doc:"Payments are re-checked with the gateway (webhook confirmation, \"I paid\" button, reconciliation)."`
	SupportsRefund bool           `json:"supports_refund"`
	SupportsSplit  bool           `json:"supports_split"`
}

// Gateway is a seller's gateway with masked secrets.
type Gateway struct {
	ID          int64             `json:"id"`
	Kind        string            `json:"kind"`
	Name        string            `json:"name"`
	Active      bool              `json:"active"`
	Verified    bool              `json:"verified"`
	VerifiedAt  *time.Time        `json:"verified_at,omitempty"`
	LastError   string            `json:"last_error,omitempty" doc:"Why the last verification failed (pt-BR)."`
	Priority    int               `json:"priority" doc:"Lowest first: the primary gateway, then fallbacks."`
	Credentials map[string]string `json:"credentials" doc:"Configured fields; secrets masked."`
	WebhookURL  string            `json:"webhook_url" doc:"Give this URL to the gateway for payment notifications."`
	CreatedAt   time.Time         `json:"created_at"`
}

func gatewayView(v *payments.GatewayView) Gateway {
	g := v.Account
	return Gateway{ID: g.ID, Kind: g.Kind, Name: v.Driver.Name, Active: g.Active, Verified: g.VerifiedAt != nil,
		VerifiedAt: g.VerifiedAt, LastError: g.LastError, Priority: g.Priority, Credentials: v.Credentials,
		WebhookURL: v.WebhookURL, CreatedAt: g.CreatedAt}
}

// GatewayBody wraps one gateway.
type GatewayBody struct {
	Body struct {
		Gateway Gateway `json:"gateway"`
	}
}

// AddGatewayInput adds a gateway.
type AddGatewayInput struct {
	Body struct {
		Kind        string            `json:"kind" maxLength:"32" example:"pushinpay"`
		Credentials map[string]string `json:"credentials" doc:"The fields listed by GET /api/v1/gateway-kinds for this kind."`
		Priority    *int              `json:"priority,omitempty" minimum:"0" maximum:"1000"`
	}
}

// UpdateGatewayInput edits a gateway.
type UpdateGatewayInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Credentials map[string]string `json:"credentials,omitempty" doc:"Fields to change; a secret sent empty keeps its stored value. Changing credentials requires a new verification."`
		Priority    *int              `json:"priority,omitempty" minimum:"0" maximum:"1000"`
	}
}

func (a *API) actor(ctx context.Context) payments.Actor {
	m := meta(ctx)
	return payments.Actor{UserID: principal(ctx).User.ID, IP: m.IP, UserAgent: m.UserAgent}
}

func (a *API) registerGateways() {
	tags := []string{"Gateways"}
	register(a, huma.Operation{OperationID: "list-gateway-kinds", Method: http.MethodGet, Path: "/api/v1/gateway-kinds",
		Summary: "Available PIX gateways and their fields", Tags: tags}, authAny,
		func(ctx context.Context, _ *struct{}) (*struct {
			Body struct {
				Kinds []GatewayKind `json:"kinds"`
			}
		}, error) {
			out := &struct {
				Body struct {
					Kinds []GatewayKind `json:"kinds"`
				}
			}{}
			for _, d := range a.payments.Drivers() {
				k := GatewayKind{Kind: string(d.Kind), Name: d.Name, MinAmountCents: d.MinAmountCents, HasStatusAPI: d.HasStatusAPI,
					SupportsRefund: d.SupportsRefund, SupportsSplit: d.SupportsSplit, Fields: []GatewayField{}}
				for _, f := range d.Fields {
					k.Fields = append(k.Fields, GatewayField{Name: f.Name, Label: f.Label, Secret: f.Secret, Required: f.Required, Help: f.Help, Pattern: f.Pattern})
				}
				out.Body.Kinds = append(out.Body.Kinds, k)
			}
			return out, nil
		})
	register(a, huma.Operation{OperationID: "list-gateways", Method: http.MethodGet, Path: "/api/v1/gateways",
		Summary: "The seller's gateways", Tags: tags,
		Description: "A seller with no gateway gets the sandbox, active, so everything can be tried at once."}, authAny,
		func(ctx context.Context, _ *struct{}) (*struct {
			Body struct {
				Gateways []Gateway `json:"gateways"`
			}
		}, error) {
			list, err := a.payments.Gateways(ctx, principal(ctx).User.ID)
			if err != nil {
				return nil, err
			}
			out := &struct {
				Body struct {
					Gateways []Gateway `json:"gateways"`
				}
			}{}
			out.Body.Gateways = make([]Gateway, len(list))
			for i, v := range list {
				out.Body.Gateways[i] = gatewayView(v)
			}
			return out, nil
		})
	one := func(v *payments.GatewayView, err error) (*GatewayBody, error) {
		if err != nil {
			return nil, err
		}
		out := &GatewayBody{}
		out.Body.Gateway = gatewayView(v)
		return out, nil
	}
	register(a, huma.Operation{OperationID: "add-gateway", Method: http.MethodPost, Path: "/api/v1/gateways",
		Summary: "Add a gateway", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Stores the credentials encrypted and verifies them with the gateway at once. The gateway " +
			"takes charges after it is verified and activated.", Errors: []int{http.StatusConflict}}, authAny,
		func(ctx context.Context, in *AddGatewayInput) (*GatewayBody, error) {
			return one(a.payments.AddGateway(ctx, a.actor(ctx), payments.GatewayParams{Kind: in.Body.Kind,
				Credentials: in.Body.Credentials, Priority: in.Body.Priority}))
		})
	register(a, huma.Operation{OperationID: "update-gateway", Method: http.MethodPatch, Path: "/api/v1/gateways/{id}",
		Summary: "Change a gateway's credentials or priority", Tags: tags, Errors: []int{http.StatusNotFound}}, authAny,
		func(ctx context.Context, in *UpdateGatewayInput) (*GatewayBody, error) {
			return one(a.payments.UpdateGateway(ctx, a.actor(ctx), in.ID, payments.GatewayParams{Credentials: in.Body.Credentials,
				Priority: in.Body.Priority}))
		})
	register(a, huma.Operation{OperationID: "verify-gateway", Method: http.MethodPost, Path: "/api/v1/gateways/{id}/verify",
		Summary: "Check a gateway's credentials with the gateway", Tags: tags, Errors: []int{http.StatusNotFound}}, authAny,
		func(ctx context.Context, in *IDPath) (*GatewayBody, error) {
			return one(a.payments.VerifyGateway(ctx, a.actor(ctx), in.ID))
		})
	register(a, huma.Operation{OperationID: "activate-gateway", Method: http.MethodPost, Path: "/api/v1/gateways/{id}/activate",
		Summary: "Activate a verified gateway", Tags: tags, Errors: []int{http.StatusNotFound, http.StatusConflict}}, authAny,
		func(ctx context.Context, in *IDPath) (*GatewayBody, error) {
			return one(a.payments.SetGatewayActive(ctx, a.actor(ctx), in.ID, true))
		})
	register(a, huma.Operation{OperationID: "deactivate-gateway", Method: http.MethodPost, Path: "/api/v1/gateways/{id}/deactivate",
		Summary: "Stop using a gateway for new charges", Tags: tags, Errors: []int{http.StatusNotFound}}, authAny,
		func(ctx context.Context, in *IDPath) (*GatewayBody, error) {
			return one(a.payments.SetGatewayActive(ctx, a.actor(ctx), in.ID, false))
		})
	register(a, huma.Operation{OperationID: "delete-gateway", Method: http.MethodDelete, Path: "/api/v1/gateways/{id}",
		Summary: "Remove a gateway", Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
		Description: "Its payments are kept; its webhook URL stops working."}, authAny,
		func(ctx context.Context, in *IDPath) (*struct{}, error) {
			return nil, a.payments.DeleteGateway(ctx, a.actor(ctx), in.ID)
		})
}
