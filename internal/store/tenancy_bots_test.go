package store_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/store/storetest"
)

// Tenancy checks of the bot store: each runs as seller A and aims at seller
// B's rows; TestTenancy then proves every row of B is unchanged.

// addBotRows gives the seller a second configuration version of its bot, a
// deleted bot, the delivery of its paid payment, a pending update and a
// cached media file id.
func addBotRows(t *testing.T, s *store.Store, sl *seller, name string) {
	t.Helper()
	ctx := context.Background()
	id := sl.user.ID
	if _, err := s.SaveBotConfig(ctx, id, sl.bot, 1, `{"version":2,"bot":"`+name+`"}`, &id, now); err != nil {
		t.Fatalf("SaveBotConfig: %v", err)
	}
	sl.deletedBot = storetest.AddBot(t, s, id, name+"-gone")
	storetest.Must(t, s.DeleteBot(ctx, id, sl.deletedBot.ID, now))
	d, err := s.EnsureDelivery(ctx, &grimbots.Delivery{SellerID: id, PaymentID: sl.paid.ID, BotID: sl.bot, LeadID: sl.lead, CreatedAt: now})
	storetest.Must(t, err)
	sl.delivery = d
	lead, err := s.Lead(ctx, id, sl.lead)
	storetest.Must(t, err)
	ok, err := s.InsertUpdate(ctx, &grimbots.TelegramUpdate{BotID: sl.bot, UpdateID: 1, SellerID: id, ChatID: lead.TelegramUserID,
		Body: `{"update_id":1}`, ReceivedAt: now})
	storetest.Must(t, err)
	if !ok {
		t.Fatal("fixture update already stored")
	}
	storetest.Must(t, s.PutMediaFileID(ctx, sl.bot, "https://cdn.example.com/"+name+".jpg", name+"-file", now))
}

func botID(b *grimbots.Bot) int64               { return b.ID }
func leadID(l *grimbots.Lead) int64             { return l.ID }
func configVersion(c *grimbots.BotConfig) int64 { return int64(c.Version) }

// liveBot reads a seller's live bot (a read, which changes nothing).
func liveBot(t *testing.T, w *world, sl seller) *grimbots.Bot {
	t.Helper()
	b, err := w.s.Bot(context.Background(), sl.user.ID, sl.bot)
	storetest.Must(t, err)
	return b
}

func leadOf(t *testing.T, w *world, sl seller) *grimbots.Lead {
	t.Helper()
	l, err := w.s.Lead(context.Background(), sl.user.ID, sl.lead)
	storetest.Must(t, err)
	return l
}

// bots lists the seller's bot ids: the live one and the deleted one.
func (sl seller) bots() []int64 { return []int64{sl.bot, sl.deletedBot.ID} }

// rowCount counts the rows of table matching cond, whatever their seller.
func rowCount(t *testing.T, w *world, table, cond string, args ...any) int {
	t.Helper()
	var n int
	storetest.Must(t, w.s.DB().Primary().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table+` WHERE `+cond, args...).Scan(&n))
	return n
}

func checkCreateBot(t *testing.T, w *world) {
	ctx := context.Background()
	a := w.a.user.ID
	bb := liveBot(t, w, w.b)
	later := now.Add(time.Hour)
	// B's live token and B's webhook secret are taken.
	dup := &grimbots.Bot{SellerID: a, TelegramBotID: bb.TelegramBotID, Username: bb.Username, Name: "stolen",
		TokenCiphertext: "a-sealed", TokenHash: bb.TokenHash, WebhookSecret: "a-new-secret", CreatedAt: later, UpdatedAt: later}
	storetest.WantCode(t, w.s.CreateBot(ctx, dup, "{}", &a), grimbots.ECONFLICT)
	dup = &grimbots.Bot{SellerID: a, TelegramBotID: 1, Username: "a_bot", Name: "a", TokenCiphertext: "a-sealed",
		TokenHash: "a-fresh-hash", WebhookSecret: bb.WebhookSecret, CreatedAt: later, UpdatedAt: later}
	storetest.WantCode(t, w.s.CreateBot(ctx, dup, "{}", &a), grimbots.ECONFLICT)
	// B's deleted bot's token is free: A's bot is a new row of A's, never
	// B's old one revived.
	gone := w.b.deletedBot
	nb := &grimbots.Bot{SellerID: a, TelegramBotID: gone.TelegramBotID, Username: gone.Username, Name: "taken over",
		TokenCiphertext: "a-sealed-2", TokenHash: gone.TokenHash, WebhookSecret: "a-other-secret", CreatedAt: later, UpdatedAt: later}
	storetest.Must(t, w.s.CreateBot(ctx, nb, `{"a":1}`, &a))
	if nb.ID == gone.ID || nb.ID == w.b.bot {
		t.Fatalf("A's new bot reused B's row %d", nb.ID)
	}
	list, err := w.s.Bots(ctx, a)
	storetest.Must(t, err)
	wantOnly(t, "Bots(A)", list, botID, []int64{w.a.bot, nb.ID})
	list, err = w.s.Bots(ctx, w.b.user.ID)
	storetest.Must(t, err)
	wantOnly(t, "Bots(B)", list, botID, []int64{w.b.bot})
	c, err := w.s.BotConfig(ctx, a, nb.ID, 0)
	storetest.Must(t, err)
	if c.SellerID != a || c.Version != 1 || c.Document != `{"a":1}` {
		t.Errorf("A's new bot's configuration: seller %d, version %d, %q", c.SellerID, c.Version, c.Document)
	}
	configs, err := w.s.BotConfigs(ctx, w.b.user.ID, nb.ID)
	storetest.Must(t, err)
	if len(configs) != 0 {
		t.Errorf("B lists %d configurations of A's new bot", len(configs))
	}
}

func checkBots(t *testing.T, w *world) {
	list, err := w.s.Bots(context.Background(), w.a.user.ID)
	storetest.Must(t, err)
	wantOnly(t, "Bots(A)", list, botID, []int64{w.a.bot})
}

func checkBot(t *testing.T, w *world) {
	ctx := context.Background()
	for _, id := range w.b.bots() {
		_, err := w.s.Bot(ctx, w.a.user.ID, id)
		storetest.WantCode(t, err, grimbots.ENOTFOUND)
	}
	if b := liveBot(t, w, w.a); b.SellerID != w.a.user.ID {
		t.Errorf("A's bot is owned by %d", b.SellerID)
	}
}

func checkRenameBot(t *testing.T, w *world) {
	ctx := context.Background()
	for _, id := range w.b.bots() {
		storetest.WantCode(t, w.s.RenameBot(ctx, w.a.user.ID, id, "hijacked", now.Add(time.Hour)), grimbots.ENOTFOUND)
	}
	storetest.Must(t, w.s.RenameBot(ctx, w.a.user.ID, w.a.bot, "A renamed", now.Add(time.Hour)))
}

func checkReplaceBotToken(t *testing.T, w *world) {
	ctx := context.Background()
	a := w.a.user.ID
	for _, id := range w.b.bots() {
		r := &grimbots.Bot{ID: id, SellerID: a, TelegramBotID: 1, Username: "hijack_bot", TokenCiphertext: "a-sealed",
			TokenHash: fmt.Sprintf("a-hijack-%d", id), UpdatedAt: now.Add(time.Hour)}
		storetest.WantCode(t, w.s.ReplaceBotToken(ctx, r), grimbots.ENOTFOUND)
	}
	// A's own bot cannot take B's live token, nor B's webhook secrets.
	bb := liveBot(t, w, w.b)
	r := liveBot(t, w, w.a)
	r.TokenHash, r.TokenCiphertext, r.UpdatedAt = bb.TokenHash, "a-sealed", now.Add(time.Hour)
	storetest.WantCode(t, w.s.ReplaceBotToken(ctx, r), grimbots.ECONFLICT)
	r.TokenHash = "a-new-hash"
	for _, secret := range []string{bb.WebhookSecret, w.b.deletedBot.WebhookSecret} {
		r.WebhookSecret = secret
		storetest.WantCode(t, w.s.ReplaceBotToken(ctx, r), grimbots.ECONFLICT)
	}
	r.WebhookSecret = "a-new-secret"
	storetest.Must(t, w.s.ReplaceBotToken(ctx, r))
}

func checkSetBotRunning(t *testing.T, w *world) {
	ctx := context.Background()
	for _, id := range w.b.bots() {
		for _, run := range []bool{true, false} {
			storetest.WantCode(t, w.s.SetBotRunning(ctx, w.a.user.ID, id, run, now.Add(time.Hour)), grimbots.ENOTFOUND)
		}
	}
	storetest.Must(t, w.s.SetBotRunning(ctx, w.a.user.ID, w.a.bot, true, now.Add(time.Hour)))
}

func checkDeleteBot(t *testing.T, w *world) {
	ctx := context.Background()
	for _, id := range w.b.bots() {
		storetest.WantCode(t, w.s.DeleteBot(ctx, w.a.user.ID, id, now.Add(time.Hour)), grimbots.ENOTFOUND)
	}
	storetest.Must(t, w.s.DeleteBot(ctx, w.a.user.ID, w.a.bot, now.Add(time.Hour)))
}

func checkSaveBotConfig(t *testing.T, w *world) {
	ctx := context.Background()
	a := w.a.user.ID
	for _, id := range w.b.bots() {
		for _, base := range []int{0, 1, 2} {
			_, err := w.s.SaveBotConfig(ctx, a, id, base, `{"hijacked":true}`, &a, now.Add(time.Hour))
			storetest.WantCode(t, err, grimbots.ENOTFOUND)
		}
	}
	v, err := w.s.SaveBotConfig(ctx, a, w.a.bot, 2, `{"a":3}`, &a, now.Add(time.Hour))
	storetest.Must(t, err)
	if v != 3 {
		t.Errorf("A's save = version %d, want 3", v)
	}
}

func checkBotConfig(t *testing.T, w *world) {
	ctx := context.Background()
	for _, id := range w.b.bots() {
		for _, version := range []int{0, 1, 2} {
			_, err := w.s.BotConfig(ctx, w.a.user.ID, id, version)
			storetest.WantCode(t, err, grimbots.ENOTFOUND)
		}
	}
	c, err := w.s.BotConfig(ctx, w.a.user.ID, w.a.bot, 0)
	storetest.Must(t, err)
	if c.SellerID != w.a.user.ID || c.BotID != w.a.bot || c.Version != 2 {
		t.Errorf("A's configuration in force: seller %d, bot %d, version %d", c.SellerID, c.BotID, c.Version)
	}
}

func checkBotConfigs(t *testing.T, w *world) {
	ctx := context.Background()
	for _, id := range w.b.bots() {
		list, err := w.s.BotConfigs(ctx, w.a.user.ID, id)
		storetest.Must(t, err)
		if len(list) != 0 {
			t.Errorf("BotConfigs(A, B's bot %d) lists %d versions", id, len(list))
		}
	}
	list, err := w.s.BotConfigs(ctx, w.a.user.ID, w.a.bot)
	storetest.Must(t, err)
	wantOnly(t, "BotConfigs(A) versions", list, configVersion, []int64{1, 2})
}

func checkTouchLead(t *testing.T, w *world) {
	ctx := context.Background()
	a := w.a.user.ID
	bl := leadOf(t, w, w.b)
	const stranger = 990_000_001
	// On B's bots, neither B's lead nor a new user: a lead of A's there
	// would take B's (bot, user) slot.
	for _, bot := range w.b.bots() {
		for _, user := range []int64{bl.TelegramUserID, stranger} {
			l, _, err := w.s.TouchLead(ctx, &grimbots.Lead{SellerID: a, BotID: bot, TelegramUserID: user, ChatID: user,
				FirstName: "Intruder", Origin: "a-origin", LastInteractionAt: now.Add(time.Hour)})
			storetest.WantCode(t, err, grimbots.ENOTFOUND)
			if l != nil {
				t.Errorf("TouchLead(A, B's bot %d, user %d) returned lead %d", bot, user, l.ID)
			}
		}
	}
	if n := rowCount(t, w, "leads", "telegram_user_id = $1", stranger); n != 0 {
		t.Fatalf("refused touches left %d leads", n)
	}
	// B's lead's Telegram user talking to A's bot is A's own, new lead.
	l, created, err := w.s.TouchLead(ctx, &grimbots.Lead{SellerID: a, BotID: w.a.bot, TelegramUserID: bl.TelegramUserID,
		ChatID: bl.ChatID, FirstName: "Shared user", LastInteractionAt: now.Add(time.Hour)})
	storetest.Must(t, err)
	if !created || l.ID == bl.ID || l.SellerID != a || l.BotID != w.a.bot {
		t.Errorf("A's lead for B's user: created=%v id=%d seller=%d bot=%d", created, l.ID, l.SellerID, l.BotID)
	}
}

func checkLead(t *testing.T, w *world) {
	_, err := w.s.Lead(context.Background(), w.a.user.ID, w.b.lead)
	storetest.WantCode(t, err, grimbots.ENOTFOUND)
	if l := leadOf(t, w, w.a); l.SellerID != w.a.user.ID {
		t.Errorf("A's lead is owned by %d", l.SellerID)
	}
}

func checkLeads(t *testing.T, w *world) {
	ctx := context.Background()
	a := w.a.user.ID
	bl := leadOf(t, w, w.b)
	for _, bot := range append(w.b.bots(), w.a.bot) {
		for _, q := range []string{strconv.FormatInt(bl.TelegramUserID, 10), bl.FirstName} {
			list, total, err := w.s.Leads(ctx, a, bot, grimbots.LeadFilter{Search: q})
			storetest.Must(t, err)
			for _, l := range list {
				if l.SellerID != a {
					t.Errorf("Leads(A, bot %d, %q) shows lead %d of seller %d", bot, q, l.ID, l.SellerID)
				}
			}
			if bot != w.a.bot && (len(list) != 0 || total != 0) {
				t.Errorf("Leads(A, B's bot %d, %q) = %d leads, total %d", bot, q, len(list), total)
			}
		}
	}
	list, total, err := w.s.Leads(ctx, a, w.a.bot, grimbots.LeadFilter{})
	storetest.Must(t, err)
	wantOnly(t, "Leads(A)", list, leadID, []int64{w.a.lead})
	if total != 1 || len(list) != 1 || list[0].Purchases != 1 {
		t.Errorf("Leads(A): total %d, purchases %v; want 1 lead with A's 1 paid payment", total, list)
	}
}

func checkSetLeadBlocked(t *testing.T, w *world) {
	ctx := context.Background()
	storetest.WantCode(t, w.s.SetLeadBlocked(ctx, w.a.user.ID, w.b.lead, now.Add(time.Hour)), grimbots.ENOTFOUND)
	storetest.Must(t, w.s.SetLeadBlocked(ctx, w.a.user.ID, w.a.lead, now.Add(time.Hour)))
}

func checkEnsureDelivery(t *testing.T, w *world) {
	ctx := context.Background()
	a := w.a.user.ID
	for _, bp := range w.b.payments() {
		for _, target := range [][2]int64{{w.b.bot, w.b.lead}, {w.a.bot, w.a.lead}} {
			d, err := w.s.EnsureDelivery(ctx, &grimbots.Delivery{SellerID: a, PaymentID: bp.ID, BotID: target[0], LeadID: target[1],
				CreatedAt: now.Add(time.Hour)})
			storetest.WantCode(t, err, grimbots.ENOTFOUND)
			if d != nil {
				t.Errorf("EnsureDelivery(A, B's payment %d) returned delivery %d", bp.ID, d.ID)
			}
		}
	}
	// B's payments without a delivery still have none (a row of A's would
	// hide B's own delivery from B).
	for _, bp := range []*grimbots.Payment{w.b.pending, w.b.refunded} {
		if n := rowCount(t, w, "deliveries", "payment_id = $1", bp.ID); n != 0 {
			t.Errorf("B's payment %d has %d deliveries", bp.ID, n)
		}
	}
	// A's payment for B's lead: refused too.
	_, err := w.s.EnsureDelivery(ctx, &grimbots.Delivery{SellerID: a, PaymentID: w.a.pending.ID, BotID: w.b.bot, LeadID: w.b.lead,
		CreatedAt: now.Add(time.Hour)})
	storetest.WantCode(t, err, grimbots.ENOTFOUND)
	d, err := w.s.EnsureDelivery(ctx, &grimbots.Delivery{SellerID: a, PaymentID: w.a.paid.ID, BotID: w.a.bot, LeadID: w.a.lead,
		CreatedAt: now.Add(time.Hour)})
	storetest.Must(t, err)
	if d.ID != w.a.delivery.ID {
		t.Errorf("EnsureDelivery(A's paid payment) = delivery %d, want A's %d", d.ID, w.a.delivery.ID)
	}
}

func checkDelivery(t *testing.T, w *world) {
	ctx := context.Background()
	for _, bp := range w.b.payments() {
		_, err := w.s.Delivery(ctx, w.a.user.ID, bp.ID)
		storetest.WantCode(t, err, grimbots.ENOTFOUND)
	}
	d, err := w.s.Delivery(ctx, w.a.user.ID, w.a.paid.ID)
	storetest.Must(t, err)
	if d.ID != w.a.delivery.ID {
		t.Errorf("Delivery(A's paid payment) = %d, want %d", d.ID, w.a.delivery.ID)
	}
}

func checkUpdateDelivery(t *testing.T, w *world) {
	ctx := context.Background()
	sent := now.Add(time.Hour)
	for _, status := range []string{grimbots.DeliverySent, grimbots.DeliveryRevoked} {
		d := *w.b.delivery
		d.SellerID, d.Status, d.Attempts, d.LastError, d.SentAt, d.UpdatedAt = w.a.user.ID, status, 9, "hijacked", &sent, sent
		storetest.WantCode(t, w.s.UpdateDelivery(ctx, &d), grimbots.ENOTFOUND)
	}
	d := *w.a.delivery
	d.Status, d.Attempts, d.SentAt, d.UpdatedAt = grimbots.DeliverySent, 1, &sent, sent
	storetest.Must(t, w.s.UpdateDelivery(ctx, &d))
}

// Global methods with a check: they return the owner, which the caller uses.

func checkBotByWebhookSecret(t *testing.T, w *world) {
	ctx := context.Background()
	for _, sl := range []seller{w.a, w.b} {
		live := liveBot(t, w, sl)
		b, err := w.s.BotByWebhookSecret(ctx, live.WebhookSecret)
		storetest.Must(t, err)
		if b.ID != sl.bot || b.SellerID != sl.user.ID {
			t.Errorf("secret of seller %d's bot resolved to bot %d of seller %d", sl.user.ID, b.ID, b.SellerID)
		}
		_, err = w.s.BotByWebhookSecret(ctx, sl.deletedBot.WebhookSecret)
		storetest.WantCode(t, err, grimbots.ENOTFOUND)
	}
}

func checkBotByID(t *testing.T, w *world) {
	ctx := context.Background()
	for _, sl := range []seller{w.a, w.b} {
		b, err := w.s.BotByID(ctx, sl.bot)
		storetest.Must(t, err)
		if b.SellerID != sl.user.ID {
			t.Errorf("bot %d resolved to seller %d, want %d", sl.bot, b.SellerID, sl.user.ID)
		}
		_, err = w.s.BotByID(ctx, sl.deletedBot.ID)
		storetest.WantCode(t, err, grimbots.ENOTFOUND)
	}
}
