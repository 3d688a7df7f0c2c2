package funnel

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
)

// Messenger is what the engine needs from a chat transport: Telegram in
// production, a recorder in tests, a web preview later.
type Messenger interface {
	// Send delivers one message to a chat.
	Send(ctx context.Context, chatID int64, m Outgoing) error
	// Answer acknowledges a button press, with an optional toast.
	Answer(ctx context.Context, callbackID, text string) error
}

// Outgoing is one message: HTML text (a caption when there is media or an
// image) and rows of buttons.
type Outgoing struct {
	Text  string
	Media *Media
	// Image is a PNG sent as a photo (the PIX QR code) when Media is nil.
	Image   []byte
	Buttons [][]Button
}

// Button is a callback button (Data) or a link (URL).
type Button struct {
	Text string
	Data string
	URL  string
}

// Event is one buyer action, already parsed from the transport's update.
type Event struct {
	ChatID       int64
	UserID       int64
	FirstName    string
	LastName     string
	Username     string
	LanguageCode string
	// Start is true for /start; Payload is its parameter (the origin).
	Start   bool
	Payload string
	// CallbackID and Data are set for a button press.
	CallbackID string
	Data       string
	// Text is any other message text.
	Text string
}

// Store is what the engine reads and writes.
type Store interface {
	BotConfig(ctx context.Context, sellerID, botID int64, version int) (*grimbots.BotConfig, error)
	TouchLead(ctx context.Context, l *grimbots.Lead) (*grimbots.Lead, bool, error)
	PaymentByReference(ctx context.Context, sellerID int64, reference string) (*grimbots.Payment, error)
}

// Campaigns counts presses of remarketing campaigns' offer buttons. The
// engine's Store implements it when campaigns exist.
type Campaigns interface {
	// CampaignClick counts a press (press: the callback query id, so that
	// an update handled twice counts once) of one of the campaign's buttons
	// by a lead of the bot and reports whether the campaign was sent to
	// that lead through that bot: only then is the sale attributed to it.
	CampaignClick(ctx context.Context, sellerID, botID, campaignID, leadID int64, press string, at time.Time) (bool, error)
}

// Payments creates and checks charges.
type Payments interface {
	Checkout(ctx context.Context, p payments.CheckoutParams) (*grimbots.Payment, error)
	Check(ctx context.Context, sellerID, paymentID int64) (*grimbots.Payment, error)
}

// Scheduler enqueues jobs outside a store transaction.
type Scheduler interface {
	Insert(ctx context.Context, jobs ...grimbots.Job) error
}

// Purchase is what a funnel payment sold, stored on the payment.
type Purchase struct {
	Kind     string   `json:"kind"` // offer, downsell or upsell
	Offer    string   `json:"offer,omitempty"`
	Bumps    []string `json:"bumps,omitempty"`
	Downsell string   `json:"downsell,omitempty"`
	Upsell   string   `json:"upsell,omitempty"`
	// Campaign is the remarketing campaign whose offer button started the
	// purchase (0: none); its results sum the paid sales that name it.
	Campaign int64 `json:"campaign,omitempty"`
	// Version is the configuration version the price came from.
	Version int `json:"version"`
}

// Purchase kinds.
const (
	BuyOffer    = "offer"
	BuyDownsell = "downsell"
	BuyUpsell   = "upsell"
)

// ParsePurchase reads a payment's funnel record; ok is false for payments
// not made through a bot's funnel.
func ParsePurchase(p *grimbots.Payment) (Purchase, bool) {
	var pu Purchase
	if p.Funnel == "" || p.BotID == nil || p.LeadID == nil || json.Unmarshal([]byte(p.Funnel), &pu) != nil || pu.Kind == "" {
		return pu, false
	}
	return pu, true
}

// key is the reuse key of a purchase: the same buyer asking again for the
// same thing gets the same pending PIX.
func (pu Purchase) key() string {
	switch pu.Kind {
	case BuyDownsell:
		return "d:" + pu.Downsell + ":" + pu.Offer
	case BuyUpsell:
		return "u:" + pu.Upsell
	}
	key := "o:" + pu.Offer + ":" + strings.Join(pu.Bumps, "+")
	if pu.Campaign > 0 {
		// A campaign's sale gets its own charge, so that it is attributed.
		key += ":c" + strconv.FormatInt(pu.Campaign, 10)
	}
	return key
}

// Bot is the engine's view of the bot an event arrived at.
type Bot struct {
	ID       int64
	SellerID int64
}

// Engine runs the conversation: welcome, offers, bumps, PIX, "I paid",
// downsells, upsells and delivery. Prices always come from the bot's
// configuration on the server; buttons carry ids only.
type Engine struct {
	store    Store
	payments Payments
	jobs     Scheduler
	now      grimbots.Clock
	// OnNewLead, when set, is called after a buyer's first contact with a
	// bot was recorded (caches of the seller's statistics). Set it before
	// use; it must be quick and not fail.
	OnNewLead func(ctx context.Context, lead *grimbots.Lead)

	mu      sync.Mutex
	configs map[[2]int64]*Config // (bot, version) → parsed configuration
}

// NewEngine returns an engine.
func NewEngine(store Store, pay Payments, jobs Scheduler, now grimbots.Clock) *Engine {
	if now == nil {
		now = grimbots.Now
	}
	return &Engine{store: store, payments: pay, jobs: jobs, now: now, configs: map[[2]int64]*Config{}}
}

// Config returns the bot's configuration in force (or a given version),
// with default texts filled in.
func (e *Engine) Config(ctx context.Context, bot Bot, version int) (*Config, int, error) {
	row, err := e.store.BotConfig(ctx, bot.SellerID, bot.ID, version)
	if err != nil {
		return nil, 0, err
	}
	k := [2]int64{bot.ID, int64(row.Version)}
	e.mu.Lock()
	c, ok := e.configs[k]
	e.mu.Unlock()
	if ok {
		return c, row.Version, nil
	}
	c, err = decode([]byte(row.Document))
	if err != nil {
		return nil, 0, fmt.Errorf("funnel: stored configuration %d of bot %d: %w", row.Version, bot.ID, err)
	}
	c = c.WithDefaults()
	e.mu.Lock()
	if len(e.configs) > 10000 {
		clear(e.configs)
	}
	e.configs[k] = c
	e.mu.Unlock()
	return c, row.Version, nil
}

// Handle processes one event of a buyer and returns the buyer's lead (nil
// if it could not be recorded).
func (e *Engine) Handle(ctx context.Context, bot Bot, m Messenger, ev Event) (*grimbots.Lead, error) {
	lead, created, err := e.store.TouchLead(ctx, &grimbots.Lead{SellerID: bot.SellerID, BotID: bot.ID, TelegramUserID: ev.UserID,
		ChatID: ev.ChatID, FirstName: ev.FirstName, LastName: ev.LastName, Username: ev.Username,
		LanguageCode: ev.LanguageCode, Origin: clip(ev.Payload, 64), LastInteractionAt: e.now()})
	if err != nil {
		return nil, err
	}
	if created && e.OnNewLead != nil {
		e.OnNewLead(ctx, lead)
	}
	cfg, version, err := e.Config(ctx, bot, 0)
	if err != nil {
		return lead, err
	}
	s := &session{e: e, bot: bot, m: m, lead: lead, cfg: cfg, version: version, ev: ev}
	if ev.CallbackID != "" {
		return lead, s.callback(ctx)
	}
	// /start, and anything else the buyer types, gets the offers.
	return lead, s.welcome(ctx)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// session is one event being handled.
type session struct {
	e       *Engine
	bot     Bot
	m       Messenger
	lead    *grimbots.Lead
	cfg     *Config
	version int
	ev      Event
}

func (s *session) vars(extra ...string) map[string]string {
	v := map[string]string{VarName: s.lead.FirstName}
	for i := 0; i+1 < len(extra); i += 2 {
		v[extra[i]] = extra[i+1]
	}
	return v
}

func (s *session) send(ctx context.Context, m Outgoing) error {
	return s.m.Send(ctx, s.ev.ChatID, m)
}

func (s *session) welcome(ctx context.Context) error {
	var rows [][]Button
	for _, o := range s.cfg.Offers {
		rows = append(rows, []Button{{Text: RenderPlain(o.Button, map[string]string{VarAmount: o.PriceCents.String()}),
			Data: BuyCallback(o.ID)}})
	}
	for _, b := range s.cfg.URLButtons {
		rows = append(rows, []Button{{Text: b.Text, URL: b.URL}})
	}
	return s.send(ctx, Outgoing{Text: Render(s.cfg.Welcome.Text, s.vars()), Media: s.cfg.Welcome.Media, Buttons: rows})
}

func (s *session) callback(ctx context.Context) error {
	cb, err := ParseCallback(s.ev.Data)
	if err != nil {
		return s.m.Answer(ctx, s.ev.CallbackID, s.cfg.Texts.Unavailable)
	}
	switch cb.Kind {
	case CallbackBuy:
		return s.buy(ctx, cb.Offer, 0)
	case CallbackCampaign:
		campaign, err := s.campaignClick(ctx, cb.Campaign)
		if err != nil {
			return err
		}
		return s.buy(ctx, cb.Offer, campaign)
	case CallbackBump:
		accepted, next, err := s.cfg.BumpStep(cb.Offer, cb.Bump, cb.Answers)
		if err != nil {
			return s.m.Answer(ctx, s.ev.CallbackID, s.cfg.Texts.Unavailable)
		}
		if next != nil {
			if err := s.m.Answer(ctx, s.ev.CallbackID, ""); err != nil {
				return err
			}
			o, _ := s.cfg.Offer(cb.Offer)
			return s.bump(ctx, o, next, cb.Answers, cb.Campaign)
		}
		// A bump answer carries the campaign of the offer button pressed
		// first (checked then); a forged one could only move the credit
		// of a sale between the seller's own campaigns.
		return s.pix(ctx, Purchase{Kind: BuyOffer, Offer: cb.Offer, Bumps: accepted, Campaign: cb.Campaign})
	case CallbackDownsell:
		if _, err := s.cfg.DownsellPrice(cb.Downsell, cb.Offer); err != nil {
			return s.m.Answer(ctx, s.ev.CallbackID, s.cfg.Texts.Unavailable)
		}
		return s.pix(ctx, Purchase{Kind: BuyDownsell, Downsell: cb.Downsell, Offer: cb.Offer})
	case CallbackUpsell:
		if _, err := s.cfg.Upsell(cb.Upsell); err != nil {
			return s.m.Answer(ctx, s.ev.CallbackID, s.cfg.Texts.Unavailable)
		}
		return s.pix(ctx, Purchase{Kind: BuyUpsell, Upsell: cb.Upsell})
	case CallbackPaid:
		return s.paid(ctx, cb.Payment)
	}
	return s.m.Answer(ctx, s.ev.CallbackID, s.cfg.Texts.Unavailable)
}

// buy starts the purchase of an offer: its bumps one by one, then the PIX.
// campaign is the remarketing campaign the sale is attributed to (0: none).
func (s *session) buy(ctx context.Context, offerID string, campaign int64) error {
	o, err := s.cfg.Offer(offerID)
	if err != nil {
		return s.m.Answer(ctx, s.ev.CallbackID, s.cfg.Texts.Unavailable)
	}
	if len(o.Bumps) > 0 {
		if err := s.m.Answer(ctx, s.ev.CallbackID, ""); err != nil {
			return err
		}
		return s.bump(ctx, o, &o.Bumps[0], "", campaign)
	}
	return s.pix(ctx, Purchase{Kind: BuyOffer, Offer: o.ID, Campaign: campaign})
}

// campaignClick counts the press of a campaign's offer button and returns
// the campaign to attribute the sale to: 0 when the campaign did not reach
// this lead through this bot (a stale or forged button still sells the
// offer, without attribution).
func (s *session) campaignClick(ctx context.Context, campaign int64) (int64, error) {
	c, ok := s.e.store.(Campaigns)
	if !ok {
		return 0, nil
	}
	reached, err := c.CampaignClick(ctx, s.bot.SellerID, s.bot.ID, campaign, s.lead.ID, s.ev.CallbackID, s.e.now())
	if err != nil || !reached {
		return 0, err
	}
	return campaign, nil
}

// bump proposes one order bump; answers are the buyer's answers so far.
func (s *session) bump(ctx context.Context, o *Offer, b *Bump, answers string, campaign int64) error {
	accepted, _, _ := s.cfg.BumpStep(o.ID, b.ID, answers+"n")
	base, _ := s.cfg.OfferTotal(o.ID, accepted)
	total := base + b.PriceCents
	v := map[string]string{VarAmount: b.PriceCents.String(), VarTotal: total.String()}
	accept, decline := orText(b.Accept, s.cfg.Texts.BumpAccept), orText(b.Decline, s.cfg.Texts.BumpDecline)
	return s.send(ctx, Outgoing{Text: Render(b.Message.Text, s.vars(VarProduct, b.Name, VarAmount, b.PriceCents.String(),
		VarTotal, total.String())), Media: b.Message.Media, Buttons: [][]Button{
		{{Text: RenderPlain(accept, v), Data: Callback{Kind: CallbackBump, Offer: o.ID, Bump: b.ID, Answers: answers + "y",
			Campaign: campaign}.Data()}},
		{{Text: RenderPlain(decline, v), Data: Callback{Kind: CallbackBump, Offer: o.ID, Bump: b.ID, Answers: answers + "n",
			Campaign: campaign}.Data()}},
	}})
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Price computes a purchase's amount and product name from cfg.
func (cfg *Config) Price(pu Purchase) (grimbots.Cents, string, error) {
	switch pu.Kind {
	case BuyOffer:
		total, err := cfg.OfferTotal(pu.Offer, pu.Bumps)
		if err != nil {
			return 0, "", err
		}
		name, err := cfg.OfferName(pu.Offer, pu.Bumps)
		return total, name, err
	case BuyDownsell:
		price, err := cfg.DownsellPrice(pu.Downsell, pu.Offer)
		if err != nil {
			return 0, "", err
		}
		o, err := cfg.Offer(pu.Offer)
		if err != nil {
			return 0, "", err
		}
		return price, o.ProductName(), nil
	case BuyUpsell:
		u, err := cfg.Upsell(pu.Upsell)
		if err != nil {
			return 0, "", err
		}
		return u.PriceCents, u.Name, nil
	}
	return 0, "", grimbots.Errorf(grimbots.ENOTFOUND, "unknown purchase kind %q", pu.Kind)
}

// pix creates (or reuses) the charge for a purchase and sends the PIX
// message; it then schedules the downsells of an unpaid offer.
func (s *session) pix(ctx context.Context, pu Purchase) error {
	amount, name, err := s.cfg.Price(pu)
	if err != nil {
		return s.m.Answer(ctx, s.ev.CallbackID, s.cfg.Texts.Unavailable)
	}
	if err := s.m.Answer(ctx, s.ev.CallbackID, s.cfg.Texts.Generating); err != nil {
		return err
	}
	pu.Version = s.version
	record, _ := json.Marshal(pu)
	botID, leadID := s.bot.ID, s.lead.ID
	p, err := s.e.payments.Checkout(ctx, payments.CheckoutParams{SellerID: s.bot.SellerID, BotID: &botID, LeadID: &leadID,
		OfferKey: pu.key(), Funnel: string(record), AmountCents: int64(amount), Description: clipRunes(name, 200)})
	if err != nil {
		if grimbots.ErrorCode(err) == grimbots.EINTERNAL {
			return err // retried by the update pipeline
		}
		return s.send(ctx, Outgoing{Text: Render(s.cfg.Texts.Error, nil)})
	}
	msg := Outgoing{Text: Render(s.cfg.Texts.PIX, s.vars(VarProduct, name, VarAmount, amount.String(), VarCode, p.PixCode)),
		Buttons: [][]Button{{{Text: s.cfg.Texts.PaidButton, Data: PaidCallback(p.Reference)}}}}
	if png, ok := pngFromDataURL(p.QRCode); ok {
		msg.Image = png
	} else if strings.HasPrefix(p.QRCode, "https://") {
		msg.Media = &Media{Kind: MediaPhoto, URL: p.QRCode}
	}
	if err := s.send(ctx, msg); err != nil {
		return err
	}
	if pu.Kind != BuyOffer || s.e.jobs == nil || p.CreatedAt.Before(s.e.now().Add(-time.Minute)) {
		return nil // downsells follow offers only, and a reused charge has them already
	}
	var jobs []grimbots.Job
	for _, d := range s.cfg.DownsellsFor(pu.Offer) {
		jobs = append(jobs, DownsellJob{SellerID: s.bot.SellerID, BotID: s.bot.ID, LeadID: s.lead.ID, PaymentID: p.ID,
			Downsell: d.ID, Offer: pu.Offer, RunAt: p.CreatedAt.Add(time.Duration(d.AfterMinutes) * time.Minute)})
	}
	return s.e.jobs.Insert(ctx, jobs...)
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// paid is the "I paid" button: it asks the gateway (at most once a minute
// per payment) and answers; a confirmed payment is delivered by its job.
func (s *session) paid(ctx context.Context, reference string) error {
	p, err := s.e.store.PaymentByReference(ctx, s.bot.SellerID, reference)
	if err != nil || p.LeadID == nil || *p.LeadID != s.lead.ID {
		return s.m.Answer(ctx, s.ev.CallbackID, s.cfg.Texts.Unavailable)
	}
	if p.Status == grimbots.PaymentPending || p.Status == grimbots.PaymentExpired {
		if np, err := s.e.payments.Check(ctx, s.bot.SellerID, p.ID); err == nil {
			p = np
		}
	}
	pu, _ := ParsePurchase(p)
	_, name, _ := s.cfg.Price(pu)
	v := s.vars(VarProduct, name, VarAmount, grimbots.Cents(p.AmountCents).String(), VarCode, p.PixCode)
	switch p.Status {
	case grimbots.PaymentPaid:
		return s.m.Answer(ctx, s.ev.CallbackID, s.cfg.Texts.Confirmed)
	case grimbots.PaymentExpired, grimbots.PaymentFailed:
		if err := s.m.Answer(ctx, s.ev.CallbackID, ""); err != nil {
			return err
		}
		return s.send(ctx, Outgoing{Text: Render(s.cfg.Texts.Expired, v)})
	case grimbots.PaymentPending:
		if err := s.m.Answer(ctx, s.ev.CallbackID, ""); err != nil {
			return err
		}
		return s.send(ctx, Outgoing{Text: Render(s.cfg.Texts.Pending, v),
			Buttons: [][]Button{{{Text: s.cfg.Texts.PaidButton, Data: PaidCallback(p.Reference)}}}})
	}
	return s.m.Answer(ctx, s.ev.CallbackID, s.cfg.Texts.Unavailable)
}

// ErrNotFunnel marks a payment that did not come from a bot's funnel.
var ErrNotFunnel = errors.New("funnel: not a funnel payment")

// pngFromDataURL extracts a PNG from a data: URL (the sandbox's QR codes).
func pngFromDataURL(s string) ([]byte, bool) {
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(s, prefix) {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(s[len(prefix):])
	return b, err == nil && len(b) > 0
}
