// Package bolt is the Bolt Pagamentos PIX adapter.
//
// Bolt runs the same "functions/v1" transactions API as Babylon: HTTP Basic
// authentication with the seller's secret key as user and company id as
// password, amounts in integer cents, our reference in items[].externalRef
// and the webhook URL in postbackUrl. The customer object is optional, so no
// payer data is required.
package bolt

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// Kind is Bolt Pagamentos' gateway kind.
const Kind gateway.Kind = "bolt"

// defaultBaseURL is the production API root.
const defaultBaseURL = "https://api.sistema.boltpagamentos.com/functions/v1"

// minAmountCents: the provider only demands a positive amount.
const minAmountCents = 1

// Driver describes Bolt Pagamentos to the platform.
var Driver = gateway.Driver{
	Kind:           Kind,
	Name:           "Bolt Pagamentos",
	DefaultBaseURL: defaultBaseURL,
	Fields: []gateway.Field{
		// The secret key is the Basic user name, so it cannot hold a colon.
		{Name: "secret_key", Label: "Chave secreta (Secret Key)", Secret: true, Required: true, Pattern: `^[^\s:]+$`,
			Help: "Chave secreta da API, no painel da Bolt Pagamentos."},
		{Name: "company_id", Label: "ID da empresa (Company ID)", Required: true, Pattern: `^\S+$`,
			Help: "Identificador da sua empresa, no painel da Bolt Pagamentos."},
	},
	MinAmountCents: minAmountCents,
	HasStatusAPI:   true,
	New:            New,
	ParseWebhook:   ParseWebhook,
}

// Client is a Bolt Pagamentos client bound to one seller's credentials. It
// is safe for concurrent use.
type Client struct {
	base string
	http *http.Client
	auth string // the Authorization header value; never printed
}

// New validates the seller's credentials and returns a client. It makes no
// network call.
func New(cfg gateway.Config) (gateway.Gateway, error) {
	secret := strings.TrimSpace(cfg.Credentials["secret_key"])
	company := strings.TrimSpace(cfg.Credentials["company_id"])
	switch {
	case secret == "":
		return nil, fmt.Errorf("bolt: secret_key is required: %w", gateway.ErrInvalidCredentials)
	case strings.ContainsAny(secret, ": \t\r\n"):
		return nil, fmt.Errorf("bolt: secret_key must not contain spaces or colons: %w", gateway.ErrInvalidCredentials)
	case company == "":
		return nil, fmt.Errorf("bolt: company_id is required: %w", gateway.ErrInvalidCredentials)
	case strings.ContainsAny(company, " \t\r\n"):
		return nil, fmt.Errorf("bolt: company_id must not contain spaces: %w", gateway.ErrInvalidCredentials)
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if base == "" {
		base = defaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("bolt: invalid base URL %q", base)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: gateway.DefaultTimeout}
	}
	return &Client{
		base: base,
		http: hc,
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(secret+":"+company)),
	}, nil
}

// String keeps the credentials out of anything that formats the client.
func (c *Client) String() string { return "bolt.Client(" + c.base + ")" }

// GoString does the same for %#v.
func (c *Client) GoString() string { return c.String() }

// call performs one authenticated JSON call and decodes the answer as a JSON
// object. Any answer that is not one wraps ErrUnavailable: a provider that
// answers HTML or garbage is down as far as we are concerned.
func (c *Client) call(ctx context.Context, method, path string, body any) (map[string]any, error) {
	h := http.Header{}
	h.Set("Authorization", c.auth)
	h.Set("Accept", "application/json")
	raw, err := gateway.Do(ctx, c.http, gateway.Request{Method: method, URL: c.base + path, Header: h, Body: body}, nil)
	if err != nil {
		return nil, err
	}
	m, err := decodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: answer is not a JSON object", gateway.ErrUnavailable)
	}
	return m, nil
}

// Refund is not offered: the documented API has no refund endpoint.
func (c *Client) Refund(context.Context, string, int64) error {
	return fmt.Errorf("bolt: refunding: %w", gateway.ErrNotSupported)
}
