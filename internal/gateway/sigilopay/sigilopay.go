// Package sigilopay is the SigiloPay PIX adapter.
//
// SigiloPay authenticates with two headers (x-public-key and x-secret-key),
// takes amounts in integer cents, our reference as identifier and the webhook
// URL as callbackUrl. It demands a full client (name, e-mail, CPF, phone),
// which comes from the buyer or the seller's own default payer data, never
// from anyone else. Its webhooks carry a shared token that the seller may
// configure so that forged notifications are refused.
package sigilopay

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// Kind is SigiloPay's gateway kind.
const Kind gateway.Kind = "sigilopay"

const (
	// defaultBaseURL is the production API root.
	defaultBaseURL = "https://app.sigilopay.com.br/api/v1"
	// minAmountCents: the provider documents no minimum beyond a positive
	// amount.
	minAmountCents = 1
)

// Driver describes SigiloPay to the platform.
var Driver = gateway.Driver{
	Kind:           Kind,
	Name:           "SigiloPay",
	DefaultBaseURL: defaultBaseURL,
	Fields: append([]gateway.Field{
		{Name: "public_key", Label: "Chave pública", Secret: true, Required: true, Pattern: `^\S+$`,
			Help: "Chave pública (x-public-key), no painel da SigiloPay."},
		{Name: "secret_key", Label: "Chave secreta", Secret: true, Required: true, Pattern: `^\S+$`,
			Help: "Chave secreta (x-secret-key), no painel da SigiloPay."},
		{Name: "webhook_token", Label: "Token do webhook", Secret: true, Pattern: `^\S+$`,
			Help: "Opcional. O token que a SigiloPay envia em cada webhook: se preenchido, webhooks com outro token são recusados."},
	}, payerFields()...),
	MinAmountCents: minAmountCents,
	// The reference always sends all four: the API is treated as requiring
	// them rather than finding out at a buyer's checkout.
	PayerFields:   []string{"name", "document", "email", "phone"},
	HasStatusAPI:  true,
	New:           New,
	ParseWebhook:  ParseWebhook,
	VerifyWebhook: VerifyWebhook,
}

// payerFields declares the seller's default payer fields, with the document
// help narrowed to a CPF: SigiloPay's client object only has a cpf field.
func payerFields() []gateway.Field {
	fs := gateway.PayerFieldsDeclared("name", "document", "email", "phone")
	for i := range fs {
		if fs[i].Name == "payer_document" {
			fs[i].Label = "CPF do pagador padrão"
			fs[i].Help = "Exigido pela SigiloPay, que só aceita CPF. Use o seu CPF; nunca o de terceiros."
		}
	}
	return fs
}

// Client is a SigiloPay client bound to one seller's keys. It is safe for
// concurrent use.
type Client struct {
	base   string
	http   *http.Client
	public string // never printed
	secret string // never printed
}

// New validates the seller's credentials and default payer data and returns
// a client. It makes no network call.
func New(cfg gateway.Config) (gateway.Gateway, error) {
	public := strings.TrimSpace(cfg.Credentials["public_key"])
	secret := strings.TrimSpace(cfg.Credentials["secret_key"])
	switch {
	case public == "":
		return nil, fmt.Errorf("sigilopay: public_key is required: %w", gateway.ErrInvalidCredentials)
	case secret == "":
		return nil, fmt.Errorf("sigilopay: secret_key is required: %w", gateway.ErrInvalidCredentials)
	case strings.ContainsAny(public+secret, " \t\r\n"):
		return nil, fmt.Errorf("sigilopay: keys must not contain spaces: %w", gateway.ErrInvalidCredentials)
	case strings.ContainsAny(strings.TrimSpace(cfg.Credentials["webhook_token"]), " \t\r\n"):
		return nil, fmt.Errorf("sigilopay: webhook_token must not contain spaces: %w", gateway.ErrInvalidCredentials)
	}
	if err := checkDefaultPayer(cfg.Credentials); err != nil {
		return nil, fmt.Errorf("sigilopay: %w", err)
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if base == "" {
		base = defaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("sigilopay: invalid base URL %q", base)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: gateway.DefaultTimeout}
	}
	return &Client{base: base, http: hc, public: public, secret: secret}, nil
}

// String keeps the keys out of anything that formats the client.
func (c *Client) String() string { return "sigilopay.Client(" + c.base + ")" }

// GoString does the same for %#v.
func (c *Client) GoString() string { return c.String() }

// call performs one authenticated JSON call and decodes the answer as a JSON
// object; an answer that is not one wraps ErrUnavailable.
func (c *Client) call(ctx context.Context, method, path string, body any) (map[string]any, error) {
	h := http.Header{}
	h.Set("x-public-key", c.public)
	h.Set("x-secret-key", c.secret)
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
	return fmt.Errorf("sigilopay: refunding: %w", gateway.ErrNotSupported)
}

// VerifyWebhook checks the token SigiloPay puts in every webhook body
// against the seller's webhook_token, in constant time. Sellers who did not
// configure one rely on their secret webhook URL and the status re-fetch, as
// for providers without any secret.
func VerifyWebhook(_ http.Header, body []byte, creds gateway.Credentials) error {
	want := strings.TrimSpace(creds["webhook_token"])
	if want == "" {
		return nil
	}
	var got string
	if root, err := decodeObject(body); err == nil {
		got, _ = root["token"].(string)
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return fmt.Errorf("sigilopay: verifying webhook: token missing or different: %w", gateway.ErrBadSignature)
	}
	return nil
}
