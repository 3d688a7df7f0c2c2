package funnel

import (
	"regexp"
	"strings"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// CallbackKind is the first field of callback data: what the button does.
type CallbackKind string

// Callback kinds. The letters are stored in buttons already sent to buyers;
// never change or reuse one.
const (
	CallbackBuy      CallbackKind = "o" // o:<offer>
	CallbackBump     CallbackKind = "b" // b:<offer>:<bump>:<answers>
	CallbackPaid     CallbackKind = "p" // p:<payment reference>
	CallbackDownsell CallbackKind = "d" // d:<downsell>:<offer>
	CallbackUpsell   CallbackKind = "u" // u:<upsell>
)

// MaxCallbackData is Telegram's limit on callback data, in bytes. The
// longest data built here, a bump answer with two 16-character ids and
// MaxBumps answers, takes 2+16+1+16+1+3 = 39 bytes.
const MaxCallbackData = 64

// MaxReferenceLength bounds the payment reference in "I paid" buttons
// (payments.NewReference makes 24 characters).
const MaxReferenceLength = 32

var referenceRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Callback is parsed callback data. Data carries ids only, never a price or
// a name: the engine looks everything up in the current Config and in the
// store, and checks that a payment belongs to the bot and chat that pressed
// its button.
type Callback struct {
	Kind     CallbackKind
	Offer    string // CallbackBuy, CallbackBump, CallbackDownsell
	Bump     string // CallbackBump: the bump answered
	Answers  string // CallbackBump: 'y' or 'n' per bump of the offer, the first up to Bump
	Payment  string // CallbackPaid: the payment reference
	Downsell string // CallbackDownsell
	Upsell   string // CallbackUpsell
}

// BuyCallback is the data of an offer's buy button.
func BuyCallback(offerID string) string { return Callback{Kind: CallbackBuy, Offer: offerID}.Data() }

// BumpCallback is the data of a bump's accept or decline button: answers
// holds the answers to the offer's earlier bumps followed by 'y' (accept) or
// 'n' (decline) for this one. Carrying the earlier answers keeps the
// sequence stateless: the last press says everything.
func BumpCallback(offerID, bumpID, answers string) string {
	return Callback{Kind: CallbackBump, Offer: offerID, Bump: bumpID, Answers: answers}.Data()
}

// PaidCallback is the data of the "I paid" button of a payment.
func PaidCallback(reference string) string {
	return Callback{Kind: CallbackPaid, Payment: reference}.Data()
}

// DownsellCallback is the data of a downsell's buy button for an offer.
func DownsellCallback(downsellID, offerID string) string {
	return Callback{Kind: CallbackDownsell, Downsell: downsellID, Offer: offerID}.Data()
}

// UpsellCallback is the data of an upsell's buy button.
func UpsellCallback(upsellID string) string {
	return Callback{Kind: CallbackUpsell, Upsell: upsellID}.Data()
}

// Data returns the callback data of cb. Ids from a valid Config and
// references from the payments package always make data ParseCallback
// accepts, within MaxCallbackData.
func (cb Callback) Data() string {
	switch cb.Kind {
	case CallbackBuy:
		return join(cb.Kind, cb.Offer)
	case CallbackBump:
		return join(cb.Kind, cb.Offer, cb.Bump, cb.Answers)
	case CallbackPaid:
		return join(cb.Kind, cb.Payment)
	case CallbackDownsell:
		return join(cb.Kind, cb.Downsell, cb.Offer)
	case CallbackUpsell:
		return join(cb.Kind, cb.Upsell)
	}
	return ""
}

func join(kind CallbackKind, fields ...string) string {
	return string(kind) + ":" + strings.Join(fields, ":")
}

// ParseCallback parses callback data, which comes from outside (any client
// can send any data). It accepts exactly what Data produces and returns an
// EINVALID *grimbots.Error for anything else; the engine answers such a
// callback without doing anything.
func ParseCallback(data string) (Callback, error) {
	malformed := grimbots.Errorf(grimbots.EINVALID, "malformed callback data")
	if len(data) > MaxCallbackData {
		return Callback{}, malformed
	}
	f := strings.Split(data, ":")
	kind, n := CallbackKind(f[0]), len(f)-1
	var cb Callback
	switch {
	case kind == CallbackBuy && n == 1 && isID(f[1]):
		cb = Callback{Kind: kind, Offer: f[1]}
	case kind == CallbackBump && n == 3 && isID(f[1]) && isID(f[2]) && isAnswers(f[3]):
		cb = Callback{Kind: kind, Offer: f[1], Bump: f[2], Answers: f[3]}
	case kind == CallbackPaid && n == 1 && referenceRE.MatchString(f[1]):
		cb = Callback{Kind: kind, Payment: f[1]}
	case kind == CallbackDownsell && n == 2 && isID(f[1]) && isID(f[2]):
		cb = Callback{Kind: kind, Downsell: f[1], Offer: f[2]}
	case kind == CallbackUpsell && n == 1 && isID(f[1]):
		cb = Callback{Kind: kind, Upsell: f[1]}
	}
	if cb.Kind == "" {
		return Callback{}, malformed
	}
	return cb, nil
}

func isID(s string) bool { return idRE.MatchString(s) }

// isAnswers reports whether s is 1 to MaxBumps answers, each 'y' or 'n'.
func isAnswers(s string) bool {
	return len(s) >= 1 && len(s) <= MaxBumps && strings.Trim(s, "yn") == ""
}
