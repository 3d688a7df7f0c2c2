package telegram_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/grimbots/grimbots/internal/telegram"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

func TestNewMakesNoRequest(t *testing.T) {
	e := newEnv(t)
	e.client(t, tokenA)
	// Not even a reachable server is needed.
	if _, err := telegram.New(tokenA, telegram.Options{APIURL: "http://127.0.0.1:1"}); err != nil {
		t.Fatalf("New against an unreachable server: %v", err)
	}
	if calls := e.srv.Calls(nil); len(calls) != 0 {
		t.Fatalf("construction made %d calls", len(calls))
	}
	for _, bad := range []string{"", "abc", "1001", "1001:", ":secret", "x:secret", "-5:secret", "1001:se cret"} {
		_, err := telegram.New(bad, telegram.Options{})
		if !errors.Is(err, telegram.ErrMalformedToken) {
			t.Errorf("New(%q) = %v, want ErrMalformedToken", bad, err)
		}
	}
	if _, err := telegram.New(tokenA, telegram.Options{APIURL: "ftp://x"}); err == nil {
		t.Error("New accepted an ftp API URL")
	}
}

func TestGetMe(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, tokenA)
	if c.BotID() != 1001 {
		t.Fatalf("BotID = %d", c.BotID())
	}
	me, err := c.GetMe(t.Context())
	if err != nil || me != (telegram.BotInfo{ID: 1001, Username: "loja_a_bot", FirstName: "loja_a_bot"}) {
		t.Fatalf("GetMe = %+v, %v", me, err)
	}
	e.srv.RevokeToken(tokenA)
	if _, err := c.GetMe(t.Context()); !errors.Is(err, telegram.ErrUnauthorized) {
		t.Fatalf("GetMe after revocation: %v, want ErrUnauthorized", err)
	}
	if _, err := e.client(t, "999:unknown").GetMe(t.Context()); !errors.Is(err, telegram.ErrUnauthorized) {
		t.Fatalf("GetMe with an unknown token: %v, want ErrUnauthorized", err)
	}
}

func TestSendMessageWithKeyboard(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, tokenA)
	kb := telegram.Column(
		telegram.CallbackButton("Comprar R$ 19,90", "buy_0"),
		telegram.URLButton("Canal de prévias", "https://t.me/previas?start=a&b=1"),
	)
	sent, err := c.SendMessage(t.Context(), telegram.MessageParams{ChatID: 42, Text: "<b>Olá</b>, bem-vindo!", Keyboard: kb})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	call := e.srv.WaitCalls(t, 1, telegramtest.Method("sendMessage"))[0]
	const wantMarkup = `{"inline_keyboard":[[{"text":"Comprar R$ 19,90","callback_data":"buy_0"}],` +
		`[{"text":"Canal de prévias","url":"https://t.me/previas?start=a\u0026b=1"}]]}`
	if got := call.Params["reply_markup"]; got != wantMarkup {
		t.Errorf("reply_markup\n got %s\nwant %s", got, wantMarkup)
	}
	if call.Params["parse_mode"] != "HTML" || call.Params["text"] != "<b>Olá</b>, bem-vindo!" || call.ChatID != 42 {
		t.Errorf("params = %v", call.Params)
	}
	if b := call.ReplyMarkup.InlineKeyboard[1][0]; b.URL != "https://t.me/previas?start=a&b=1" || b.CallbackData != "" {
		t.Errorf("URL button recorded as %+v", b)
	}
	if sent != (telegram.SentMessage{ChatID: 42, MessageID: call.MessageID}) {
		t.Errorf("SentMessage = %+v, call made message %d", sent, call.MessageID)
	}
}

func TestKeyboardValidation(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, tokenA)
	for name, b := range map[string]telegram.Button{
		"both actions":    {Text: "x", CallbackData: "a", URL: "https://x"},
		"no action":       {Text: "x"},
		"no text":         {CallbackData: "a"},
		"long data":       telegram.CallbackButton("x", strings.Repeat("d", 65)),
		"javascript link": telegram.URLButton("x", "javascript:alert(1)"),
	} {
		_, err := c.SendMessage(t.Context(), telegram.MessageParams{ChatID: 1, Text: "t", Keyboard: telegram.Column(b)})
		if !errors.Is(err, telegram.ErrBadRequest) {
			t.Errorf("%s: err = %v, want ErrBadRequest", name, err)
		}
	}
	if calls := e.srv.Calls(nil); len(calls) != 0 {
		t.Fatalf("invalid keyboards reached the server: %d calls", len(calls))
	}
}

func TestSendMediaReusesFileID(t *testing.T) {
	for _, kind := range []telegram.MediaKind{telegram.MediaPhoto, telegram.MediaVideo, telegram.MediaDocument, telegram.MediaAnimation} {
		t.Run(string(kind), func(t *testing.T) {
			e := newEnv(t)
			a, b := e.client(t, tokenA), e.client(t, tokenB)
			const url = "https://cdn.example.com/welcome.bin"
			p := telegram.MediaParams{ChatID: 7, Kind: kind, URL: url, Caption: "<i>Oferta</i>", Keyboard: telegram.Column(telegram.CallbackButton("Comprar", "buy_0"))}
			first, err := a.SendMedia(t.Context(), p)
			if err != nil {
				t.Fatalf("first send: %v", err)
			}
			wantID := telegramtest.FileID(e.botA, string(kind), url)
			if first.FileID != wantID {
				t.Fatalf("FileID = %q, want %q", first.FileID, wantID)
			}
			if _, err := a.SendMedia(t.Context(), p); err != nil {
				t.Fatalf("second send: %v", err)
			}
			// Another bot cannot use A's file_id: it sends by URL.
			if _, err := b.SendMedia(t.Context(), p); err != nil {
				t.Fatalf("bot B send: %v", err)
			}
			calls := e.srv.Calls(telegramtest.Method("send" + strings.ToUpper(string(kind[:1])) + string(kind[1:])))
			if len(calls) != 3 {
				t.Fatalf("%d calls, want 3", len(calls))
			}
			for i, want := range []string{url, wantID, url} {
				if calls[i].Media != want || !calls[i].OK() {
					t.Errorf("call %d sent %q (status %d), want %q", i+1, calls[i].Media, calls[i].Status, want)
				}
			}
			if calls[0].Text != "<i>Oferta</i>" || calls[0].Params["parse_mode"] != "HTML" || calls[0].ReplyMarkup == nil {
				t.Errorf("caption, parse mode or keyboard missing: %v", calls[0].Params)
			}
		})
	}
}

func TestSendMediaFallsBackWhenFileIDRefused(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, tokenA)
	const url = "https://cdn.example.com/promo.jpg"
	e.files.Put(t.Context(), e.botA, url, "AgACstale")
	sent, err := c.SendMedia(t.Context(), telegram.MediaParams{ChatID: 7, Kind: telegram.MediaPhoto, URL: url})
	if err != nil {
		t.Fatalf("SendMedia: %v", err)
	}
	calls := e.srv.Calls(telegramtest.Method("sendPhoto"))
	if len(calls) != 2 || calls[0].Media != "AgACstale" || calls[0].Status != 400 || calls[1].Media != url || !calls[1].OK() {
		t.Fatalf("calls = %+v", calls)
	}
	if id, _ := e.files.Get(t.Context(), e.botA, url); id != sent.FileID || id == "AgACstale" {
		t.Fatalf("cache holds %q, want the new %q", id, sent.FileID)
	}

	// When the URL fails too, the stale id is forgotten.
	e.srv.Fail(telegramtest.BadRequest("failed to get HTTP URL content").On("sendPhoto").Times(2))
	if _, err := c.SendMedia(t.Context(), telegram.MediaParams{ChatID: 8, Kind: telegram.MediaPhoto, URL: url}); !errors.Is(err, telegram.ErrBadRequest) {
		t.Fatalf("err = %v, want ErrBadRequest", err)
	}
	if id, ok := e.files.Get(t.Context(), e.botA, url); ok {
		t.Fatalf("cache still holds %q", id)
	}
}

func TestErrorClassification(t *testing.T) {
	tests := []struct {
		name      string
		fault     telegramtest.Fault
		want      error
		code      int
		retryable bool
	}{
		{"blocked", telegramtest.Forbidden(), telegram.ErrBlocked, 403, false},
		{"chat not found", telegramtest.BadRequest("chat not found"), telegram.ErrBlocked, 400, false},
		{"revoked", telegramtest.Unauthorized(), telegram.ErrUnauthorized, 401, false},
		{"bad request", telegramtest.BadRequest("can't parse entities"), telegram.ErrBadRequest, 400, false},
		{"server error", telegramtest.InternalError(), telegram.ErrTemporary, 500, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.srv.Fail(tt.fault.On("sendMessage"))
			_, err := e.client(t, tokenA).SendMessage(t.Context(), text(5, "oi"))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var apiErr *telegram.APIError
			if !errors.As(err, &apiErr) || apiErr.Code != tt.code || apiErr.Method != "sendMessage" || apiErr.Description == "" {
				t.Fatalf("APIError = %+v", apiErr)
			}
			if retry, _ := telegram.Retryable(err); retry != tt.retryable {
				t.Fatalf("Retryable = %v", retry)
			}
		})
	}

	t.Run("blocked chat", func(t *testing.T) {
		e := newEnv(t)
		e.srv.BlockChat(e.botA, 5)
		if _, err := e.client(t, tokenA).SendMessage(t.Context(), text(5, "oi")); !errors.Is(err, telegram.ErrBlocked) {
			t.Fatalf("err = %v, want ErrBlocked", err)
		}
	})

	t.Run("429", func(t *testing.T) {
		e := newEnv(t)
		e.srv.Fail(telegramtest.TooManyRequests(7))
		_, err := e.client(t, tokenA).SendMessage(t.Context(), text(5, "oi"))
		var ra *telegram.RetryAfterError
		if !errors.As(err, &ra) || ra.After != 7*time.Second {
			t.Fatalf("err = %v, want RetryAfterError of 7s", err)
		}
		if retry, after := telegram.Retryable(err); !retry || after != 7*time.Second {
			t.Fatalf("Retryable = %v, %v", retry, after)
		}
	})

	t.Run("not a Bot API answer", func(t *testing.T) {
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "<html>502 Bad Gateway for %s</html>", r.URL.Path)
		}))
		defer proxy.Close()
		c, _ := telegram.New(tokenA, telegram.Options{APIURL: proxy.URL})
		_, err := c.SendMessage(t.Context(), text(5, "oi"))
		if !errors.Is(err, telegram.ErrTemporary) {
			t.Fatalf("err = %v, want ErrTemporary", err)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		e := newEnv(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := e.client(t, tokenA).GetMe(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if retry, _ := telegram.Retryable(err); retry {
			t.Fatal("a cancelled call is retryable")
		}
	})
}

func TestTokenNeverInErrors(t *testing.T) {
	check := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("no error")
		}
		if msg := err.Error(); strings.Contains(msg, secretA) {
			t.Fatalf("error leaks the token: %s", msg)
		}
	}

	t.Run("network", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		c, _ := telegram.New(tokenA, telegram.Options{APIURL: dead.URL})
		_, err := c.SendMessage(t.Context(), text(1, "x"))
		check(t, err)
		if !errors.Is(err, telegram.ErrTemporary) {
			t.Fatalf("err = %v, want ErrTemporary", err)
		}
		_, err = c.GetUpdates(t.Context(), telegram.GetUpdatesParams{})
		check(t, err)
	})

	t.Run("echoing proxy", func(t *testing.T) {
		echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"ok":false,"error_code":400,"description":"Bad Request: no route %s"}`, r.URL.Path)
		}))
		defer echo.Close()
		c, _ := telegram.New(tokenA, telegram.Options{APIURL: echo.URL})
		_, err := c.GetMe(t.Context())
		check(t, err)
	})

	t.Run("printing the client", func(t *testing.T) {
		c, _ := telegram.New(tokenA, telegram.Options{})
		if s := fmt.Sprintf("%v %+v %s %#v", c, c, c, *c); strings.Contains(s, secretA) {
			t.Fatalf("printing the client leaks the token: %s", s)
		}
	})
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	c := e.client(t, tokenA, func(o *telegram.Options) { o.Metrics = telegram.NewMetrics(reg) })
	c.SendMessage(t.Context(), text(1, "a"))
	c.SendMessage(t.Context(), text(1, "b")) // waits 1s on the fake clock
	e.srv.BlockChat(e.botA, 2)
	c.SendMessage(t.Context(), text(2, "c")) // waits the bot's 33ms spacing

	got := gather(t, reg)
	want := map[string]float64{
		"grimbots_telegram_calls_total sendMessage ok":      2,
		"grimbots_telegram_calls_total sendMessage blocked": 1,
		"grimbots_telegram_limiter_wait_seconds":            2,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}

func TestCallbackEditAndDelete(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, tokenA)
	ctx := t.Context()
	if err := c.AnswerCallbackQuery(ctx, telegram.CallbackAnswer{QueryID: "77", Text: "Gerando PIX…"}); err != nil {
		t.Fatal(err)
	}
	if err := c.AnswerCallbackQuery(ctx, telegram.CallbackAnswer{}); !errors.Is(err, telegram.ErrBadRequest) {
		t.Fatalf("empty query id: %v, want ErrBadRequest", err)
	}
	sent, err := c.SendMessage(ctx, telegram.MessageParams{ChatID: 3, Text: "oferta", Keyboard: telegram.Column(telegram.CallbackButton("Sim", "bump_yes_0"))})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EditMessageReplyMarkup(ctx, 3, sent.MessageID, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteMessage(ctx, 3, sent.MessageID); err != nil {
		t.Fatal(err)
	}
	answer := e.srv.Calls(telegramtest.Method("answerCallbackQuery"))[0]
	edit := e.srv.Calls(telegramtest.Method("editMessageReplyMarkup"))[0]
	del := e.srv.Calls(telegramtest.Method("deleteMessage"))[0]
	if answer.Params["callback_query_id"] != "77" || answer.Params["text"] != "Gerando PIX…" {
		t.Errorf("answerCallbackQuery params = %v", answer.Params)
	}
	if _, has := edit.Params["reply_markup"]; has || edit.MessageID != sent.MessageID || !edit.OK() {
		t.Errorf("edit removing the keyboard = %+v", edit)
	}
	if del.Params["message_id"] != fmt.Sprint(sent.MessageID) || !del.OK() {
		t.Errorf("deleteMessage = %+v", del)
	}
}
