package funnel

import (
	"regexp"
	"strings"
)

// Placeholder names. The engine supplies their values to [Render]; which
// texts accept which placeholders is listed in the package documentation.
const (
	VarName     = "nome"           // the buyer's Telegram first name
	VarProduct  = "produto"        // the product: offer name with accepted bumps, bump, downsell or upsell name
	VarAmount   = "valor"          // an amount as grimbots.Cents.String formats it: "R$ 19,90"
	VarTotal    = "total"          // bump prompts: the total to pay if this bump is accepted
	VarOriginal = "valor_original" // downsells: the offer's full price
	VarCode     = "codigo"         // the PIX copy-and-paste code (BR Code)
	VarLink     = "link"           // the access link being delivered
)

// Texts are the bot's fixed texts. An empty field means the pt-BR default
// of [DefaultTexts]; the engine reads them through [Config.WithDefaults].
// HTML texts are Telegram HTML; button and toast texts are plain text.
type Texts struct {
	PIX          string `json:"pix,omitempty"`           // HTML: the charge, with the code to copy
	PaidButton   string `json:"paid_button,omitempty"`   // button under the PIX message: "I paid"
	Pending      string `json:"pending,omitempty"`       // HTML: "I paid" pressed, payment not confirmed yet
	Delivered    string `json:"delivered,omitempty"`     // HTML: default delivery message
	AccessButton string `json:"access_button,omitempty"` // button of a delivery, opening the access link
	BumpAccept   string `json:"bump_accept,omitempty"`   // default accept button of an order bump
	BumpDecline  string `json:"bump_decline,omitempty"`  // default decline button of an order bump
	BuyButton    string `json:"buy_button,omitempty"`    // default buy button of a downsell or upsell
	Generating   string `json:"generating,omitempty"`    // toast (≤ 200 characters) while the PIX is created
	Unavailable  string `json:"unavailable,omitempty"`   // toast: the button's offer no longer exists
	Confirmed    string `json:"confirmed,omitempty"`     // toast: "I paid" pressed, payment confirmed (delivery follows)
	Expired      string `json:"expired,omitempty"`       // HTML: "I paid" pressed on an expired charge
	Error        string `json:"error,omitempty"`         // HTML: the PIX could not be generated
}

// textKind says how a text is sent, which decides how it is validated.
type textKind int

const (
	kindHTML   textKind = iota // a message: Telegram HTML, at most 4096 characters
	kindButton                 // a button label: plain, 1 to 64 characters
	kindToast                  // an answerCallbackQuery text: plain, at most 200 characters
)

// Placeholder sets, one per kind of text.
var (
	varsNone     []string
	varsWelcome  = []string{VarName}
	varsBumpText = []string{VarName, VarProduct, VarAmount, VarTotal}
	varsBumpBtn  = []string{VarAmount, VarTotal}
	varsDownsell = []string{VarName, VarProduct, VarAmount, VarOriginal}
	varsUpsell   = []string{VarName, VarProduct, VarAmount}
	varsBuyBtn   = []string{VarAmount}
	varsDelivery = []string{VarName, VarProduct, VarAmount, VarLink}
	varsPIX      = []string{VarName, VarProduct, VarAmount, VarCode}
	varsExpired  = []string{VarName, VarProduct, VarAmount}
)

// textSpec describes one field of Texts: its JSON name, kind, placeholders
// and pt-BR default. The table drives both defaults and validation.
type textSpec struct {
	name  string
	field func(*Texts) *string
	kind  textKind
	vars  []string
	def   string
}

var textSpecs = []textSpec{
	{"pix", func(t *Texts) *string { return &t.PIX }, kindHTML, varsPIX,
		"🎯 <b>Produto:</b> {produto}\n💰 <b>Valor:</b> {valor}\n\n" +
			"📱 <b>PIX Copia e Cola:</b>\n<code>{codigo}</code>\n\n" +
			"<i>Toque no código para copiar e pague no app do seu banco.</i>\n\n" +
			"💡 Depois de pagar, toque em <b>Já paguei</b> para receber o seu acesso."},
	{"paid_button", func(t *Texts) *string { return &t.PaidButton }, kindButton, varsNone,
		"✅ Já paguei"},
	{"pending", func(t *Texts) *string { return &t.Pending }, kindHTML, varsPIX,
		"⏳ <b>Pagamento ainda não confirmado.</b>\n\n" +
			"Se você já pagou, aguarde alguns instantes e toque em <b>Já paguei</b> novamente.\n\n" +
			"Se ainda não pagou, use o código abaixo:\n<code>{codigo}</code>"},
	{"delivered", func(t *Texts) *string { return &t.Delivered }, kindHTML, varsDelivery,
		"✅ <b>Pagamento confirmado!</b>\n\nObrigado pela compra, {nome}! 🎉\n\n" +
			"<b>Produto:</b> {produto}\n<b>Valor pago:</b> {valor}\n\n" +
			"🔓 Seu acesso: {link}"},
	{"access_button", func(t *Texts) *string { return &t.AccessButton }, kindButton, varsNone,
		"🔓 Acessar agora"},
	{"bump_accept", func(t *Texts) *string { return &t.BumpAccept }, kindButton, varsBumpBtn,
		"✅ Sim, quero (+ {valor})"},
	{"bump_decline", func(t *Texts) *string { return &t.BumpDecline }, kindButton, varsBumpBtn,
		"❌ Não, obrigado"},
	{"buy_button", func(t *Texts) *string { return &t.BuyButton }, kindButton, varsBuyBtn,
		"🛒 Comprar por {valor}"},
	{"generating", func(t *Texts) *string { return &t.Generating }, kindToast, varsNone,
		"⏳ Gerando o seu PIX..."},
	{"unavailable", func(t *Texts) *string { return &t.Unavailable }, kindToast, varsNone,
		"Esta oferta não está mais disponível."},
	{"confirmed", func(t *Texts) *string { return &t.Confirmed }, kindToast, varsNone,
		"✅ Pagamento confirmado!"},
	{"expired", func(t *Texts) *string { return &t.Expired }, kindHTML, varsExpired,
		"⌛ <b>Este PIX expirou.</b>\n\nEnvie /start para escolher a oferta e gerar um novo código."},
	{"error", func(t *Texts) *string { return &t.Error }, kindHTML, varsNone,
		"⚠️ Não foi possível gerar o seu PIX agora. Tente novamente em alguns instantes."},
}

// DefaultTexts returns every text in its pt-BR default.
func DefaultTexts() Texts {
	var t Texts
	for _, s := range textSpecs {
		*s.field(&t) = s.def
	}
	return t
}

// WithDefaults returns t with every empty text replaced by its default.
func (t Texts) WithDefaults() Texts {
	for _, s := range textSpecs {
		if p := s.field(&t); *p == "" {
			*p = s.def
		}
	}
	return t
}

// placeholderRE matches anything written like a placeholder, known or not,
// so that validation can reject a misspelt one ({Nome}, {preco}).
var placeholderRE = regexp.MustCompile(`\{[A-Za-z_][A-Za-z0-9_]*\}`)

// Render replaces each {name} placeholder of tpl that vars defines with the
// value, HTML-escaped: use it for texts sent with parse_mode HTML. Other
// braces are left as they are. Values are not scanned for placeholders.
func Render(tpl string, vars map[string]string) string {
	return render(tpl, vars, escapeHTML)
}

// RenderPlain is Render without escaping, for plain-text button labels and
// toasts.
func RenderPlain(tpl string, vars map[string]string) string {
	return render(tpl, vars, func(s string) string { return s })
}

func render(tpl string, vars map[string]string, escape func(string) string) string {
	if !strings.Contains(tpl, "{") {
		return tpl
	}
	return placeholderRE.ReplaceAllStringFunc(tpl, func(m string) string {
		if v, ok := vars[m[1:len(m)-1]]; ok {
			return escape(v)
		}
		return m
	})
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// escapeHTML escapes s for Telegram HTML, text or attribute value, using
// only the entities Telegram supports.
func escapeHTML(s string) string { return htmlEscaper.Replace(s) }

// unknownPlaceholder returns the first placeholder of s that is not in
// allowed, or "".
func unknownPlaceholder(s string, allowed []string) string {
	for _, m := range placeholderRE.FindAllString(s, -1) {
		known := false
		for _, a := range allowed {
			known = known || m[1:len(m)-1] == a
		}
		if !known {
			return m
		}
	}
	return ""
}
