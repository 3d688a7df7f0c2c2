package funnel

import (
	"strings"
	"unicode/utf8"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// SchemaVersion is the format version of the configuration document that
// this code reads and writes. A change to the format that old documents do
// not satisfy bumps it, and Import learns to upgrade the older version.
const SchemaVersion = 1

// Limits of a configuration. Telegram documents no limit on buttons; these
// keep a keyboard usable and a document small.
const (
	MaxOffers       = 8
	MaxBumps        = 3 // per offer
	MaxDownsells    = 5
	MaxUpsells      = 5
	MaxURLButtons   = 8
	MaxIDLength     = 16
	MinPriceCents   = grimbots.Cents(50)         // R$ 0,50, the lowest charge most gateways accept
	MaxPriceCents   = grimbots.Cents(10_000_000) // R$ 100.000,00
	MaxDelayMinutes = 7 * 24 * 60                // 7 days
	MaxPercentOff   = 90
)

// Media kinds, each sent with its own Bot API method (sendPhoto, ...).
const (
	MediaPhoto     = "photo"
	MediaVideo     = "video"
	MediaAnimation = "animation"
	MediaDocument  = "document"
	MediaAudio     = "audio"
)

// PlaceholderAccessLink is the access link of the [Default] configuration.
// It is a valid URL, so the starter document can be saved and edited step by
// step, but a bot must not sell with it: see [Config.CheckReady].
const PlaceholderAccessLink = "https://t.me/+SEU_LINK"

// Config is the funnel configuration document of one bot. The zero values of
// optional fields mean "use the default"; [Config.WithDefaults] fills the
// texts in. A Config is saved only once [Config.Validate] passes, and
// [Import] validates, so the engine may rely on a stored Config being valid.
type Config struct {
	Schema     int         `json:"schema"`
	Welcome    Message     `json:"welcome"`
	Offers     []Offer     `json:"offers"`
	URLButtons []URLButton `json:"url_buttons"`
	Downsells  []Downsell  `json:"downsells"`
	Upsells    []Upsell    `json:"upsells"`
	Texts      Texts       `json:"texts"`
}

// Message is a text with optional media. Text is Telegram HTML; with media
// it is sent as the caption (at most 1024 characters instead of 4096).
type Message struct {
	Text  string `json:"text"`
	Media *Media `json:"media,omitempty"`
}

// Media is a file Telegram downloads from an https URL. The engine may cache
// the file_id Telegram returns per bot and URL.
type Media struct {
	Kind string `json:"kind"` // MediaPhoto, MediaVideo, ...
	URL  string `json:"url"`
}

// Offer is a product sold from the welcome keyboard.
type Offer struct {
	// ID is stable and unique in the document (across offers, bumps,
	// downsells and upsells): 1 to 16 of a-z, 0-9, - and _. Callback data
	// and payments refer to the offer by it.
	ID string `json:"id"`
	// Button is the label of the buy button (plain text, no placeholders).
	Button string `json:"button"`
	// Name is the product name shown in the PIX message and stored on the
	// payment; empty means the button label.
	Name       string         `json:"name,omitempty"`
	PriceCents grimbots.Cents `json:"price_cents"`
	Delivery   Delivery       `json:"delivery"`
	// Bumps are offered one after another, in this order, after the buyer
	// chooses the offer and before the PIX is generated.
	Bumps []Bump `json:"bumps"`
}

// ProductName returns the name of the offer's product.
func (o *Offer) ProductName() string {
	if o.Name != "" {
		return o.Name
	}
	return o.Button
}

// Bump is an order bump: an add-on proposed before checkout, whose price is
// added to the offer's when the buyer accepts it.
type Bump struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"` // product name, appended to the offer's: "VIP + Bônus"
	Message    Message        `json:"message"`
	PriceCents grimbots.Cents `json:"price_cents"`
	// Accept and Decline label the two buttons; empty means
	// Texts.BumpAccept and Texts.BumpDecline.
	Accept  string `json:"accept,omitempty"`
	Decline string `json:"decline,omitempty"`
	// Delivery is sent in addition to the offer's when the bump was bought;
	// nil when the bump needs no delivery of its own.
	Delivery *Delivery `json:"delivery,omitempty"`
}

// Delivery is what a buyer receives once the payment is confirmed: the
// message (Texts.Delivered when empty) and a button that opens AccessLink.
type Delivery struct {
	AccessLink string `json:"access_link"` // https only, e.g. https://t.me/+invite
	Message    string `json:"message,omitempty"`
}

// URLButton is a link shown under the welcome message, after the offers.
type URLButton struct {
	Text string `json:"text"`
	URL  string `json:"url"` // https:// or tg://
}

// Downsell is a cheaper offer sent when a PIX for an offer stays unpaid for
// AfterMinutes (counted from when the PIX was generated). It re-offers the
// offer alone, without bumps, and delivers the offer's delivery. It is
// cancelled when the payment is confirmed. Exactly one of PriceCents and
// PercentOff is set.
type Downsell struct {
	ID           string `json:"id"`
	AfterMinutes int    `json:"after_minutes"` // 1 to MaxDelayMinutes
	// Offers lists the ids of the offers it applies to; empty means all.
	Offers     []string       `json:"offers"`
	Message    Message        `json:"message"`
	PriceCents grimbots.Cents `json:"price_cents,omitempty"` // a fixed price
	// PercentOff (1 to MaxPercentOff) discounts the offer's price, rounded
	// half-up to the centavo.
	PercentOff int    `json:"percent_off,omitempty"`
	Button     string `json:"button,omitempty"` // empty means Texts.BuyButton
}

// Upsell is a further product offered AfterMinutes after a purchase of an
// offer is confirmed (0 means right after the delivery).
type Upsell struct {
	ID           string `json:"id"`
	AfterMinutes int    `json:"after_minutes"` // 0 to MaxDelayMinutes
	// Offers lists the offers whose purchase triggers it; empty means all.
	Offers     []string       `json:"offers"`
	Name       string         `json:"name"` // product name
	Message    Message        `json:"message"`
	PriceCents grimbots.Cents `json:"price_cents"`
	Button     string         `json:"button,omitempty"` // empty means Texts.BuyButton
	Delivery   Delivery       `json:"delivery"`
}

// Default returns a starter configuration for a new bot: a pt-BR welcome
// message naming the bot and one offer at R$ 19,90. It passes Validate but
// not CheckReady: its access link is [PlaceholderAccessLink], which the
// seller must replace before the bot starts selling.
func Default(botName string) *Config {
	welcome := "👋 Olá, {nome}! Seja bem-vindo(a)!\n\n"
	if name := cleanBotName(botName); name != "" {
		welcome += "Aqui é <b>" + name + "</b>. "
	}
	welcome += "Escolha uma opção abaixo para liberar o seu acesso:"
	c := Config{
		Schema:  SchemaVersion,
		Welcome: Message{Text: welcome},
		Offers: []Offer{{
			ID:         "vip",
			Button:     "⭐ Acesso VIP por R$ 19,90",
			Name:       "Acesso VIP",
			PriceCents: 1990,
			Delivery:   Delivery{AccessLink: PlaceholderAccessLink},
		}},
	}
	return c.normalized()
}

// cleanBotName makes a bot name safe to put in the welcome HTML: escaped,
// without braces (which would read as placeholders), at most 64 characters.
func cleanBotName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.NewReplacer("{", "(", "}", ")").Replace(s)
	if utf8.RuneCountInString(s) > 64 {
		s = string([]rune(s)[:64])
	}
	return escapeHTML(s)
}

// WithDefaults returns a copy of c whose empty texts hold the pt-BR
// defaults. The copy shares the offers and other lists with c.
func (c *Config) WithDefaults() *Config {
	d := *c
	d.Texts = c.Texts.WithDefaults()
	return &d
}

// CheckReady reports, as an EINVALID error listing the fields, what must
// still be edited before the bot can sell: access links that are still
// [PlaceholderAccessLink]. It returns nil for a ready configuration. It
// does not validate; call Validate first.
func (c *Config) CheckReady() error {
	var v validator
	placeholder := func(path, link string) {
		if link == PlaceholderAccessLink {
			v.add(path, "replace the example link with your own")
		}
	}
	for i, o := range c.Offers {
		placeholder(index("offers", i)+".delivery.access_link", o.Delivery.AccessLink)
		for j, b := range o.Bumps {
			if b.Delivery != nil {
				placeholder(index(index("offers", i)+".bumps", j)+".delivery.access_link", b.Delivery.AccessLink)
			}
		}
	}
	for i, u := range c.Upsells {
		placeholder(index("upsells", i)+".delivery.access_link", u.Delivery.AccessLink)
	}
	return v.err("funnel configuration is not ready")
}

// normalized returns a copy of c whose nil lists are empty, so that a
// document always exports them as [] and an exported document imports back
// deeply equal. The lists that hold structs are copied; c is not modified.
func (c *Config) normalized() *Config {
	d := *c
	d.Offers = append([]Offer{}, c.Offers...)
	d.URLButtons = nonNil(c.URLButtons)
	d.Downsells = append([]Downsell{}, c.Downsells...)
	d.Upsells = append([]Upsell{}, c.Upsells...)
	for i := range d.Offers {
		d.Offers[i].Bumps = nonNil(d.Offers[i].Bumps)
	}
	for i := range d.Downsells {
		d.Downsells[i].Offers = nonNil(d.Downsells[i].Offers)
	}
	for i := range d.Upsells {
		d.Upsells[i].Offers = nonNil(d.Upsells[i].Offers)
	}
	return &d
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
