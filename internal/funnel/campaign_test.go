package funnel

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// campaignFakes add remarketing campaigns to the engine's fakes: campaign
// 42 reached the lead 550 through bot 7.
type campaignFakes struct {
	*fakes
	mu     sync.Mutex
	clicks []string
}

func (f *campaignFakes) CampaignClick(_ context.Context, sellerID, botID, campaignID, leadID int64, press string, _ time.Time) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clicks = append(f.clicks, press)
	return sellerID == 3 && botID == 7 && campaignID == 42 && leadID == 550, nil
}

// TestCampaignButtons: a campaign's offer button buys the offer through
// its bumps, with the sale attributed to the campaign when it reached the
// lead; a forged one sells without attribution.
func TestCampaignButtons(t *testing.T) {
	f := &campaignFakes{fakes: &fakes{doc: engineConfig(t), payments: map[string]*grimbots.Payment{}}}
	e := NewEngine(f, f, f, engineNow)
	m := &recorder{}
	bot := Bot{ID: 7, SellerID: 3}
	press := func(user int64, id, data string) string {
		t.Helper()
		if _, err := e.Handle(t.Context(), bot, m, Event{ChatID: user, UserID: user, FirstName: "Ana", CallbackID: id, Data: data}); err != nil {
			t.Fatal(err)
		}
		return m.take()
	}
	out := press(55, "c1", CampaignCallback(42, "vip"))
	if !strings.Contains(out, "data=b:vip:bonus:y:42") || !strings.Contains(out, "data=b:vip:bonus:n:42") {
		t.Fatalf("the bump after a campaign button does not carry it:\n%s", out)
	}
	press(55, "c2", Callback{Kind: CallbackBump, Offer: "vip", Bump: "bonus", Answers: "n", Campaign: 42}.Data())
	out = press(55, "c3", Callback{Kind: CallbackBump, Offer: "vip", Bump: "ebook", Answers: "nn", Campaign: 42}.Data())
	p := f.payments["ref1"]
	var pu Purchase
	if p == nil || json.Unmarshal([]byte(p.Funnel), &pu) != nil || pu.Campaign != 42 || pu.Offer != "vip" || p.AmountCents != 1990 ||
		p.OfferKey != "o:vip::c42" || !strings.Contains(out, "ref1") {
		t.Fatalf("campaign sale %+v %+v\n%s", p, pu, out)
	}
	// Campaign 9 did not reach this lead: the offer is sold, for no campaign.
	press(66, "c4", CampaignCallback(9, "vip"))
	press(66, "c5", BumpCallback("vip", "bonus", "n"))
	press(66, "c6", BumpCallback("vip", "ebook", "nn"))
	if p := f.payments["ref2"]; p == nil || strings.Contains(p.Funnel, "campaign") || p.OfferKey != "o:vip:" {
		t.Fatalf("unattributed sale %+v", p)
	}
	// An offer the funnel does not have.
	if out := press(55, "c7", CampaignCallback(42, "nao")); !strings.Contains(out, "não está mais disponível") {
		t.Fatalf("unknown offer:\n%s", out)
	}
	if want := []string{"c1", "c4", "c7"}; strings.Join(f.clicks, ",") != strings.Join(want, ",") {
		t.Fatalf("clicks recorded for presses %v, want %v", f.clicks, want)
	}
}
