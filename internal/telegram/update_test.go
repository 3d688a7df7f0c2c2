package telegram_test

import (
	"errors"
	"testing"

	"github.com/grimbots/grimbots/internal/telegram"
)

func TestStartPayload(t *testing.T) {
	for text, want := range map[string]struct {
		payload string
		ok      bool
	}{
		"/start":                 {"", true},
		"/start abc_123":         {"abc_123", true},
		"  /start   abc ":        {"abc", true},
		"/start@loja_a_bot":      {"", true},
		"/start@loja_a_bot pool": {"pool", true},
		"/started":               {"", false},
		"start":                  {"", false},
		"oi /start":              {"", false},
	} {
		m := telegram.Message{Text: text}
		if payload, ok := m.StartPayload(); payload != want.payload || ok != want.ok {
			t.Errorf("StartPayload(%q) = %q, %v; want %q, %v", text, payload, ok, want.payload, want.ok)
		}
	}
}

func TestParseUpdate(t *testing.T) {
	u, err := telegram.ParseUpdate([]byte(`{"update_id":5,"edited_message":{"message_id":1}}`))
	if err != nil || u.ID != 5 || u.Message != nil || u.CallbackQuery != nil {
		t.Fatalf("unhandled kind: %+v, %v", u, err)
	}
	for _, bad := range []string{``, `[]`, `{}`, `{"update_id":"x"}`, `{"update_id":1,"message":5}`} {
		if _, err := telegram.ParseUpdate([]byte(bad)); !errors.Is(err, telegram.ErrMalformedUpdate) {
			t.Errorf("ParseUpdate(%q) = %v, want ErrMalformedUpdate", bad, err)
		}
	}
}

func FuzzParseUpdate(f *testing.F) {
	f.Add([]byte(`{"update_id":1,"message":{"message_id":2,"from":{"id":3},"chat":{"id":3,"type":"private"},"date":1,"text":"/start x"}}`))
	f.Add([]byte(`{"update_id":1,"callback_query":{"id":"9","from":{"id":3},"message":{"message_id":2,"chat":{"id":3}},"data":"buy_0"}}`))
	f.Add([]byte(`{"update_id":1,"my_chat_member":{"chat":{"id":3},"new_chat_member":{"status":"kicked"}}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		u, err := telegram.ParseUpdate(raw)
		if err != nil {
			if !errors.Is(err, telegram.ErrMalformedUpdate) {
				t.Fatalf("error %v is not ErrMalformedUpdate", err)
			}
			return
		}
		if u.Message != nil {
			u.Message.StartPayload()
		}
	})
}

func TestMemoryFileIDCache(t *testing.T) {
	ctx := t.Context()
	c := telegram.NewMemoryFileIDCache(2)
	c.Put(ctx, 1, "u1", "f1")
	c.Put(ctx, 2, "u1", "f2") // same URL, another bot: another entry
	if id, ok := c.Get(ctx, 1, "u1"); !ok || id != "f1" {
		t.Fatalf("Get(1,u1) = %q, %v", id, ok)
	}
	c.Put(ctx, 1, "u3", "f3") // evicts (2,u1), the least recently used
	if _, ok := c.Get(ctx, 2, "u1"); ok {
		t.Fatal("the least recently used entry survived")
	}
	c.Put(ctx, 1, "u1", "f1b")
	if id, _ := c.Get(ctx, 1, "u1"); id != "f1b" || c.Len() != 2 {
		t.Fatalf("after refresh: %q, len %d", id, c.Len())
	}
	c.Put(ctx, 1, "u1", "")
	if _, ok := c.Get(ctx, 1, "u1"); ok || c.Len() != 1 {
		t.Fatalf("an empty Put did not forget the entry (len %d)", c.Len())
	}
}
