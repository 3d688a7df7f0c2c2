// Package babylon is the Banco Babylon PIX adapter.
//
// Babylon takes cents, authenticates with HTTP Basic (secret key as user,
// company id as password) and requires a full customer: name, e-mail, phone
// and a CPF or CNPJ. The reference filled missing data with real people's
// identities drawn from a CSV; this adapter only ever declares the buyer or
// the seller's own configured data, and refuses the charge otherwise.
package babylon

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// Kind is Babylon's gateway kind.
const Kind gateway.Kind = "babylon"

// DefaultBaseURL is the production API root.
const DefaultBaseURL = "https://api.bancobabylon.com/functions/v1"

// minAmountCents is the documented minimum, R$ 1,00.
const minAmountCents = 100

// payerFields are the customer fields Babylon requires on every charge.
var payerFields = []string{"name", "email", "phone", "document"}

// Driver describes Babylon to the platform.
var Driver = gateway.Driver{
	Kind:           Kind,
	Name:           "Babylon",
	DefaultBaseURL: DefaultBaseURL,
	Fields: append([]gateway.Field{
		// The reference's local check wanted at least 10 and 5 characters.
		// The key is the Basic-auth user name, so it cannot hold a colon.
		{Name: "api_key", Label: "Chave secreta (Secret Key)", Secret: true, Required: true, Pattern: `^[^\s:]{10,}$`,
			Help: "Secret Key do painel do Banco Babylon."},
		{Name: "company_id", Label: "ID da empresa (Company ID)", Required: true, Pattern: `^\S{5,}$`,
			Help: "Company ID do painel do Banco Babylon."},
	}, gateway.PayerFieldsDeclared(payerFields...)...),
	MinAmountCents: minAmountCents,
	PayerFields:    payerFields,
	HasStatusAPI:   true,
	New:            New,
	ParseWebhook:   ParseWebhook,
}

type client struct {
	base   string
	auth   string // the Authorization header value
	http   *http.Client
	seller *gateway.Payer // the seller's default payer, or nil
}

// New validates the seller's credentials and returns a client. It makes no
// network call. Payer fields are optional here (buyers may supply their own
// data), but when set they must be usable.
func New(cfg gateway.Config) (gateway.Gateway, error) {
	key := strings.TrimSpace(cfg.Credentials["api_key"])
	company := strings.TrimSpace(cfg.Credentials["company_id"])
	switch {
	case key == "" || company == "":
		return nil, fmt.Errorf("babylon: api_key and company_id are required: %w", gateway.ErrInvalidCredentials)
	case len(key) < 10 || strings.ContainsAny(key, ": \t\r\n"):
		return nil, fmt.Errorf("babylon: api_key must have at least 10 characters, without spaces or colons: %w", gateway.ErrInvalidCredentials)
	case len(company) < 5 || strings.ContainsAny(company, " \t\r\n"):
		return nil, fmt.Errorf("babylon: company_id must have at least 5 characters, without spaces: %w", gateway.ErrInvalidCredentials)
	}
	seller := gateway.PayerFromCredentials(cfg.Credentials)
	if seller != nil {
		if d := seller.Document; d != "" && docType(d) == "" {
			return nil, fmt.Errorf("babylon: payer_document is not a valid CPF or CNPJ: %w", gateway.ErrInvalidCredentials)
		}
		if p := seller.Phone; p != "" && !validPhone(p, seller.Document) {
			return nil, fmt.Errorf("babylon: payer_phone must have 10 or 11 digits with area code: %w", gateway.ErrInvalidCredentials)
		}
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || u.Host == "" {
		return nil, fmt.Errorf("babylon: invalid base URL %q", base)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: gateway.DefaultTimeout}
	}
	return &client{base: base, http: hc, seller: seller,
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"+company))}, nil
}

func (c *client) header() http.Header {
	return http.Header{"Authorization": {c.auth}}
}

// docType is "CPF" or "CNPJ" for a valid document, else "".
func docType(d string) string {
	switch {
	case gateway.ValidCPF(d):
		return "CPF"
	case gateway.ValidCNPJ(d):
		return "CNPJ"
	}
	return ""
}

// phoneDigits drops a +55 country code: Babylon takes DDD plus number.
func phoneDigits(p string) string {
	p = gateway.Digits(p)
	if (len(p) == 12 || len(p) == 13) && strings.HasPrefix(p, "55") {
		p = p[2:]
	}
	return p
}

// validPhone is Babylon's rule: 10 or 11 digits, not equal to the document
// (the reference found the API refusing both).
func validPhone(p, doc string) bool {
	p = phoneDigits(p)
	return (len(p) == 10 || len(p) == 11) && p != gateway.Digits(doc)
}

// choosePayer picks whom to declare as payer: the buyer when their data is
// complete and valid, else the seller's configured default. Fields are never
// mixed between the two, so no name is paired with another person's
// document, and nothing is ever invented.
func choosePayer(buyer, seller *gateway.Payer) (*gateway.Payer, error) {
	var firstMissing string
	for _, p := range []*gateway.Payer{buyer, seller} {
		if p == nil {
			continue
		}
		p = &gateway.Payer{Name: strings.Join(strings.Fields(p.Name), " "), Document: gateway.Digits(p.Document),
			Email: strings.TrimSpace(p.Email), Phone: phoneDigits(p.Phone)}
		missing := ""
		switch {
		case p.Name == "":
			missing = "name"
		case !strings.Contains(p.Email, "@"):
			missing = "email"
		case docType(p.Document) == "":
			missing = "document (a valid CPF or CNPJ)"
		case !validPhone(p.Phone, p.Document):
			missing = "phone (10 or 11 digits with area code)"
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
