package wiinpay

import (
	"fmt"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// payerFor picks who WiinPay is told pays: the buyer when they gave a name
// and a valid e-mail, else the seller's configured default payer. The two
// are never mixed, so WiinPay never sees an identity stitched from two
// people. When neither is complete it returns an error wrapping
// gateway.ErrRejected that names what the seller must configure.
func payerFor(buyer, seller *gateway.Payer) (name, email string, err error) {
	if n, e, bad := check(buyer); len(bad) == 0 {
		return n, e, nil
	}
	n, e, bad := check(seller)
	if len(bad) == 0 {
		return n, e, nil
	}
	return "", "", fmt.Errorf("%w: WiinPay requires the payer's %s: the buyer did not give them and the default payer (payer_%s) is not configured",
		gateway.ErrRejected, strings.Join(bad, ", "), strings.Join(bad, ", payer_"))
}

// check normalizes p's name and e-mail and lists what is missing or invalid.
func check(p *gateway.Payer) (name, email string, bad []string) {
	if p != nil {
		name = strings.Join(strings.Fields(p.Name), " ")
		email = strings.TrimSpace(p.Email)
	}
	if name == "" {
		bad = append(bad, "name")
	}
	if !validEmail(email) {
		bad = append(bad, "email")
	}
	return name, email, bad
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
