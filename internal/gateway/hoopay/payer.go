package hoopay

import (
	"errors"
	"fmt"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// normalize trims p's fields, keeps only digits in the document and phone,
// and drops a leading 55 country code so the phone is DDD + number.
func normalize(p *gateway.Payer) gateway.Payer {
	if p == nil {
		return gateway.Payer{}
	}
	n := gateway.Payer{
		Name:     strings.Join(strings.Fields(p.Name), " "),
		Document: gateway.Digits(p.Document),
		Email:    strings.TrimSpace(p.Email),
		Phone:    gateway.Digits(p.Phone),
	}
	if (len(n.Phone) == 12 || len(n.Phone) == 13) && strings.HasPrefix(n.Phone, "55") {
		n.Phone = n.Phone[2:]
	}
	return n
}

// invalidFields lists which of HooPay's required payer fields p lacks or
// has in an unusable shape, in the order name, document, email, phone.
func invalidFields(p gateway.Payer) []string {
	var bad []string
	if p.Name == "" {
		bad = append(bad, "name")
	}
	if !gateway.ValidCPF(p.Document) && !gateway.ValidCNPJ(p.Document) {
		bad = append(bad, "document")
	}
	if !validEmail(p.Email) {
		bad = append(bad, "email")
	}
	if len(p.Phone) != 10 && len(p.Phone) != 11 {
		bad = append(bad, "phone")
	}
	return bad
}

// payerFor picks who HooPay is told pays: the buyer when they gave every
// required field, else the seller's configured default payer. The two are
// never mixed, so HooPay never sees an identity stitched from two people.
// When neither is complete it returns an error wrapping gateway.ErrRejected
// that names the fields the seller must configure.
func payerFor(buyer, seller *gateway.Payer) (gateway.Payer, error) {
	if b := normalize(buyer); len(invalidFields(b)) == 0 {
		return b, nil
	}
	s := normalize(seller)
	bad := invalidFields(s)
	if len(bad) == 0 {
		return s, nil
	}
	return gateway.Payer{}, fmt.Errorf("%w: HooPay requires the payer's %s: the buyer did not give them and the default payer (payer_%s) is not configured",
		gateway.ErrRejected, strings.Join(bad, ", "), strings.Join(bad, ", payer_"))
}

// checkConfiguredPayer rejects a seller's default payer whose filled-in
// fields are malformed. Empty fields are allowed: a buyer may supply them.
func checkConfiguredPayer(p *gateway.Payer) error {
	if p == nil {
		return nil
	}
	n := normalize(p)
	var errs []error
	if n.Document != "" && !gateway.ValidCPF(n.Document) && !gateway.ValidCNPJ(n.Document) {
		errs = append(errs, errors.New("payer_document is not a valid CPF or CNPJ"))
	}
	if n.Email != "" && !validEmail(n.Email) {
		errs = append(errs, errors.New("payer_email is not a valid e-mail address"))
	}
	if n.Phone != "" && len(n.Phone) != 10 && len(n.Phone) != 11 {
		errs = append(errs, errors.New("payer_phone must have the area code and 8 or 9 digits"))
	}
	return errors.Join(errs...)
}

// validEmail is a deliberately loose shape check: one @, a non-empty local
// part, and a dotted domain, no spaces.
func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(s) > 254 || strings.ContainsAny(s, " \t\r\n") || strings.Contains(domain, "@") {
		return false
	}
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n]))
}
