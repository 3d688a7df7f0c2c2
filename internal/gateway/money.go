package gateway

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// ReaisString formats cents as a decimal reais string: 1990 → "19.90".
func ReaisString(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// Reais is an amount in centavos that marshals as a JSON number in reais
// with exactly two decimals (1990 → 19.90), for providers that want reais.
type Reais int64

// MarshalJSON writes the amount as a decimal number without float rounding.
func (r Reais) MarshalJSON() ([]byte, error) { return []byte(ReaisString(int64(r))), nil }

// ParseReais converts a decimal reais amount (a JSON number or string such
// as 19.9, "19.90" or "19,90") to cents exactly, rounding half up beyond two
// decimals.
func ParseReais(v any) (int64, error) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = x
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return x * 100, nil
	case int:
		return int64(x) * 100, nil
	case nil:
		return 0, nil
	default:
		return 0, fmt.Errorf("%w: amount of type %T", ErrMalformed, v)
	}
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	if s == "" {
		return 0, nil
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || strings.ContainsAny(frac, "+-eE") {
		return 0, fmt.Errorf("%w: amount %q", ErrMalformed, s)
	}
	frac += "000"
	cents, err := strconv.ParseInt(frac[:2], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: amount %q", ErrMalformed, s)
	}
	if frac[2] >= '5' {
		cents++
	}
	total := w*100 + cents
	if neg {
		total = -total
	}
	return total, nil
}

// ParseCents converts an integer cents amount given as a JSON number or
// string to int64.
func ParseCents(v any) (int64, error) {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
		f, err := x.Float64()
		if err != nil {
			return 0, fmt.Errorf("%w: cents %q", ErrMalformed, x)
		}
		return int64(f + 0.5), nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: cents %q", ErrMalformed, x)
		}
		return n, nil
	case float64:
		return int64(x + 0.5), nil
	case nil:
		return 0, nil
	}
	return 0, fmt.Errorf("%w: cents of type %T", ErrMalformed, v)
}
