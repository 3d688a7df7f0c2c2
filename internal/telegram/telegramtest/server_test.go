package telegramtest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

const token = "2001:fake-secret"

// reply is a decoded Bot API answer.
type reply struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// call posts params as JSON to method and decodes the answer.
func call(t *testing.T, srv *telegramtest.Server, tok, method string, params map[string]any) reply {
	t.Helper()
	body, _ := json.Marshal(params)
	return post(t, srv, tok, method, "application/json", bytes.NewReader(body))
}

// post posts body to method and decodes the answer.
func post(t *testing.T, srv *telegramtest.Server, tok, method, contentType string, body io.Reader) reply {
	t.Helper()
	resp, err := http.Post(srv.URL+"/bot"+tok+"/"+method, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r reply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if !r.OK && resp.StatusCode != r.ErrorCode {
		t.Fatalf("HTTP %d for error_code %d", resp.StatusCode, r.ErrorCode)
	}
	return r
}

func TestWireFormat(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.AddBot(token, "wire_bot")

	if r := call(t, srv, "2001:wrong", "getMe", nil); r.OK || r.ErrorCode != 401 || r.Description != "Unauthorized" {
		t.Errorf("unknown token: %+v", r)
	}
	if r := call(t, srv, token, "noSuchMethod", nil); r.ErrorCode != 404 {
		t.Errorf("unknown method: %+v", r)
	}
	// A URL-encoded form works like JSON.
	resp, err := http.PostForm(srv.URL+"/bot"+token+"/sendMessage", url.Values{"chat_id": {"9"}, "text": {"form"}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("form post: %v %v", resp.Status, err)
	}
	resp.Body.Close()
	if m := srv.Messages(bot, 9); len(m) != 1 || m[0].Text != "form" {
		t.Fatalf("Messages = %+v", m)
	}

	for name, params := range map[string]map[string]any{
		"bad HTML":         {"chat_id": 9, "text": "2 < 3", "parse_mode": "HTML"},
		"empty text":       {"chat_id": 9, "text": ""},
		"no chat":          {"text": "x"},
		"two actions":      {"chat_id": 9, "text": "x", "reply_markup": `{"inline_keyboard":[[{"text":"a","url":"https://x","callback_data":"b"}]]}`},
		"empty copy_text":  {"chat_id": 9, "text": "x", "reply_markup": `{"inline_keyboard":[[{"text":"a","callback_data":"b","copy_text":{"text":""}}]]}`},
		"long data":        {"chat_id": 9, "text": "x", "reply_markup": `{"inline_keyboard":[[{"text":"a","callback_data":"` + strings.Repeat("x", 65) + `"}]]}`},
		"bogus file_id":    {"chat_id": 9, "photo": "AgACbogus"},
		"no secret chars":  {"url": "https://x.example/hook", "secret_token": "a b"},
		"callback without": {"text": "x"},
	} {
		method := "sendMessage"
		switch name {
		case "bogus file_id":
			method = "sendPhoto"
		case "no secret chars":
			method = "setWebhook"
		case "callback without":
			method = "answerCallbackQuery"
		}
		if r := call(t, srv, token, method, params); r.OK || r.ErrorCode != 400 || !strings.HasPrefix(r.Description, "Bad Request: ") {
			t.Errorf("%s: %+v, want 400 Bad Request", name, r)
		}
	}
	if r := call(t, srv, token, "sendMessage", map[string]any{"chat_id": 9, "text": "<b>ok</b> &amp; <a href=\"https://x\">link</a>", "parse_mode": "HTML"}); !r.OK {
		t.Errorf("valid HTML refused: %+v", r)
	}
}

func TestFaults(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.AddBot(token, "fault_bot")
	send := func(chat int) reply {
		return call(t, srv, token, "sendMessage", map[string]any{"chat_id": chat, "text": "x"})
	}

	srv.Fail(telegramtest.TooManyRequests(12).ToChat(5).Times(2))
	if r := send(6); !r.OK {
		t.Fatalf("another chat got the fault: %+v", r)
	}
	for range 2 {
		if r := send(5); r.ErrorCode != 429 || r.Parameters.RetryAfter != 12 {
			t.Fatalf("429 fault: %+v", r)
		}
	}
	if r := send(5); !r.OK {
		t.Fatalf("fault outlived Times: %+v", r)
	}

	srv.Fail(telegramtest.InternalError().On("getMe"))
	if r := send(5); !r.OK {
		t.Fatalf("getMe fault hit sendMessage: %+v", r)
	}
	if r := call(t, srv, token, "getMe", nil); r.ErrorCode != 500 {
		t.Fatalf("getMe fault: %+v", r)
	}

	srv.BlockChat(bot, 5)
	if r := send(5); r.ErrorCode != 403 || r.Description != "Forbidden: bot was blocked by the user" {
		t.Fatalf("blocked chat: %+v", r)
	}
	srv.UnblockChat(bot, 5)
	srv.RevokeToken(token)
	if r := send(5); r.ErrorCode != 401 {
		t.Fatalf("revoked token: %+v", r)
	}
}

func TestEnforceLimits(t *testing.T) {
	srv := telegramtest.New(t)
	srv.AddBot(token, "limit_bot")
	srv.EnforceLimits(telegramtest.Limits{})
	// A burst to one chat: the second send within the second breaks the
	// per-chat limit.
	call(t, srv, token, "sendMessage", map[string]any{"chat_id": 1, "text": "x"})
	r := call(t, srv, token, "sendMessage", map[string]any{"chat_id": 1, "text": "x"})
	if r.ErrorCode != 429 || r.Parameters.RetryAfter != 1 {
		t.Fatalf("second send to a chat: %+v", r)
	}
	// 40 chats at once: 30 pass the per-bot limit (one already counted).
	refused := 0
	for chat := range 40 {
		if r := call(t, srv, token, "sendMessage", map[string]any{"chat_id": 100 + chat, "text": "x"}); !r.OK {
			refused++
		}
	}
	if refused != 11 || srv.Violations() != 12 {
		t.Fatalf("refused %d of 40, %d violations; want 11 and 12", refused, srv.Violations())
	}
}

func TestWebhookRetriesAndReportsErrors(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.AddBot(token, "hook_bot")
	attempts := make(chan string, 10)
	var n atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // the first attempt fails
		}
		attempts <- r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	}))
	defer hook.Close()
	if r := call(t, srv, token, "setWebhook", map[string]any{"url": hook.URL, "secret_token": "abc"}); !r.OK {
		t.Fatalf("setWebhook: %+v", r)
	}
	srv.Inject(bot, telegramtest.Text(3, "oi"))
	for range 2 {
		if secret := <-attempts; secret != "abc" {
			t.Fatalf("secret header = %q", secret)
		}
	}
	r := call(t, srv, token, "getWebhookInfo", nil)
	var info struct {
		URL              string `json:"url"`
		LastErrorMessage string `json:"last_error_message"`
	}
	json.Unmarshal(r.Result, &info)
	if info.URL != hook.URL || !strings.Contains(info.LastErrorMessage, "503") {
		t.Fatalf("getWebhookInfo = %s", r.Result)
	}
}

// upload posts a multipart/form-data request to method: fields as form
// fields, and, when file is not nil, a file part named fileField.
func upload(t *testing.T, srv *telegramtest.Server, method string, fields map[string]string, fileField, filename string, file []byte) reply {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if file != nil {
		part, err := w.CreateFormFile(fileField, filename)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(file)
	}
	w.Close()
	return post(t, srv, token, method, w.FormDataContentType(), &body)
}

func TestMultipartUpload(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.AddBot(token, "upload_bot")
	png := []byte("\x89PNG\r\n\x1a\nnot really a QR code")
	const markup = `{"inline_keyboard":[[{"text":"Já paguei","callback_data":"paid_1"}]]}`
	fields := map[string]string{"chat_id": "9", "caption": "<b>PIX</b>", "parse_mode": "HTML", "reply_markup": markup}

	r := upload(t, srv, "sendPhoto", fields, "photo", "pix.png", png)
	if !r.OK {
		t.Fatalf("upload refused: %+v", r)
	}
	var m telegramtest.Message
	json.Unmarshal(r.Result, &m)
	wantID := telegramtest.UploadFileID(bot, "photo", png)
	if len(m.Photo) != 2 || m.Photo[1].FileID != wantID || m.Caption != "PIX" || m.ReplyMarkup == nil {
		t.Fatalf("answered %s, want the photo %s", r.Result, wantID)
	}
	c := srv.Messages(bot, 9)[0]
	if c.Media != "upload:pix.png:"+strconv.Itoa(len(png)) || !bytes.Equal(c.Upload, png) ||
		c.Text != "<b>PIX</b>" || c.Params["reply_markup"] != markup || c.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "paid_1" {
		t.Fatalf("recorded %+v", c)
	}
	// The file_id answered works for this bot afterwards.
	if r := call(t, srv, token, "sendPhoto", map[string]any{"chat_id": 9, "photo": wantID}); !r.OK {
		t.Fatalf("resending the uploaded file_id: %+v", r)
	}
	// Other media kinds upload the same way.
	if r := upload(t, srv, "sendDocument", map[string]string{"chat_id": "9"}, "document", "recibo.pdf", []byte("%PDF")); !r.OK {
		t.Fatalf("document upload: %+v", r)
	}

	for name, tc := range map[string]struct {
		fields    map[string]string
		fileField string
		file      []byte
		want      string
	}{
		"empty file":         {map[string]string{"chat_id": "9"}, "photo", []byte{}, "Bad Request: file must be non-empty"},
		"file under another": {map[string]string{"chat_id": "9"}, "picture", png, "Bad Request: there is no photo in the request"},
		"upload-like text":   {map[string]string{"chat_id": "9", "photo": "upload:pix.png:3"}, "", nil, "Bad Request: wrong file identifier/HTTP URL specified"},
		"no chat":            {map[string]string{}, "photo", png, "Bad Request: chat_id is empty"},
		"bad keyboard":       {map[string]string{"chat_id": "9", "reply_markup": `{"inline_keyboard":[[{"text":""}]]}`}, "photo", png, "Bad Request: can't parse inline keyboard button: Text must be non-empty"},
		"bad caption markup": {map[string]string{"chat_id": "9", "caption": "<x>", "parse_mode": "HTML"}, "photo", png, `Bad Request: can't parse entities: Unsupported start tag "x" at byte offset 0`},
	} {
		if r := upload(t, srv, "sendPhoto", tc.fields, tc.fileField, "pix.png", tc.file); r.OK || r.ErrorCode != 400 || r.Description != tc.want {
			t.Errorf("%s: %+v, want 400 %q", name, r, tc.want)
		}
	}

	// Faults and limits apply to uploads as to other sends.
	srv.Fail(telegramtest.Forbidden().On("sendPhoto").ToChat(9))
	if r := upload(t, srv, "sendPhoto", fields, "photo", "pix.png", png); r.ErrorCode != 403 {
		t.Fatalf("fault on an upload: %+v", r)
	}
	srv.EnforceLimits(telegramtest.Limits{})
	fields["chat_id"] = "10"
	if r := upload(t, srv, "sendPhoto", fields, "photo", "pix.png", png); !r.OK {
		t.Fatalf("first upload under limits: %+v", r)
	}
	if r := upload(t, srv, "sendPhoto", fields, "photo", "pix.png", png); r.ErrorCode != 429 || r.Parameters.RetryAfter != 1 {
		t.Fatalf("second upload to a chat within the second: %+v", r)
	}
	if srv.Violations() != 1 {
		t.Fatalf("%d violations, want 1", srv.Violations())
	}
}
