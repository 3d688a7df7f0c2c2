package umbrellapag

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/grimbots/grimbots/internal/gateway"
)

// addressFields are the seller's own address, which UmbrellaPag's create
// call requires (customer.address and shipping.address). The reference
// filled it with a made-up São Paulo address; we only ever send the one the
// seller declares as theirs.
var addressFields = []gateway.Field{
	{Name: "payer_zip_code", Label: "CEP do pagador padrão", Required: true, Pattern: `^\d{5}-?\d{3}$`,
		Help: "A UmbrellaPag exige endereço do cliente. Use o endereço da sua empresa; nunca o de terceiros."},
	{Name: "payer_street", Label: "Rua do pagador padrão", Required: true},
	{Name: "payer_street_number", Label: "Número do pagador padrão", Required: true},
	{Name: "payer_complement", Label: "Complemento do pagador padrão"},
	{Name: "payer_neighborhood", Label: "Bairro do pagador padrão", Required: true},
	{Name: "payer_city", Label: "Cidade do pagador padrão", Required: true},
	{Name: "payer_state", Label: "UF do pagador padrão", Required: true, Pattern: `^[A-Za-z]{2}$`, Help: "Sigla do estado, por exemplo SP."},
}

var states = []string{"AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA", "PB", "PE",
	"PI", "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO"}

// address is UmbrellaPag's address object.
type address struct {
	Street       string `json:"street"`
	StreetNumber string `json:"streetNumber"`
	Complement   string `json:"complement"`
	ZipCode      string `json:"zipCode"`
	Neighborhood string `json:"neighborhood"`
	City         string `json:"city"`
	State        string `json:"state"`
	Country      string `json:"country"`
}

// addressFrom reads the seller's address, folded to ASCII like every text
// UmbrellaPag receives.
func addressFrom(c gateway.Credentials) address {
	return address{
		Street:       fold(c["payer_street"], 100),
		StreetNumber: fold(c["payer_street_number"], 20),
		Complement:   fold(c["payer_complement"], 100),
		ZipCode:      gateway.Digits(c["payer_zip_code"]),
		Neighborhood: fold(c["payer_neighborhood"], 100),
		City:         fold(c["payer_city"], 100),
		State:        strings.ToUpper(strings.TrimSpace(c["payer_state"])),
		Country:      "BR", // PIX exists only in Brazil
	}
}

// missing names the required address fields that are empty or invalid.
func (a address) missing() []string {
	var bad []string
	for _, f := range []struct {
		name string
		ok   bool
	}{
		{"payer_zip_code", len(a.ZipCode) == 8}, {"payer_street", a.Street != ""}, {"payer_street_number", a.StreetNumber != ""},
		{"payer_neighborhood", a.Neighborhood != ""}, {"payer_city", a.City != ""}, {"payer_state", slices.Contains(states, a.State)},
	} {
		if !f.ok {
			bad = append(bad, f.name)
		}
	}
	return bad
}

// checkShape rejects filled-in address fields that are malformed.
func (a address) checkShape() error {
	var errs []error
	if a.ZipCode != "" && len(a.ZipCode) != 8 {
		errs = append(errs, errors.New("payer_zip_code must have 8 digits"))
	}
	if a.State != "" && !slices.Contains(states, a.State) {
		errs = append(errs, errors.New("payer_state must be a Brazilian state abbreviation"))
	}
	return errors.Join(errs...)
}

// payer is a normalized payer: document digits, phone as DDD + number.
type payer struct {
	gateway.Payer
}

func normalize(p *gateway.Payer) payer {
	if p == nil {
		return payer{}
	}
	n := payer{gateway.Payer{Name: fold(p.Name, 100), Document: gateway.Digits(p.Document),
		Email: strings.TrimSpace(p.Email), Phone: gateway.Digits(p.Phone)}}
	if (len(n.Phone) == 12 || len(n.Phone) == 13) && strings.HasPrefix(n.Phone, "55") {
		n.Phone = n.Phone[2:]
	}
	return n
}

// invalid lists the required payer fields p lacks or has malformed.
func (p payer) invalid() []string {
	var bad []string
	if p.Name == "" {
		bad = append(bad, "name")
	}
	if p.documentType() == "" {
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

func (p payer) documentType() string {
	switch {
	case gateway.ValidCPF(p.Document):
		return "CPF"
	case gateway.ValidCNPJ(p.Document):
		return "CNPJ"
	}
	return ""
}

// payerFor picks who UmbrellaPag is told pays: the buyer when they gave
// every required field, else the seller's configured default payer. The
// two are never mixed field by field. It fails with gateway.ErrRejected
// naming what the seller must configure.
func payerFor(buyer, seller *gateway.Payer) (payer, error) {
	if b := normalize(buyer); len(b.invalid()) == 0 {
		return b, nil
	}
	s := normalize(seller)
	bad := s.invalid()
	if len(bad) == 0 {
		return s, nil
	}
	return payer{}, fmt.Errorf("%w: UmbrellaPag requires the payer's %s: the buyer did not give them and the default payer (payer_%s) is not configured",
		gateway.ErrRejected, strings.Join(bad, ", "), strings.Join(bad, ", payer_"))
}

// checkConfiguredPayer rejects a seller's default payer whose filled-in
// fields are malformed. Empty fields are allowed: a buyer may supply them.
func checkConfiguredPayer(p *gateway.Payer) error {
	n := normalize(p)
	var errs []error
	if n.Document != "" && n.documentType() == "" {
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
	if !ok || local == "" || len(s) > 100 || strings.ContainsAny(s, " \t\r\n") || strings.Contains(domain, "@") {
		return false
	}
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1
}

// fold strips accents and any other non-ASCII character, turns control
// characters into spaces, collapses spaces and cuts to max bytes (all ASCII
// by then). The reference folded every text it sent UmbrellaPag to ASCII
// and whether UmbrellaPag accepts accents is undocumented, so we do too.
func fold(s string, max int) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		folded = s
	}
	folded = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		if r > unicode.MaxASCII {
			return -1
		}
		return r
	}, folded)
	folded = strings.Join(strings.Fields(folded), " ")
	if len(folded) > max {
		folded = strings.TrimSpace(folded[:max])
	}
	return folded
}
