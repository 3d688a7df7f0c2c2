package app_test

// Remarketing campaigns end to end, against the fake Telegram Bot API with
// its rate limits on (30 messages/s per bot, 1/s per chat), on each
// engine: segments, sending exactly once per lead, an offer button's sale
// attributed to its campaign, 403 and 429, pause/resume/cancel, cooldown,
// and a worker stopped mid-campaign with another one finishing it.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

// campaignShop is a seller with started bots on an instance whose bots talk
// to a fake Telegram enforcing Telegram's limits.
type campaignShop struct {
	h      *apptest.Harness
	tg     *telegramtest.Server
	seller *apptest.Account
	bots   []*grimbots.Bot
	tgBots []int64 // the bots' ids at Telegram
}

func campaignToken(i int) string {
	return fmt.Sprintf("%d:AAHdqTcvCH1vGWJxfSeofSAs0K5PALD%04d", 8100+i, i)
}

// campaignConfig sells "vip" (no bump) and "combo" (one bump).
func campaignConfig() *funnel.Config {
	cfg := funnel.Default("Loja")
	cfg.Offers = []funnel.Offer{
		{ID: "vip", Button: "Quero o VIP", Name: "Acesso VIP", PriceCents: 1990, Delivery: funnel.Delivery{AccessLink: "https://t.me/+vip"}},
		{ID: "combo", Button: "Quero o combo", Name: "Combo", PriceCents: 4990, Delivery: funnel.Delivery{AccessLink: "https://t.me/+combo"},
			Bumps: []funnel.Bump{{ID: "extra", Name: "Extra", Message: funnel.Message{Text: "Leve o {produto} por {valor}?"},
				PriceCents: 990}}},
	}
	return cfg
}

func newCampaignShop(t *testing.T, engine string, bots int, env map[string]string) *campaignShop {
	t.Helper()
	tg := telegramtest.New(t)
	tg.WaitTimeout = 60 * time.Second
	tg.EnforceLimits(telegramtest.Limits{})
	s := &campaignShop{tg: tg}
	e := map[string]string{"TELEGRAM_API_URL": tg.URL, "TELEGRAM_UPDATES": "polling"}
	for k, v := range env {
		e[k] = v
	}
	s.h = apptest.New(t, apptest.Options{Engine: engine, Env: e})
	s.seller = s.h.RegisterSeller("rita")
	for i := range bots {
		s.addBot(t, i)
	}
	return s
}

func (s *campaignShop) addBot(t *testing.T, i int) *grimbots.Bot {
	t.Helper()
	ctx := t.Context()
	actor := payments.Actor{UserID: s.seller.ID}
	s.tgBots = append(s.tgBots, s.tg.AddBot(campaignToken(i), fmt.Sprintf("loja%d_bot", i)))
	b, err := s.h.App.Bots.AddBot(ctx, actor, campaignToken(i), "")
	if err == nil {
		_, err = s.h.App.Bots.SaveConfig(ctx, actor, b.ID, 1, campaignConfig())
	}
	if err == nil {
		b, err = s.h.App.Bots.Start(ctx, actor, b.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	s.bots = append(s.bots, b)
	return b
}

// leadOpts shape a lead made directly through the store.
type leadOpts struct {
	lastSeen time.Time
	blocked  bool
}

// addLeads creates n leads of a bot, chats first, first+1, …
func (s *campaignShop) addLeads(t *testing.T, b *grimbots.Bot, first int64, n int, o leadOpts) []*grimbots.Lead {
	t.Helper()
	ctx := t.Context()
	if o.lastSeen.IsZero() {
		o.lastSeen = s.h.Clock.Now()
	}
	out := make([]*grimbots.Lead, n)
	for i := range n {
		chat := first + int64(i)
		l, _, err := s.h.App.Store.TouchLead(ctx, &grimbots.Lead{SellerID: b.SellerID, BotID: b.ID, TelegramUserID: chat,
			ChatID: chat, FirstName: fmt.Sprintf("Lead%d", chat), LastInteractionAt: o.lastSeen})
		if err != nil {
			t.Fatal(err)
		}
		if o.blocked {
			if err := s.h.App.Store.SetLeadBlocked(ctx, b.SellerID, l.ID, o.lastSeen); err != nil {
				t.Fatal(err)
			}
		}
		out[i] = l
	}
	return out
}

// pay records a payment of a lead in a status, bought from offer through
// the funnel.
func (s *campaignShop) pay(t *testing.T, l *grimbots.Lead, offer, status string) *grimbots.Payment {
	t.Helper()
	ctx := t.Context()
	now := s.h.Clock.Now()
	p := &grimbots.Payment{SellerID: l.SellerID, BotID: &l.BotID, LeadID: &l.ID, GatewayKind: "sandbox",
		Reference: fmt.Sprintf("ref-%d-%s-%d", l.ID, offer, now.UnixNano()), AmountCents: 1990, Status: grimbots.PaymentPending,
		Description: offer, OfferKey: "o:" + offer + ":", Funnel: `{"kind":"offer","offer":"` + offer + `","version":2}`, CreatedAt: now}
	if err := s.h.App.Store.CreatePayment(ctx, p); err != nil {
		t.Fatal(err)
	}
	if status != grimbots.PaymentPending {
		changed, _, err := s.h.App.Store.TransitionPayment(ctx, grimbots.PaymentTransition{SellerID: l.SellerID, PaymentID: p.ID,
			From: []string{grimbots.PaymentPending}, To: status, Source: grimbots.SourceSeller, Now: now})
		if err != nil || !changed {
			t.Fatalf("payment to %s: %v %v", status, changed, err)
		}
	}
	return p
}

// campaignJSON is a campaign as the API shows it.
type campaignJSON struct {
	ID       int64  `json:"id"`
	Status   string `json:"status"`
	Progress struct {
		Total, Queued, Sending, Sent, Failed, Uncertain, Blocked, Skipped, Cooldown int64
		AudienceReady                                                               bool `json:"audience_ready"`
	} `json:"progress"`
	Results struct {
		Clicks, Clickers, Sales int64
		RevenueCents            int64 `json:"revenue_cents"`
	} `json:"results"`
}

func (s *campaignShop) botIDs(bots ...*grimbots.Bot) []int64 {
	if len(bots) == 0 {
		bots = s.bots
	}
	ids := make([]int64, len(bots))
	for i, b := range bots {
		ids[i] = b.ID
	}
	return ids
}

// campaign is a campaign definition: segment kind (with its offer or
// inactive days), and the defaults for the rest.
func campaign(name string, botIDs []int64, segment map[string]any, buttons ...map[string]any) map[string]any {
	msg := map[string]any{"text": "Oi, {nome}! Só hoje: <b>50% off</b>."}
	if len(buttons) > 0 {
		msg["buttons"] = buttons
	}
	return map[string]any{"name": name, "bot_ids": botIDs, "segment": segment, "message": msg}
}

func (s *campaignShop) create(t *testing.T, body map[string]any) int64 {
	t.Helper()
	return s.seller.Client.Do("POST", "/api/v1/campaigns", body).RequireStatus(t, http.StatusCreated).Int("campaign.id")
}

func (s *campaignShop) get(t *testing.T, id int64) campaignJSON {
	t.Helper()
	return decode[campaignJSON](t, s.seller.Client.Do("GET", path("/api/v1/campaigns/%d", id), nil).RequireStatus(t, http.StatusOK),
		"campaign")
}

func (s *campaignShop) act(t *testing.T, id int64, verb string, status int) *apptest.Response {
	t.Helper()
	return s.seller.Client.Do("POST", path("/api/v1/campaigns/%d/%s", id, verb), nil).RequireStatus(t, status)
}

// waitStatus waits until the campaign is in status and returns it.
func (s *campaignShop) waitStatus(t *testing.T, id int64, status string, within time.Duration) campaignJSON {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		c := s.get(t, id)
		if c.Status == status {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %d is %s after %s, want %s: %+v", id, c.Status, within, status, c)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// received counts, per chat, the campaign messages a bot delivered (its
// successful sendMessage calls carrying text).
func (s *campaignShop) received(tgBot int64, text string) map[int64]int {
	out := map[int64]int{}
	for _, c := range s.tg.Calls(telegramtest.All(telegramtest.FromBot(tgBot), telegramtest.Method("sendMessage"),
		telegramtest.Succeeded(), func(c telegramtest.Call) bool { return strings.Contains(c.Text, text) })) {
		out[c.ChatID]++
	}
	return out
}

// requireExactlyOnce checks that every lead got exactly one campaign
// message from its bot and nobody else got any.
func requireExactlyOnce(t *testing.T, got map[int64]int, leads []*grimbots.Lead) {
	t.Helper()
	want := map[int64]bool{}
	for _, l := range leads {
		want[l.ChatID] = true
		if got[l.ChatID] != 1 {
			t.Errorf("lead %d received %d messages, want 1", l.ChatID, got[l.ChatID])
		}
	}
	for chat, n := range got {
		if !want[chat] {
			t.Errorf("chat %d outside the audience received %d messages", chat, n)
		}
	}
}

func chatsOf(leads []*grimbots.Lead) []int64 {
	out := make([]int64, len(leads))
	for i, l := range leads {
		out[i] = l.ChatID
	}
	return out
}

func TestCampaigns(t *testing.T) {
	t.Parallel()
	for _, engine := range apptest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			apptest.RequireEngine(t, engine)
			t.Run("send-and-sale", func(t *testing.T) { t.Parallel(); testCampaignSendAndSale(t, engine) })
			t.Run("segments", func(t *testing.T) { t.Parallel(); testCampaignSegments(t, engine) })
			t.Run("cooldown", func(t *testing.T) { t.Parallel(); testCampaignCooldown(t, engine) })
			t.Run("blocked-and-429", func(t *testing.T) { t.Parallel(); testCampaignBlockedAnd429(t, engine) })
			t.Run("pause-resume-cancel", func(t *testing.T) { t.Parallel(); testCampaignPauseResumeCancel(t, engine) })
			t.Run("crash", func(t *testing.T) { t.Parallel(); testCampaignCrash(t, engine) })
			t.Run("api", func(t *testing.T) { t.Parallel(); testCampaignAPI(t, engine) })
		})
	}
}

// testCampaignSendAndSale: two bots, each lead messaged once at the
// limits; an offer button leads to a PIX whose sale is the campaign's.
func testCampaignSendAndSale(t *testing.T, engine string) {
	s := newCampaignShop(t, engine, 2, nil)
	ctx := t.Context()
	a := s.addLeads(t, s.bots[0], 50_000, 40, leadOpts{})
	b := s.addLeads(t, s.bots[1], 60_000, 25, leadOpts{})
	s.addLeads(t, s.bots[1], 61_000, 3, leadOpts{blocked: true})
	id := s.create(t, campaign("Black Friday", s.botIDs(), map[string]any{"kind": "all"},
		map[string]any{"offer": "vip"}, map[string]any{"text": "Nosso canal", "url": "https://t.me/canal"}))
	if c := s.get(t, id); c.Status != grimbots.CampaignDraft || c.Progress.Total != 0 {
		t.Fatalf("new campaign %+v", c)
	}
	start := time.Now()
	s.act(t, id, "start", http.StatusOK)
	c := s.waitStatus(t, id, grimbots.CampaignDone, 30*time.Second)
	elapsed := time.Since(start)
	if c.Progress.Total != 65 || c.Progress.Sent != 65 || c.Progress.Failed+c.Progress.Skipped+c.Progress.Queued != 0 ||
		!c.Progress.AudienceReady {
		t.Fatalf("progress %+v", c.Progress)
	}
	requireExactlyOnce(t, s.received(s.tgBots[0], "50% off"), a)
	requireExactlyOnce(t, s.received(s.tgBots[1], "50% off"), b)
	if v := s.tg.Violations(); v != 0 {
		t.Fatalf("%d sends over Telegram's limits", v)
	}
	t.Logf("65 messages over 2 bots in %s", elapsed)

	// The message: {nome} filled in, the offer button and the link.
	msgs := s.tg.Messages(s.tgBots[0], a[0].ChatID)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Oi, Lead50000!") {
		t.Fatalf("messages %+v", msgs)
	}
	data := funnel.CampaignCallback(id, "vip")
	requireButton(t, msgs[0], data)
	requireLink(t, msgs[0], "https://t.me/canal")
	if btn := buttons(msgs[0])[0]; btn.Text != "Quero o VIP" {
		t.Fatalf("offer button %+v: want the offer's label", btn)
	}

	// The lead presses the offer button: a PIX, and once paid, a sale of
	// the campaign.
	s.tg.Inject(s.tgBots[0], telegramtest.Callback(a[0].ChatID, msgs[0].MessageID, data))
	pix := s.tg.WaitCalls(t, 1, telegramtest.All(telegramtest.FromBot(s.tgBots[0]), telegramtest.ToChat(a[0].ChatID),
		telegramtest.Method("sendPhoto"), telegramtest.Succeeded()))[0]
	ref := paidButton(t, pix)
	p, err := s.h.App.Store.PaymentByReference(ctx, s.seller.ID, ref)
	if err != nil || p.AmountCents != 1990 {
		t.Fatalf("payment %+v %v", p, err)
	}
	var pu funnel.Purchase
	if err := json.Unmarshal([]byte(p.Funnel), &pu); err != nil || pu.Campaign != id || pu.Offer != "vip" {
		t.Fatalf("purchase %q: %v", p.Funnel, err)
	}
	if c := s.get(t, id); c.Results.Clicks != 1 || c.Results.Clickers != 1 || c.Results.Sales != 0 {
		t.Fatalf("results before payment %+v", c.Results)
	}
	shop := &shop{h: s.h, tg: s.tg, seller: s.seller}
	shop.payByWebhook(t, ref)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		c := s.get(t, id)
		if c.Results.Sales == 1 && c.Results.RevenueCents == 1990 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("results after payment %+v", c.Results)
		}
	}

	// A campaign offer with a bump: the bump's buttons carry the campaign,
	// and so does the purchase.
	id2 := s.create(t, campaign("Combo", s.botIDs(s.bots[1]), map[string]any{"kind": "all"},
		map[string]any{"text": "Combo com desconto", "offer": "combo"}))
	s.seller.Client.Do("PUT", path("/api/v1/campaigns/%d", id2), map[string]any{"name": "Combo", "bot_ids": s.botIDs(s.bots[1]),
		"segment": map[string]any{"kind": "all"}, "cooldown_hours": 0, "message": map[string]any{"text": "Combo, {nome}!",
			"buttons": []map[string]any{{"text": "Combo com desconto", "offer": "combo"}}}}).RequireStatus(t, http.StatusOK)
	s.act(t, id2, "start", http.StatusOK)
	s.waitStatus(t, id2, grimbots.CampaignDone, 30*time.Second)
	lead := b[0].ChatID
	combo := s.tg.Calls(telegramtest.All(telegramtest.FromBot(s.tgBots[1]), telegramtest.ToChat(lead), telegramtest.Method("sendMessage"),
		telegramtest.Succeeded(), func(c telegramtest.Call) bool { return strings.Contains(c.Text, "Combo, ") }))
	if len(combo) != 1 {
		t.Fatalf("%d combo messages", len(combo))
	}
	s.tg.Inject(s.tgBots[1], telegramtest.Callback(lead, combo[0].MessageID, funnel.CampaignCallback(id2, "combo")))
	bump := s.tg.WaitCalls(t, 1, telegramtest.All(telegramtest.FromBot(s.tgBots[1]), telegramtest.ToChat(lead),
		telegramtest.Method("sendMessage"), telegramtest.Succeeded(), func(c telegramtest.Call) bool { return strings.Contains(c.Text, "Extra") }))[0]
	yes := fmt.Sprintf("b:combo:extra:y:%d", id2)
	requireButton(t, bump, yes)
	s.tg.Inject(s.tgBots[1], telegramtest.Callback(lead, bump.MessageID, yes))
	pix2 := s.tg.WaitCalls(t, 1, telegramtest.All(telegramtest.FromBot(s.tgBots[1]), telegramtest.ToChat(lead),
		telegramtest.Method("sendPhoto"), telegramtest.Succeeded()))[0]
	p2, err := s.h.App.Store.PaymentByReference(ctx, s.seller.ID, paidButton(t, pix2))
	if err != nil || p2.AmountCents != 5980 {
		t.Fatalf("combo payment %+v %v", p2, err)
	}
	if err := json.Unmarshal([]byte(p2.Funnel), &pu); err != nil || pu.Campaign != id2 || !slices.Equal(pu.Bumps, []string{"extra"}) {
		t.Fatalf("combo purchase %q: %v", p2.Funnel, err)
	}
	// A forged press of a campaign that did not reach this lead still
	// sells, but counts for no campaign.
	other := a[1].ChatID
	s.tg.Inject(s.tgBots[0], telegramtest.Callback(other, 1, funnel.CampaignCallback(id2, "vip")))
	pix3 := s.tg.WaitCalls(t, 1, telegramtest.All(telegramtest.FromBot(s.tgBots[0]), telegramtest.ToChat(other),
		telegramtest.Method("sendPhoto"), telegramtest.Succeeded()))[0]
	p3, err := s.h.App.Store.PaymentByReference(ctx, s.seller.ID, paidButton(t, pix3))
	if err != nil || strings.Contains(p3.Funnel, "campaign") {
		t.Fatalf("forged campaign press: %+v %v", p3, err)
	}
	if c := s.get(t, id2); c.Results.Clicks != 1 {
		t.Fatalf("results of the combo campaign %+v", c.Results)
	}
}

// waitSent waits until at least n recipients of a campaign were sent.
func (s *campaignShop) waitSent(t *testing.T, id int64, n int64) campaignJSON {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c := s.get(t, id)
		if c.Progress.Sent >= n {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %d: %d sent, want %d", id, c.Progress.Sent, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testCampaignSegments builds leads and payments through the store and
// sends one campaign per segment: each reaches exactly its leads.
func testCampaignSegments(t *testing.T, engine string) {
	s := newCampaignShop(t, engine, 2, nil)
	now := s.h.Clock.Now()
	bot := s.bots[0]
	leads := func(first int64, o leadOpts) *grimbots.Lead { return s.addLeads(t, bot, first, 1, o)[0] }
	vip, combo, pending, expired := leads(70_001, leadOpts{}), leads(70_002, leadOpts{}), leads(70_003, leadOpts{}), leads(70_004, leadOpts{})
	stale, fresh := leads(70_005, leadOpts{lastSeen: now.Add(-10 * 24 * time.Hour)}), leads(70_006, leadOpts{})
	blocked := leads(70_007, leadOpts{blocked: true})
	s.pay(t, vip, "vip", grimbots.PaymentPaid)
	s.pay(t, combo, "combo", grimbots.PaymentPaid)
	s.pay(t, combo, "vip", grimbots.PaymentPending)
	s.pay(t, pending, "vip", grimbots.PaymentPending)
	s.pay(t, expired, "vip", grimbots.PaymentExpired)
	s.pay(t, blocked, "vip", grimbots.PaymentPaid)
	otherBot := s.addLeads(t, s.bots[1], 71_001, 1, leadOpts{})[0]

	for _, tc := range []struct {
		segment map[string]any
		query   string
		want    []*grimbots.Lead
	}{
		{map[string]any{"kind": "all"}, "segment=all", []*grimbots.Lead{vip, combo, pending, expired, stale, fresh}},
		{map[string]any{"kind": "buyers"}, "segment=buyers", []*grimbots.Lead{vip, combo}},
		{map[string]any{"kind": "non_buyers"}, "segment=non_buyers", []*grimbots.Lead{pending, expired, stale, fresh}},
		{map[string]any{"kind": "unpaid_pix"}, "segment=unpaid_pix", []*grimbots.Lead{pending, expired}},
		{map[string]any{"kind": "bought_offer", "offer": "vip"}, "segment=bought_offer&offer=vip", []*grimbots.Lead{vip}},
		{map[string]any{"kind": "bought_offer", "offer": "combo"}, "segment=bought_offer&offer=combo", []*grimbots.Lead{combo}},
		{map[string]any{"kind": "inactive", "inactive_days": 7}, "segment=inactive&inactive_days=7", []*grimbots.Lead{stale}},
	} {
		name := fmt.Sprint(tc.segment)
		res := s.seller.Client.Do("GET", path("/api/v1/campaigns/preview?bot_ids=%d&%s", bot.ID, tc.query), nil).
			RequireStatus(t, http.StatusOK)
		if res.Int("leads") != int64(len(tc.want)) {
			t.Fatalf("preview of %s: %s", name, res)
		}
		body := campaign(name, s.botIDs(bot), tc.segment)
		body["cooldown_hours"] = 0
		body["message"] = map[string]any{"text": "Segmento " + name}
		id := s.create(t, body)
		s.act(t, id, "start", http.StatusOK)
		c := s.waitStatus(t, id, grimbots.CampaignDone, 30*time.Second)
		if c.Progress.Total != int64(len(tc.want)) || c.Progress.Sent != c.Progress.Total {
			t.Fatalf("%s: progress %+v", name, c.Progress)
		}
		requireExactlyOnce(t, s.received(s.tgBots[0], "Segmento "+name), tc.want)
	}
	// Both bots: each sends to its own leads.
	res := s.seller.Client.Do("GET", path("/api/v1/campaigns/preview?bot_ids=%d,%d&segment=all", bot.ID, s.bots[1].ID), nil)
	if res.RequireStatus(t, http.StatusOK).Int("leads") != 7 {
		t.Fatalf("preview over both bots: %s", res)
	}
	if n := len(s.received(s.tgBots[1], "Segmento")); n != 0 {
		t.Fatalf("the other bot's lead %d got %d campaign messages", otherBot.ChatID, n)
	}
}

// testCampaignCooldown: a lead messaged by a campaign is skipped by the
// next one within the cooldown, and counted as such.
func testCampaignCooldown(t *testing.T, engine string) {
	s := newCampaignShop(t, engine, 1, nil)
	leads := s.addLeads(t, s.bots[0], 72_000, 5, leadOpts{})
	first := s.create(t, campaign("Primeira", s.botIDs(), map[string]any{"kind": "all"}))
	s.act(t, first, "start", http.StatusOK)
	s.waitStatus(t, first, grimbots.CampaignDone, 30*time.Second)
	more := s.addLeads(t, s.bots[0], 72_100, 2, leadOpts{})
	res := s.seller.Client.Do("GET", path("/api/v1/campaigns/preview?bot_ids=%d&segment=all", s.bots[0].ID), nil).RequireStatus(t, http.StatusOK)
	if res.Int("leads") != 7 || res.Int("cooldown") != 5 {
		t.Fatalf("preview within the cooldown: %s", res)
	}
	body := campaign("Segunda", s.botIDs(), map[string]any{"kind": "all"})
	body["message"] = map[string]any{"text": "Segunda chance"}
	second := s.create(t, body)
	s.act(t, second, "start", http.StatusOK)
	c := s.waitStatus(t, second, grimbots.CampaignDone, 30*time.Second)
	if c.Progress.Total != 7 || c.Progress.Skipped != 5 || c.Progress.Cooldown != 5 || c.Progress.Sent != 2 {
		t.Fatalf("progress within the cooldown %+v", c.Progress)
	}
	requireExactlyOnce(t, s.received(s.tgBots[0], "Segunda chance"), more)
	// Without a cooldown, everyone again.
	body["cooldown_hours"], body["message"] = 0, map[string]any{"text": "Terceira"}
	third := s.create(t, body)
	s.act(t, third, "start", http.StatusOK)
	s.waitStatus(t, third, grimbots.CampaignDone, 30*time.Second)
	requireExactlyOnce(t, s.received(s.tgBots[0], "Terceira"), append(leads, more...))
}

// testCampaignBlockedAnd429: a 403 blocks the lead (left out of later
// campaigns); a 429 pauses the bot and the message is sent once after.
func testCampaignBlockedAnd429(t *testing.T, engine string) {
	s := newCampaignShop(t, engine, 1, nil)
	ctx := t.Context()
	leads := s.addLeads(t, s.bots[0], 73_000, 30, leadOpts{})
	gone := leads[4]
	s.tg.BlockChat(s.tgBots[0], gone.ChatID)
	s.tg.Fail(telegramtest.TooManyRequests(1).On("sendMessage").Times(1))
	id := s.create(t, campaign("Com falhas", s.botIDs(), map[string]any{"kind": "all"}))
	s.act(t, id, "start", http.StatusOK)
	c := s.waitStatus(t, id, grimbots.CampaignDone, 30*time.Second)
	if c.Progress.Total != 30 || c.Progress.Blocked != 1 || c.Progress.Sent != 29 || c.Progress.Failed != 0 {
		t.Fatalf("progress %+v", c.Progress)
	}
	rest := slices.DeleteFunc(slices.Clone(leads), func(l *grimbots.Lead) bool { return l.ID == gone.ID })
	requireExactlyOnce(t, s.received(s.tgBots[0], "50% off"), rest)
	if n := len(s.tg.Calls(telegramtest.All(telegramtest.Method("sendMessage"), func(c telegramtest.Call) bool { return c.Status == 429 }))); n != 1 {
		t.Fatalf("%d sends answered 429, want the one injected", n)
	}
	l, err := s.h.App.Store.Lead(ctx, s.seller.ID, gone.ID)
	if err != nil || l.BlockedAt == nil {
		t.Fatalf("the lead who blocked the bot: %+v %v", l, err)
	}
	// A later campaign leaves the blocked lead out of its audience.
	body := campaign("Depois", s.botIDs(), map[string]any{"kind": "all"})
	body["cooldown_hours"], body["message"] = 0, map[string]any{"text": "Depois do bloqueio"}
	later := s.create(t, body)
	s.act(t, later, "start", http.StatusOK)
	c = s.waitStatus(t, later, grimbots.CampaignDone, 30*time.Second)
	if c.Progress.Total != 29 || c.Progress.Sent != 29 {
		t.Fatalf("later campaign %+v", c.Progress)
	}
	requireExactlyOnce(t, s.received(s.tgBots[0], "Depois do bloqueio"), rest)
}

// testCampaignPauseResumeCancel: a pause stops sending between batches
// and a resume continues where it stopped, nobody twice; a cancel skips
// the rest.
func testCampaignPauseResumeCancel(t *testing.T, engine string) {
	s := newCampaignShop(t, engine, 1, nil)
	leads := s.addLeads(t, s.bots[0], 74_000, 150, leadOpts{})
	id := s.create(t, campaign("Pausável", s.botIDs(), map[string]any{"kind": "all"}))
	s.act(t, id, "pause", http.StatusConflict) // a draft is not sending
	s.act(t, id, "start", http.StatusOK)
	s.waitSent(t, id, 20)
	if s.act(t, id, "pause", http.StatusOK).Str("campaign.status") != grimbots.CampaignPaused {
		t.Fatal("not paused")
	}
	s.act(t, id, "pause", http.StatusConflict)
	// Sends already waiting for their turn finish; then nothing moves.
	time.Sleep(2500 * time.Millisecond)
	before := s.get(t, id)
	time.Sleep(1500 * time.Millisecond)
	after := s.get(t, id)
	if after.Progress.Sent != before.Progress.Sent || after.Progress.Sent >= 150 || after.Progress.Queued == 0 ||
		len(s.received(s.tgBots[0], "50% off")) != int(after.Progress.Sent) {
		t.Fatalf("while paused: %+v then %+v", before.Progress, after.Progress)
	}
	// While paused the message can change, the audience cannot.
	edit := campaign("Pausável", s.botIDs(), map[string]any{"kind": "all"})
	edit["message"] = map[string]any{"text": "Oi, {nome}! Só hoje: <b>50% off</b> (continuação)."}
	s.seller.Client.Do("PUT", path("/api/v1/campaigns/%d", id), edit).RequireStatus(t, http.StatusOK)
	edit["segment"] = map[string]any{"kind": "buyers"}
	requireProblem(t, s.seller.Client.Do("PUT", path("/api/v1/campaigns/%d", id), edit), http.StatusConflict, "conflict")
	s.act(t, id, "resume", http.StatusOK)
	c := s.waitStatus(t, id, grimbots.CampaignDone, 30*time.Second)
	if c.Progress.Sent != 150 {
		t.Fatalf("after resume %+v", c.Progress)
	}
	requireExactlyOnce(t, s.received(s.tgBots[0], "50% off"), leads)

	body := campaign("Cancelável", s.botIDs(), map[string]any{"kind": "all"})
	body["cooldown_hours"], body["message"] = 0, map[string]any{"text": "Vai ser cancelada"}
	id2 := s.create(t, body)
	s.act(t, id2, "start", http.StatusOK)
	s.waitSent(t, id2, 20)
	s.act(t, id2, "cancel", http.StatusOK)
	time.Sleep(2 * time.Second)
	c = s.get(t, id2)
	got := s.received(s.tgBots[0], "Vai ser cancelada")
	if c.Status != grimbots.CampaignCancelled || c.Progress.Queued != 0 || c.Progress.Sending != 0 ||
		c.Progress.Sent+c.Progress.Skipped != 150 || c.Progress.Sent >= 150 || len(got) != int(c.Progress.Sent) {
		t.Fatalf("after cancel: %s %+v, %d received", c.Status, c.Progress, len(got))
	}
	for chat, n := range got {
		if n != 1 {
			t.Fatalf("chat %d received %d", chat, n)
		}
	}
	s.act(t, id2, "resume", http.StatusConflict)
	s.act(t, id2, "start", http.StatusConflict)
}

// testCampaignCrash stops an instance in the middle of a campaign, while
// some of its sends are in Telegram's hands (held by the fake), and lets a
// second instance on the same database finish: every lead gets the message
// exactly once. The sends that were in flight are not repeated (they are
// "uncertain"); the fake delivers them once, as Telegram may have.
func testCampaignCrash(t *testing.T, engine string) {
	s := newCampaignShop(t, engine, 1, map[string]string{"GRIMBOTS_SHUTDOWN_TIMEOUT": "500ms"})
	leads := s.addLeads(t, s.bots[0], 75_000, 120, leadOpts{})
	heldFrom := leads[40].ChatID
	release := s.tg.Hold(telegramtest.All(telegramtest.Method("sendMessage"), func(c telegramtest.Call) bool {
		return c.ChatID >= heldFrom && strings.Contains(c.Text, "50% off")
	}))
	defer release()
	id := s.create(t, campaign("Resistente", s.botIDs(), map[string]any{"kind": "all"}))
	s.act(t, id, "start", http.StatusOK)
	// Every sender ends up waiting for an answer that does not come: the
	// recipients being sent are the held requests and the few claimed
	// ahead of them, and stay so.
	var held int
	var before campaignJSON
	for deadline, stable := time.Now().Add(30*time.Second), 0; stable < 3; time.Sleep(200 * time.Millisecond) {
		n, c := s.tg.Holding(), s.get(t, id)
		ahead := c.Progress.Sending - int64(n)
		if n > 0 && n == held && ahead >= 0 && ahead <= 2*store.ClaimBatch && c.Progress.Sent == 40 &&
			c.Progress.Sending == before.Progress.Sending {
			stable++
		} else {
			stable = 0
		}
		held, before = n, c
		if time.Now().After(deadline) {
			t.Fatalf("%d sends held: %+v", n, c.Progress)
		}
	}
	if before.Progress.Queued != 120-40-before.Progress.Sending {
		t.Fatalf("before the crash (%d held): %+v", held, before.Progress)
	}
	first := s.h
	first.Stop() // its job is cancelled mid-request
	release()
	// The second instance takes over the campaign's job.
	s.h = apptest.New(t, apptest.Options{Share: first, Env: map[string]string{"TELEGRAM_API_URL": s.tg.URL,
		"TELEGRAM_UPDATES": "polling"}})
	s.seller.Client = s.h.Login(s.seller.Username, s.seller.Password)
	// The recipients claimed ahead were given back as the first instance
	// stopped: only the held ones are uncertain.
	c := s.waitStatus(t, id, grimbots.CampaignDone, 60*time.Second)
	if c.Progress.Total != 120 || c.Progress.Uncertain != int64(held) || c.Progress.Sent != 120-int64(held) {
		t.Fatalf("after the takeover (%d held): %+v", held, c.Progress)
	}
	requireExactlyOnce(t, s.received(s.tgBots[0], "50% off"), leads)
}

// testCampaignAPI covers validation, tenancy, listing and deletion.
func testCampaignAPI(t *testing.T, engine string) {
	s := newCampaignShop(t, engine, 2, nil)
	c := s.seller.Client
	other := s.h.RegisterSeller("lia").Client
	valid := campaign("Válida", s.botIDs(), map[string]any{"kind": "all"}, map[string]any{"offer": "vip"})
	for _, tc := range []struct {
		mutate func(map[string]any)
		field  string
	}{
		{func(b map[string]any) { b["message"] = map[string]any{"text": "<b>sem fechar"} }, "body.message.text"},
		{func(b map[string]any) { b["message"] = map[string]any{"text": "Oi {nomee}"} }, "body.message.text"},
		{func(b map[string]any) {
			b["message"] = map[string]any{"text": strings.Repeat("a", 4097)}
		}, "body.message.text"},
		{func(b map[string]any) {
			b["message"] = map[string]any{"text": "x", "buttons": []map[string]any{{"offer": "nao_existe"}}}
		}, "body.message.buttons[0].offer"},
		{func(b map[string]any) {
			b["message"] = map[string]any{"text": "x", "buttons": []map[string]any{{"text": "a", "url": "https://a.example", "offer": "vip"}}}
		}, "body.message.buttons[0]"},
		{func(b map[string]any) {
			b["message"] = map[string]any{"text": "x", "buttons": []map[string]any{{"text": "a", "url": "http://inseguro.example"}}}
		}, "body.message.buttons[0].url"},
		{func(b map[string]any) { b["segment"] = map[string]any{"kind": "bought_offer"} }, "body.segment.offer"},
		{func(b map[string]any) { b["segment"] = map[string]any{"kind": "inactive"} }, "body.segment.inactive_days"},
		{func(b map[string]any) { b["cooldown_hours"] = 721 }, "body.cooldown_hours"},
		{func(b map[string]any) { b["bot_ids"] = []int64{} }, "body.bot_ids"},
	} {
		body := cloneDoc(t, valid)
		tc.mutate(body)
		res := c.Do("POST", "/api/v1/campaigns", body)
		requireProblem(t, res, http.StatusUnprocessableEntity, "invalid")
		if !res.HasFieldError(tc.field) {
			t.Fatalf("no error at %s: %s", tc.field, res)
		}
	}
	// Another seller's bots do not exist for this seller.
	lia := s.h.RegisterSeller("lia2")
	actor := payments.Actor{UserID: lia.ID}
	tok := campaignToken(90)
	s.tg.AddBot(tok, "lia_bot")
	liaBot, err := s.h.App.Bots.AddBot(t.Context(), actor, tok, "")
	if err != nil {
		t.Fatal(err)
	}
	requireProblem(t, c.Do("POST", "/api/v1/campaigns", campaign("x", []int64{s.bots[0].ID, liaBot.ID},
		map[string]any{"kind": "all"})), http.StatusNotFound, "not_found")
	requireProblem(t, c.Do("GET", path("/api/v1/campaigns/preview?bot_ids=%d&segment=all", liaBot.ID), nil), http.StatusNotFound, "not_found")

	id := s.create(t, valid)
	res := c.Do("GET", path("/api/v1/campaigns/%d", id), nil).RequireStatus(t, http.StatusOK)
	if res.Str("campaign.status") != "draft" || res.Int("campaign.cooldown_hours") != 24 || res.Str("campaign.message.buttons.0.offer") != "vip" {
		t.Fatalf("campaign %s", res)
	}
	for _, op := range []struct{ method, path string }{
		{"GET", "/api/v1/campaigns/%d"}, {"PUT", "/api/v1/campaigns/%d"}, {"DELETE", "/api/v1/campaigns/%d"},
		{"POST", "/api/v1/campaigns/%d/start"}, {"POST", "/api/v1/campaigns/%d/pause"}, {"POST", "/api/v1/campaigns/%d/resume"},
		{"POST", "/api/v1/campaigns/%d/cancel"},
	} {
		var body any
		if op.method == "PUT" {
			body = valid
		}
		requireProblem(t, other.Do(op.method, path(op.path, id), body), http.StatusNotFound, "not_found")
	}
	if list := other.Do("GET", "/api/v1/campaigns", nil).RequireStatus(t, http.StatusOK); list.Int("total") != 0 {
		t.Fatalf("another seller lists %s", list)
	}
	// Scheduled for later: nothing is sent; rescheduling is allowed, a
	// scheduled campaign can be cancelled.
	at := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	res = c.Do("POST", path("/api/v1/campaigns/%d/start", id), map[string]any{"scheduled_at": at}).RequireStatus(t, http.StatusOK)
	if res.Str("campaign.status") != "scheduled" || res.Str("campaign.scheduled_at") != at.Format(time.RFC3339) {
		t.Fatalf("scheduled %s", res)
	}
	list := c.Do("GET", "/api/v1/campaigns?status=scheduled", nil).RequireStatus(t, http.StatusOK)
	if list.Int("total") != 1 || list.Int("campaigns.0.id") != id {
		t.Fatalf("scheduled campaigns %s", list)
	}
	s.act(t, id, "cancel", http.StatusOK)
	c.Do("DELETE", path("/api/v1/campaigns/%d", id), nil).RequireStatus(t, http.StatusNoContent)
	requireProblem(t, c.Do("GET", path("/api/v1/campaigns/%d", id), nil), http.StatusNotFound, "not_found")
	if list := c.Do("GET", "/api/v1/campaigns", nil).RequireStatus(t, http.StatusOK); list.Int("total") != 0 {
		t.Fatalf("after delete %s", list)
	}
	if n := len(s.tg.Calls(telegramtest.Method("sendMessage"))); n != 0 {
		t.Fatalf("%d messages sent", n)
	}
}
