// Package funnel is the sales conversation of a bot: its configuration
// document and, around it, the transport-agnostic engine that drives a lead
// from /start to delivery.
//
// # Configuration
//
// A bot's funnel is one [Config] document: the welcome message, the offers
// (each with its order bumps and delivery), URL buttons, downsells, upsells
// and the bot's texts. The document carries its format version in Schema;
// the store keeps every saved revision of it (append-only), so a seller can
// go back to any earlier one. [Config.Validate] checks a document against
// Telegram's limits and the funnel's rules and returns field-level errors;
// [Import] and [Export] move it in and out as JSON.
//
// Everything in the document is addressed by a short stable id (an offer
// "vip", a bump "bonus"), never by its position, so reordering or editing an
// offer never changes what an old button buys. Prices are integer centavos
// and are always recomputed on the server from the current document:
// [Config.OfferTotal], [Config.DownsellPrice], [Upsell.PriceCents].
//
// # Callback data
//
// Inline buttons carry ids only (see [Callback]):
//
//	o:<offer>                      buy an offer
//	b:<offer>:<bump>:<answers>     answer an order bump; answers holds y/n for
//	                               every bump of the offer up to this one
//	b:<offer>:<bump>:<answers>:<campaign>
//	                               the same, in a purchase started from a
//	                               remarketing campaign's button
//	p:<payment reference>          "I paid": check the payment
//	d:<downsell>:<offer>           buy a downsell of an offer
//	u:<upsell>                     buy an upsell
//	c:<campaign id>:<offer>        buy an offer from a remarketing campaign's
//	                               message: the press is counted and the sale
//	                               attributed to the campaign ([Campaigns])
//
// # Texts and placeholders
//
// Messages are sent with parse_mode HTML, so texts may use Telegram's HTML
// subset (b, strong, i, em, u, ins, s, strike, del, a href, code, pre,
// tg-spoiler, span class="tg-spoiler", blockquote). A text may contain
// placeholders, written {name}, that [Render] replaces with HTML-escaped
// values. Each text accepts a fixed set; validation rejects any other:
//
//	welcome.text                           {nome}
//	offers[].bumps[].message.text          {nome} {produto} {valor} {total}
//	bumps[].accept, bumps[].decline,
//	texts.bump_accept, texts.bump_decline  {valor} {total}
//	downsells[].message.text               {nome} {produto} {valor} {valor_original}
//	upsells[].message.text                 {nome} {produto} {valor}
//	downsells[].button, upsells[].button,
//	texts.buy_button                       {valor}
//	*.delivery.message, texts.delivered    {nome} {produto} {valor} {link}
//	texts.pix, texts.pending               {nome} {produto} {valor} {codigo}
//	texts.expired                          {nome} {produto} {valor}
//	every other text and button            none
//
// The meaning of each placeholder is documented on its Var constant
// ([VarName], [VarProduct], ...).
package funnel
