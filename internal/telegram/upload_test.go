package telegram_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/grimbots/grimbots/internal/ratelimit"
	"github.com/grimbots/grimbots/internal/telegram"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

// qrPNG returns a small PNG, different for each seed.
func qrPNG(t *testing.T, seed int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 21, 21))
	for i := range img.Pix {
		if (i*7+seed)%3 == 0 {
			img.Pix[i] = 0xff
		}
	}
	img.Set(0, 0, color.Gray{Y: uint8(seed)})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSendPhotoUpload(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, tokenA)
	data := qrPNG(t, 1)
	kb := telegram.Column(
		telegram.CallbackButton("Já paguei", "paid_1"),
		telegram.URLButton("Ajuda", "https://t.me/suporte?start=a&b=1"),
	)
	sent, err := c.SendPhotoUpload(t.Context(), telegram.PhotoUpload{ChatID: 42, Filename: "pix.png", Data: data,
		Caption: "<b>PIX</b> de R$ 19,90", Keyboard: kb, ProtectContent: true})
	if err != nil {
		t.Fatalf("SendPhotoUpload: %v", err)
	}
	call := e.srv.WaitCalls(t, 1, telegramtest.Method("sendPhoto"))[0]
	if want := fmt.Sprintf("upload:pix.png:%d", len(data)); call.Media != want || call.Params["photo"] != want {
		t.Errorf("Media = %q, want %q", call.Media, want)
	}
	if !bytes.Equal(call.Upload, data) {
		t.Errorf("uploaded %d bytes, want the %d of the PNG", len(call.Upload), len(data))
	}
	const wantMarkup = `{"inline_keyboard":[[{"text":"Já paguei","callback_data":"paid_1"}],` +
		`[{"text":"Ajuda","url":"https://t.me/suporte?start=a\u0026b=1"}]]}`
	if got := call.Params["reply_markup"]; got != wantMarkup {
		t.Errorf("reply_markup\n got %s\nwant %s", got, wantMarkup)
	}
	if call.Text != "<b>PIX</b> de R$ 19,90" || call.Params["parse_mode"] != "HTML" || call.Params["protect_content"] != "true" || call.ChatID != 42 {
		t.Errorf("params = %v", call.Params)
	}
	wantID := telegramtest.UploadFileID(e.botA, "photo", data)
	if sent != (telegram.SentMessage{ChatID: 42, MessageID: call.MessageID, FileID: wantID}) || !call.OK() {
		t.Fatalf("sent = %+v (status %d), want message %d with file_id %s", sent, call.Status, call.MessageID, wantID)
	}

	// Another QR code: another file_id; the first one is not reused, and
	// nothing is cached.
	other := qrPNG(t, 2)
	sent2, err := c.SendPhotoUpload(t.Context(), telegram.PhotoUpload{ChatID: 42, Data: other})
	if err != nil {
		t.Fatalf("second upload: %v", err)
	}
	call = e.srv.WaitCalls(t, 2, telegramtest.Method("sendPhoto"))[1]
	if call.Media != fmt.Sprintf("upload:photo.png:%d", len(other)) || !bytes.Equal(call.Upload, other) || call.ReplyMarkup != nil {
		t.Errorf("second upload recorded as %q, markup %v", call.Media, call.ReplyMarkup)
	}
	if sent2.FileID != telegramtest.UploadFileID(e.botA, "photo", other) || sent2.FileID == sent.FileID {
		t.Errorf("second file_id = %q (first %q)", sent2.FileID, sent.FileID)
	}
	// Control characters cannot break the part's header.
	if _, err := c.SendPhotoUpload(t.Context(), telegram.PhotoUpload{ChatID: 44, Filename: "pix\r\nX-Evil: 1.png", Data: other}); err != nil {
		t.Fatalf("upload with a hostile name: %v", err)
	}
	if call := e.srv.WaitCalls(t, 3, telegramtest.Method("sendPhoto"))[2]; call.Media != fmt.Sprintf("upload:pixX-Evil: 1.png:%d", len(other)) {
		t.Errorf("hostile name recorded as %q", call.Media)
	}
	// The file_id Telegram answered can be sent again by SendMedia.
	if _, err := c.SendMedia(t.Context(), telegram.MediaParams{ChatID: 43, Kind: telegram.MediaPhoto, URL: sent.FileID}); err != nil {
		t.Fatalf("resending the uploaded file_id: %v", err)
	}
}

func TestSendPhotoUploadValidation(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, tokenA)
	for name, p := range map[string]telegram.PhotoUpload{
		"nil data":     {ChatID: 1, Filename: "pix.png"},
		"empty data":   {ChatID: 1, Filename: "pix.png", Data: []byte{}},
		"over 10 MB":   {ChatID: 1, Filename: "pix.png", Data: make([]byte, telegram.MaxPhotoUpload+1)},
		"bad keyboard": {ChatID: 1, Filename: "pix.png", Data: qrPNG(t, 1), Keyboard: telegram.Column(telegram.CallbackButton("", "x"))},
	} {
		if _, err := c.SendPhotoUpload(t.Context(), p); !errors.Is(err, telegram.ErrBadRequest) {
			t.Errorf("%s: err = %v, want ErrBadRequest", name, err)
		}
	}
	if calls := e.srv.Calls(nil); len(calls) != 0 {
		t.Fatalf("invalid uploads reached the server: %d calls", len(calls))
	}
	if got := e.clock.takeSlept(); len(got) != 0 {
		t.Fatalf("invalid uploads waited %v", got)
	}
}

// keyLog is a limiter that records the keys it is asked about.
type keyLog struct {
	ratelimit.Limiter
	mu   sync.Mutex
	keys []string
}

func (l *keyLog) Take(ctx context.Context, key string, r ratelimit.Rate) (ratelimit.Result, error) {
	l.mu.Lock()
	l.keys = append(l.keys, key)
	l.mu.Unlock()
	return l.Limiter.Take(ctx, key, r)
}

func TestSendPhotoUploadIsPaced(t *testing.T) {
	e := newEnv(t)
	limiter := &keyLog{Limiter: e.opts.Limiter}
	c := e.client(t, tokenA, func(o *telegram.Options) { o.Limiter = limiter })
	if _, err := c.SendMessage(t.Context(), text(42, "Gerando seu PIX…")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendPhotoUpload(t.Context(), telegram.PhotoUpload{ChatID: 42, Filename: "pix.png", Data: qrPNG(t, 1)}); err != nil {
		t.Fatal(err)
	}
	// The upload shares the chat's one-per-second budget with the text.
	if got := e.clock.takeSlept(); !slices.Equal(got, []time.Duration{time.Second}) {
		t.Fatalf("waits = %v, want [1s]", got)
	}
	if !slices.Contains(limiter.keys, "tg:chat:1001:42") || !slices.Contains(limiter.keys, "tg:bot:1001") {
		t.Fatalf("limiter keys = %v, want the chat's and the bot's", limiter.keys)
	}

	// A wait over MaxWait is not made, and nothing is uploaded.
	short := e.client(t, tokenA, func(o *telegram.Options) { o.MaxWait = 500 * time.Millisecond })
	_, err := short.SendPhotoUpload(t.Context(), telegram.PhotoUpload{ChatID: 42, Filename: "pix.png", Data: qrPNG(t, 2)})
	var ra *telegram.RetryAfterError
	if !errors.As(err, &ra) || ra.Method != "sendPhoto" || ra.After != time.Second {
		t.Fatalf("err = %v, want RetryAfterError of 1s for sendPhoto", err)
	}
	if n := len(e.srv.Calls(telegramtest.Method("sendPhoto"))); n != 1 {
		t.Fatalf("%d uploads reached the server, want 1", n)
	}
}

func TestSendPhotoUploadErrors(t *testing.T) {
	upload := telegram.PhotoUpload{ChatID: 5, Filename: "pix.png", Caption: "PIX", Keyboard: telegram.Column(telegram.CallbackButton("Já paguei", "paid_1"))}

	t.Run("403", func(t *testing.T) {
		e := newEnv(t)
		reg := prometheus.NewRegistry()
		c := e.client(t, tokenA, func(o *telegram.Options) { o.Metrics = telegram.NewMetrics(reg) })
		e.srv.Fail(telegramtest.Forbidden().On("sendPhoto"))
		p := upload
		p.Data = qrPNG(t, 1)
		_, err := c.SendPhotoUpload(t.Context(), p)
		var apiErr *telegram.APIError
		if !errors.Is(err, telegram.ErrBlocked) || !errors.As(err, &apiErr) || apiErr.Code != 403 || apiErr.Method != "sendPhoto" {
			t.Fatalf("err = %v, want ErrBlocked from a 403 on sendPhoto", err)
		}
		if retry, _ := telegram.Retryable(err); retry {
			t.Fatal("a blocked chat is retryable")
		}
		if strings.Contains(err.Error(), secretA) {
			t.Fatalf("error leaks the token: %v", err)
		}
		if _, err := c.SendPhotoUpload(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		got := gather(t, reg)
		for _, outcome := range []string{"blocked", "ok"} {
			if key := "grimbots_telegram_calls_total sendPhoto " + outcome; got[key] != 1 {
				t.Errorf("%s = %v, want 1 (all: %v)", key, got[key], got)
			}
		}
	})

	t.Run("429 pauses the bot", func(t *testing.T) {
		e := newEnv(t)
		c := e.client(t, tokenA)
		e.srv.Fail(telegramtest.TooManyRequests(7).On("sendPhoto"))
		p := upload
		p.Data = qrPNG(t, 1)
		_, err := c.SendPhotoUpload(t.Context(), p)
		var ra *telegram.RetryAfterError
		if !errors.As(err, &ra) || ra.After != 7*time.Second || ra.Method != "sendPhoto" {
			t.Fatalf("err = %v, want RetryAfterError of 7s", err)
		}
		if retry, after := telegram.Retryable(err); !retry || after != 7*time.Second {
			t.Fatalf("Retryable = %v, %v", retry, after)
		}
		e.clock.takeSlept()
		// The retry waits out the pause, then goes through.
		if _, err := c.SendPhotoUpload(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		if got := e.clock.takeSlept(); len(got) == 0 || got[0] != 7*time.Second {
			t.Fatalf("waits = %v, want 7s first", got)
		}
		calls := e.srv.Calls(telegramtest.Method("sendPhoto"))
		if len(calls) != 2 || calls[0].Status != 429 || !calls[1].OK() || !bytes.Equal(calls[1].Upload, p.Data) {
			t.Fatalf("calls = %+v", calls)
		}
	})

	t.Run("server limits", func(t *testing.T) {
		e := newEnv(t)
		e.srv.EnforceLimits(telegramtest.Limits{})
		// A client whose limiter lets everything through: the fake's own
		// per-chat limit refuses the second upload within the second.
		c := e.client(t, tokenA, func(o *telegram.Options) { o.Limiter = allowAll{} })
		p := upload
		p.Data = qrPNG(t, 1)
		if _, err := c.SendPhotoUpload(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		_, err := c.SendPhotoUpload(t.Context(), p)
		var ra *telegram.RetryAfterError
		if !errors.As(err, &ra) || ra.After != time.Second || e.srv.Violations() != 1 {
			t.Fatalf("err = %v, %d violations; want a 429 of 1s and 1", err, e.srv.Violations())
		}
	})

	t.Run("network failure", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		c, _ := telegram.New(tokenA, telegram.Options{APIURL: dead.URL})
		p := upload
		p.Data = qrPNG(t, 1)
		_, err := c.SendPhotoUpload(t.Context(), p)
		if !errors.Is(err, telegram.ErrTemporary) || strings.Contains(err.Error(), secretA) {
			t.Fatalf("err = %v, want ErrTemporary without the token", err)
		}
	})
}

// allowAll is a limiter that never makes a send wait.
type allowAll struct{}

func (allowAll) Take(context.Context, string, ratelimit.Rate) (ratelimit.Result, error) {
	return ratelimit.Result{Allowed: true}, nil
}

func (allowAll) Check(context.Context, string, ratelimit.Rate) (ratelimit.Result, error) {
	return ratelimit.Result{Allowed: true}, nil
}
