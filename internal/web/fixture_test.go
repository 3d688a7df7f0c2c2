package web_test

import (
	"fmt"
	"testing"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

// world is an instance with a fake Telegram for bots.
type world struct {
	h    *apptest.Harness
	tg   *telegramtest.Server
	bots int
}

func newWorld(t *testing.T, engine string) *world {
	t.Helper()
	tg := telegramtest.New(t)
	h := apptest.New(t, apptest.Options{Engine: engine, Env: map[string]string{"TELEGRAM_API_URL": tg.URL,
		"TELEGRAM_UPDATES": "polling"}})
	return &world{h: h, tg: tg}
}

// newToken registers a new bot at the fake Telegram and returns its token.
func (w *world) newToken(username string) string {
	w.bots++
	token := fmt.Sprintf("%d:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", 7100+w.bots)
	w.tg.AddBot(token, username)
	return token
}

// addBot adds a bot for the seller through the bots service.
func (w *world) addBot(t *testing.T, seller *apptest.Account, username, name string) *grimbots.Bot {
	t.Helper()
	b, err := w.h.App.Bots.AddBot(t.Context(), payments.Actor{UserID: seller.ID}, w.newToken(username), name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lead makes a buyer of the bot.
func (w *world) lead(t *testing.T, seller *apptest.Account, botID, tgUser int64, first string) *grimbots.Lead {
	t.Helper()
	now := w.h.Clock.Now()
	l, _, err := w.h.App.Store.TouchLead(t.Context(), &grimbots.Lead{SellerID: seller.ID, BotID: botID, TelegramUserID: tgUser,
		ChatID: tgUser, FirstName: first, FirstSeenAt: now, LastInteractionAt: now})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// sale charges a PIX on the sandbox and pays it (botID and leadID may be
// nil).
func (w *world) sale(t *testing.T, seller *apptest.Account, botID, leadID *int64, cents int64, desc string) *grimbots.Payment {
	t.Helper()
	ctx := t.Context()
	p, err := w.h.App.Payments.Checkout(ctx, payments.CheckoutParams{SellerID: seller.ID, BotID: botID, LeadID: leadID,
		AmountCents: cents, Description: desc})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = w.h.App.Payments.SandboxSettle(ctx, seller.ID, p.ID, "paid", w.h.App.Store); err != nil {
		t.Fatal(err)
	}
	return p
}

func itoa(id int64) string { return fmt.Sprint(id) }
