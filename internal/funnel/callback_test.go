package funnel

import (
	"math"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/grimbots"
)

func TestCallbackRoundTrip(t *testing.T) {
	id16 := strings.Repeat("z", MaxIDLength)
	ref32 := strings.Repeat("R", MaxReferenceLength)
	tests := []struct {
		data string
		want Callback
	}{
		{BuyCallback("vip"), Callback{Kind: CallbackBuy, Offer: "vip"}},
		{BumpCallback("vip", "bonus", "y"), Callback{Kind: CallbackBump, Offer: "vip", Bump: "bonus", Answers: "y"}},
		{BumpCallback("vip", "grupo", "yn"), Callback{Kind: CallbackBump, Offer: "vip", Bump: "grupo", Answers: "yn"}},
		{PaidCallback("gbk3m9q2x7w4v8n5p6r2s3t4"), Callback{Kind: CallbackPaid, Payment: "gbk3m9q2x7w4v8n5p6r2s3t4"}},
		{DownsellCallback("ds-metade", "vip"), Callback{Kind: CallbackDownsell, Downsell: "ds-metade", Offer: "vip"}},
		{UpsellCallback("mentoria"), Callback{Kind: CallbackUpsell, Upsell: "mentoria"}},
		// The longest data of each kind fits Telegram's 64 bytes.
		{BuyCallback(id16), Callback{Kind: CallbackBuy, Offer: id16}},
		{BumpCallback(id16, id16, "nyn"), Callback{Kind: CallbackBump, Offer: id16, Bump: id16, Answers: "nyn"}},
		{PaidCallback(ref32), Callback{Kind: CallbackPaid, Payment: ref32}},
		{DownsellCallback(id16, id16), Callback{Kind: CallbackDownsell, Downsell: id16, Offer: id16}},
		{UpsellCallback(id16), Callback{Kind: CallbackUpsell, Upsell: id16}},
		{CampaignCallback(42, "vip"), Callback{Kind: CallbackCampaign, Campaign: 42, Offer: "vip"}},
		{CampaignCallback(math.MaxInt64, id16), Callback{Kind: CallbackCampaign, Campaign: math.MaxInt64, Offer: id16}},
		{Callback{Kind: CallbackBump, Offer: "vip", Bump: "bonus", Answers: "y", Campaign: 42}.Data(),
			Callback{Kind: CallbackBump, Offer: "vip", Bump: "bonus", Answers: "y", Campaign: 42}},
		{Callback{Kind: CallbackBump, Offer: id16, Bump: id16, Answers: "nyn", Campaign: math.MaxInt64}.Data(),
			Callback{Kind: CallbackBump, Offer: id16, Bump: id16, Answers: "nyn", Campaign: math.MaxInt64}},
	}
	for _, tt := range tests {
		if len(tt.data) > MaxCallbackData {
			t.Errorf("%q is %d bytes, more than %d", tt.data, len(tt.data), MaxCallbackData)
		}
		got, err := ParseCallback(tt.data)
		if err != nil || got != tt.want {
			t.Errorf("ParseCallback(%q) = %+v, %v; want %+v", tt.data, got, err, tt.want)
		}
		if got.Data() != tt.data {
			t.Errorf("Data() = %q, want %q", got.Data(), tt.data)
		}
	}
	if got := BuyCallback("vip"); got != "o:vip" {
		t.Errorf("BuyCallback = %q", got)
	}
	if got := BumpCallback("vip", "bonus", "ny"); got != "b:vip:bonus:ny" {
		t.Errorf("BumpCallback = %q", got)
	}
	if got := DownsellCallback("ds1", "vip"); got != "d:ds1:vip" {
		t.Errorf("DownsellCallback = %q", got)
	}
	if got := CampaignCallback(7, "vip"); got != "c:7:vip" {
		t.Errorf("CampaignCallback = %q", got)
	}
}

func TestParseCallbackRejectsMalformedData(t *testing.T) {
	for _, data := range []string{
		"", "o", "o:", "o:vip:", ":vip", "x:vip", "O:vip", "o:VIP", "o:vip extra", "o:" + strings.Repeat("a", 17),
		"b:vip:bonus", "b:vip:bonus:", "b:vip:bonus:x", "b:vip:bonus:yes", "b:vip:bonus:yyyy", "b:vip::y", "b::bonus:y",
		"p:", "p:has space", "p:" + strings.Repeat("a", 33), "p:a:b", "p:ção",
		"d:ds1", "d:ds1:", "d:ds1:vip:x", "u:", "u:a:b",
		"buy_0", "bump_yes_0", "downsell_0_1990", "verify_BOT1_123_abcd", "button_pressed", "rmkt_1_0",
		"o:vip\n", "o:vip\x00", "p:" + strings.Repeat("a", 70),
		"c:", "c:1", "c:1:", "c:0:vip", "c:-1:vip", "c:+1:vip", "c:01:vip", "c:1:VIP", "c:x:vip", "c:1:vip:x",
		"c:9223372036854775808:vip", "b:vip:bonus:y:0", "b:vip:bonus:y:x", "b:vip:bonus:y:01", "b:vip:bonus:y:1:2",
	} {
		cb, err := ParseCallback(data)
		if grimbots.ErrorCode(err) != grimbots.EINVALID || cb != (Callback{}) {
			t.Errorf("ParseCallback(%q) = %+v, %v; want an EINVALID error", data, cb, err)
		}
	}
}

func FuzzParseCallback(f *testing.F) {
	for _, s := range []string{"o:vip", "b:vip:bonus:yn", "p:gbk3m9q2x7w4v8n5p6r2s3t4", "d:ds:vip", "u:up", "b:a:b:c:d", "verify_1", "c:42:vip", "b:vip:bonus:y:42"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		cb, err := ParseCallback(data)
		if err != nil {
			return
		}
		// Whatever is accepted is canonical and within Telegram's limit.
		if cb.Data() != data || len(data) > MaxCallbackData {
			t.Fatalf("ParseCallback(%q) = %+v, which builds %q", data, cb, cb.Data())
		}
	})
}
