package aguiapags

import (
	"fmt"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// maxName bounds the customer name; the provider documents no limit, so
// this only keeps a pasted paragraph from being refused.
const maxName = 120

type customer struct {
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Phone    string   `json:"phone"` // country code included: 5511987654321
	Document document `json:"document"`
}

type document struct {
	Number string `json:"number"`
	Type   string `json:"type"` // "cpf" or "cnpj"
}

// newCustomer builds the customer from the payer the platform passes (the
// buyer's data, completed with the seller's default payer). Every field is
// required; a missing or invalid one is refused before any HTTP call, naming
// the field, and nothing is ever filled in on the payer's behalf.
func newCustomer(p *gateway.Payer) (*customer, error) {
	if p == nil {
		p = &gateway.Payer{}
	}
	missing := func(field string) error {
		return fmt.Errorf("payer %s is required (from the buyer or the seller's default payer): %w", field, gateway.ErrRejected)
	}
	cu := &customer{Name: truncate(strings.Join(strings.Fields(p.Name), " "), maxName), Email: strings.TrimSpace(p.Email)}
	if cu.Name == "" {
		return nil, missing("name")
	}
	doc := gateway.Digits(p.Document)
	switch {
	case gateway.ValidCPF(doc):
		cu.Document = document{Number: doc, Type: "cpf"}
	case gateway.ValidCNPJ(doc):
		cu.Document = document{Number: doc, Type: "cnpj"}
	default:
		return nil, missing("document (a valid CPF or CNPJ)")
	}
	if !validEmail(cu.Email) {
		return nil, missing("email")
	}
	phone, ok := phoneWithCountry(p.Phone)
	if !ok {
		return nil, missing("phone (with area code)")
	}
	cu.Phone = phone
	return cu, nil
}

// checkDefaultPayer refuses a seller's default payer data that could never
// be sent, so the mistake shows when saving the settings, not at a sale.
func checkDefaultPayer(c gateway.Credentials) error {
	if d := gateway.Digits(c["payer_document"]); d != "" && !gateway.ValidCPF(d) && !gateway.ValidCNPJ(d) {
		return fmt.Errorf("payer_document is not a valid CPF or CNPJ: %w", gateway.ErrInvalidCredentials)
	}
	if e := strings.TrimSpace(c["payer_email"]); e != "" && !validEmail(e) {
		return fmt.Errorf("payer_email is not an e-mail address: %w", gateway.ErrInvalidCredentials)
	}
	if ph := strings.TrimSpace(c["payer_phone"]); ph != "" {
		if _, ok := phoneWithCountry(ph); !ok {
			return fmt.Errorf("payer_phone needs the area code (10 or 11 digits): %w", gateway.ErrInvalidCredentials)
		}
	}
	return nil
}

// validEmail is a shape check (one @, something on each side, a dot in the
// domain, no spaces); the provider does the rest.
func validEmail(e string) bool {
	local, domain, ok := strings.Cut(e, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(domain, "@") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") && !strings.ContainsAny(e, " \t\r\n<>")
}

// phoneWithCountry turns a Brazilian phone with area code (10 or 11 digits,
// or 12/13 with the 55 country code) into the 55-prefixed digits the
// provider's examples use.
func phoneWithCountry(s string) (string, bool) {
	d := gateway.Digits(s)
	switch {
	case len(d) == 10 || len(d) == 11:
		return "55" + d, true
	case (len(d) == 12 || len(d) == 13) && strings.HasPrefix(d, "55"):
		return d, true
	}
	return "", false
}
