// Package orionpay is the OrionPay PIX adapter.
//
// OrionPay takes reais, authenticates with an X-API-Key header, sends no
// reference of ours back (its webhooks carry its own transaction id) and
// takes no webhook URL in the create call: the seller registers the URL in
// OrionPay's panel, where they may also set a secret that OrionPay echoes in
// the X-Webhook-Secret header.
package orionpay

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// Kind is OrionPay's gateway kind.
const Kind gateway.Kind = "orionpay"

// DefaultBaseURL is the production API root. The sandbox
// (https://sandbox.orion.moe) can be used through Config.BaseURL.
const DefaultBaseURL = "https://payapi.orion.moe"

// Documented limits: R$ 5,00 to R$ 1.000.000,00.
const (
	minAmountCents = 500
	maxAmountCents = 100_000_000
)

// payerFields are what POST /api/v1/pix/personal always carries: a name and
// an e-mail (the reference had to invent them). CPF and phone are optional.
var payerFields = []string{"name", "email"}

// Driver describes OrionPay to the platform.
var Driver = gateway.Driver{
	Kind:           Kind,
	Name:           "OrionPay",
	DefaultBaseURL: DefaultBaseURL,
	Fields: append([]gateway.Field{
		{Name: "api_key", Label: "Chave de API", Secret: true, Required: true, Pattern: `^\S+$`,
			Help: "Chave da API (normalmente começa com opay_), no painel da OrionPay."},
		{Name: "webhook_secret", Label: "Segredo do webhook", Secret: true,
			Help: "Opcional. O mesmo segredo configurado no webhook do painel da OrionPay; notificações sem ele (cabeçalho X-Webhook-Secret) são recusadas."},
	}, gateway.PayerFieldsDeclared(payerFields...)...),
	MinAmountCents: minAmountCents,
	PayerFields:    payerFields,
	HasStatusAPI:   true,
	New:            New,
	ParseWebhook:   ParseWebhook,
	VerifyWebhook:  VerifyWebhook,
}

type client struct {
	base   string
	key    string
	http   *http.Client
	seller *gateway.Payer // the seller's default payer, or nil
}

// New validates the seller's credentials and returns a client. It makes no
// network call. Keys not starting with opay_ are accepted: the reference
// only warned about them, so the prefix is not a documented guarantee.
func New(cfg gateway.Config) (gateway.Gateway, error) {
	key := strings.TrimSpace(cfg.Credentials["api_key"])
	if key == "" {
		return nil, fmt.Errorf("orionpay: api_key is required: %w", gateway.ErrInvalidCredentials)
	}
	if strings.ContainsAny(key, " \t\r\n") {
		return nil, fmt.Errorf("orionpay: api_key must not contain spaces: %w", gateway.ErrInvalidCredentials)
	}
	seller := gateway.PayerFromCredentials(cfg.Credentials)
	if seller != nil && seller.Document != "" && !gateway.ValidCPF(seller.Document) {
		return nil, fmt.Errorf("orionpay: payer_document is not a valid CPF: %w", gateway.ErrInvalidCredentials)
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || u.Host == "" {
		return nil, fmt.Errorf("orionpay: invalid base URL %q", base)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: gateway.DefaultTimeout}
	}
	return &client{base: base, key: key, http: hc, seller: seller}, nil
}

func (c *client) header() http.Header {
	return http.Header{"X-Api-Key": {c.key}}
}

// VerifyWebhook checks X-Webhook-Secret against the seller's configured
// secret, in constant time. Without a configured secret there is nothing to
// check: the per-seller URL token and the status re-fetch protect the route.
func VerifyWebhook(header http.Header, _ []byte, creds gateway.Credentials) error {
	secret := strings.TrimSpace(creds["webhook_secret"])
	if secret == "" {
		return nil
	}
	got := header.Get("X-Webhook-Secret")
	// Hashing first makes the comparison constant-time in the length too.
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(secret))
	if got == "" || subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		return fmt.Errorf("orionpay: verifying webhook: X-Webhook-Secret: %w", gateway.ErrBadSignature)
	}
	return nil
}

// choosePayer picks whom to declare as payer: the buyer when their data has
// every required field, else the seller's configured default. Fields are
// never mixed between the two and nothing is invented.
func choosePayer(buyer, seller *gateway.Payer) (*gateway.Payer, error) {
	var firstMissing string
	for _, p := range []*gateway.Payer{buyer, seller} {
		if p == nil {
			continue
		}
		p = &gateway.Payer{Name: strings.Join(strings.Fields(p.Name), " "), Document: gateway.Digits(p.Document),
			Email: strings.TrimSpace(p.Email), Phone: gateway.Digits(p.Phone)}
		missing := ""
		switch {
		case p.Name == "":
			missing = "name"
		case !strings.Contains(p.Email, "@"):
			missing = "email"
		}
		if missing == "" {
			return p, nil
		}
		if firstMissing == "" {
			firstMissing = missing
		}
	}
	if firstMissing == "" {
		firstMissing = "name"
	}
	return nil, fmt.Errorf("payer %s is required and was neither given by the buyer nor configured: %w",
		firstMissing, gateway.ErrRejected)
}

// formatCPF writes a CPF as OrionPay takes it: ###.###.###-##.
func formatCPF(d string) string {
	return d[:3] + "." + d[3:6] + "." + d[6:9] + "-" + d[9:]
}
