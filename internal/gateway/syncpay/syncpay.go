// Package syncpay is the SyncPay adapter: client-credentials token, then a
// cash-in call that returns the PIX code. SyncPay has no status API and no
// refund endpoint, so confirmation relies on its webhook alone.
package syncpay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// Kind is SyncPay's gateway kind.
const Kind gateway.Kind = "syncpay"

const (
	defaultBaseURL = "https://api.syncpayments.com.br"
	tokenPath      = "/api/partner/v1/auth-token"
	cashInPath     = "/api/partner/v1/cash-in"
)

// Driver describes SyncPay to the platform.
var Driver = gateway.Driver{
	Kind:           Kind,
	Name:           "SyncPay",
	DefaultBaseURL: defaultBaseURL,
	Fields: append([]gateway.Field{
		{Name: "client_id", Label: "Client ID", Required: true, Help: "Chave pública (client_id) do painel da SyncPay."},
		{Name: "client_secret", Label: "Client Secret", Secret: true, Required: true, Help: "Chave secreta (client_secret) do painel da SyncPay."},
	}, gateway.PayerFieldsDeclared(payerFields...)...),
	// SyncPay documents no minimum beyond a positive amount.
	MinAmountCents: 1,
	PayerFields:    payerFields,
	HasStatusAPI:   false,
	SupportsRefund: false,
	SupportsSplit:  true,
	New:            New,
	ParseWebhook:   ParseWebhook,
	// SyncPay signs nothing and offers no shared secret: the per-seller
	// webhook URL is the protection.
}

// payerFields are the client fields the cash-in call requires: the reference
// always sends name, cpf, email and phone (inventing them when absent), so
// the API does not accept a charge without them.
var payerFields = []string{"name", "document", "email", "phone"}

// New validates the credentials and returns a client. No network call.
func New(cfg gateway.Config) (gateway.Gateway, error) {
	id := strings.TrimSpace(cfg.Credentials["client_id"])
	secret := strings.TrimSpace(cfg.Credentials["client_secret"])
	if id == "" || secret == "" {
		return nil, fmt.Errorf("syncpay: %w: client_id and client_secret are required", gateway.ErrInvalidCredentials)
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if base == "" {
		base = defaultBaseURL
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: gateway.DefaultTimeout}
	}
	return &client{base: base, http: hc, clientID: id, clientSecret: secret, tokens: newTokenCache()}, nil
}

type client struct {
	base         string
	http         *http.Client
	clientID     string
	clientSecret string
	tokens       *tokenCache
}

// cashInRequest is the body of POST /api/partner/v1/cash-in.
type cashInRequest struct {
	Amount            gateway.Reais `json:"amount"`
	Description       string        `json:"description,omitempty"`
	WebhookURL        string        `json:"webhook_url"`
	Client            cashInClient  `json:"client"`
	ExternalReference string        `json:"external_reference,omitempty"`
	Split             []splitItem   `json:"split,omitempty"`
}

type cashInClient struct {
	Name  string `json:"name"`
	CPF   string `json:"cpf"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// splitItem sends a whole percentage of the charge to another SyncPay
// account, identified by its public client id.
type splitItem struct {
	Percentage int64  `json:"percentage"`
	UserID     string `json:"user_id"`
}

type cashInResponse struct {
	Message    string `json:"message"`
	PixCode    string `json:"pix_code"`
	Identifier string `json:"identifier"`
}

// CreateCharge asks SyncPay for a PIX charge.
func (c *client) CreateCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	body, err := buildCashIn(req)
	if err != nil {
		return nil, fmt.Errorf("syncpay: creating charge: %w", err)
	}
	var out cashInResponse
	raw, err := c.authorized(ctx, gateway.Request{Method: http.MethodPost, URL: c.base + cashInPath, Body: body}, &out)
	if err != nil {
		return nil, fmt.Errorf("syncpay: creating charge: %w", err)
	}
	if msg, bad := errorSignal(raw); bad {
		return nil, fmt.Errorf("syncpay: creating charge: %w: provider answered 200 with an error: %s", gateway.ErrRejected, msg)
	}
	out.PixCode, out.Identifier = strings.TrimSpace(out.PixCode), strings.TrimSpace(out.Identifier)
	if out.PixCode == "" || out.Identifier == "" {
		return nil, fmt.Errorf("syncpay: creating charge: %w: answer lacks identifier or pix_code", gateway.ErrUnavailable)
	}
	// No QR image: the reference built a third-party QR-service URL, which
	// would leak the PIX code; the platform renders its own from PixCode.
	return &gateway.Charge{TransactionID: out.Identifier, PixCode: out.PixCode, Status: gateway.StatusPending}, nil
}

func buildCashIn(req gateway.ChargeRequest) (*cashInRequest, error) {
	if req.AmountCents < 1 {
		return nil, fmt.Errorf("%w: amount must be positive", gateway.ErrRejected)
	}
	// Without a status API the webhook is the only way to learn of payment,
	// so a charge nobody would hear about is refused (as the reference does).
	if strings.TrimSpace(req.WebhookURL) == "" {
		return nil, fmt.Errorf("%w: a webhook URL is required (SyncPay has no status API)", gateway.ErrRejected)
	}
	payer, err := checkPayer(req.Payer)
	if err != nil {
		return nil, err
	}
	body := &cashInRequest{
		Amount:            gateway.Reais(req.AmountCents),
		Description:       strings.TrimSpace(req.Description),
		WebhookURL:        req.WebhookURL,
		Client:            cashInClient{Name: payer.Name, CPF: payer.Document, Email: payer.Email, Phone: payer.Phone},
		ExternalReference: req.Reference,
	}
	if req.Split != nil {
		item, err := splitFor(req.AmountCents, *req.Split)
		if err != nil {
			return nil, err
		}
		body.Split = []splitItem{item}
	}
	return body, nil
}

// splitFor converts the platform's part in cents to the whole percentage
// SyncPay takes, rounded to the nearest percent: the platform computes the
// split as a percentage of the charge, so this recovers it.
func splitFor(total int64, s gateway.Split) (splitItem, error) {
	acct := strings.TrimSpace(s.AccountID)
	switch {
	case acct == "":
		return splitItem{}, fmt.Errorf("%w: split without an account", gateway.ErrRejected)
	case s.AmountCents <= 0 || s.AmountCents >= total:
		return splitItem{}, fmt.Errorf("%w: split of %d cents on a %d-cent charge", gateway.ErrRejected, s.AmountCents, total)
	}
	pct := (s.AmountCents*100*2 + total) / (2 * total) // round half up
	if pct < 1 || pct > 99 {
		return splitItem{}, fmt.Errorf("%w: split of %d cents on %d is not a whole percentage between 1 and 99", gateway.ErrRejected, s.AmountCents, total)
	}
	return splitItem{Percentage: pct, UserID: acct}, nil
}

// authorized performs one call with the cached bearer token. A 401 means the
// token died early (revoked, or SyncPay restarted): it fetches a new one and
// tries once more. A 401 proves the call was not processed, so repeating a
// POST cannot create a second charge.
func (c *client) authorized(ctx context.Context, r gateway.Request, out any) ([]byte, error) {
	tok, err := c.token(ctx, "")
	if err != nil {
		return nil, err
	}
	raw, err := gateway.Do(ctx, c.http, withBearer(r, tok), out)
	var apiErr *gateway.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
		return raw, err
	}
	if tok, err = c.token(ctx, tok); err != nil {
		return nil, err
	}
	return gateway.Do(ctx, c.http, withBearer(r, tok), out)
}

func withBearer(r gateway.Request, tok string) gateway.Request {
	r.Header = http.Header{"Authorization": {"Bearer " + tok}, "Accept": {"application/json"}}
	return r
}

// ChargeStatus is not offered by SyncPay.
func (c *client) ChargeStatus(context.Context, string) (*gateway.Event, error) {
	return nil, fmt.Errorf("syncpay: querying charge status: %w", gateway.ErrNotSupported)
}

// VerifyCredentials obtains a fresh token: SyncPay issues one only for a
// valid client_id/client_secret pair.
func (c *client) VerifyCredentials(ctx context.Context) error {
	if _, err := c.token(ctx, forceRefresh); err != nil {
		return fmt.Errorf("syncpay: verifying credentials: %w", err)
	}
	return nil
}

// Refund is not offered by SyncPay's documented API.
func (c *client) Refund(context.Context, string, int64) error {
	return fmt.Errorf("syncpay: refunding: %w", gateway.ErrNotSupported)
}
