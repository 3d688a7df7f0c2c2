package sigilopay

import (
	"fmt"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// maxName is SigiloPay's limit on the client name.
const maxName = 30

type clientData struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	CPF   string `json:"cpf"`   // formatted ###.###.###-##
	Phone string `json:"phone"` // +5511987654321
}

// newClientData builds the client object from the payer the platform passes
// (the buyer's data, completed with the seller's default payer). Every field
// is required; a missing or invalid one is refused before any HTTP call,
// naming the field, and nothing is ever filled in on the payer's behalf.
func newClientData(p *gateway.Payer) (*clientData, error) {
	if p == nil {
		p = &gateway.Payer{}
	}
	missing := func(field string) error {
		return fmt.Errorf("payer %s is required (from the buyer or the seller's default payer): %w", field, gateway.ErrRejected)
	}
	cl := &clientData{Name: strings.TrimSpace(truncate(strings.Join(strings.Fields(p.Name), " "), maxName)),
		Email: strings.TrimSpace(p.Email)}
	if cl.Name == "" {
		return nil, missing("name")
	}
	doc := gateway.Digits(p.Document)
	if !gateway.ValidCPF(doc) {
		// The API's client object has a cpf field only: a CNPJ would be
		// refused by the provider, so say so here.
		return nil, missing("document (a valid CPF; SigiloPay does not take CNPJ)")
	}
	cl.CPF = doc[:3] + "." + doc[3:6] + "." + doc[6:9] + "-" + doc[9:]
	if !validEmail(cl.Email) {
		return nil, missing("email")
	}
	phone, ok := phoneWithCountry(p.Phone)
	if !ok {
		return nil, missing("phone (with area code)")
	}
	cl.Phone = "+" + phone
	return cl, nil
}

// checkDefaultPayer refuses a seller's default payer data that could never
// be sent, so the mistake shows when saving the settings, not at a sale.
func checkDefaultPayer(c gateway.Credentials) error {
	if d := gateway.Digits(c["payer_document"]); d != "" && !gateway.ValidCPF(d) {
		return fmt.Errorf("payer_document is not a valid CPF (SigiloPay takes no CNPJ): %w", gateway.ErrInvalidCredentials)
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
// or 12/13 with the 55 country code) into 55-prefixed digits; the API wants
// them after a "+".
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
