package payments

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// GatewayView is a gateway account as its seller sees it: secrets masked.
type GatewayView struct {
	Account     *grimbots.GatewayAccount
	Driver      gateway.Driver
	Credentials map[string]string // secret values masked
	WebhookURL  string
}

// Actor is who asks, for the audit log.
type Actor struct {
	UserID    int64
	IP        string
	UserAgent string
}

func (s *Service) audit(a Actor, action string, details map[string]any) grimbots.AuditEntry {
	return grimbots.AuditEntry{ActorID: &a.UserID, TargetUserID: &a.UserID, Action: action, IP: a.IP, UserAgent: a.UserAgent,
		Details: details, CreatedAt: s.now()}
}

// Mask shows enough of a secret to recognise it: "••••••c9f2".
func Mask(v string) string {
	if v == "" {
		return ""
	}
	r := []rune(v)
	if len(r) <= 8 {
		return "••••••"
	}
	return "••••••" + string(r[len(r)-4:])
}

func (s *Service) view(g *grimbots.GatewayAccount) (*GatewayView, error) {
	d, ok := s.drivers[gateway.Kind(g.Kind)]
	if !ok {
		return nil, grimbots.Errorf(grimbots.EINTERNAL, "gateway kind %q is not available", g.Kind)
	}
	creds, err := s.openCredentials(g)
	if err != nil {
		return nil, err
	}
	shown := map[string]string{}
	for _, f := range d.Fields {
		if v := creds[f.Name]; v != "" {
			if f.Secret {
				v = Mask(v)
			}
			shown[f.Name] = v
		}
	}
	return &GatewayView{Account: g, Driver: d, Credentials: shown, WebhookURL: s.WebhookURL(g)}, nil
}

// Gateways lists the seller's gateways. A seller with none gets the sandbox,
// active, so the product works from the first minute.
func (s *Service) Gateways(ctx context.Context, sellerID int64) ([]*GatewayView, error) {
	list, err := s.store.GatewayAccounts(ctx, sellerID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		if _, err := s.ensureSandbox(ctx, sellerID); err != nil {
			return nil, err
		}
		if list, err = s.store.GatewayAccounts(ctx, sellerID); err != nil {
			return nil, err
		}
	}
	out := make([]*GatewayView, 0, len(list))
	for _, g := range list {
		v, err := s.view(g)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// ensureSandbox creates the seller's sandbox account if they have no gateway.
func (s *Service) ensureSandbox(ctx context.Context, sellerID int64) (*grimbots.GatewayAccount, error) {
	now := s.now()
	g := &grimbots.GatewayAccount{SellerID: sellerID, Kind: "sandbox", WebhookToken: newWebhookToken(), Active: true,
		Priority: 100, VerifiedAt: &now, CreatedAt: now, UpdatedAt: now}
	if err := s.sealCredentials(g, gateway.Credentials{}); err != nil {
		return nil, err
	}
	err := s.store.CreateGatewayAccount(ctx, g)
	if grimbots.ErrorCode(err) == grimbots.ECONFLICT {
		return nil, nil // created concurrently
	}
	return g, err
}

func newWebhookToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// GatewayParams adds or edits a gateway. On edit, a secret left empty keeps
// its stored value (the seller only sees it masked).
type GatewayParams struct {
	Kind        string
	Credentials map[string]string
	Priority    *int
}

// AddGateway validates and stores a gateway account (inactive until
// verified and activated), then verifies it live.
func (s *Service) AddGateway(ctx context.Context, a Actor, p GatewayParams) (*GatewayView, error) {
	d, ok := s.drivers[gateway.Kind(p.Kind)]
	if !ok {
		return nil, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.kind", Message: "unknown gateway", Value: p.Kind})
	}
	creds, err := checkCredentials(d, p.Credentials, nil)
	if err != nil {
		return nil, err
	}
	// A seller's first gateway joins the sandbox every seller starts with
	// (it stays as a fallback until they deactivate or delete it).
	if existing, err := s.store.GatewayAccounts(ctx, a.UserID); err != nil {
		return nil, err
	} else if len(existing) == 0 && p.Kind != "sandbox" {
		if _, err := s.ensureSandbox(ctx, a.UserID); err != nil {
			return nil, err
		}
	}
	now := s.now()
	g := &grimbots.GatewayAccount{SellerID: a.UserID, Kind: p.Kind, WebhookToken: newWebhookToken(), CreatedAt: now, UpdatedAt: now}
	if p.Priority != nil {
		g.Priority = *p.Priority
	}
	if err := s.sealCredentials(g, creds); err != nil {
		return nil, err
	}
	if err := s.store.CreateGatewayAccount(ctx, g); err != nil {
		return nil, err
	}
	_ = s.store.AppendAudit(ctx, s.audit(a, grimbots.AuditGatewayAdd, map[string]any{"gateway_id": g.ID, "kind": g.Kind}))
	return s.VerifyGateway(ctx, a, g.ID)
}

// UpdateGateway changes credentials or priority. New credentials must be
// verified again before the gateway takes charges.
func (s *Service) UpdateGateway(ctx context.Context, a Actor, id int64, p GatewayParams) (*GatewayView, error) {
	g, err := s.store.GatewayAccount(ctx, a.UserID, id)
	if err != nil {
		return nil, err
	}
	if p.Credentials != nil {
		d := s.drivers[gateway.Kind(g.Kind)]
		old, err := s.openCredentials(g)
		if err != nil {
			return nil, err
		}
		creds, err := checkCredentials(d, p.Credentials, old)
		if err != nil {
			return nil, err
		}
		if err := s.sealCredentials(g, creds); err != nil {
			return nil, err
		}
		g.VerifiedAt, g.Active = nil, false
	}
	if p.Priority != nil {
		g.Priority = *p.Priority
	}
	g.UpdatedAt = s.now()
	if err := s.store.UpdateGatewayAccount(ctx, g); err != nil {
		return nil, err
	}
	_ = s.store.AppendAudit(ctx, s.audit(a, grimbots.AuditGatewayUpdate, map[string]any{"gateway_id": g.ID, "kind": g.Kind,
		"credentials_changed": p.Credentials != nil}))
	if p.Credentials != nil {
		return s.VerifyGateway(ctx, a, g.ID)
	}
	return s.view(g)
}

// VerifyGateway checks the stored credentials with the provider and records
// the result. A failed check is not an error of the call: the view carries
// it in LastError.
func (s *Service) VerifyGateway(ctx context.Context, a Actor, id int64) (*GatewayView, error) {
	g, err := s.store.GatewayAccount(ctx, a.UserID, id)
	if err != nil {
		return nil, err
	}
	_, c, _, err := s.client(g)
	if err == nil {
		err = c.VerifyCredentials(ctx)
	}
	now := s.now()
	switch {
	case err == nil:
		g.VerifiedAt, g.LastError = &now, ""
	case errors.Is(err, gateway.ErrInvalidCredentials):
		g.VerifiedAt, g.LastError, g.Active = nil, "Credenciais recusadas pelo gateway.", false
	default:
		s.logger.WarnContext(ctx, "verifying gateway credentials", "gateway_id", g.ID, "kind", g.Kind, "err", err)
		g.VerifiedAt, g.LastError, g.Active = nil, "Não foi possível falar com o gateway agora. Tente verificar de novo.", false
	}
	g.UpdatedAt = now
	if err := s.store.UpdateGatewayAccount(ctx, g); err != nil {
		return nil, err
	}
	return s.view(g)
}

// SetGatewayActive activates (only once verified) or deactivates a gateway.
func (s *Service) SetGatewayActive(ctx context.Context, a Actor, id int64, active bool) (*GatewayView, error) {
	g, err := s.store.GatewayAccount(ctx, a.UserID, id)
	if err != nil {
		return nil, err
	}
	if active && g.VerifiedAt == nil {
		return nil, grimbots.Errorf(grimbots.ECONFLICT, "verify the gateway's credentials before activating it")
	}
	g.Active, g.UpdatedAt = active, s.now()
	if err := s.store.UpdateGatewayAccount(ctx, g); err != nil {
		return nil, err
	}
	_ = s.store.AppendAudit(ctx, s.audit(a, grimbots.AuditGatewayUpdate, map[string]any{"gateway_id": g.ID, "active": active}))
	return s.view(g)
}

// DeleteGateway removes a gateway; its payments stay, its webhook URL dies.
func (s *Service) DeleteGateway(ctx context.Context, a Actor, id int64) error {
	g, err := s.store.GatewayAccount(ctx, a.UserID, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteGatewayAccount(ctx, a.UserID, id, s.now()); err != nil {
		return err
	}
	return s.store.AppendAudit(ctx, s.audit(a, grimbots.AuditGatewayDelete, map[string]any{"gateway_id": id, "kind": g.Kind}))
}

// checkCredentials validates submitted fields against the driver, keeping
// old secrets for fields submitted empty, and checks the driver accepts
// them (shape, payer data it requires).
func checkCredentials(d gateway.Driver, submitted, old map[string]string) (gateway.Credentials, error) {
	creds := gateway.Credentials{}
	known := map[string]gateway.Field{}
	var fields []grimbots.FieldError
	for _, f := range d.Fields {
		known[f.Name] = f
		v := strings.TrimSpace(submitted[f.Name])
		if v == "" && old != nil {
			v = old[f.Name]
		}
		switch {
		case v == "" && f.Required:
			fields = append(fields, grimbots.FieldError{Field: "body.credentials." + f.Name, Message: "is required"})
		case len(v) > 2000:
			fields = append(fields, grimbots.FieldError{Field: "body.credentials." + f.Name, Message: "is too long"})
		case v != "" && !matches(f.Pattern, v):
			fields = append(fields, grimbots.FieldError{Field: "body.credentials." + f.Name, Message: "has the wrong format"})
		}
		if f.Name == "payer_document" && v != "" && !gateway.ValidCPF(gateway.Digits(v)) && !gateway.ValidCNPJ(gateway.Digits(v)) {
			fields = append(fields, grimbots.FieldError{Field: "body.credentials." + f.Name, Message: "is not a valid CPF or CNPJ"})
		}
		if v != "" {
			creds[f.Name] = v
		}
	}
	for name := range submitted {
		if _, ok := known[name]; !ok {
			fields = append(fields, grimbots.FieldError{Field: "body.credentials." + name, Message: "is not a field of this gateway"})
		}
	}
	if len(fields) > 0 {
		return nil, grimbots.Invalid("validation failed", fields...)
	}
	if _, err := d.New(gateway.Config{Credentials: creds}); err != nil {
		return nil, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.credentials", Message: "rejected by the gateway adapter: " + safeMessage(err)})
	}
	return creds, nil
}

// matches reports whether v matches a field's pattern. Adapters' patterns
// are compiled by their conformance tests; one that fails to compile here
// rejects the value rather than panicking.
func matches(pattern, v string) bool {
	if pattern == "" {
		return true
	}
	re, err := regexp.Compile(pattern)
	return err == nil && re.MatchString(v)
}

// safeMessage keeps an adapter's validation message short and secret-free
// (adapters never put credentials in errors).
func safeMessage(err error) string {
	m := err.Error()
	if len(m) > 200 {
		m = m[:200]
	}
	return m
}
