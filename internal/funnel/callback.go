package funnel

import (
	"regexp"
	"strconv"
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
	CallbackCampaign CallbackKind = "c" // c:<campaign id>:<offer>
)

// MaxCallbackData is Telegram's limit on callback data, in bytes. The
// longest data built here, a bump answer with two 16-character ids,
// MaxBumps answers and a 19-digit campaign id, takes 2+16+1+16+1+3+1+19 =
// 59 bytes.
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
	// Campaign is the remarketing campaign whose offer button started the
	// purchase (CallbackCampaign, and the bumps that follow it); 0 for none.
	Campaign int64
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

// CampaignCallback is the data of a remarketing campaign's offer button:
// it buys the offer like its welcome button, with the sale attributed to
// the campaign.
func CampaignCallback(campaignID int64, offerID string) string {
	return Callback{Kind: CallbackCampaign, Campaign: campaignID, Offer: offerID}.Data()
}

// Data returns the callback data of cb. Ids from a valid Config and
// references from the payments package always make data ParseCallback
// accepts, within MaxCallbackData.
func (cb Callback) Data() string {
	switch cb.Kind {
	case CallbackBuy:
		return join(cb.Kind, cb.Offer)
	case CallbackBump:
		if cb.Campaign > 0 {
			return join(cb.Kind, cb.Offer, cb.Bump, cb.Answers, strconv.FormatInt(cb.Campaign, 10))
		}
		return join(cb.Kind, cb.Offer, cb.Bump, cb.Answers)
	case CallbackCampaign:
		return join(cb.Kind, strconv.FormatInt(cb.Campaign, 10), cb.Offer)
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
	case kind == CallbackBump && n == 4 && isID(f[1]) && isID(f[2]) && isAnswers(f[3]) && campaignID(f[4]) > 0:
		cb = Callback{Kind: kind, Offer: f[1], Bump: f[2], Answers: f[3], Campaign: campaignID(f[4])}
	case kind == CallbackCampaign && n == 2 && campaignID(f[1]) > 0 && isID(f[2]):
		cb = Callback{Kind: kind, Campaign: campaignID(f[1]), Offer: f[2]}
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

// campaignID parses a campaign id as Data writes it (decimal, no sign or
// leading zero); 0 for anything else.
func campaignID(s string) int64 {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return 0
	}
	return id
}

// isAnswers reports whether s is 1 to MaxBumps answers, each 'y' or 'n'.
func isAnswers(s string) bool {
	return len(s) >= 1 && len(s) <= MaxBumps && strings.Trim(s, "yn") == ""
}
