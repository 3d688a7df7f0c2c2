package telegramtest_test

import (
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

func TestHold(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.AddBot(token, "hold_bot")
	release := srv.Hold(telegramtest.ToChat(7))
	done := make(chan reply, 1)
	go func() { done <- call(t, srv, token, "sendMessage", map[string]any{"chat_id": 7, "text": "held"}) }()
	for deadline := time.Now().Add(5 * time.Second); srv.Holding() != 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the call was not held")
		}
	}
	// Other chats are not held.
	if r := call(t, srv, token, "sendMessage", map[string]any{"chat_id": 8, "text": "free"}); !r.OK {
		t.Fatalf("free call %+v", r)
	}
	if n := len(srv.Messages(bot, 7)); n != 0 {
		t.Fatalf("a held call was handled: %d messages", n)
	}
	release()
	if r := <-done; !r.OK || srv.Holding() != 0 || len(srv.Messages(bot, 7)) != 1 {
		t.Fatalf("released call %+v, %d holding", r, srv.Holding())
	}
	// A released hold holds nothing more.
	if r := call(t, srv, token, "sendMessage", map[string]any{"chat_id": 7, "text": "again"}); !r.OK {
		t.Fatalf("after release %+v", r)
	}
}

func TestCountOnly(t *testing.T) {
	srv := telegramtest.New(t)
	srv.CountOnly()
	bot := srv.AddBot(token, "count_bot")
	srv.BlockChat(bot, 9)
	for _, chat := range []int64{7, 7, 8, 9} {
		call(t, srv, token, "sendMessage", map[string]any{"chat_id": chat, "text": "oi"})
	}
	call(t, srv, token, "getMe", nil)
	got := srv.SendCounts()
	if len(got) != 2 || got[[2]int64{bot, 7}] != 2 || got[[2]int64{bot, 8}] != 1 || len(srv.Calls(nil)) != 0 {
		t.Fatalf("counts %v, %d calls kept", got, len(srv.Calls(nil)))
	}
	if span := srv.SendSpans()[bot]; span[0].IsZero() || span[1].Before(span[0]) {
		t.Fatalf("span %v", span)
	}
}
