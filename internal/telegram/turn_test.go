package telegram_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/telegram"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

// TestWithTurn: the hook runs once per paced send, after the wait for the
// send's turn and before the request; its error cancels the send.
func TestWithTurn(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, tokenA)
	ctx := t.Context()
	var turns []time.Time
	hook := telegram.WithTurn(ctx, func(context.Context) error {
		turns = append(turns, e.clock.Now())
		return nil
	})
	for range 2 {
		if _, err := c.SendMessage(hook, text(42, "oi")); err != nil {
			t.Fatal(err)
		}
	}
	// The second send waited a second for the chat: its turn came after.
	if len(turns) != 2 || turns[1].Sub(turns[0]) < time.Second {
		t.Fatalf("turns at %v", turns)
	}
	stop := errors.New("not now")
	refused := telegram.WithTurn(ctx, func(context.Context) error { return stop })
	if _, err := c.SendMessage(refused, text(43, "oi")); !errors.Is(err, stop) {
		t.Fatalf("send with a refusing hook: %v", err)
	}
	if _, err := c.SendMedia(refused, telegram.MediaParams{ChatID: 44, Kind: telegram.MediaPhoto, URL: "https://cdn.example.com/a.jpg"}); !errors.Is(err, stop) {
		t.Fatalf("media with a refusing hook: %v", err)
	}
	if n := len(e.srv.Calls(telegramtest.Method("sendMessage", "sendPhoto"))); n != 2 {
		t.Fatalf("%d sends reached the server, want the 2 allowed", n)
	}
}

// TestUndelivered tells failures that certainly delivered nothing from
// those that may have.
func TestUndelivered(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, tokenA, func(o *telegram.Options) { o.RequestTimeout = 300 * time.Millisecond })
	ctx := t.Context()
	send := func(chat int64) error {
		_, err := c.SendMessage(ctx, text(chat, "oi"))
		return err
	}
	e.srv.Fail(telegramtest.TooManyRequests(1).ToChat(1))
	e.srv.Fail(telegramtest.InternalError().ToChat(2))
	e.srv.Fail(telegramtest.Forbidden().ToChat(3))
	for chat, what := range map[int64]string{1: "429", 2: "500", 3: "403"} {
		if err := send(chat); err == nil || !telegram.Undelivered(err) {
			t.Errorf("%s: Undelivered(%v) = false", what, err)
		}
	}
	if _, err := c.SendMessage(ctx, telegram.MessageParams{ChatID: 4, Text: "x", Keyboard: telegram.Column(telegram.Button{Text: "x"})}); err == nil || !telegram.Undelivered(err) {
		t.Errorf("refused locally: Undelivered(%v) = false", err)
	}
	// A request Telegram received but did not answer in time may have
	// been delivered.
	release := e.srv.Hold(telegramtest.ToChat(5))
	defer release()
	if err := send(5); err == nil || telegram.Undelivered(err) {
		t.Errorf("timed out: Undelivered(%v) = true", err)
	}
	// No server at all: nothing left.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	down := e.client(t, tokenA, func(o *telegram.Options) { o.APIURL, o.HTTPClient = "http://"+addr, &http.Client{} })
	if _, err := down.SendMessage(ctx, text(6, "oi")); err == nil || !telegram.Undelivered(err) {
		t.Errorf("connection refused: Undelivered(%v) = false", err)
	}
	if telegram.Undelivered(nil) {
		t.Error("Undelivered(nil)")
	}
}
