package funnel

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// Telegram's length limits, in UTF-16 code units, and ours for names.
const (
	maxTextLength    = 4096 // sendMessage text
	maxCaptionLength = 1024 // media caption
	maxButtonLength  = 64
	maxToastLength   = 200 // answerCallbackQuery text
	maxNameLength    = 100 // product names
)

var idRE = regexp.MustCompile(`^[a-z0-9_-]{1,16}$`)

// Validate checks the whole document and returns nil or an EINVALID
// *grimbots.Error whose Fields name every problem by its JSON path
// ("offers[2].price_cents", "offers[0].bumps[1].message.text"), in document
// order, with a short English message.
func (c *Config) Validate() error {
	v := validator{ids: map[string]string{}, offers: map[string]bool{}}
	if c.Schema != SchemaVersion {
		v.add("schema", "must be %d", SchemaVersion)
	}
	v.message("welcome", c.Welcome, varsWelcome)
	v.offerList(c.Offers)
	v.max("url_buttons", len(c.URLButtons), MaxURLButtons, "URL buttons")
	for i, b := range c.URLButtons {
		p := index("url_buttons", i)
		v.plain(p+".text", b.Text, varsNone, maxButtonLength)
		v.link(p+".url", b.URL, true)
	}
	v.max("downsells", len(c.Downsells), MaxDownsells, "downsells")
	// Past MaxOffers the document is already invalid; checking every
	// downsell against every offer of a hostile document would be slow.
	offers := c.Offers[:min(len(c.Offers), MaxOffers)]
	for i, d := range c.Downsells {
		v.downsell(index("downsells", i), d, offers)
	}
	v.max("upsells", len(c.Upsells), MaxUpsells, "upsells")
	for i, u := range c.Upsells {
		v.upsell(index("upsells", i), u)
	}
	for _, s := range textSpecs {
		if t := *s.field(&c.Texts); t != "" {
			v.text("texts."+s.name, t, s.kind, s.vars)
		}
	}
	return v.err("funnel configuration is invalid")
}

// validator collects field errors in document order.
type validator struct {
	errs   []grimbots.FieldError
	ids    map[string]string // id → path of the field that holds it
	offers map[string]bool   // valid offer ids
}

// add records a field error; past maxFieldErrors it drops them.
func (v *validator) add(field, format string, args ...any) {
	if len(v.errs) >= maxFieldErrors {
		return
	}
	v.errs = append(v.errs, grimbots.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// err returns the collected errors as one EINVALID error, or nil.
func (v *validator) err(message string) error {
	if len(v.errs) == 0 {
		return nil
	}
	return grimbots.Invalid(message, v.errs...)
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func (v *validator) offerList(offers []Offer) {
	if len(offers) == 0 {
		v.add("offers", "add at least one offer")
	}
	v.max("offers", len(offers), MaxOffers, "offers")
	for i, o := range offers {
		p := index("offers", i)
		if v.id(p+".id", o.ID) {
			v.offers[o.ID] = true
		}
		v.plain(p+".button", o.Button, varsNone, maxButtonLength)
		if o.Name != "" {
			v.plain(p+".name", o.Name, varsNone, maxNameLength)
		}
		v.price(p+".price_cents", o.PriceCents)
		v.delivery(p+".delivery", o.Delivery)
		v.max(p+".bumps", len(o.Bumps), MaxBumps, "bumps per offer")
		for j, b := range o.Bumps {
			v.bump(index(p+".bumps", j), b)
		}
	}
}

func (v *validator) bump(p string, b Bump) {
	v.id(p+".id", b.ID)
	v.plain(p+".name", b.Name, varsNone, maxNameLength)
	v.message(p+".message", b.Message, varsBumpText)
	v.price(p+".price_cents", b.PriceCents)
	if b.Accept != "" {
		v.plain(p+".accept", b.Accept, varsBumpBtn, maxButtonLength)
	}
	if b.Decline != "" {
		v.plain(p+".decline", b.Decline, varsBumpBtn, maxButtonLength)
	}
	if b.Delivery != nil {
		v.delivery(p+".delivery", *b.Delivery)
	}
}

func (v *validator) downsell(p string, d Downsell, offers []Offer) {
	v.id(p+".id", d.ID)
	v.delay(p+".after_minutes", d.AfterMinutes, 1)
	v.refs(p+".offers", d.Offers)
	v.message(p+".message", d.Message, varsDownsell)
	switch {
	case d.PriceCents == 0 && d.PercentOff == 0:
		v.add(p+".price_cents", "set price_cents or percent_off")
	case d.PriceCents != 0 && d.PercentOff != 0:
		v.add(p+".percent_off", "cannot be set together with price_cents")
	case d.PriceCents != 0:
		v.price(p+".price_cents", d.PriceCents)
	case d.PercentOff < 1 || d.PercentOff > MaxPercentOff:
		v.add(p+".percent_off", "must be between 1 and %d", MaxPercentOff)
	default:
		for _, o := range offers {
			price := discounted(o.PriceCents, d.PercentOff)
			if d.AppliesTo(o.ID) && o.PriceCents >= MinPriceCents && price < MinPriceCents {
				v.add(p+".percent_off", "makes offer %q cost %s, below the minimum of %s", o.ID, price, MinPriceCents)
				break
			}
		}
	}
	if d.Button != "" {
		v.plain(p+".button", d.Button, varsBuyBtn, maxButtonLength)
	}
}

func (v *validator) upsell(p string, u Upsell) {
	v.id(p+".id", u.ID)
	v.delay(p+".after_minutes", u.AfterMinutes, 0)
	v.refs(p+".offers", u.Offers)
	v.plain(p+".name", u.Name, varsNone, maxNameLength)
	v.message(p+".message", u.Message, varsUpsell)
	v.price(p+".price_cents", u.PriceCents)
	if u.Button != "" {
		v.plain(p+".button", u.Button, varsBuyBtn, maxButtonLength)
	}
	v.delivery(p+".delivery", u.Delivery)
}

// id checks an id and records it; it reports whether the id is valid and
// not taken.
func (v *validator) id(path, id string) bool {
	switch {
	case id == "":
		v.add(path, "is required")
	case !idRE.MatchString(id):
		v.add(path, "must be 1 to %d characters among a-z, 0-9, - and _", MaxIDLength)
	case v.ids[id] != "":
		v.add(path, "%q is already the id of %s", id, strings.TrimSuffix(v.ids[id], ".id"))
	default:
		v.ids[id] = path
		return true
	}
	return false
}

// refs checks a list of offer ids.
func (v *validator) refs(path string, ids []string) {
	seen := map[string]bool{}
	for k, id := range ids {
		switch {
		case !v.offers[id]:
			v.add(index(path, k), "no offer has the id %q", id)
		case seen[id]:
			v.add(index(path, k), "lists offer %q twice", id)
		}
		seen[id] = true
	}
}

func (v *validator) max(path string, n, limit int, what string) {
	if n > limit {
		v.add(path, "must have at most %d %s", limit, what)
	}
}

func (v *validator) price(path string, p grimbots.Cents) {
	if p < MinPriceCents {
		v.add(path, "must be at least %s", MinPriceCents)
	} else if p > MaxPriceCents {
		v.add(path, "must be at most %s", MaxPriceCents)
	}
}

func (v *validator) delay(path string, minutes, least int) {
	if minutes < least || minutes > MaxDelayMinutes {
		v.add(path, "must be between %d and %d minutes (7 days)", least, MaxDelayMinutes)
	}
}

func (v *validator) link(path, u string, allowTG bool) {
	if msg := linkError(u, allowTG); msg != "" {
		v.add(path, "%s", msg)
	}
}

// message checks a text with optional media: with media the text is a
// caption, optional and shorter.
func (v *validator) message(path string, m Message, vars []string) {
	limit := maxTextLength
	if m.Media != nil {
		limit = maxCaptionLength
		v.media(path+".media", *m.Media)
		if strings.TrimSpace(m.Text) == "" {
			return
		}
	}
	v.html(path+".text", m.Text, vars, limit)
}

func (v *validator) media(path string, m Media) {
	switch m.Kind {
	case MediaPhoto, MediaVideo, MediaAnimation, MediaDocument, MediaAudio:
	default:
		v.add(path+".kind", "must be photo, video, animation, document or audio")
	}
	if msg := linkError(m.URL, false); msg != "" {
		v.add(path+".url", "%s", msg)
	} else if u, _ := url.Parse(m.URL); u.Hostname() == "t.me" || u.Hostname() == "telegram.me" {
		// Telegram downloads media by URL; a post link is a web page.
		v.add(path+".url", "must link to the file itself, not to a Telegram post")
	}
}

func (v *validator) delivery(path string, d Delivery) {
	v.link(path+".access_link", d.AccessLink, false)
	if d.Message != "" {
		v.html(path+".message", d.Message, varsDelivery, maxTextLength)
	}
}

// text checks a text of the Texts kind given.
func (v *validator) text(path, s string, kind textKind, vars []string) {
	switch kind {
	case kindHTML:
		v.html(path, s, vars, maxTextLength)
	case kindButton:
		v.plain(path, s, vars, maxButtonLength)
	case kindToast:
		v.plain(path, s, vars, maxToastLength)
	}
}

// html checks a required Telegram HTML text.
func (v *validator) html(path, s string, vars []string, limit int) {
	if v.blank(path, s) {
		return
	}
	n, err := checkHTML(s)
	switch {
	case err != nil:
		v.add(path, "%s", err.Error())
	case n > limit:
		v.add(path, "must be at most %d characters (it has %d)", limit, n)
	default:
		v.placeholders(path, s, vars)
	}
}

// plain checks a required plain text (a button label, a name, a toast).
func (v *validator) plain(path, s string, vars []string, limit int) {
	if v.blank(path, s) {
		return
	}
	if n := len(utf16.Encode([]rune(s))); n > limit {
		v.add(path, "must be at most %d characters (it has %d)", limit, n)
		return
	}
	v.placeholders(path, s, vars)
}

func (v *validator) blank(path, s string) bool {
	if s == "" {
		v.add(path, "is required")
	} else if strings.TrimSpace(s) == "" {
		v.add(path, "must not be blank")
	}
	return strings.TrimSpace(s) == ""
}

func (v *validator) placeholders(path, s string, vars []string) {
	p := unknownPlaceholder(s, vars)
	switch {
	case p == "":
	case len(vars) == 0:
		v.add(path, "placeholder %s is not supported here", p)
	default:
		v.add(path, "unknown placeholder %s; use %s", p, "{"+strings.Join(vars, "}, {")+"}")
	}
}
