// Package aguiapags is the ÁguiaPags PIX adapter.
//
// ÁguiaPags authenticates with an x-api-key header, takes amounts in integer
// cents and our reference as externalRef. Its create call has no webhook
// field: the seller registers the platform's URL in the ÁguiaPags panel. It
// demands a full customer (name, e-mail, phone, CPF/CNPJ), which comes from
// the buyer or the seller's own default payer data, never from anyone else.
package aguiapags

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// Kind is ÁguiaPags' gateway kind.
const Kind gateway.Kind = "aguiapags"

const (
	// defaultBaseURL is the production API root; there is no sandbox.
	defaultBaseURL = "https://aguiapags.com/api/v1"
	// minAmountCents: the provider documents no minimum beyond a positive
	// amount.
	minAmountCents = 1
	// minKeyLen is the shortest key the reference accepts.
	minKeyLen = 5
)

// Driver describes ÁguiaPags to the platform.
var Driver = gateway.Driver{
	Kind:           Kind,
	Name:           "ÁguiaPags",
	DefaultBaseURL: defaultBaseURL,
	Fields: append([]gateway.Field{
		{Name: "api_key", Label: "Chave de API", Secret: true, Required: true, Pattern: `^\S{5,}$`,
			Help: "Chave de API do painel da ÁguiaPags. Cadastre também a URL de webhook da plataforma no painel, pois a ÁguiaPags não a recebe por cobrança."},
	}, gateway.PayerFieldsDeclared("name", "document", "email", "phone")...),
	MinAmountCents: minAmountCents,
	// The reference always sends all four: the API is treated as requiring
	// them rather than finding out at a buyer's checkout.
	PayerFields:  []string{"name", "document", "email", "phone"},
	HasStatusAPI: true,
	New:          New,
	ParseWebhook: ParseWebhook,
}

// Client is an ÁguiaPags client bound to one seller's key. It is safe for
// concurrent use.
type Client struct {
	base string
	http *http.Client
	key  string // never printed
}

// New validates the seller's credentials and default payer data and returns
// a client. It makes no network call.
func New(cfg gateway.Config) (gateway.Gateway, error) {
	key := strings.TrimSpace(cfg.Credentials["api_key"])
	switch {
	case key == "":
		return nil, fmt.Errorf("aguiapags: api_key is required: %w", gateway.ErrInvalidCredentials)
	case strings.ContainsAny(key, " \t\r\n"):
		return nil, fmt.Errorf("aguiapags: api_key must not contain spaces: %w", gateway.ErrInvalidCredentials)
	case len(key) < minKeyLen:
		return nil, fmt.Errorf("aguiapags: api_key is too short: %w", gateway.ErrInvalidCredentials)
	}
	if err := checkDefaultPayer(cfg.Credentials); err != nil {
		return nil, fmt.Errorf("aguiapags: %w", err)
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if base == "" {
		base = defaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("aguiapags: invalid base URL %q", base)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: gateway.DefaultTimeout}
	}
	return &Client{base: base, http: hc, key: key}, nil
}

// String keeps the key out of anything that formats the client.
func (c *Client) String() string { return "aguiapags.Client(" + c.base + ")" }

// GoString does the same for %#v.
func (c *Client) GoString() string { return c.String() }

// call performs one authenticated JSON call and decodes the answer as a JSON
// object; an answer that is not one wraps ErrUnavailable.
func (c *Client) call(ctx context.Context, method, path string, body any) (map[string]any, error) {
	h := http.Header{}
	h.Set("x-api-key", c.key)
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
	return fmt.Errorf("aguiapags: refunding: %w", gateway.ErrNotSupported)
}
