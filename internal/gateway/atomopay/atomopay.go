// Package atomopay is the Átomo Pay PIX adapter.
//
// Átomo Pay sells through products and offers: every transaction names an
// offer whose price equals the charge. The client looks the offer up by its
// exact price in cents and creates it when missing; when the seller set no
// product, it also creates one and keeps its hash (see Client.ProductHash).
// Every call is authenticated by an api_token query parameter.
package atomopay

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/grimbots/grimbots/internal/gateway"
)

// Kind is Átomo Pay's gateway kind.
const Kind gateway.Kind = "atomopay"

// DefaultBaseURL is the production API root.
const DefaultBaseURL = "https://api.atomopay.com.br/api/public/v1"

// minAmountCents and maxAmountCents are the provider's documented limits
// (R$ 0,50 to R$ 1.000.000,00).
const (
	minAmountCents = 50
	maxAmountCents = 100_000_000
)

// payerFields are the customer fields Átomo Pay's transaction call carries
// on every request (name, e-mail and phone_number); the CPF is optional.
var payerFields = []string{"name", "email", "phone"}

// Driver describes Átomo Pay to the platform.
var Driver = gateway.Driver{
	Kind:           Kind,
	Name:           "Átomo Pay",
	DefaultBaseURL: DefaultBaseURL,
	Fields: append([]gateway.Field{
		{Name: "api_token", Label: "Token de API", Secret: true, Required: true, Pattern: `^\S+$`,
			Help: "Token da API pública, no painel da Átomo Pay."},
		{Name: "product_hash", Label: "Hash do produto",
			Help: "Opcional. Se vazio, um produto é criado na sua conta Átomo Pay na primeira venda."},
	}, gateway.PayerFieldsDeclared(payerFields...)...),
	MinAmountCents: minAmountCents,
	PayerFields:    payerFields,
	HasStatusAPI:   true,
	New:            New,
	ParseWebhook:   ParseWebhook,
}

// Client is an Átomo Pay client bound to one seller's token. It is safe for
// concurrent use.
type Client struct {
	base string
	http *http.Client
	// seller is the default payer the seller configured, or nil.
	seller *gateway.Payer

	// create serializes product creation so concurrent first sales do not
	// create several products; it is a channel so waiting honours ctx.
	create chan struct{}

	mu          sync.Mutex
	productHash string
	created     bool // productHash was created by this client, not configured
}

// New validates the seller's credentials and returns a client. It makes no
// network call.
func New(cfg gateway.Config) (gateway.Gateway, error) {
	return newClient(cfg)
}

func newClient(cfg gateway.Config) (*Client, error) {
	token := strings.TrimSpace(cfg.Credentials["api_token"])
	if token == "" {
		return nil, fmt.Errorf("atomopay: api_token is required: %w", gateway.ErrInvalidCredentials)
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return nil, fmt.Errorf("atomopay: api_token must not contain spaces: %w", gateway.ErrInvalidCredentials)
	}
	product := strings.TrimSpace(cfg.Credentials["product_hash"])
	seller := gateway.PayerFromCredentials(cfg.Credentials)
	if seller != nil && seller.Document != "" && !gateway.ValidCPF(seller.Document) {
		return nil, fmt.Errorf("atomopay: payer_document is not a valid CPF: %w", gateway.ErrInvalidCredentials)
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("atomopay: invalid base URL %q", base)
	}
	return &Client{
		base:        base,
		http:        withToken(cfg.HTTPClient, u.Host, token),
		seller:      seller,
		create:      make(chan struct{}, 1),
		productHash: product,
	}, nil
}

// ProductHash returns the product this client sells through: the configured
// one, or the one it created on the first sale ("" before that).
func (c *Client) ProductHash() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.productHash
}

// CredentialUpdates returns the credential values the platform should save
// back to the seller's gateway account: the product hash when this client
// created one, so that later clients reuse it instead of creating another
// product per sale. It is nil when nothing changed.
func (c *Client) CredentialUpdates() gateway.Credentials {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.created {
		return nil
	}
	return gateway.Credentials{"product_hash": c.productHash}
}

// withToken returns a copy of hc whose transport adds the api_token query
// parameter to requests for host. Adding it at the transport keeps the token
// out of the request URL the rest of the stack sees, so it never appears in
// the *url.Error messages that net/http builds from that URL, and redirects
// to another host do not carry it.
func withToken(hc *http.Client, host, token string) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	} else {
		c.Timeout = gateway.DefaultTimeout
	}
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = &tokenTransport{base: base, host: host, token: token}
	return &c
}

type tokenTransport struct {
	base  http.RoundTripper
	host  string
	token string
}

func (t *tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != t.host {
		return t.base.RoundTrip(r)
	}
	// RoundTrippers must not modify the caller's request.
	r2 := r.Clone(r.Context())
	q := r2.URL.Query()
	q.Set("api_token", t.token)
	r2.URL.RawQuery = q.Encode()
	return t.base.RoundTrip(r2)
}

// choosePayer picks whom to declare as payer: the buyer when their data has
// every required field, else the seller's configured default. Fields are
// never mixed between the two, so no name is paired with another person's
// document, and nothing is ever invented.
func choosePayer(buyer, seller *gateway.Payer) (*gateway.Payer, error) {
	var firstMissing string
	for _, p := range []*gateway.Payer{buyer, seller} {
		if p == nil {
			continue
		}
		p = &gateway.Payer{Name: cleanName(p.Name), Document: gateway.Digits(p.Document),
			Email: strings.TrimSpace(p.Email), Phone: gateway.Digits(p.Phone)}
		missing := ""
		switch {
		case p.Name == "":
			missing = "name"
		case !strings.Contains(p.Email, "@"):
			missing = "email"
		case len(p.Phone) < 10:
			missing = "phone (with area code)"
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

// accents maps the accented letters of Portuguese names to ASCII: Átomo Pay
// takes names as plain letters and spaces (the reference strips the rest).
var accents = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ã", "a", "ä", "a", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ì", "i", "î", "i", "ï", "i", "ó", "o", "ò", "o", "ô", "o", "õ", "o", "ö", "o",
	"ú", "u", "ù", "u", "û", "u", "ü", "u", "ç", "c", "ñ", "n",
	"Á", "A", "À", "A", "Â", "A", "Ã", "A", "Ä", "A", "É", "E", "È", "E", "Ê", "E", "Ë", "E",
	"Í", "I", "Ì", "I", "Î", "I", "Ï", "I", "Ó", "O", "Ò", "O", "Ô", "O", "Õ", "O", "Ö", "O",
	"Ú", "U", "Ù", "U", "Û", "U", "Ü", "U", "Ç", "C", "Ñ", "N",
)

// cleanName keeps ASCII letters and single spaces, at most 30 characters,
// as Átomo Pay expects.
func cleanName(s string) string {
	s = accents.Replace(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r == ' ' || r == '\t' || r == '\n' || r == '-': // "Ana-Júlia" is two names
			b.WriteByte(' ')
		}
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	if len(out) > 30 {
		out = strings.TrimSpace(out[:30])
	}
	return out
}
