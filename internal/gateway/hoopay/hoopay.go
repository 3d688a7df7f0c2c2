// Package hoopay is the PIX adapter for HooPay (https://pay.hoopay.com.br).
//
// HooPay only ever existed in the platform's v2 reference, so this is its v2
// API: POST /charge to create, GET /pix/consult/{orderUUID} to query, HTTP
// Basic auth with the token as user name and an empty password, amounts in
// reais. HooPay documents no refund endpoint and no webhook signature.
package hoopay

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// Kind is HooPay's gateway kind.
const Kind gateway.Kind = "hoopay"

// DefaultBaseURL is HooPay's production API root.
const DefaultBaseURL = "https://pay.hoopay.com.br/api/v1"

// requiredPayer is what HooPay's customer object carries. The reference
// always filled all four (with invented defaults), so the API is treated as
// requiring them; we take them from the buyer or the seller, never invent.
var requiredPayer = []string{"name", "document", "email", "phone"}

var (
	apiKeyPattern = regexp.MustCompile(`^\S{20,}$`)
	uuidPattern   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// Driver describes HooPay to the platform.
var Driver = gateway.Driver{
	Kind:           Kind,
	Name:           "HooPay",
	DefaultBaseURL: DefaultBaseURL,
	Fields: append([]gateway.Field{
		{Name: "api_key", Label: "Token de API", Secret: true, Required: true, Pattern: apiKeyPattern.String(),
			Help: "Token da sua conta HooPay (pelo menos 20 caracteres)."},
		{Name: "organization_id", Label: "ID da organização", Pattern: uuidPattern.String(),
			Help: "UUID da sua organização na HooPay. Necessário apenas quando a plataforma cobra a comissão por split."},
	}, gateway.PayerFieldsDeclared(requiredPayer...)...),
	MinAmountCents: 50,
	PayerFields:    []string{"name", "document", "email", "phone"},
	HasStatusAPI:   true,
	SupportsRefund: false,
	SupportsSplit:  true,
	New:            New,
	ParseWebhook:   ParseWebhook,
}

// Client is a HooPay client bound to one seller's credentials.
type Client struct {
	baseURL string
	http    *http.Client
	auth    string // the precomputed Basic Authorization header value
	orgID   string
	payer   *gateway.Payer // the seller's default payer; nil if not configured
}

// New validates the credentials' shape (no network) and returns a client.
// It returns an error wrapping gateway.ErrInvalidCredentials when a field is
// missing or malformed; the message names the field, never its value.
func New(cfg gateway.Config) (gateway.Gateway, error) {
	creds := cfg.Credentials
	key := strings.TrimSpace(creds["api_key"])
	if key == "" {
		return nil, fmt.Errorf("hoopay: configuring: %w: api_key is required", gateway.ErrInvalidCredentials)
	}
	if !apiKeyPattern.MatchString(key) {
		return nil, fmt.Errorf("hoopay: configuring: %w: api_key must be at least 20 characters without spaces", gateway.ErrInvalidCredentials)
	}
	org := strings.TrimSpace(creds["organization_id"])
	if org != "" && !uuidPattern.MatchString(org) {
		return nil, fmt.Errorf("hoopay: configuring: %w: organization_id must be a UUID", gateway.ErrInvalidCredentials)
	}
	payer := gateway.PayerFromCredentials(creds)
	if err := checkConfiguredPayer(payer); err != nil {
		return nil, fmt.Errorf("hoopay: configuring: %w: %w", gateway.ErrInvalidCredentials, err)
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: gateway.DefaultTimeout}
	}
	return &Client{
		baseURL: base,
		http:    hc,
		auth:    "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":")),
		orgID:   org,
		payer:   payer,
	}, nil
}

func (c *Client) header() http.Header {
	return http.Header{"Authorization": {c.auth}, "Accept": {"application/json"}}
}

// ChargeStatus queries GET /pix/consult/{orderUUID}, which answers in the
// webhook's shape. It returns gateway.ErrNotFound for an unknown charge.
func (c *Client) ChargeStatus(ctx context.Context, transactionID string) (*gateway.Event, error) {
	if strings.TrimSpace(transactionID) == "" {
		return nil, fmt.Errorf("hoopay: querying charge: %w: empty transaction id", gateway.ErrRejected)
	}
	raw, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodGet,
		URL: c.baseURL + "/pix/consult/" + url.PathEscape(transactionID), Header: c.header()}, nil)
	if err != nil {
		return nil, fmt.Errorf("hoopay: querying charge: %w", err)
	}
	ev, err := ParseWebhook(nil, raw)
	if err != nil {
		// A 2xx answer we cannot read says nothing about the charge: treat the
		// provider as unavailable so the caller tries again later.
		return nil, fmt.Errorf("hoopay: querying charge: %w: %w", gateway.ErrUnavailable, err)
	}
	if ev.TransactionID == "" {
		ev.TransactionID = transactionID
	}
	return ev, nil
}

// verifyProbe is a well-formed order id that no real charge has.
const verifyProbe = "00000000-0000-0000-0000-000000000000"

// VerifyCredentials makes an authenticated read. HooPay documents no
// account endpoint, so it consults a charge that cannot exist: 401/403 means
// the token is refused, while 404 (or any 2xx) means HooPay authenticated us
// and only failed to find the charge.
func (c *Client) VerifyCredentials(ctx context.Context) error {
	_, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodGet,
		URL: c.baseURL + "/pix/consult/" + verifyProbe, Header: c.header()}, nil)
	if err == nil || errors.Is(err, gateway.ErrNotFound) {
		return nil
	}
	return fmt.Errorf("hoopay: verifying credentials: %w", err)
}

// Refund returns gateway.ErrNotSupported: HooPay documents no refund API.
func (c *Client) Refund(ctx context.Context, transactionID string, amountCents int64) error {
	return fmt.Errorf("hoopay: refunding: %w", gateway.ErrNotSupported)
}
