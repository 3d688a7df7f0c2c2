package app_test

// End to end: a buyer goes from /start to a delivered access link on a
// seller's bot, against the fake Telegram Bot API, on each engine, in
// polling and webhook modes; the second path leaves the PIX unpaid and buys
// the downsell. Nothing is sent twice when updates and payment webhooks
// arrive twice.

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

const (
	shopToken = "7001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	buyer     = int64(4242)
)

type shop struct {
	h      *apptest.Harness
	tg     *telegramtest.Server
	tgBot  int64 // the bot's id at Telegram
	seller *apptest.Account
	bot    *grimbots.Bot
}

// shopConfig is a funnel with a bump, a downsell and an upsell.
func shopConfig() *funnel.Config {
	cfg := funnel.Default("Loja da Ana")
	cfg.Welcome.Text = "Olá, {nome}! Escolha seu acesso:"
	cfg.Offers = []funnel.Offer{{ID: "vip", Button: "Quero o VIP", Name: "Acesso VIP", PriceCents: 1990,
		Delivery: funnel.Delivery{AccessLink: "https://t.me/+grupoVIP"},
		Bumps: []funnel.Bump{{ID: "bonus", Name: "Bônus", Message: funnel.Message{Text: "Leve o {produto} por mais {valor}?"},
			PriceCents: 990, Delivery: &funnel.Delivery{AccessLink: "https://t.me/+grupoBonus"}}}}}
	cfg.URLButtons = []funnel.URLButton{{Text: "Suporte", URL: "https://t.me/suporte_loja"}}
	cfg.Downsells = []funnel.Downsell{{ID: "ds1", AfterMinutes: 10, Message: funnel.Message{Text: "Última chance: {produto} por {valor}"},
		PercentOff: 50}}
	cfg.Upsells = []funnel.Upsell{{ID: "up1", AfterMinutes: 5, Name: "Mentoria", Message: funnel.Message{Text: "Que tal a {produto} por {valor}?"},
		PriceCents: 4990, Delivery: funnel.Delivery{AccessLink: "https://t.me/+mentoria"}}}
	return cfg
}

func newShop(t *testing.T, engine, mode string, share *apptest.Harness, tg *telegramtest.Server) *shop {
	t.Helper()
	return openShop(t, apptest.Options{Engine: engine, Share: share, SelfPublicURL: mode == "webhook"}, mode, tg)
}

// openShop is newShop with the instance's options (o.Env is replaced).
func openShop(t *testing.T, o apptest.Options, mode string, tg *telegramtest.Server) *shop {
	t.Helper()
	if tg == nil {
		tg = telegramtest.New(t)
	}
	s := &shop{tg: tg}
	s.tgBot = tg.AddBot(shopToken, "loja_da_ana_bot")
	o.Env = map[string]string{"TELEGRAM_API_URL": tg.URL, "TELEGRAM_UPDATES": mode}
	s.h = apptest.New(t, o)
	if o.Share != nil {
		return s
	}
	ctx := t.Context()
	s.seller = s.h.RegisterSeller("ana")
	actor := payments.Actor{UserID: s.seller.ID}
	b, err := s.h.App.Bots.AddBot(ctx, actor, shopToken, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.h.App.Bots.SaveConfig(ctx, actor, b.ID, 1, shopConfig()); err != nil {
		t.Fatal(err)
	}
	if s.bot, err = s.h.App.Bots.Start(ctx, actor, b.ID); err != nil {
		t.Fatal(err)
	}
	return s
}

// sent waits for the n-th successful message to the buyer and returns it.
func (s *shop) sent(t *testing.T, n int) telegramtest.Call {
	t.Helper()
	calls := s.tg.WaitCalls(t, n, telegramtest.All(telegramtest.Method("sendMessage", "sendPhoto"),
		telegramtest.ToChat(buyer), telegramtest.Succeeded()))
	return calls[n-1]
}

// messages counts the messages the buyer received so far.
func (s *shop) messages() int {
	return len(s.tg.Calls(telegramtest.All(telegramtest.Method("sendMessage", "sendPhoto"), telegramtest.ToChat(buyer),
		telegramtest.Succeeded())))
}

func buttons(c telegramtest.Call) []telegramtest.Button {
	if c.ReplyMarkup == nil {
		return nil
	}
	var out []telegramtest.Button
	for _, row := range c.ReplyMarkup.InlineKeyboard {
		out = append(out, row...)
	}
	return out
}

func requireButton(t *testing.T, c telegramtest.Call, data string) {
	t.Helper()
	if !slices.ContainsFunc(buttons(c), func(b telegramtest.Button) bool { return b.CallbackData == data }) {
		t.Fatalf("message %q has no button %q: %+v", c.Text, data, buttons(c))
	}
}

func requireLink(t *testing.T, c telegramtest.Call, url string) {
	t.Helper()
	if !slices.ContainsFunc(buttons(c), func(b telegramtest.Button) bool { return b.URL == url }) {
		t.Fatalf("message %q has no link to %s: %+v", c.Text, url, buttons(c))
	}
}

// paidButton returns the reference carried by a PIX message's button.
func paidButton(t *testing.T, c telegramtest.Call) string {
	t.Helper()
	for _, b := range buttons(c) {
		if ref, ok := strings.CutPrefix(b.CallbackData, "p:"); ok {
			return ref
		}
	}
	t.Fatalf("PIX message without an \"I paid\" button: %q %+v", c.Text, buttons(c))
	return ""
}

// press injects a button press on a message.
func (s *shop) press(c telegramtest.Call, data string) {
	s.tg.Inject(s.tgBot, telegramtest.Callback(buyer, c.MessageID, data))
}

// payByWebhook marks the charge paid at the sandbox bank and delivers the
// bank's webhook twice.
func (s *shop) payByWebhook(t *testing.T, ref string) *grimbots.Payment {
	t.Helper()
	ctx := t.Context()
	p, err := s.h.App.Store.PaymentByReference(ctx, s.seller.ID, ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.h.App.Store.SetSandboxChargeStatus(ctx, s.seller.ID, p.TransactionID, "paid", s.h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	gs, err := s.h.App.Payments.Gateways(ctx, s.seller.ID)
	if err != nil {
		t.Fatal(err)
	}
	hook := gs[0].WebhookURL[strings.Index(gs[0].WebhookURL, "/webhooks/"):]
	body := fmt.Sprintf(`{"transaction_id":%q,"status":"paid","amount_cents":%d}`, p.TransactionID, p.AmountCents)
	want := []string{"accepted", "duplicate"}
	for i := range 2 {
		code, outcome, err := postWebhook(s.h.URL, hook, body)
		if err != nil || code != 200 || outcome != want[i] {
			t.Fatalf("payment webhook %d: %d %q %v", i, code, outcome, err)
		}
	}
	return p
}

// runNow makes a scheduled follow-up of a kind due (time travel for its
// delay) after checking it was scheduled about delay after from.
func (s *shop) runNow(t *testing.T, kind string, from time.Time, delay time.Duration) {
	t.Helper()
	ctx := t.Context()
	client := s.h.App.Jobs.Client()
	var job *rivertype.JobRow
	for deadline := time.Now().Add(10 * time.Second); job == nil; {
		res, err := client.JobList(ctx, river.NewJobListParams().Kinds(kind).States("scheduled"))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Jobs) > 0 {
			job = res.Jobs[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s job was scheduled", kind)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if at := job.ScheduledAt.Sub(from); at < delay-time.Minute || at > delay+time.Minute {
		t.Fatalf("%s scheduled %s after the trigger, want about %s", kind, at, delay)
	}
	if _, err := client.JobRetry(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
}

func TestFunnelEndToEnd(t *testing.T) {
	t.Parallel()
	for _, engine := range apptest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			t.Run("purchase-with-bump-and-upsell", func(t *testing.T) { t.Parallel(); testPurchase(t, engine, "polling") })
			t.Run("downsell", func(t *testing.T) { t.Parallel(); testDownsell(t, engine) })
			t.Run("webhook-mode", func(t *testing.T) { t.Parallel(); testWebhookMode(t, engine) })
			t.Run("lease-takeover", func(t *testing.T) { t.Parallel(); testLeaseTakeover(t, engine) })
			t.Run("crash-recovery", func(t *testing.T) { t.Parallel(); testCrashRecovery(t, engine) })
		})
	}
}

func testPurchase(t *testing.T, engine, mode string) {
	s := newShop(t, engine, mode, nil, nil)
	ctx := t.Context()

	s.tg.Inject(s.tgBot, telegramtest.Start(buyer, "anuncio_7"))
	welcome := s.sent(t, 1)
	if !strings.Contains(welcome.Text, "Olá, ") {
		t.Fatalf("welcome %q", welcome.Text)
	}
	requireButton(t, welcome, "o:vip")
	requireLink(t, welcome, "https://t.me/suporte_loja")

	s.press(welcome, "o:vip")
	bump := s.sent(t, 2)
	if !strings.Contains(bump.Text, "Bônus") || !strings.Contains(bump.Text, "R$ 9,90") {
		t.Fatalf("bump %q", bump.Text)
	}
	requireButton(t, bump, "b:vip:bonus:y")
	requireButton(t, bump, "b:vip:bonus:n")

	s.press(bump, "b:vip:bonus:y")
	pix := s.sent(t, 3)
	// The PIX message is the QR code as a photo, the text as its caption.
	if pix.Method != "sendPhoto" || !strings.HasPrefix(string(pix.Upload), "\x89PNG") {
		t.Fatalf("PIX message sent with %s, %d bytes uploaded", pix.Method, len(pix.Upload))
	}
	ref := paidButton(t, pix)
	p, err := s.h.App.Store.PaymentByReference(ctx, s.seller.ID, ref)
	if err != nil {
		t.Fatal(err)
	}
	// The total is computed on the server: offer + accepted bump.
	if p.AmountCents != 2980 || p.Status != grimbots.PaymentPending || !strings.Contains(pix.Text, "R$ 29,80") ||
		!strings.Contains(pix.Text, p.PixCode) {
		t.Fatalf("payment %+v for PIX message %q", p, pix.Text)
	}
	lead, err := s.h.App.Store.Lead(ctx, s.seller.ID, *p.LeadID)
	if err != nil || lead.Origin != "anuncio_7" || lead.TelegramUserID != buyer {
		t.Fatalf("lead %+v %v", lead, err)
	}

	// "I paid" before paying: not confirmed yet, the buyer is told so.
	s.press(pix, "p:"+ref)
	pending := s.sent(t, 4)
	requireButton(t, pending, "p:"+ref)

	s.payByWebhook(t, ref)
	access := s.sent(t, 5)
	requireLink(t, access, "https://t.me/+grupoVIP")
	bonus := s.sent(t, 6)
	requireLink(t, bonus, "https://t.me/+grupoBonus")
	var d *grimbots.Delivery
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if d, err = s.h.App.Store.Delivery(ctx, s.seller.ID, p.ID); err == nil && d.Status == grimbots.DeliverySent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery %+v %v", d, err)
		}
	}

	// The downsell scheduled with the PIX does nothing now that it is paid.
	s.runNow(t, "funnel_downsell", p.CreatedAt, 10*time.Minute)
	// The upsell comes after its delay.
	s.runNow(t, "funnel_upsell", *d.SentAt, 5*time.Minute)
	upsell := s.sent(t, 7)
	requireButton(t, upsell, "u:up1")
	if !strings.Contains(upsell.Text, "Mentoria") || !strings.Contains(upsell.Text, "R$ 49,90") {
		t.Fatalf("upsell %q", upsell.Text)
	}
	// A seller's resend sends the access again, once.
	if err := s.h.App.Bots.ResendDelivery(ctx, payments.Actor{UserID: s.seller.ID}, p.ID); err != nil {
		t.Fatal(err)
	}
	requireLink(t, s.sent(t, 8), "https://t.me/+grupoVIP")
	requireLink(t, s.sent(t, 9), "https://t.me/+grupoBonus")
	time.Sleep(300 * time.Millisecond)
	if n := s.messages(); n != 9 {
		t.Fatalf("the buyer received %d messages, want 9 (no duplicates)", n)
	}
}

func testDownsell(t *testing.T, engine string) {
	s := newShop(t, engine, "polling", nil, nil)
	ctx := t.Context()
	s.tg.Inject(s.tgBot, telegramtest.Start(buyer, ""))
	welcome := s.sent(t, 1)
	s.press(welcome, "o:vip")
	bump := s.sent(t, 2)
	s.press(bump, "b:vip:bonus:n")
	pix := s.sent(t, 3)
	first, err := s.h.App.Store.PaymentByReference(ctx, s.seller.ID, paidButton(t, pix))
	if err != nil || first.AmountCents != 1990 {
		t.Fatalf("first PIX %+v %v", first, err)
	}
	// The PIX stays unpaid: the downsell arrives after its delay.
	s.runNow(t, "funnel_downsell", first.CreatedAt, 10*time.Minute)
	offer := s.sent(t, 4)
	requireButton(t, offer, "d:ds1:vip")
	if !strings.Contains(offer.Text, "R$ 9,95") {
		t.Fatalf("downsell %q", offer.Text)
	}
	s.press(offer, "d:ds1:vip")
	pix2 := s.sent(t, 5)
	p := s.payByWebhook(t, paidButton(t, pix2))
	if p.AmountCents != 995 {
		t.Fatalf("downsell payment %+v", p)
	}
	requireLink(t, s.sent(t, 6), "https://t.me/+grupoVIP")
	// The first charge is still unpaid; nothing else was sent.
	if got, _ := s.h.App.Store.Payment(ctx, s.seller.ID, first.ID); got.Status != grimbots.PaymentPending {
		t.Fatalf("first payment %+v", got)
	}
	time.Sleep(300 * time.Millisecond)
	if n := s.messages(); n != 6 {
		t.Fatalf("the buyer received %d messages, want 6", n)
	}
}

func testWebhookMode(t *testing.T, engine string) {
	s := newShop(t, engine, "webhook", nil, nil)
	ctx := t.Context()
	b, err := s.h.App.Store.Bot(ctx, s.seller.ID, s.bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	if b.WebhookURL != s.h.URL+"/tg/"+b.WebhookSecret {
		t.Fatalf("webhook URL %q", b.WebhookURL)
	}
	set := s.tg.Calls(telegramtest.All(telegramtest.Method("setWebhook"), telegramtest.Succeeded()))
	if len(set) == 0 || set[len(set)-1].Params["secret_token"] != b.WebhookSecret {
		t.Fatalf("setWebhook calls %+v", set)
	}
	// Telegram pushes the update.
	pushed := s.tg.Inject(s.tgBot, telegramtest.Start(buyer, "site"))
	welcome := s.sent(t, 1)
	requireButton(t, welcome, "o:vip")

	// The same update delivered again (Telegram retries) is not answered
	// twice; a wrong secret header and an unknown path are refused.
	raw := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":1,"date":1700000000,"chat":{"id":4242,"type":"private"},
		"from":{"id":4242,"is_bot":false,"first_name":"Lead"},"text":"/start site"}}`, pushed)
	post := func(path, secret string) int {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.h.URL+path, strings.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for range 2 {
		if code := post("/tg/"+b.WebhookSecret, b.WebhookSecret); code != http.StatusOK {
			t.Fatalf("replayed update: %d", code)
		}
	}
	if code := post("/tg/"+b.WebhookSecret, "wrong"); code != http.StatusForbidden {
		t.Fatalf("wrong secret: %d", code)
	}
	if code := post("/tg/not-a-bot", b.WebhookSecret); code != http.StatusNotFound {
		t.Fatalf("unknown bot: %d", code)
	}
	// That update_id was already pushed by the fake: the replays add nothing.
	time.Sleep(500 * time.Millisecond)
	if n := s.messages(); n != 1 {
		t.Fatalf("the buyer received %d messages, want 1", n)
	}
	// A new token (another Telegram bot): the old bot's webhook is removed
	// and the new one gets its own secret.
	const newToken = "7002:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsbx"
	newTG := s.tg.AddBot(newToken, "loja_nova_bot")
	if _, err := s.h.App.Bots.ReplaceToken(ctx, payments.Actor{UserID: s.seller.ID}, s.bot.ID, newToken); err != nil {
		t.Fatal(err)
	}
	s.tg.WaitCalls(t, 1, telegramtest.All(telegramtest.Method("deleteWebhook"), telegramtest.FromBot(s.tgBot), telegramtest.Succeeded()))
	set = s.tg.WaitCalls(t, 1, telegramtest.All(telegramtest.Method("setWebhook"), telegramtest.FromBot(newTG), telegramtest.Succeeded()))
	nb, err := s.h.App.Store.Bot(ctx, s.seller.ID, s.bot.ID)
	if err != nil || nb.WebhookSecret == b.WebhookSecret || set[0].Params["secret_token"] != nb.WebhookSecret {
		t.Fatalf("after the new token: secret %q (was %q), setWebhook %v", nb.WebhookSecret, b.WebhookSecret, set[0].Params)
	}
	if code := post("/tg/"+b.WebhookSecret, b.WebhookSecret); code != http.StatusNotFound {
		t.Fatalf("the old webhook path still answers: %d", code)
	}
	// Stopping the bot removes its webhook.
	if _, err := s.h.App.Bots.Stop(ctx, payments.Actor{UserID: s.seller.ID}, s.bot.ID); err != nil {
		t.Fatal(err)
	}
	s.tg.WaitCalls(t, 1, telegramtest.All(telegramtest.Method("deleteWebhook"), telegramtest.FromBot(newTG), telegramtest.Succeeded()))
}

// testLeaseTakeover runs two instances on one database: exactly one polls
// the bot; when it stops, the other takes over; a lease left by a dead
// instance is taken once it expires.
func testLeaseTakeover(t *testing.T, engine string) {
	tg := telegramtest.New(t)
	a := newShop(t, engine, "polling", nil, tg)
	b := &shop{tg: tg, tgBot: a.tgBot, seller: a.seller, bot: a.bot}
	b.h = apptest.New(t, apptest.Options{Share: a.h, Env: map[string]string{"TELEGRAM_API_URL": tg.URL, "TELEGRAM_UPDATES": "polling"}})
	ctx := t.Context()
	live := a.h // an instance still running, to read the database through
	owner := func() string {
		var o string
		if err := live.App.DB.Primary().QueryRowContext(ctx, `SELECT lease_owner FROM bots WHERE id = $1`, a.bot.ID).Scan(&o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	for deadline := time.Now().Add(5 * time.Second); owner() == ""; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no instance took the bot's lease")
		}
	}
	a.tg.Inject(a.tgBot, telegramtest.Start(buyer, ""))
	a.sent(t, 1)

	holder, other := a.h, b.h
	if owner() == b.h.App.Bots.Instance() {
		holder, other = b.h, a.h
	}
	live = other
	holder.Stop()
	a.tg.Inject(a.tgBot, telegramtest.Start(buyer, ""))
	a.sent(t, 2)
	if o := owner(); o != other.App.Bots.Instance() {
		t.Fatalf("lease owner %q after the holder stopped, want %q", o, other.App.Bots.Instance())
	}

	// A lease held by an instance that died: taken after it expires.
	until := time.Now().Add(1500 * time.Millisecond)
	if _, err := other.App.DB.Primary().ExecContext(ctx, `UPDATE bots SET lease_owner = 'dead-instance', lease_until = $1 WHERE id = $2`,
		until, a.bot.ID); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); owner() != other.App.Bots.Instance(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the dead instance's lease was never taken over (owner %q)", owner())
		}
	}
	if time.Now().Before(until) {
		t.Fatal("the lease was taken before it expired")
	}
	a.tg.Inject(a.tgBot, telegramtest.Start(buyer, ""))
	a.sent(t, 3)
	if conflicts := tg.Calls(telegramtest.All(telegramtest.Method("getUpdates"), func(c telegramtest.Call) bool { return c.Status == 409 })); len(conflicts) > 0 {
		t.Fatalf("%d getUpdates conflicts: two instances polled at once", len(conflicts))
	}
}

// testCrashRecovery: updates stored but never processed (the worker died
// holding the chat's lock) are found by the sweeper and processed in order.
func testCrashRecovery(t *testing.T, engine string) {
	s := newShop(t, engine, "polling", nil, nil)
	ctx := t.Context()
	old := s.h.Clock.Now().Add(-2 * time.Minute)
	for i, text := range []string{`"text":"/start"`, `"text":"oi"`} {
		body := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1700000000,"chat":{"id":%d,"type":"private"},
			"from":{"id":%d,"is_bot":false,"first_name":"Lead"},%s}}`, 900+i, 900+i, buyer, buyer, text)
		// Stored without its job: as if the process died right after.
		if _, err := s.h.App.Store.InsertUpdate(ctx, &grimbots.TelegramUpdate{BotID: s.bot.ID, UpdateID: int64(900 + i),
			SellerID: s.seller.ID, ChatID: buyer, Body: body, ReceivedAt: old}); err != nil {
			t.Fatal(err)
		}
	}
	// The dead worker's lock on the chat has expired.
	if ok, err := s.h.App.Store.AcquireChatLock(ctx, s.bot.ID, buyer, "dead-worker", old, time.Minute); err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	n, err := s.h.App.Bots.Sweep(ctx)
	if err != nil || n != 1 {
		t.Fatalf("sweep queued %d chats: %v", n, err)
	}
	first, second := s.sent(t, 1), s.sent(t, 2)
	requireButton(t, first, "o:vip")
	requireButton(t, second, "o:vip")
	if !first.At.Before(second.At) && !first.At.Equal(second.At) {
		t.Fatal("updates processed out of order")
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, err := s.h.App.Store.NextChatUpdate(ctx, s.bot.ID, buyer)
		if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("updates left pending: %v", err)
		}
	}
	if n, err := s.h.App.Bots.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("second sweep queued %d chats: %v", n, err)
	}
}
