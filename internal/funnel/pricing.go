package funnel

import (
	"slices"
	"strings"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// The lookups below answer from the current document, so a button pressed
// after the seller edited the funnel buys what the funnel sells now. An id
// that no longer exists gives an ENOTFOUND *grimbots.Error: the engine
// answers it with Texts.Unavailable. The pointers returned point into c and
// must not be modified.

// Offer returns the offer with the given id.
func (c *Config) Offer(id string) (*Offer, error) {
	if o := find(c.Offers, id, func(o *Offer) string { return o.ID }); o != nil {
		return o, nil
	}
	return nil, grimbots.Errorf(grimbots.ENOTFOUND, "offer %q not found", id)
}

// Bump returns the order bump of the offer with the given id.
func (o *Offer) Bump(id string) (*Bump, error) {
	if b := find(o.Bumps, id, func(b *Bump) string { return b.ID }); b != nil {
		return b, nil
	}
	return nil, grimbots.Errorf(grimbots.ENOTFOUND, "offer %q has no bump %q", o.ID, id)
}

// Downsell returns the downsell with the given id.
func (c *Config) Downsell(id string) (*Downsell, error) {
	if d := find(c.Downsells, id, func(d *Downsell) string { return d.ID }); d != nil {
		return d, nil
	}
	return nil, grimbots.Errorf(grimbots.ENOTFOUND, "downsell %q not found", id)
}

// Upsell returns the upsell with the given id. Its price is PriceCents.
func (c *Config) Upsell(id string) (*Upsell, error) {
	if u := find(c.Upsells, id, func(u *Upsell) string { return u.ID }); u != nil {
		return u, nil
	}
	return nil, grimbots.Errorf(grimbots.ENOTFOUND, "upsell %q not found", id)
}

// find returns the element of items whose id is id, or nil.
func find[T any](items []T, id string, idOf func(*T) string) *T {
	for i := range items {
		if idOf(&items[i]) == id {
			return &items[i]
		}
	}
	return nil
}

// OfferTotal returns the price of an offer plus the bumps the buyer
// accepted. It fails with ENOTFOUND for an unknown offer or bump and with
// EINVALID for a bump listed twice.
func (c *Config) OfferTotal(offerID string, acceptedBumpIDs []string) (grimbots.Cents, error) {
	o, bumps, err := c.selection(offerID, acceptedBumpIDs)
	if err != nil {
		return 0, err
	}
	total := o.PriceCents
	for _, b := range bumps {
		total += b.PriceCents
	}
	return total, nil
}

// OfferName returns the product name of an offer with the accepted bumps,
// for the PIX message and the payment's description: "Acesso VIP + Bônus".
// It fails like OfferTotal.
func (c *Config) OfferName(offerID string, acceptedBumpIDs []string) (string, error) {
	o, bumps, err := c.selection(offerID, acceptedBumpIDs)
	if err != nil {
		return "", err
	}
	names := []string{o.ProductName()}
	for _, b := range bumps {
		names = append(names, b.Name)
	}
	return strings.Join(names, " + "), nil
}

func (c *Config) selection(offerID string, bumpIDs []string) (*Offer, []*Bump, error) {
	o, err := c.Offer(offerID)
	if err != nil {
		return nil, nil, err
	}
	bumps := make([]*Bump, 0, len(bumpIDs))
	for i, id := range bumpIDs {
		if slices.Contains(bumpIDs[:i], id) {
			return nil, nil, grimbots.Errorf(grimbots.EINVALID, "bump %q accepted twice", id)
		}
		b, err := o.Bump(id)
		if err != nil {
			return nil, nil, err
		}
		bumps = append(bumps, b)
	}
	return o, bumps, nil
}

// BumpStep resolves the answer to an order bump (a [CallbackBump]) against
// the current document: the ids of the bumps accepted so far, in order, and
// the next bump to propose, or nil when the buyer has answered them all and
// the PIX for OfferTotal(offerID, accepted) is due. answers holds 'y' or
// 'n' for the offer's bumps from the first up to bumpID; the buttons of the
// next prompt carry BumpCallback(offerID, next.ID, answers+"y") and
// answers+"n" (the first prompt, after "o:<offer>", starts from ""). It
// fails with
// ENOTFOUND when the offer or bump is gone or the bumps were reordered
// since the prompt was sent.
func (c *Config) BumpStep(offerID, bumpID, answers string) (accepted []string, next *Bump, err error) {
	o, err := c.Offer(offerID)
	if err != nil {
		return nil, nil, err
	}
	k := len(answers)
	if k == 0 || k > len(o.Bumps) || o.Bumps[k-1].ID != bumpID {
		return nil, nil, grimbots.Errorf(grimbots.ENOTFOUND, "offer %q has no bump %q at step %d", offerID, bumpID, k)
	}
	accepted = []string{}
	for i := range k {
		if answers[i] == 'y' {
			accepted = append(accepted, o.Bumps[i].ID)
		}
	}
	if k < len(o.Bumps) {
		next = &o.Bumps[k]
	}
	return accepted, next, nil
}

// AppliesTo reports whether the downsell follows an unpaid PIX for the offer.
func (d *Downsell) AppliesTo(offerID string) bool {
	return len(d.Offers) == 0 || slices.Contains(d.Offers, offerID)
}

// AppliesTo reports whether a purchase of the offer triggers the upsell.
func (u *Upsell) AppliesTo(offerID string) bool {
	return len(u.Offers) == 0 || slices.Contains(u.Offers, offerID)
}

// DownsellsFor returns, in document order, the downsells to schedule when
// a PIX for the offer (with or without bumps) is generated. The engine
// schedules one job per downsell at AfterMinutes from the PIX's creation and
// drops it if the payment is no longer pending when it runs. Downsell,
// upsell and other PIXes schedule no downsells.
func (c *Config) DownsellsFor(offerID string) []Downsell {
	var ds []Downsell
	for _, d := range c.Downsells {
		if d.AppliesTo(offerID) {
			ds = append(ds, d)
		}
	}
	return ds
}

// UpsellsFor returns, in document order, the upsells to schedule when a
// purchase of the offer is confirmed (the offer bought directly, with bumps
// or through a downsell). Upsell purchases trigger no further upsells.
func (c *Config) UpsellsFor(offerID string) []Upsell {
	var us []Upsell
	for _, u := range c.Upsells {
		if u.AppliesTo(offerID) {
			us = append(us, u)
		}
	}
	return us
}

// DownsellPrice returns the price of a downsell of an offer: its fixed
// price, or the offer's price less PercentOff rounded half-up to the
// centavo, never below MinPriceCents. It fails with ENOTFOUND when either
// id is unknown or the downsell does not apply to the offer.
func (c *Config) DownsellPrice(downsellID, offerID string) (grimbots.Cents, error) {
	d, err := c.Downsell(downsellID)
	if err != nil {
		return 0, err
	}
	o, err := c.Offer(offerID)
	if err != nil {
		return 0, err
	}
	if !d.AppliesTo(offerID) {
		return 0, grimbots.Errorf(grimbots.ENOTFOUND, "downsell %q does not apply to offer %q", downsellID, offerID)
	}
	if d.PercentOff == 0 {
		return d.PriceCents, nil
	}
	return max(discounted(o.PriceCents, d.PercentOff), MinPriceCents), nil
}

// discounted returns price less percent, rounded half-up to the centavo:
// 1990 at 15% off is 1691.5, so 1692.
func discounted(price grimbots.Cents, percent int) grimbots.Cents {
	return price.PercentOf(int64(100-percent) * 100)
}
