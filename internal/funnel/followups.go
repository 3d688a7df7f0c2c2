package funnel

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// DeliverJob sends a paid payment's access. It is inserted with the paid
// transition, so it exists if and only if the sale does.
type DeliverJob struct {
	SellerID  int64 `json:"seller_id"`
	PaymentID int64 `json:"payment_id"`
	// Resend is set by a seller's manual resend.
	Resend bool `json:"resend,omitempty"`
}

// Kind names the job.
func (DeliverJob) Kind() string { return "funnel_deliver" }

// InsertOpts retries a delivery for a day (Telegram may be down, the bot
// paused by a 429).
func (DeliverJob) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 25} }

// RevokeJob records that a refunded or charged-back payment's access is
// revoked.
type RevokeJob struct {
	SellerID  int64 `json:"seller_id"`
	PaymentID int64 `json:"payment_id"`
}

// Kind names the job.
func (RevokeJob) Kind() string { return "funnel_revoke" }

// DownsellJob offers a downsell when the PIX of an offer is still unpaid at
// RunAt. It does nothing if the payment (or another purchase of the offer
// by the lead) was paid meanwhile.
type DownsellJob struct {
	SellerID  int64     `json:"seller_id"`
	BotID     int64     `json:"bot_id"`
	LeadID    int64     `json:"lead_id"`
	PaymentID int64     `json:"payment_id"`
	Downsell  string    `json:"downsell"`
	Offer     string    `json:"offer"`
	RunAt     time.Time `json:"run_at"`
}

// Kind names the job.
func (DownsellJob) Kind() string { return "funnel_downsell" }

// InsertOpts schedules the job and makes it unique per payment and downsell.
func (j DownsellJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{ScheduledAt: j.RunAt, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// UpsellJob offers an upsell after a purchase was delivered.
type UpsellJob struct {
	SellerID  int64     `json:"seller_id"`
	BotID     int64     `json:"bot_id"`
	LeadID    int64     `json:"lead_id"`
	PaymentID int64     `json:"payment_id"` // the purchase that triggered it
	Upsell    string    `json:"upsell"`
	RunAt     time.Time `json:"run_at"`
}

// Kind names the job.
func (UpsellJob) Kind() string { return "funnel_upsell" }

// InsertOpts schedules the job and makes it unique per purchase and upsell.
func (j UpsellJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{ScheduledAt: j.RunAt, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// OnPaid is the payments hook: a funnel sale queues its delivery in the
// paid transition's transaction.
func OnPaid(p *grimbots.Payment) []grimbots.Job {
	if _, ok := ParsePurchase(p); !ok {
		return nil
	}
	return []grimbots.Job{DeliverJob{SellerID: p.SellerID, PaymentID: p.ID}}
}

// OnReversed is the payments hook for refunds and chargebacks.
func OnReversed(p *grimbots.Payment) []grimbots.Job {
	if _, ok := ParsePurchase(p); !ok {
		return nil
	}
	return []grimbots.Job{RevokeJob{SellerID: p.SellerID, PaymentID: p.ID}}
}

// deliveryConfig is the configuration a purchase is delivered from: the
// one in force if it still has the product, else the one it was sold from.
func (e *Engine) deliveryConfig(ctx context.Context, bot Bot, pu Purchase) (*Config, error) {
	cfg, _, err := e.Config(ctx, bot, 0)
	if err == nil {
		if _, _, perr := cfg.Price(pu); perr == nil {
			return cfg, nil
		}
	}
	old, _, oerr := e.Config(ctx, bot, pu.Version)
	if oerr != nil {
		if err != nil {
			return nil, err
		}
		return cfg, nil
	}
	return old, nil
}

// Delivery renders the access messages of a paid payment: the product's
// delivery, then one per bought bump that has its own.
func (e *Engine) Delivery(ctx context.Context, bot Bot, p *grimbots.Payment, lead *grimbots.Lead) ([]Outgoing, error) {
	pu, ok := ParsePurchase(p)
	if !ok {
		return nil, ErrNotFunnel
	}
	cfg, err := e.deliveryConfig(ctx, bot, pu)
	if err != nil {
		return nil, err
	}
	_, name, err := cfg.Price(pu)
	if err != nil {
		return nil, err
	}
	var deliveries []Delivery
	names := []string{name}
	switch pu.Kind {
	case BuyOffer, BuyDownsell:
		o, err := cfg.Offer(pu.Offer)
		if err != nil {
			return nil, err
		}
		deliveries = append(deliveries, o.Delivery)
		for _, id := range pu.Bumps {
			if b, err := o.Bump(id); err == nil && b.Delivery != nil {
				deliveries = append(deliveries, *b.Delivery)
				names = append(names, b.Name)
			}
		}
	case BuyUpsell:
		u, err := cfg.Upsell(pu.Upsell)
		if err != nil {
			return nil, err
		}
		deliveries = append(deliveries, u.Delivery)
	}
	out := make([]Outgoing, len(deliveries))
	for i, d := range deliveries {
		product := name
		if i > 0 {
			product = names[i]
		}
		v := map[string]string{VarName: lead.FirstName, VarProduct: product, VarAmount: grimbots.Cents(p.AmountCents).String(),
			VarLink: d.AccessLink}
		out[i] = Outgoing{Text: Render(orText(d.Message, cfg.Texts.Delivered), v),
			Buttons: [][]Button{{{Text: cfg.Texts.AccessButton, URL: d.AccessLink}}}}
	}
	return out, nil
}

// UpsellJobs are the upsells to schedule after a purchase was delivered.
func (e *Engine) UpsellJobs(ctx context.Context, bot Bot, p *grimbots.Payment, deliveredAt time.Time) ([]grimbots.Job, error) {
	pu, ok := ParsePurchase(p)
	if !ok || pu.Kind == BuyUpsell {
		return nil, nil // upsells do not chain
	}
	cfg, _, err := e.Config(ctx, bot, 0)
	if err != nil {
		return nil, err
	}
	var jobs []grimbots.Job
	for _, u := range cfg.UpsellsFor(pu.Offer) {
		jobs = append(jobs, UpsellJob{SellerID: p.SellerID, BotID: bot.ID, LeadID: *p.LeadID, PaymentID: p.ID, Upsell: u.ID,
			RunAt: deliveredAt.Add(time.Duration(u.AfterMinutes) * time.Minute)})
	}
	return jobs, nil
}

// DownsellMessage renders a downsell offer, or ok=false when it no longer
// applies (the downsell or offer is gone).
func (e *Engine) DownsellMessage(ctx context.Context, bot Bot, j DownsellJob, lead *grimbots.Lead) (Outgoing, bool, error) {
	cfg, _, err := e.Config(ctx, bot, 0)
	if err != nil {
		return Outgoing{}, false, err
	}
	d, err := cfg.Downsell(j.Downsell)
	if err != nil {
		return Outgoing{}, false, nil
	}
	price, err := cfg.DownsellPrice(j.Downsell, j.Offer)
	if err != nil {
		return Outgoing{}, false, nil
	}
	o, _ := cfg.Offer(j.Offer)
	v := map[string]string{VarName: lead.FirstName, VarProduct: o.ProductName(), VarAmount: price.String(),
		VarOriginal: o.PriceCents.String()}
	button := RenderPlain(orText(d.Button, cfg.Texts.BuyButton), map[string]string{VarAmount: price.String()})
	return Outgoing{Text: Render(d.Message.Text, v), Media: d.Message.Media,
		Buttons: [][]Button{{{Text: button, Data: DownsellCallback(d.ID, j.Offer)}}}}, true, nil
}

// UpsellMessage renders an upsell offer, or ok=false when it is gone.
func (e *Engine) UpsellMessage(ctx context.Context, bot Bot, j UpsellJob, lead *grimbots.Lead) (Outgoing, bool, error) {
	cfg, _, err := e.Config(ctx, bot, 0)
	if err != nil {
		return Outgoing{}, false, err
	}
	u, err := cfg.Upsell(j.Upsell)
	if err != nil {
		return Outgoing{}, false, nil
	}
	v := map[string]string{VarName: lead.FirstName, VarProduct: u.Name, VarAmount: u.PriceCents.String()}
	button := RenderPlain(orText(u.Button, cfg.Texts.BuyButton), map[string]string{VarAmount: u.PriceCents.String()})
	return Outgoing{Text: Render(u.Message.Text, v), Media: u.Message.Media,
		Buttons: [][]Button{{{Text: button, Data: UpsellCallback(u.ID)}}}}, true, nil
}
