package funnel

import (
	"slices"
	"testing"

	"github.com/grimbots/grimbots/internal/grimbots"
)

func TestOfferTotalAndName(t *testing.T) {
	c := exampleConfig()
	tests := []struct {
		offer string
		bumps []string
		total grimbots.Cents
		name  string
		code  string
	}{
		{"vip", nil, 1997, "VIP mensal", ""},
		{"vip", []string{"bonus"}, 2497, "VIP mensal + Bônus", ""},
		{"vip", []string{"grupo", "bonus"}, 2787, "VIP mensal + Grupo de avisos + Bônus", ""},
		{"vitalicio", []string{}, 9700, "💎 Vitalício - R$ 97,00", ""}, // no name: the button label
		{"nope", nil, 0, "", grimbots.ENOTFOUND},
		{"vip", []string{"mentoria"}, 0, "", grimbots.ENOTFOUND}, // an id, but not a bump of this offer
		{"vitalicio", []string{"bonus"}, 0, "", grimbots.ENOTFOUND},
		{"vip", []string{"bonus", "bonus"}, 0, "", grimbots.EINVALID},
	}
	for _, tt := range tests {
		total, err := c.OfferTotal(tt.offer, tt.bumps)
		if total != tt.total || grimbots.ErrorCode(err) != tt.code {
			t.Errorf("OfferTotal(%q, %q) = %d, %v; want %d, code %q", tt.offer, tt.bumps, total, err, tt.total, tt.code)
		}
		name, err := c.OfferName(tt.offer, tt.bumps)
		if name != tt.name || grimbots.ErrorCode(err) != tt.code {
			t.Errorf("OfferName(%q, %q) = %q, %v; want %q", tt.offer, tt.bumps, name, err, tt.name)
		}
	}
}

func TestBumpStep(t *testing.T) {
	c := exampleConfig()
	tests := []struct {
		bump, answers string
		accepted      []string
		next          string
		code          string
	}{
		{"bonus", "y", []string{"bonus"}, "grupo", ""},
		{"bonus", "n", []string{}, "grupo", ""},
		{"grupo", "yy", []string{"bonus", "grupo"}, "", ""},
		{"grupo", "ny", []string{"grupo"}, "", ""},
		{"grupo", "nn", []string{}, "", ""},
		{"grupo", "y", nil, "", grimbots.ENOTFOUND},    // reordered since the prompt
		{"bonus", "yy", nil, "", grimbots.ENOTFOUND},   // ditto
		{"grupo", "yyy", nil, "", grimbots.ENOTFOUND},  // more answers than bumps
		{"bonus", "", nil, "", grimbots.ENOTFOUND},     // no answer
		{"mentoria", "y", nil, "", grimbots.ENOTFOUND}, // not a bump
	}
	for _, tt := range tests {
		accepted, next, err := c.BumpStep("vip", tt.bump, tt.answers)
		nextID := ""
		if next != nil {
			nextID = next.ID
		}
		if !slices.Equal(accepted, tt.accepted) || nextID != tt.next || grimbots.ErrorCode(err) != tt.code {
			t.Errorf("BumpStep(vip, %q, %q) = %q, %q, %v; want %q, %q, code %q",
				tt.bump, tt.answers, accepted, nextID, err, tt.accepted, tt.next, tt.code)
		}
	}
	if _, _, err := c.BumpStep("gone", "bonus", "y"); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
		t.Errorf("unknown offer: %v", err)
	}
}

func TestDownsellPrice(t *testing.T) {
	c := exampleConfig()
	tests := []struct {
		offerPrice grimbots.Cents
		percent    int
		want       grimbots.Cents
	}{
		{1990, 15, 1692}, // 1691.5 rounds half-up
		{1997, 50, 999},  // 998.5; the reference charged 998
		{1999, 10, 1799}, // 1799.1
		{1000, 33, 670},
		{999, 33, 669},  // 669.33
		{1001, 33, 671}, // 670.67
		{100, 50, 50},   // exactly the minimum
		{60, 50, 50},    // 30, raised to the minimum
		{MaxPriceCents, 90, 1_000_000},
	}
	for _, tt := range tests {
		c.Offers[0].PriceCents = tt.offerPrice
		c.Downsells[0].PercentOff = tt.percent
		if got, err := c.DownsellPrice("ds-metade", "vip"); got != tt.want || err != nil {
			t.Errorf("%d at %d%% off = %d, %v; want %d", tt.offerPrice, tt.percent, got, err, tt.want)
		}
	}
	if got, err := c.DownsellPrice("ds-fixo", "vitalicio"); got != 990 || err != nil {
		t.Errorf("fixed = %d, %v", got, err)
	}
	for _, ids := range [][2]string{{"ds-metade", "vitalicio"}, {"nope", "vip"}, {"ds-fixo", "nope"}, {"vip", "vip"}} {
		if _, err := c.DownsellPrice(ids[0], ids[1]); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
			t.Errorf("DownsellPrice(%q, %q) error = %v, want ENOTFOUND", ids[0], ids[1], err)
		}
	}
}

// The discount equals the exact price rounded half-up, computed with
// integers only, for every price up to R$ 200,00 and every percentage.
func TestDiscountedIsExactHalfUp(t *testing.T) {
	for price := grimbots.Cents(0); price <= 20000; price++ {
		for p := 1; p <= MaxPercentOff; p++ {
			exact := int64(price) * int64(100-p) // in 1/100 centavo
			want := exact / 100
			if exact%100 >= 50 {
				want++
			}
			if got := discounted(price, p); int64(got) != want {
				t.Fatalf("discounted(%d, %d) = %d, want %d", price, p, got, want)
			}
		}
	}
}

func TestDownsellsAndUpsellsFor(t *testing.T) {
	c := exampleConfig()
	ids := func(n int, id func(int) string) []string {
		var s []string
		for i := range n {
			s = append(s, id(i))
		}
		return s
	}
	ds := c.DownsellsFor("vip")
	if got := ids(len(ds), func(i int) string { return ds[i].ID }); !slices.Equal(got, []string{"ds-metade", "ds-fixo"}) {
		t.Errorf("DownsellsFor(vip) = %q", got)
	}
	ds = c.DownsellsFor("vitalicio")
	if got := ids(len(ds), func(i int) string { return ds[i].ID }); !slices.Equal(got, []string{"ds-fixo"}) {
		t.Errorf("DownsellsFor(vitalicio) = %q", got)
	}
	if us := c.UpsellsFor("vip"); len(us) != 1 || us[0].ID != "mentoria" {
		t.Errorf("UpsellsFor(vip) = %+v", us)
	}
	if us := c.UpsellsFor("vitalicio"); len(us) != 0 {
		t.Errorf("UpsellsFor(vitalicio) = %+v", us)
	}
	c.Upsells[0].Offers = nil
	if us := c.UpsellsFor("vitalicio"); len(us) != 1 {
		t.Errorf("an upsell for every offer: UpsellsFor(vitalicio) = %+v", us)
	}
}

func TestLookups(t *testing.T) {
	c := exampleConfig()
	if u, err := c.Upsell("mentoria"); err != nil || u.PriceCents != 4700 {
		t.Errorf("Upsell = %+v, %v", u, err)
	}
	if _, err := c.Upsell("vip"); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
		t.Errorf("Upsell(vip) error = %v", err)
	}
	if d, err := c.Downsell("ds-fixo"); err != nil || d.PriceCents != 990 {
		t.Errorf("Downsell = %+v, %v", d, err)
	}
	o, err := c.Offer("vip")
	if err != nil || o.PriceCents != 1997 {
		t.Fatalf("Offer = %+v, %v", o, err)
	}
	if b, err := o.Bump("grupo"); err != nil || b.PriceCents != 290 {
		t.Errorf("Bump = %+v, %v", b, err)
	}
}
