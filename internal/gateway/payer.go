package gateway

import "strings"

// Digits keeps only the ASCII digits of s.
func Digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ValidCPF reports whether digits is a CPF with correct check digits (and
// not one of the repeated-digit sequences that pass the arithmetic).
func ValidCPF(digits string) bool {
	if len(digits) != 11 || Digits(digits) != digits || strings.Count(digits, digits[:1]) == 11 {
		return false
	}
	check := func(n int) byte {
		sum := 0
		for i := 0; i < n; i++ {
			sum += int(digits[i]-'0') * (n + 1 - i)
		}
		d := (sum * 10) % 11
		if d == 10 {
			d = 0
		}
		return byte('0' + d)
	}
	return check(9) == digits[9] && check(10) == digits[10]
}

// ValidCNPJ reports whether digits is a CNPJ with correct check digits.
func ValidCNPJ(digits string) bool {
	if len(digits) != 14 || Digits(digits) != digits || strings.Count(digits, digits[:1]) == 14 {
		return false
	}
	weights := []int{6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}
	check := func(n int) byte {
		sum := 0
		for i := 0; i < n; i++ {
			sum += int(digits[i]-'0') * weights[len(weights)-n+i]
		}
		d := sum % 11
		if d < 2 {
			return '0'
		}
		return byte('0' + 11 - d)
	}
	return check(12) == digits[12] && check(13) == digits[13]
}

// PayerFromCredentials returns the payer a seller configured on a gateway
// (fields payer_name, payer_document, payer_email, payer_phone), or nil.
func PayerFromCredentials(c Credentials) *Payer {
	p := &Payer{Name: strings.TrimSpace(c["payer_name"]), Document: Digits(c["payer_document"]),
		Email: strings.TrimSpace(c["payer_email"]), Phone: Digits(c["payer_phone"])}
	if *p == (Payer{}) {
		return nil
	}
	return p
}

// PayerFieldsDeclared returns the optional payer fields an adapter adds to
// its Fields when its provider requires payer data: the seller may fill them
// with their own (or their company's) data, which the provider then shows as
// the payer. They are never filled with anyone else's identity.
func PayerFieldsDeclared(required ...string) []Field {
	all := map[string]Field{
		"name":     {Name: "payer_name", Label: "Nome do pagador padrão", Help: "Usado quando o comprador não informa o nome. Use os seus dados ou os da sua empresa."},
		"document": {Name: "payer_document", Label: "CPF/CNPJ do pagador padrão", Help: "Exigido por este gateway. Use o seu CPF ou o CNPJ da sua empresa; nunca o de terceiros."},
		"email":    {Name: "payer_email", Label: "E-mail do pagador padrão", Help: "Usado quando o comprador não informa o e-mail."},
		"phone":    {Name: "payer_phone", Label: "Telefone do pagador padrão", Help: "Com DDD, só números."},
	}
	var out []Field
	for _, r := range required {
		if f, ok := all[r]; ok {
			f.Required = true
			out = append(out, f)
		}
	}
	return out
}
