package syncpay

import (
	"fmt"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// checkPayer returns the payer in the shape SyncPay wants, or an error
// wrapping ErrRejected naming the first missing or invalid field. Nothing is
// ever filled in: the payer is the buyer or the seller's configured default.
func checkPayer(p *gateway.Payer) (gateway.Payer, error) {
	var out gateway.Payer
	if p != nil {
		out = gateway.Payer{Name: strings.TrimSpace(p.Name), Document: gateway.Digits(p.Document),
			Email: strings.TrimSpace(p.Email), Phone: phoneDigits(p.Phone)}
	}
	switch {
	case out.Name == "":
		return out, missing("name")
	case out.Document == "":
		return out, missing("document (CPF/CNPJ)")
	case !gateway.ValidCPF(out.Document) && !gateway.ValidCNPJ(out.Document):
		return out, fmt.Errorf("%w: payer document is not a valid CPF or CNPJ", gateway.ErrRejected)
	case out.Email == "":
		return out, missing("email")
	case !plausibleEmail(out.Email):
		return out, fmt.Errorf("%w: payer email is not an e-mail address", gateway.ErrRejected)
	case out.Phone == "":
		return out, missing("phone")
	case len(out.Phone) != 10 && len(out.Phone) != 11:
		return out, fmt.Errorf("%w: payer phone must have 10 or 11 digits with area code", gateway.ErrRejected)
	}
	return out, nil
}

func missing(field string) error {
	return fmt.Errorf("%w: payer %s is required by SyncPay; set the default payer in the gateway settings", gateway.ErrRejected, field)
}

// phoneDigits keeps the digits and drops Brazil's country code, which
// SyncPay's phone field does not take.
func phoneDigits(s string) string {
	d := gateway.Digits(s)
	if (len(d) == 12 || len(d) == 13) && strings.HasPrefix(d, "55") {
		d = d[2:]
	}
	return d
}

func plausibleEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(s, " <>") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}
