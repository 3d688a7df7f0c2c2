package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
)

type gatewaysData struct {
	Gateways []*payments.GatewayView
	// Kinds are the gateways a seller can add, by display name.
	Kinds []gateway.Driver
	// Open is the kind whose add form was submitted (shown open).
	Open string
	// Pending are the seller's latest unpaid sandbox charges, which the
	// seller can settle as the bank would.
	Pending []*grimbots.Payment
}

// sandboxPending is how many unpaid sandbox charges the page offers.
const sandboxPending = 10

// credentialPrefix names the add form's credential inputs.
const credentialPrefix = "credentials."

func (h *Handler) gatewaysView(w http.ResponseWriter, r *http.Request, p *auth.Principal) (*view, *gatewaysData, error) {
	v := h.newView(w, r, p, "gateways.title", "gateways")
	list, err := h.payments.Gateways(r.Context(), p.User.ID)
	if err != nil {
		return nil, nil, err
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Account.Priority < list[j].Account.Priority })
	d := &gatewaysData{Gateways: list}
	for _, drv := range h.payments.Drivers() {
		if drv.Kind != "sandbox" {
			d.Kinds = append(d.Kinds, drv)
		}
	}
	sort.Slice(d.Kinds, func(i, j int) bool { return d.Kinds[i].Name < d.Kinds[j].Name })
	pending, _, err := h.payments.Payments(r.Context(), p.User.ID, grimbots.PaymentFilter{Status: grimbots.PaymentPending,
		Limit: 50})
	if err != nil {
		return nil, nil, err
	}
	for _, pay := range pending {
		if pay.GatewayKind == "sandbox" && pay.TransactionID != "" && len(d.Pending) < sandboxPending {
			d.Pending = append(d.Pending, pay)
		}
	}
	v.Data = d
	return v, d, nil
}

func (h *Handler) showGateways(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	v, _, err := h.gatewaysView(w, r, p)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "gateways", v)
}

func (h *Handler) addGateway(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	params := payments.GatewayParams{Kind: r.PostForm.Get("kind"), Credentials: credentials(r)}
	if s := r.PostForm.Get("priority"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 1000 {
			return h.gatewayFormError(w, r, p, params.Kind, grimbots.Invalid("validation failed",
				grimbots.FieldError{Field: "body.priority", Message: "must be a number from 0 to 1000"}))
		}
		params.Priority = &n
	}
	g, err := h.payments.AddGateway(r.Context(), actor(r, p), params)
	if err != nil {
		return h.gatewayFormError(w, r, p, params.Kind, err)
	}
	if g.Account.VerifiedAt == nil {
		return h.redirect(w, r, "/gateways", "flash.gateway_failed")
	}
	return h.redirect(w, r, "/gateways", "flash.gateway_added")
}

// credentials collects the submitted credential fields.
func credentials(r *http.Request) map[string]string {
	out := map[string]string{}
	for k, vs := range r.PostForm {
		if name, ok := strings.CutPrefix(k, credentialPrefix); ok && len(vs) > 0 {
			out[name] = vs[0]
		}
	}
	return out
}

// gatewayFormError shows the gateways page again with the add form of kind
// open and its errors inline; secrets typed are not shown again.
func (h *Handler) gatewayFormError(w http.ResponseWriter, r *http.Request, p *auth.Principal, kind string, err error) error {
	v, d, lerr := h.gatewaysView(w, r, p)
	if lerr != nil {
		return lerr
	}
	d.Open = kind
	for _, drv := range d.Kinds {
		if string(drv.Kind) != kind {
			continue
		}
		for _, f := range drv.Fields {
			if !f.Secret {
				v.Form.Set(credentialPrefix+f.Name, r.PostForm.Get(credentialPrefix+f.Name))
			}
		}
	}
	v.Form.Set("priority", r.PostForm.Get("priority"))
	return h.formPage(w, r, v, "gateways", err)
}

// gatewayAction verifies, activates, deactivates, re-prioritises or
// deletes one of the seller's gateways.
func (h *Handler) gatewayAction(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx, a := r.Context(), actor(r, p)
	flash := ""
	switch r.PathValue("action") {
	case "verify":
		var g *payments.GatewayView
		if g, err = h.payments.VerifyGateway(ctx, a, id); err == nil {
			flash = "flash.gateway_verified"
			if g.Account.VerifiedAt == nil {
				flash = "flash.gateway_failed"
			}
		}
	case "activate":
		_, err = h.payments.SetGatewayActive(ctx, a, id, true)
		flash = "flash.gateway_activated"
	case "deactivate":
		_, err = h.payments.SetGatewayActive(ctx, a, id, false)
		flash = "flash.gateway_deactivated"
	case "priority":
		n, perr := strconv.Atoi(r.PostForm.Get("priority"))
		if perr != nil || n < 0 || n > 1000 {
			return grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.priority", Message: "must be a number from 0 to 1000"})
		}
		_, err = h.payments.UpdateGateway(ctx, a, id, payments.GatewayParams{Priority: &n})
		flash = "flash.saved"
	case "credentials":
		var g *payments.GatewayView
		if g, err = h.payments.UpdateGateway(ctx, a, id, payments.GatewayParams{Credentials: credentials(r)}); err == nil {
			flash = "flash.gateway_verified"
			if g.Account.VerifiedAt == nil {
				flash = "flash.gateway_failed"
			}
		}
	case "delete":
		err = h.payments.DeleteGateway(ctx, a, id)
		flash = "flash.gateway_deleted"
	default:
		return grimbots.Errorf(grimbots.ENOTFOUND, "no such action")
	}
	if err != nil {
		return err
	}
	return h.redirect(w, r, "/gateways", flash)
}

// pathID reads a positive id from the URL path.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, grimbots.Errorf(grimbots.ENOTFOUND, "not found")
	}
	return id, nil
}

// settleSandbox plays the sandbox bank for one of the seller's test
// charges: paid or expired, confirmed through the same path as a real
// gateway's.
func (h *Handler) settleSandbox(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r, "payment")
	if err != nil {
		return err
	}
	status := r.PathValue("status")
	if status != grimbots.PaymentPaid && status != grimbots.PaymentExpired {
		return grimbots.Errorf(grimbots.ENOTFOUND, "no such action")
	}
	if _, err := h.payments.SandboxSettle(r.Context(), p.User.ID, id, status, h.sandbox); err != nil {
		return err
	}
	flash := "flash.sandbox_paid"
	if status == grimbots.PaymentExpired {
		flash = "flash.sandbox_expired"
	}
	return h.redirect(w, r, "/gateways", flash)
}
