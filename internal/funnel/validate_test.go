package funnel

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// exampleConfig uses every part of the document: the reference's funnel
// (a VIP plan with a bump, a 50% downsell, an upsell) plus a second offer.
func exampleConfig() *Config {
	return &Config{
		Schema: SchemaVersion,
		Welcome: Message{
			Text:  "👋 Olá, {nome}! Bem-vindo(a) ao <b>Clube VIP</b>.\n\n<i>Escolha o seu plano:</i>",
			Media: &Media{Kind: MediaVideo, URL: "https://cdn.example.com/boas-vindas.mp4"},
		},
		Offers: []Offer{{
			ID: "vip", Button: "🔥 Plano VIP - R$ 19,97", Name: "VIP mensal", PriceCents: 1997,
			Delivery: Delivery{AccessLink: "https://t.me/+AbCdEf123", Message: "✅ Bem-vindo(a) ao VIP, {nome}! Entre: {link}"},
			Bumps: []Bump{{
				ID: "bonus", Name: "Bônus", PriceCents: 500,
				Message:  Message{Text: "🎁 Leve também o <b>{produto}</b> por apenas {valor}!"},
				Delivery: &Delivery{AccessLink: "https://example.com/bonus"},
			}, {
				ID: "grupo", Name: "Grupo de avisos", PriceCents: 290, Accept: "Quero! Total {total}", Decline: "Agora não",
				Message: Message{Media: &Media{Kind: MediaPhoto, URL: "https://cdn.example.com/grupo.jpg"}},
			}},
		}, {
			ID: "vitalicio", Button: "💎 Vitalício - R$ 97,00", PriceCents: 9700,
			Delivery: Delivery{AccessLink: "https://t.me/+Vitalicio"},
			Bumps:    []Bump{},
		}},
		URLButtons: []URLButton{{Text: "📣 Canal de prévias", URL: "https://t.me/previas"}, {Text: "Suporte", URL: "tg://resolve?domain=suporte"}},
		Downsells: []Downsell{{
			ID: "ds-metade", AfterMinutes: 5, Offers: []string{"vip"}, PercentOff: 50,
			Message: Message{Text: "⏰ Última chance: {produto} de {valor_original} por {valor}!"},
		}, {
			ID: "ds-fixo", AfterMinutes: 60, Offers: []string{}, PriceCents: 990, Button: "Levar por {valor}",
			Message: Message{Text: "Ainda dá tempo, {nome}."},
		}},
		Upsells: []Upsell{{
			ID: "mentoria", AfterMinutes: 10, Offers: []string{"vip"}, Name: "Mentoria", PriceCents: 4700,
			Message:  Message{Text: "Que tal a <b>{produto}</b> por {valor}?"},
			Delivery: Delivery{AccessLink: "https://example.com/mentoria"},
		}},
		Texts: Texts{PaidButton: "💸 Já fiz o PIX", Generating: "Gerando..."},
	}
}

// fieldsOf returns the fields of an EINVALID error, failing otherwise.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var e *grimbots.Error
	if !errors.As(err, &e) || e.Code != grimbots.EINVALID {
		t.Fatalf("error = %v, want an EINVALID *grimbots.Error", err)
	}
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	return fields
}

func TestValidateAcceptsExampleAndDefault(t *testing.T) {
	for name, c := range map[string]*Config{"example": exampleConfig(), "default": Default("Loja"), "no name": Default("")} {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v %+v", name, err, err.(*grimbots.Error).Fields)
		}
	}
}

func TestValidateRules(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	offers := func(n int) []Offer {
		var os []Offer
		for i := range n {
			os = append(os, Offer{ID: "o" + string(rune('a'+i)), Button: "B", PriceCents: 100, Delivery: Delivery{AccessLink: "https://x.io"}})
		}
		return os
	}
	bump := Bump{ID: "b", Name: "N", PriceCents: 100, Message: Message{Text: "t"}}
	tests := []struct {
		name   string
		edit   func(c *Config)
		field  string // "" means valid
		detail string // a part of the message
	}{
		// Boundaries that pass.
		{"text of 4096", func(c *Config) { c.Welcome = Message{Text: long(4096)} }, "", ""},
		{"2048 emoji are 4096 UTF-16 units", func(c *Config) { c.Welcome = Message{Text: strings.Repeat("😀", 2048)} }, "", ""},
		{"entities count once", func(c *Config) { c.Welcome = Message{Text: strings.Repeat("&amp;", 4096)} }, "", ""},
		{"caption of 1024", func(c *Config) { c.Welcome.Text = long(1024) }, "", ""},
		{"media without caption", func(c *Config) { c.Welcome.Text = "" }, "", ""},
		{"8 offers", func(c *Config) { c.Offers = offers(8); c.Downsells, c.Upsells = nil, nil }, "", ""},
		{"id of 16", func(c *Config) { c.Offers[1].ID = "a-b_c0123456789z" }, "", ""},
		{"minimum price", func(c *Config) { c.Offers[1].PriceCents = 50 }, "", ""},
		{"maximum price", func(c *Config) { c.Offers[0].PriceCents = MaxPriceCents }, "", ""},
		{"90% off", func(c *Config) { c.Downsells[0].PercentOff = 90 }, "", ""},
		{"7 days", func(c *Config) { c.Downsells[0].AfterMinutes = MaxDelayMinutes }, "", ""},
		{"upsell right away", func(c *Config) { c.Upsells[0].AfterMinutes = 0 }, "", ""},
		{"link placeholder in href", func(c *Config) { c.Offers[0].Delivery.Message = `<a href="{link}">Entrar</a>` }, "", ""},

		{"schema", func(c *Config) { c.Schema = 2 }, "schema", "must be 1"},
		{"welcome missing", func(c *Config) { c.Welcome = Message{} }, "welcome.text", "required"},
		{"welcome blank", func(c *Config) { c.Welcome = Message{Text: " \n "} }, "welcome.text", "blank"},
		{"welcome too long", func(c *Config) { c.Welcome = Message{Text: long(4097)} }, "welcome.text", "4096"},
		{"emoji too long", func(c *Config) { c.Welcome = Message{Text: strings.Repeat("😀", 2049)} }, "welcome.text", "4096"},
		{"caption too long", func(c *Config) { c.Welcome.Text = long(1025) }, "welcome.text", "1024"},
		{"media kind", func(c *Config) { c.Welcome.Media.Kind = "gif" }, "welcome.media.kind", "photo"},
		{"media http", func(c *Config) { c.Welcome.Media.URL = "http://cdn.example.com/a.mp4" }, "welcome.media.url", "https"},
		{"media post link", func(c *Config) { c.Welcome.Media.URL = "https://t.me/canal/12" }, "welcome.media.url", "not to a Telegram post"},
		{"welcome placeholder", func(c *Config) { c.Welcome.Text = "{produto}" }, "welcome.text", "unknown placeholder {produto}; use {nome}"},
		{"misspelt placeholder", func(c *Config) { c.Welcome.Text = "Olá {Nome}" }, "welcome.text", "{Nome}"},
		{"welcome HTML", func(c *Config) { c.Welcome.Text = "<div>x</div>" }, "welcome.text", "unsupported tag <div>"},
		{"welcome unbalanced", func(c *Config) { c.Welcome.Text = "<b>x" }, "welcome.text", "<b> is not closed"},

		{"no offers", func(c *Config) { c.Offers, c.Downsells, c.Upsells = nil, nil, nil }, "offers", "at least one"},
		{"9 offers", func(c *Config) { c.Offers = offers(9); c.Downsells, c.Upsells = nil, nil }, "offers", "at most 8"},
		{"offer id missing", func(c *Config) { c.Offers[1].ID = "" }, "offers[1].id", "required"},
		{"offer id uppercase", func(c *Config) { c.Offers[1].ID = "VIP2" }, "offers[1].id", "a-z"},
		{"offer id of 17", func(c *Config) { c.Offers[1].ID = long(17) }, "offers[1].id", "16"},
		{"offer id with colon", func(c *Config) { c.Offers[1].ID = "a:b" }, "offers[1].id", "a-z"},
		{"offer id twice", func(c *Config) { c.Offers[1].ID = "vip" }, "offers[1].id", `"vip" is already the id of offers[0]`},
		{"bump id is an offer's", func(c *Config) { c.Offers[0].Bumps[1].ID = "vip" }, "offers[0].bumps[1].id", "offers[0]"},
		{"downsell id is a bump's", func(c *Config) { c.Downsells[1].ID = "bonus" }, "downsells[1].id", "offers[0].bumps[0]"},
		{"upsell id is a downsell's", func(c *Config) { c.Upsells[0].ID = "ds-fixo" }, "upsells[0].id", "downsells[1]"},
		{"offer button missing", func(c *Config) { c.Offers[0].Button = "" }, "offers[0].button", "required"},
		{"offer button too long", func(c *Config) { c.Offers[0].Button = long(65) }, "offers[0].button", "64"},
		{"offer button placeholder", func(c *Config) { c.Offers[0].Button = "VIP {valor}" }, "offers[0].button", "not supported here"},
		{"offer name too long", func(c *Config) { c.Offers[0].Name = long(101) }, "offers[0].name", "100"},
		{"price too low", func(c *Config) { c.Offers[1].PriceCents = 49 }, "offers[1].price_cents", "at least R$ 0,50"},
		{"price zero", func(c *Config) { c.Offers[1].PriceCents = 0 }, "offers[1].price_cents", "at least"},
		{"price negative", func(c *Config) { c.Offers[1].PriceCents = -100 }, "offers[1].price_cents", "at least"},
		{"price too high", func(c *Config) { c.Offers[1].PriceCents = MaxPriceCents + 1 }, "offers[1].price_cents", "at most R$ 100.000,00"},
		{"access link missing", func(c *Config) { c.Offers[1].Delivery.AccessLink = "" }, "offers[1].delivery.access_link", "required"},
		{"access link http", func(c *Config) { c.Offers[1].Delivery.AccessLink = "http://t.me/+x" }, "offers[1].delivery.access_link", "https"},
		{"access link tg", func(c *Config) { c.Offers[1].Delivery.AccessLink = "tg://join?invite=x" }, "offers[1].delivery.access_link", "https"},
		{"access link without scheme", func(c *Config) { c.Offers[1].Delivery.AccessLink = "t.me/+x" }, "offers[1].delivery.access_link", "https"},
		{"access link with space", func(c *Config) { c.Offers[1].Delivery.AccessLink = "https://t.me/+ x" }, "offers[1].delivery.access_link", "spaces"},
		{"delivery placeholder", func(c *Config) { c.Offers[0].Delivery.Message = "{codigo}" }, "offers[0].delivery.message", "{codigo}"},
		{"delivery blank", func(c *Config) { c.Offers[0].Delivery.Message = "  " }, "offers[0].delivery.message", "blank"},

		{"4 bumps", func(c *Config) {
			c.Offers[1].Bumps = []Bump{bump, bump, bump, bump}
			for i := range c.Offers[1].Bumps {
				c.Offers[1].Bumps[i].ID = "b" + string(rune('0'+i))
			}
		}, "offers[1].bumps", "at most 3"},
		{"bump name", func(c *Config) { c.Offers[0].Bumps[0].Name = "" }, "offers[0].bumps[0].name", "required"},
		{"bump message", func(c *Config) { c.Offers[0].Bumps[0].Message.Text = "" }, "offers[0].bumps[0].message.text", "required"},
		{"bump caption placeholder", func(c *Config) { c.Offers[0].Bumps[1].Message.Text = "{link}" }, "offers[0].bumps[1].message.text", "{link}"},
		{"bump media", func(c *Config) { c.Offers[0].Bumps[1].Message.Media.URL = "" }, "offers[0].bumps[1].message.media.url", "required"},
		{"bump price", func(c *Config) { c.Offers[0].Bumps[1].PriceCents = 49 }, "offers[0].bumps[1].price_cents", "at least"},
		{"bump accept", func(c *Config) { c.Offers[0].Bumps[1].Accept = long(65) }, "offers[0].bumps[1].accept", "64"},
		{"bump decline", func(c *Config) { c.Offers[0].Bumps[1].Decline = "Não, {nome}" }, "offers[0].bumps[1].decline", "{nome}"},
		{"bump delivery", func(c *Config) { c.Offers[0].Bumps[0].Delivery.AccessLink = "ftp://x" }, "offers[0].bumps[0].delivery.access_link", "https"},

		{"9 URL buttons", func(c *Config) { c.URLButtons = slices.Repeat(c.URLButtons[:1], 9) }, "url_buttons", "at most 8"},
		{"URL button text", func(c *Config) { c.URLButtons[1].Text = "" }, "url_buttons[1].text", "required"},
		{"URL button javascript", func(c *Config) { c.URLButtons[1].URL = "javascript:alert(1)" }, "url_buttons[1].url", "tg://"},
		{"URL button empty tg", func(c *Config) { c.URLButtons[1].URL = "tg://" }, "url_buttons[1].url", "tg://"},

		{"6 downsells", func(c *Config) {
			for i := range 4 {
				d := c.Downsells[1]
				d.ID = "d" + string(rune('0'+i))
				c.Downsells = append(c.Downsells, d)
			}
		}, "downsells", "at most 5"},
		{"downsell delay 0", func(c *Config) { c.Downsells[0].AfterMinutes = 0 }, "downsells[0].after_minutes", "between 1 and 10080"},
		{"downsell delay too long", func(c *Config) { c.Downsells[0].AfterMinutes = MaxDelayMinutes + 1 }, "downsells[0].after_minutes", "7 days"},
		{"downsell unknown offer", func(c *Config) { c.Downsells[0].Offers = []string{"vip", "bonus"} }, "downsells[0].offers[1]", `no offer has the id "bonus"`},
		{"downsell offer twice", func(c *Config) { c.Downsells[0].Offers = []string{"vip", "vip"} }, "downsells[0].offers[1]", "twice"},
		{"downsell no price", func(c *Config) { c.Downsells[0].PercentOff = 0 }, "downsells[0].price_cents", "price_cents or percent_off"},
		{"downsell two prices", func(c *Config) { c.Downsells[0].PriceCents = 990 }, "downsells[0].percent_off", "together"},
		{"downsell fixed too low", func(c *Config) { c.Downsells[1].PriceCents = 49 }, "downsells[1].price_cents", "at least"},
		{"percent 91", func(c *Config) { c.Downsells[0].PercentOff = 91 }, "downsells[0].percent_off", "between 1 and 90"},
		{"percent negative", func(c *Config) { c.Downsells[0].PercentOff = -5 }, "downsells[0].percent_off", "between 1 and 90"},
		{"percent just at minimum", func(c *Config) { c.Offers[0].PriceCents = 99 }, "", ""}, // 49.5 rounds to 50
		{"percent below minimum", func(c *Config) { c.Offers[0].PriceCents = 98 },
			"downsells[0].percent_off", `makes offer "vip" cost R$ 0,49`},
		{"percent below minimum for all", func(c *Config) {
			c.Offers[1].PriceCents = 60
			c.Downsells[1].PriceCents, c.Downsells[1].PercentOff = 0, 20
		}, "downsells[1].percent_off", `offer "vitalicio" cost R$ 0,48, below the minimum of R$ 0,50`},
		{"downsell button", func(c *Config) { c.Downsells[1].Button = "Por {total}" }, "downsells[1].button", "use {valor}"},
		{"downsell message", func(c *Config) { c.Downsells[1].Message.Text = "<a>x</a>" }, "downsells[1].message.text", "href"},

		{"6 upsells", func(c *Config) {
			for i := range 5 {
				u := c.Upsells[0]
				u.ID = "u" + string(rune('0'+i))
				c.Upsells = append(c.Upsells, u)
			}
		}, "upsells", "at most 5"},
		{"upsell delay", func(c *Config) { c.Upsells[0].AfterMinutes = -1 }, "upsells[0].after_minutes", "between 0 and"},
		{"upsell unknown offer", func(c *Config) { c.Upsells[0].Offers = []string{"ds-fixo"} }, "upsells[0].offers[0]", "no offer"},
		{"upsell name", func(c *Config) { c.Upsells[0].Name = "" }, "upsells[0].name", "required"},
		{"upsell message", func(c *Config) { c.Upsells[0].Message.Text = "{valor_original}" }, "upsells[0].message.text", "{valor_original}"},
		{"upsell price", func(c *Config) { c.Upsells[0].PriceCents = 0 }, "upsells[0].price_cents", "at least"},
		{"upsell button", func(c *Config) { c.Upsells[0].Button = " " }, "upsells[0].button", "blank"},
		{"upsell delivery", func(c *Config) { c.Upsells[0].Delivery.AccessLink = "" }, "upsells[0].delivery.access_link", "required"},

		{"pix placeholder", func(c *Config) { c.Texts.PIX = "{link}" }, "texts.pix", "{nome}, {produto}, {valor}, {codigo}"},
		{"pix HTML", func(c *Config) { c.Texts.PIX = "<code>{codigo}</b>" }, "texts.pix", "</b>"},
		{"paid button length", func(c *Config) { c.Texts.PaidButton = long(65) }, "texts.paid_button", "64"},
		{"toast length", func(c *Config) { c.Texts.Generating = long(201) }, "texts.generating", "200"},
		{"bump accept text", func(c *Config) { c.Texts.BumpAccept = "Sim, {nome}" }, "texts.bump_accept", "{valor}, {total}"},
		{"error text placeholder", func(c *Config) { c.Texts.Error = "Erro {codigo}" }, "texts.error", "not supported"},
		{"blank text", func(c *Config) { c.Texts.Expired = "\t" }, "texts.expired", "blank"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := exampleConfig()
			tt.edit(c)
			err := c.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", fieldErrors(err))
				}
				return
			}
			if got := fieldsOf(t, err); !slices.Equal(got, []string{tt.field}) {
				t.Fatalf("fields = %q, want [%q]; %v", got, tt.field, fieldErrors(err))
			}
			if msg := err.(*grimbots.Error).Fields[0].Message; !strings.Contains(msg, tt.detail) {
				t.Errorf("message = %q, want it to contain %q", msg, tt.detail)
			}
		})
	}
}

// fieldErrors formats an error's field errors for a failure message.
func fieldErrors(err error) string {
	var e *grimbots.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	var b strings.Builder
	for _, f := range e.Fields {
		b.WriteString(f.Field + ": " + f.Message + "; ")
	}
	return b.String()
}

func TestValidateReportsEveryProblemInOrder(t *testing.T) {
	c := exampleConfig()
	c.Schema = 0
	c.Offers[1].PriceCents = 1
	c.Offers[0].Bumps[0].Name = ""
	c.Texts.PIX = "<p>"
	want := []string{"schema", "offers[0].bumps[0].name", "offers[1].price_cents", "texts.pix"}
	if got := fieldsOf(t, c.Validate()); !slices.Equal(got, want) {
		t.Fatalf("fields = %q, want %q", got, want)
	}
	var e *grimbots.Error
	_ = errors.As(c.Validate(), &e)
	if e.Message != "funnel configuration is invalid" {
		t.Errorf("message = %q", e.Message)
	}
}

func TestValidateBoundsTheNumberOfErrors(t *testing.T) {
	c := exampleConfig()
	c.Offers = slices.Repeat([]Offer{{}}, 500)
	if got := fieldsOf(t, c.Validate()); len(got) != maxFieldErrors {
		t.Fatalf("%d field errors, want %d", len(got), maxFieldErrors)
	}
}

func TestCheckReady(t *testing.T) {
	if err := exampleConfig().CheckReady(); err != nil {
		t.Fatalf("example: CheckReady() = %v", err)
	}
	c := Default("Loja")
	if got := fieldsOf(t, c.CheckReady()); !slices.Equal(got, []string{"offers[0].delivery.access_link"}) {
		t.Fatalf("default: fields = %q", got)
	}
	c = exampleConfig()
	c.Offers[0].Bumps[0].Delivery.AccessLink = PlaceholderAccessLink
	c.Upsells[0].Delivery.AccessLink = PlaceholderAccessLink
	want := []string{"offers[0].bumps[0].delivery.access_link", "upsells[0].delivery.access_link"}
	if got := fieldsOf(t, c.CheckReady()); !slices.Equal(got, want) {
		t.Fatalf("fields = %q, want %q", got, want)
	}
}

func TestDefault(t *testing.T) {
	for _, name := range []string{"Loja", "", "  ", "<b>Tom & Jerry</b> {preco} \"VIP\"", strings.Repeat("ção", 100)} {
		c := Default(name)
		if err := c.Validate(); err != nil {
			t.Errorf("Default(%q).Validate() = %v", name, fieldErrors(err))
		}
	}
	if got := Default("Tom & Jerry").Welcome.Text; !strings.Contains(got, "<b>Tom &amp; Jerry</b>") {
		t.Errorf("welcome = %q, want the escaped name", got)
	}
}
