package telegram_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/telegram"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

func TestGetUpdatesLongPolling(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, tokenA)
	ctx := t.Context()

	got := make(chan []telegram.RawUpdate, 1)
	go func() {
		updates, err := c.GetUpdates(ctx, telegram.GetUpdatesParams{Timeout: 10 * time.Second})
		if err != nil {
			t.Error(err)
		}
		got <- updates
	}()
	id := e.srv.Inject(e.botA, telegramtest.Start(42, "promo_ig"))
	updates := <-got
	if len(updates) != 1 || updates[0].ID != id {
		t.Fatalf("updates = %+v, want update %d", updates, id)
	}
	u, err := updates[0].Parse()
	if err != nil {
		t.Fatal(err)
	}
	m := u.Message
	if m == nil || m.ChatID != 42 || m.From.ID != 42 || m.From.Username != "lead42" || m.From.FirstName != "Lead" {
		t.Fatalf("message = %+v", m)
	}
	if payload, ok := m.StartPayload(); !ok || payload != "promo_ig" {
		t.Fatalf("StartPayload = %q, %v", payload, ok)
	}
	poll := e.srv.WaitCalls(t, 1, telegramtest.Method("getUpdates"))[0]
	if poll.Params["timeout"] != "10" || poll.Params["allowed_updates"] == "" {
		t.Fatalf("getUpdates params = %v", poll.Params)
	}

	// The offset confirms; later updates keep increasing ids.
	id2 := e.srv.Inject(e.botA, telegramtest.Callback(42, 7, "buy_0"))
	updates, err = c.GetUpdates(ctx, telegram.GetUpdatesParams{Offset: id + 1})
	if err != nil || len(updates) != 1 || updates[0].ID != id2 || id2 <= id {
		t.Fatalf("after offset: %+v, %v", updates, err)
	}
	u, _ = updates[0].Parse()
	if q := u.CallbackQuery; q == nil || q.ChatID != 42 || q.MessageID != 7 || q.Data != "buy_0" || q.ID == "" || q.From.ID != 42 {
		t.Fatalf("callback = %+v", q)
	}
	if updates, err = c.GetUpdates(ctx, telegram.GetUpdatesParams{Offset: id2 + 1}); err != nil || len(updates) != 0 {
		t.Fatalf("short poll after confirming all: %+v, %v", updates, err)
	}
}

func TestGetUpdatesConflicts(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, tokenA)
	ctx := t.Context()

	// A second poller ends the first with 409.
	first := make(chan error, 1)
	go func() {
		_, err := c.GetUpdates(ctx, telegram.GetUpdatesParams{Timeout: 30 * time.Second})
		first <- err
	}()
	for {
		if _, err := c.GetUpdates(ctx, telegram.GetUpdatesParams{}); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-first:
			if !errors.Is(err, telegram.ErrConflict) {
				t.Fatalf("first poller: %v, want ErrConflict", err)
			}
		default:
			// The first poll had not reached the server yet; poll again.
			continue
		}
		break
	}

	if err := c.SetWebhook(ctx, telegram.WebhookParams{URL: "https://example.com/tg/x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetUpdates(ctx, telegram.GetUpdatesParams{}); !errors.Is(err, telegram.ErrConflict) {
		t.Fatalf("getUpdates with a webhook: %v, want ErrConflict", err)
	}
	if err := c.DeleteWebhook(ctx, false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetUpdates(ctx, telegram.GetUpdatesParams{}); err != nil {
		t.Fatalf("getUpdates after deleteWebhook: %v", err)
	}
}

func TestWebhookPush(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, tokenA)
	ctx := t.Context()
	const secret = "s3cr3t_Token-1"

	type delivery struct {
		update telegram.RawUpdate
		err    error
	}
	deliveries := make(chan delivery, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := telegram.ReadWebhook(r, secret)
		deliveries <- delivery{u, err}
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer hook.Close()

	err := c.SetWebhook(ctx, telegram.WebhookParams{URL: hook.URL + "/tg/abc", SecretToken: secret, DropPendingUpdates: true})
	if err != nil {
		t.Fatal(err)
	}
	set := e.srv.WaitCalls(t, 1, telegramtest.Method("setWebhook"))[0]
	if set.Params["secret_token"] != secret || set.Params["drop_pending_updates"] != "true" ||
		set.Params["allowed_updates"] != `["message","callback_query","my_chat_member","chat_member","chat_join_request"]` {
		t.Fatalf("setWebhook params = %v", set.Params)
	}
	info, err := c.GetWebhookInfo(ctx)
	if err != nil || info.URL != hook.URL+"/tg/abc" || len(info.AllowedUpdates) != 5 {
		t.Fatalf("GetWebhookInfo = %+v, %v", info, err)
	}

	id := e.srv.Inject(e.botA, telegramtest.Kicked(42))
	select {
	case d := <-deliveries:
		if d.err != nil || d.update.ID != id {
			t.Fatalf("delivery = %+v", d)
		}
		u, err := d.update.Parse()
		if err != nil || u.MyChatMember == nil || !u.MyChatMember.Blocked() || u.MyChatMember.ChatID != 42 {
			t.Fatalf("update = %+v, %v", u, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook delivery")
	}

	// A delivery without the right secret is refused by ReadWebhook.
	req := httptest.NewRequest(http.MethodPost, "/tg/abc", nil)
	req.Header.Set(telegram.SecretHeader, "wrong")
	if _, err := telegram.ReadWebhook(req, secret); !errors.Is(err, telegram.ErrWebhookSecret) {
		t.Fatalf("wrong secret: %v", err)
	}
}
