package grimbots

import (
	"math"
	"testing"
)

func TestCentsPercentOfRoundsHalfUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		amount Cents
		bps    int64
		want   Cents
	}{
		{1990, 400, 80}, // 79.6 -> 80
		{1, 400, 0},     // 0.04 -> 0
		{13, 400, 1},    // 0.52 -> 1
		{12, 400, 0},    // 0.48 -> 0
		{125, 400, 5},   // exactly 5.0
		{1250, 4, 1},    // exactly 0.5 -> 1 (half up)
		{1249, 4, 0},    // 0.4996 -> 0
		{3750, 4, 2},    // 1.5 -> 2
		{0, 400, 0},     // nothing
		{1990, 0, 0},    // no fee
		{1990, 10000, 1990},
		{100000, 250, 2500},
		{999999, 399, 39900},      // 39899.96 -> 39900
		{123456789, 400, 4938272}, // 4938271.56 -> 4938272
		// Negative amounts (refunds) mirror the positive ones.
		{-1990, 400, -80},
		{-1250, 4, -1},
		{-12, 400, 0},
		{-13, 400, -1},
	}
	for _, tt := range tests {
		if got := tt.amount.PercentOf(tt.bps); got != tt.want {
			t.Errorf("Cents(%d).PercentOf(%d) = %d, want %d", tt.amount, tt.bps, got, tt.want)
		}
	}
}

func TestCentsPercentOfDefaultCommission(t *testing.T) {
	t.Parallel()
	// The commission of every sale between R$ 0,01 and R$ 1.000,00 at the
	// default rate equals round-half-up of the exact value.
	for c := Cents(1); c <= 100000; c++ {
		exact := int64(c) * DefaultCommissionBasisPoints // in 1/10000 centavo
		want := exact / 10000
		if exact%10000 >= 5000 {
			want++
		}
		if got := c.PercentOf(DefaultCommissionBasisPoints); int64(got) != want {
			t.Fatalf("Cents(%d).PercentOf(%d) = %d, want %d", c, DefaultCommissionBasisPoints, got, want)
		}
	}
}

func TestCentsString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    Cents
		want string
	}{
		{0, "R$ 0,00"},
		{5, "R$ 0,05"},
		{50, "R$ 0,50"},
		{100, "R$ 1,00"},
		{1990, "R$ 19,90"},
		{99999, "R$ 999,99"},
		{100000, "R$ 1.000,00"},
		{123450, "R$ 1.234,50"},
		{1234567, "R$ 12.345,67"},
		{12345678, "R$ 123.456,78"},
		{100000000, "R$ 1.000.000,00"},
		{-5, "-R$ 0,05"},
		{-123450, "-R$ 1.234,50"},
		{-100000000, "-R$ 1.000.000,00"},
		{math.MaxInt64, "R$ 92.233.720.368.547.758,07"},
		{math.MinInt64, "-R$ 92.233.720.368.547.758,08"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("Cents(%d).String() = %q, want %q", int64(tt.c), got, tt.want)
		}
	}
}
