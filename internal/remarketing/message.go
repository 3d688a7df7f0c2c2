package remarketing

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// Message is what a campaign sends: Telegram HTML (the {nome} placeholder
// is the lead's first name), optional media (the text is then its
// caption) and buttons, one per row.
type Message struct {
	Text    string        `json:"text"`
	Media   *funnel.Media `json:"media,omitempty"`
	Buttons []Button      `json:"buttons,omitempty"`
}

// Button is a link (URL) or an offer button (Offer): the latter starts the
// purchase of one of the bot's funnel offers (its bumps, then the PIX), and
// the sale counts for the campaign. An offer button without Text shows the
// offer's own button label.
type Button struct {
	Text  string `json:"text,omitempty"`
	URL   string `json:"url,omitempty"`
	Offer string `json:"offer,omitempty"`
}

// Limits of a campaign.
const (
	MaxButtons       = 8
	MaxBots          = 500
	MaxNameLength    = 100
	MaxCooldownHours = 30 * 24
	MaxInactiveDays  = 3650
	DefaultCooldown  = 24
)

func (m Message) encode() string {
	b, _ := json.Marshal(m)
	return string(b)
}

// DecodeMessage reads a campaign's stored message (Campaign.Message).
func DecodeMessage(s string) (Message, error) {
	var m Message
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return m, fmt.Errorf("remarketing: stored message: %w", err)
	}
	return m, nil
}

// Params define a campaign.
type Params struct {
	Name    string
	BotIDs  []int64
	Segment grimbots.Segment
	Message Message
	// CooldownHours is nil for the default (DefaultCooldown).
	CooldownHours *int
}

// validate checks p and the offers its buttons and segment name against
// the bots' funnels in force; field paths are the API's ("body.…").
func (s *Service) validate(ctx context.Context, sellerID int64, p *Params) error {
	var errs []grimbots.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, grimbots.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		add("body.name", "is required")
	} else if utf8.RuneCountInString(p.Name) > MaxNameLength {
		add("body.name", "must be at most %d characters", MaxNameLength)
	}
	switch n := len(p.BotIDs); {
	case n == 0:
		add("body.bot_ids", "choose at least one bot")
	case n > MaxBots:
		add("body.bot_ids", "must have at most %d bots", MaxBots)
	}
	errs = append(errs, checkSegment(p.Segment)...)
	if p.CooldownHours == nil {
		d := DefaultCooldown
		p.CooldownHours = &d
	} else if *p.CooldownHours < 0 || *p.CooldownHours > MaxCooldownHours {
		add("body.cooldown_hours", "must be between 0 and %d", MaxCooldownHours)
	}
	errs = append(errs, funnel.CheckMessage("body.message", funnel.Message{Text: p.Message.Text, Media: p.Message.Media})...)
	if len(p.Message.Buttons) > MaxButtons {
		add("body.message.buttons", "must have at most %d buttons", MaxButtons)
	}
	var offers []string
	for i, b := range p.Message.Buttons {
		path := fmt.Sprintf("body.message.buttons[%d]", i)
		switch {
		case (b.URL == "") == (b.Offer == ""):
			add(path, "set exactly one of url and offer")
		case b.URL != "":
			errs = append(errs, funnel.CheckLinkButton(path, b.Text, b.URL)...)
		default:
			if b.Text != "" {
				errs = append(errs, funnel.CheckButtonText(path+".text", b.Text)...)
			}
			offers = append(offers, b.Offer)
		}
	}
	if len(errs) > 0 {
		return grimbots.Invalid("validation failed", errs...)
	}
	return s.checkOffers(ctx, sellerID, p.BotIDs, p.Message)
}

func checkSegment(seg grimbots.Segment) []grimbots.FieldError {
	var errs []grimbots.FieldError
	add := func(field, msg string) { errs = append(errs, grimbots.FieldError{Field: field, Message: msg}) }
	switch seg.Kind {
	case grimbots.SegmentAll, grimbots.SegmentBuyers, grimbots.SegmentNonBuyers, grimbots.SegmentUnpaidPIX:
	case grimbots.SegmentBoughtOffer:
		if seg.Offer == "" {
			add("body.segment.offer", "is required for the bought_offer segment")
		}
	case grimbots.SegmentInactive:
		if seg.InactiveDays < 1 {
			add("body.segment.inactive_days", "must be at least 1 for the inactive segment")
		}
	default:
		add("body.segment.kind", "must be all, buyers, non_buyers, unpaid_pix, bought_offer or inactive")
	}
	if seg.Offer != "" && seg.Kind != grimbots.SegmentBoughtOffer {
		add("body.segment.offer", "is only for the bought_offer segment")
	}
	if seg.InactiveDays < 0 || seg.InactiveDays > MaxInactiveDays {
		add("body.segment.inactive_days", fmt.Sprintf("must be between 0 and %d", MaxInactiveDays))
	}
	return errs
}

// checkOffers refuses offer buttons whose offer some bot's funnel in force
// does not have. Bots that are not the seller's give ENOTFOUND.
func (s *Service) checkOffers(ctx context.Context, sellerID int64, botIDs []int64, m Message) error {
	var errs []grimbots.FieldError
	for _, id := range botIDs {
		b, err := s.store.Bot(ctx, sellerID, id)
		if err != nil {
			return err
		}
		if !hasOfferButton(m) {
			continue
		}
		cfg, _, err := s.configs.Config(ctx, funnel.Bot{ID: b.ID, SellerID: b.SellerID}, 0)
		if err != nil {
			return err
		}
		for i, btn := range m.Buttons {
			if btn.Offer == "" {
				continue
			}
			if _, err := cfg.Offer(btn.Offer); err != nil {
				errs = append(errs, grimbots.FieldError{Field: fmt.Sprintf("body.message.buttons[%d].offer", i),
					Message: fmt.Sprintf("bot %q has no offer %q in its funnel", b.Name, btn.Offer)})
			}
		}
	}
	if len(errs) > 0 {
		return grimbots.Invalid("validation failed", errs...)
	}
	return nil
}

func hasOfferButton(m Message) bool {
	for _, b := range m.Buttons {
		if b.Offer != "" {
			return true
		}
	}
	return false
}

// composed is a campaign's message ready for one bot: only the {nome}
// placeholder is left to fill per lead.
type composed struct {
	text    string
	media   *funnel.Media
	buttons [][]funnel.Button
}

// compose prepares the message for a bot: offer buttons get their
// callback data and, without a label of their own, the offer's; an offer
// the funnel no longer has loses its button.
func (s *Service) compose(ctx context.Context, c *grimbots.Campaign, b *grimbots.Bot) (composed, error) {
	m, err := DecodeMessage(c.Message)
	if err != nil {
		return composed{}, err
	}
	out := composed{text: m.Text, media: m.Media}
	var cfg *funnel.Config
	if hasOfferButton(m) {
		if cfg, _, err = s.configs.Config(ctx, funnel.Bot{ID: b.ID, SellerID: b.SellerID}, 0); err != nil {
			return composed{}, err
		}
	}
	for _, btn := range m.Buttons {
		if btn.URL != "" {
			out.buttons = append(out.buttons, []funnel.Button{{Text: btn.Text, URL: btn.URL}})
			continue
		}
		o, err := cfg.Offer(btn.Offer)
		if err != nil {
			s.logger.WarnContext(ctx, "campaign offer button dropped: the funnel has no such offer", "campaign_id", c.ID,
				"bot_id", b.ID, "offer", btn.Offer)
			continue
		}
		text := btn.Text
		if text == "" {
			text = funnel.RenderPlain(o.Button, map[string]string{funnel.VarAmount: o.PriceCents.String()})
		}
		out.buttons = append(out.buttons, []funnel.Button{{Text: text, Data: funnel.CampaignCallback(c.ID, o.ID)}})
	}
	return out, nil
}

// to renders the message for one lead.
func (c composed) to(r grimbots.Recipient) funnel.Outgoing {
	return funnel.Outgoing{Text: funnel.Render(c.text, map[string]string{funnel.VarName: r.FirstName}), Media: c.media,
		Buttons: c.buttons}
}
