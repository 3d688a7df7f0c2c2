package grimbots

import (
	"fmt"
	"strconv"
	"strings"
)

// Cents is an amount of Brazilian reais in centavos. Money is never a float.
type Cents int64

// String formats c the Brazilian way: "R$ 1.234,50".
func (c Cents) String() string {
	sign := ""
	// The magnitude as uint64, so that even math.MinInt64 negates correctly.
	v := uint64(c)
	if c < 0 {
		sign = "-"
		v = -v
	}
	units := strconv.FormatUint(v/100, 10)
	var b strings.Builder
	for i, r := range units {
		if i > 0 && (len(units)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%sR$ %s,%02d", sign, b.String(), v%100)
}

// PercentOf returns basisPoints/10000 of c rounded half-up to the centavo
// (for non-negative amounts), using integer arithmetic only.
func (c Cents) PercentOf(basisPoints int64) Cents {
	p := int64(c) * basisPoints
	if p >= 0 {
		return Cents((p + 5000) / 10000)
	}
	return -Cents((-p + 5000) / 10000)
}
