// Package pushinpay is the PushinPay adapter: a bearer API key, amounts in
// cents, no payer data, a status endpoint, and webhooks that can carry a
// custom header the seller configures as a shared secret.
package pushinpay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// Kind is PushinPay's gateway kind.
const Kind gateway.Kind = "pushinpay"

const (
	defaultBaseURL = "https://api.pushinpay.com.br"
	cashInPath     = "/api/pix/cashIn"
	statusPath     = "/api/transactions/"
	// minCents is PushinPay's smallest charge.
	minCents = 50
	// defaultSecretHeader is the header name sellers are told to configure
	// when they set a webhook secret without naming a header.
	defaultSecretHeader = "X-Webhook-Secret"
	// probeID is a well-formed transaction id no charge has: querying it is
	// the cheapest authenticated call PushinPay documents.
	probeID = "00000000-0000-0000-0000-000000000000"
)

// Driver describes PushinPay to the platform.
var Driver = gateway.Driver{
	Kind:           Kind,
	Name:           "PushinPay",
	DefaultBaseURL: defaultBaseURL,
	Fields: []gateway.Field{
		{Name: "api_key", Label: "Token da API", Secret: true, Required: true, Pattern: `^\S{20,}$`,
			Help: "Token gerado no painel da PushinPay (Configurações › API)."},
		{Name: "webhook_secret", Label: "Segredo do webhook", Secret: true, Pattern: `^\S{16,}$`,
			Help: "Opcional. Cadastre no webhook da PushinPay um cabeçalho personalizado com este valor (mínimo 16 caracteres); notificações sem ele serão recusadas."},
		{Name: "webhook_header", Label: "Nome do cabeçalho do segredo", Pattern: `^[A-Za-z0-9-]{1,64}$`,
			Help: "Opcional. Nome do cabeçalho personalizado cadastrado na PushinPay. Padrão: X-Webhook-Secret."},
	},
	MinAmountCents: minCents,
	HasStatusAPI:   true,
	// PushinPay documents no refund endpoint.
	SupportsRefund: false,
	SupportsSplit:  true,
	New:            New,
	ParseWebhook:   ParseWebhook,
	VerifyWebhook:  VerifyWebhook,
}

// New validates the credentials and returns a client. No network call.
func New(cfg gateway.Config) (gateway.Gateway, error) {
	key := strings.TrimSpace(cfg.Credentials["api_key"])
	if len(key) < 20 || strings.ContainsAny(key, " \t\r\n") {
		return nil, fmt.Errorf("pushinpay: %w: api_key is missing or too short", gateway.ErrInvalidCredentials)
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if base == "" {
		base = defaultBaseURL
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: gateway.DefaultTimeout}
	}
	return &client{base: base, http: hc, key: key}, nil
}

type client struct {
	base string
	http *http.Client
	key  string
}

func (c *client) header() http.Header {
	return http.Header{"Authorization": {"Bearer " + c.key}, "Accept": {"application/json"}}
}

type cashInRequest struct {
	Value      int64       `json:"value"`
	WebhookURL string      `json:"webhook_url,omitempty"`
	SplitRules []splitRule `json:"split_rules,omitempty"`
}

// splitRule sends value cents to another PushinPay account.
type splitRule struct {
	Value     int64  `json:"value"`
	AccountID string `json:"account_id"`
}

// CreateCharge asks PushinPay for a PIX charge. PushinPay takes no payer
// data and no external reference: the charge is matched by its id.
func (c *client) CreateCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	body, err := buildCashIn(req)
	if err != nil {
		return nil, fmt.Errorf("pushinpay: creating charge: %w", err)
	}
	raw, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodPost, URL: c.base + cashInPath,
		Header: c.header(), Body: body}, nil)
	if err != nil {
		return nil, fmt.Errorf("pushinpay: creating charge: %w", err)
	}
	if msg, bad := errorSignal(raw); bad {
		return nil, fmt.Errorf("pushinpay: creating charge: %w: provider answered 200 with an error: %s", gateway.ErrRejected, msg)
	}
	m, err := decodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("pushinpay: creating charge: %w: %w", gateway.ErrUnavailable, err)
	}
	id, err1 := text(m, "id")
	code, err2 := text(m, "qr_code")
	img, err3 := text(m, "qr_code_base64")
	if err := errors.Join(err1, err2, err3); err != nil || id == "" || code == "" {
		return nil, fmt.Errorf("pushinpay: creating charge: %w: answer lacks id or qr_code", gateway.ErrUnavailable)
	}
	if cents, err := gateway.ParseCents(m["value"]); err == nil && cents != 0 && cents != req.AmountCents {
		return nil, fmt.Errorf("pushinpay: creating charge: %w: charge created for %d cents, asked %d", gateway.ErrUnavailable, cents, req.AmountCents)
	}
	if img != "" && !strings.HasPrefix(img, "data:") && !strings.HasPrefix(img, "https://") {
		img = "data:image/png;base64," + img
	}
	st := gateway.StatusPending
	if s, _ := text(m, "status"); s != "" {
		st = mapStatus(s)
	}
	return &gateway.Charge{TransactionID: normalizeID(id), PixCode: code, QRCodeImage: img, Status: st}, nil
}

func buildCashIn(req gateway.ChargeRequest) (*cashInRequest, error) {
	if req.AmountCents < minCents {
		return nil, fmt.Errorf("%w: PushinPay's minimum is %d cents", gateway.ErrRejected, minCents)
	}
	body := &cashInRequest{Value: req.AmountCents, WebhookURL: req.WebhookURL}
	if s := req.Split; s != nil {
		acct := strings.TrimSpace(s.AccountID)
		// PushinPay refuses a split above half the charge; sending one would
		// only fail at the provider, so it fails here with a clear reason.
		switch {
		case acct == "":
			return nil, fmt.Errorf("%w: split without an account", gateway.ErrRejected)
		case s.AmountCents <= 0 || s.AmountCents > req.AmountCents/2:
			return nil, fmt.Errorf("%w: split of %d cents on a %d-cent charge (PushinPay allows 1 cent to 50%%)", gateway.ErrRejected, s.AmountCents, req.AmountCents)
		}
		body.SplitRules = []splitRule{{Value: s.AmountCents, AccountID: acct}}
	}
	return body, nil
}

// ChargeStatus queries one charge. PushinPay allows at most one query per
// minute per transaction and may block accounts that poll faster: callers
// (the reconciler) must pace themselves; this client keeps no state to do
// it for them.
func (c *client) ChargeStatus(ctx context.Context, transactionID string) (*gateway.Event, error) {
	id := strings.TrimSpace(transactionID)
	if id == "" {
		return nil, fmt.Errorf("pushinpay: querying charge status: %w: empty transaction id", gateway.ErrNotFound)
	}
	raw, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodGet, URL: c.base + statusPath + url.PathEscape(id),
		Header: c.header()}, nil)
	if err != nil {
		return nil, fmt.Errorf("pushinpay: querying charge status: %w", err)
	}
	switch strings.TrimSpace(string(raw)) {
	case "null", "[]", "{}":
		// How an unknown id can come back with 200 instead of 404.
		return nil, fmt.Errorf("pushinpay: querying charge status: %w", gateway.ErrNotFound)
	}
	ev, err := parse(raw)
	switch {
	case errors.Is(err, gateway.ErrIgnored):
		return nil, fmt.Errorf("pushinpay: querying charge status: %w", gateway.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("pushinpay: querying charge status: %w: %w", gateway.ErrUnavailable, err)
	case ev.TransactionID != normalizeID(id):
		return nil, fmt.Errorf("pushinpay: querying charge status: %w: answer is about another transaction", gateway.ErrUnavailable)
	}
	return ev, nil
}

// VerifyCredentials queries a transaction id that cannot exist. PushinPay's
// documented API has no account or balance read, and the status query is
// the cheapest authenticated call: 401/403 means the token is refused, any
// other answer (normally 404) means it was accepted. It runs only when a
// seller saves credentials, far below the one-per-minute query limit.
func (c *client) VerifyCredentials(ctx context.Context) error {
	_, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodGet, URL: c.base + statusPath + probeID,
		Header: c.header()}, nil)
	if err == nil || errors.Is(err, gateway.ErrNotFound) || errors.Is(err, gateway.ErrRejected) {
		return nil
	}
	return fmt.Errorf("pushinpay: verifying credentials: %w", err)
}

// Refund is not offered by PushinPay's documented API.
func (c *client) Refund(context.Context, string, int64) error {
	return fmt.Errorf("pushinpay: refunding: %w", gateway.ErrNotSupported)
}

// normalizeID lower-cases PushinPay's ids: they are UUIDs that the provider
// writes in either case (creation vs. webhooks), and the platform matches ids
// exactly.
func normalizeID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }
