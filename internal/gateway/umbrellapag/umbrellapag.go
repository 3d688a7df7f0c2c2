// Package umbrellapag is the PIX adapter for UmbrellaPag
// (https://api-gateway.umbrellapag.com/api).
//
// UmbrellaPag authenticates with an x-api-key header and insists on its own
// User-Agent. Amounts are integer cents. Its create call takes a full
// customer (name, e-mail, CPF/CNPJ, phone) and an address, which the
// reference invented; here they come from the buyer or the seller's own
// configured data, never from thin air. It has no split, no documented
// refund endpoint and no webhook signature.
package umbrellapag

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// Kind is UmbrellaPag's gateway kind.
const Kind gateway.Kind = "umbrellapag"

// DefaultBaseURL is UmbrellaPag's production API root.
const DefaultBaseURL = "https://api-gateway.umbrellapag.com/api"

// userAgent is required by UmbrellaPag: it refuses requests without it.
const userAgent = "UmbrellaPagB2B/1.0"

// maxAmountCents is UmbrellaPag's documented ceiling, R$ 1.000.000,00.
const maxAmountCents = 100_000_000

// Driver describes UmbrellaPag to the platform.
var Driver = gateway.Driver{
	Kind:           Kind,
	Name:           "UmbrellaPag",
	DefaultBaseURL: DefaultBaseURL,
	Fields: append(append([]gateway.Field{
		{Name: "api_key", Label: "Chave de API", Secret: true, Required: true, Pattern: `^\S+$`,
			Help: "Chave de API (x-api-key) do painel UmbrellaPag."},
	}, gateway.PayerFieldsDeclared("name", "document", "email", "phone")...), addressFields...),
	MinAmountCents: 1,
	PayerFields:    []string{"name", "document", "email", "phone"},
	HasStatusAPI:   true,
	SupportsRefund: false,
	SupportsSplit:  false,
	New:            New,
	ParseWebhook:   ParseWebhook,
}

// Client is an UmbrellaPag client bound to one seller's credentials.
type Client struct {
	baseURL string
	http    *http.Client
	apiKey  string
	payer   *gateway.Payer // the seller's default payer; nil if not configured
	address address        // the seller's address; may be incomplete
	// backoff is the wait before each retry of a status query; its length
	// bounds the retries. Per client, so tests can shorten it.
	backoff []time.Duration
}

// New validates the credentials' shape (no network) and returns a client.
// It returns an error wrapping gateway.ErrInvalidCredentials that names the
// faulty field, never its value. Payer and address fields may be empty here
// (the buyer may supply the payer); a charge fails if they are still missing.
func New(cfg gateway.Config) (gateway.Gateway, error) {
	creds := cfg.Credentials
	key := strings.TrimSpace(creds["api_key"])
	if key == "" || strings.ContainsAny(key, " \t\r\n") {
		return nil, fmt.Errorf("umbrellapag: configuring: %w: api_key is required, without spaces", gateway.ErrInvalidCredentials)
	}
	payer := gateway.PayerFromCredentials(creds)
	addr := addressFrom(creds)
	if err := errors.Join(checkConfiguredPayer(payer), addr.checkShape()); err != nil {
		return nil, fmt.Errorf("umbrellapag: configuring: %w: %w", gateway.ErrInvalidCredentials, err)
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: gateway.DefaultTimeout}
	}
	return &Client{baseURL: base, http: hc, apiKey: key, payer: payer, address: addr,
		backoff: []time.Duration{time.Second, 2 * time.Second}}, nil
}

func (c *Client) header() http.Header {
	return http.Header{"X-Api-Key": {c.apiKey}, "User-Agent": {userAgent}, "Accept": {"application/json"}}
}

// VerifyCredentials reads GET /user/sellers, the account endpoint the
// reference verified with. 401/403, or a 2xx body whose own status says
// 401/403, wrap gateway.ErrInvalidCredentials; a 2xx answer that is not
// JSON wraps gateway.ErrUnavailable.
func (c *Client) VerifyCredentials(ctx context.Context) error {
	raw, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodGet, URL: c.baseURL + "/user/sellers", Header: c.header()}, nil)
	if err != nil {
		return fmt.Errorf("umbrellapag: verifying credentials: %w", err)
	}
	root, err := decodeObject(raw)
	if err != nil {
		// A 2xx page that is not JSON (a proxy or login page) proves nothing.
		return fmt.Errorf("umbrellapag: verifying credentials: %w: %w", gateway.ErrUnavailable, err)
	}
	if code, ok := bodyStatus(root); ok && (code == http.StatusUnauthorized || code == http.StatusForbidden) {
		return fmt.Errorf("umbrellapag: verifying credentials: %w: answer status %d", gateway.ErrInvalidCredentials, code)
	}
	return nil
}

// Refund returns gateway.ErrNotSupported: UmbrellaPag's documented API has
// no refund endpoint.
func (c *Client) Refund(ctx context.Context, transactionID string, amountCents int64) error {
	return fmt.Errorf("umbrellapag: refunding: %w", gateway.ErrNotSupported)
}
