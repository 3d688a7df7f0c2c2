package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// readParams reads a call's parameters the ways the Bot API accepts them:
// query string, JSON, URL-encoded form or multipart form. Values are text;
// JSON values other than strings keep their JSON text. A file part of a
// multipart form is an upload, as on the Bot API: its parameter is recorded
// as "upload:<file name>:<size in bytes>" and its bytes returned in files,
// by parameter name.
func readParams(r *http.Request) (p map[string]string, files map[string][]byte, err error) {
	p = map[string]string{}
	for k, v := range r.URL.Query() {
		p[k] = v[0]
	}
	if r.Method != http.MethodPost {
		return p, nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		return p, nil, err // a call without parameters may have an empty body of any type
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, nil, errors.New("can't parse JSON object")
		}
		for k, raw := range m {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				p[k] = s
			} else {
				p[k] = string(raw)
			}
		}
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, nil, errors.New("can't parse form")
		}
		for k, v := range form {
			p[k] = v[0]
		}
	case "multipart/form-data":
		form, err := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"]).ReadForm(maxBody)
		if err != nil {
			return nil, nil, errors.New("can't parse multipart form")
		}
		defer func() { _ = form.RemoveAll() }()
		for k, v := range form.Value {
			p[k] = v[0]
		}
		for k, headers := range form.File {
			data, err := readPart(headers[0])
			if err != nil {
				return nil, nil, errors.New("can't read uploaded file")
			}
			if files == nil {
				files = map[string][]byte{}
			}
			p[k] = fmt.Sprintf("upload:%s:%d", headers[0].Filename, len(data))
			files[k] = data
		}
	}
	return p, files, nil
}

// maxBody bounds a request body (Telegram accepts uploads of up to 50 MB;
// the fake serves tests).
const maxBody = 32 << 20

// readPart returns an uploaded file's bytes; never nil, so that an empty
// upload is still told from no upload.
func readPart(h *multipart.FileHeader) ([]byte, error) {
	f, err := h.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// htmlTags are the tags parse_mode HTML accepts.
var htmlTags = map[string]bool{"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true, "s": true,
	"strike": true, "del": true, "span": true, "tg-spoiler": true, "a": true, "code": true, "pre": true,
	"blockquote": true, "tg-emoji": true}

// checkText validates a text or caption like Telegram: tags known to parse
// mode HTML, and at most limit characters once tags are removed. It returns
// the text as Telegram would store it (tags stripped).
func checkText(parseMode, text string, limit int, tooLong string) (string, error) {
	visible := text
	if strings.EqualFold(parseMode, "HTML") {
		var b strings.Builder
		for i := 0; i < len(text); {
			lt := strings.IndexByte(text[i:], '<')
			if lt < 0 {
				b.WriteString(text[i:])
				break
			}
			b.WriteString(text[i : i+lt])
			start := i + lt
			gt := strings.IndexByte(text[start:], '>')
			if gt < 0 {
				return "", fmt.Errorf("Bad Request: can't parse entities: Unclosed start tag at byte offset %d", start)
			}
			name, _, _ := strings.Cut(strings.TrimPrefix(text[start+1:start+gt], "/"), " ")
			if !htmlTags[strings.ToLower(name)] {
				return "", fmt.Errorf("Bad Request: can't parse entities: Unsupported start tag %q at byte offset %d", name, start)
			}
			i = start + gt + 1
		}
		visible = b.String()
	}
	if utf8.RuneCountInString(visible) > limit {
		return "", errors.New("Bad Request: " + tooLong)
	}
	return visible, nil
}

// checkMarkup validates reply_markup like Telegram does for inline
// keyboards: each button has a text and exactly one action, callback_data
// of 1–64 bytes, and a URL Telegram accepts.
func checkMarkup(raw string) (*Markup, error) {
	if raw == "" {
		return nil, nil
	}
	var m struct {
		InlineKeyboard [][]map[string]json.RawMessage `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, errors.New("Bad Request: can't parse reply keyboard markup JSON object")
	}
	for _, row := range m.InlineKeyboard {
		for _, button := range row {
			if err := checkButton(button); err != nil {
				return nil, err
			}
		}
	}
	var markup Markup
	_ = json.Unmarshal([]byte(raw), &markup)
	return &markup, nil
}

func checkButton(button map[string]json.RawMessage) error {
	var text, data, link string
	if json.Unmarshal(button["text"], &text) != nil || text == "" {
		return errors.New("Bad Request: can't parse inline keyboard button: Text must be non-empty")
	}
	actions := 0
	for k := range button {
		if k != "text" && k != "icon_custom_emoji_id" && k != "style" {
			actions++
		}
	}
	if actions != 1 {
		return errors.New("Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used")
	}
	if raw, ok := button["callback_data"]; ok && (json.Unmarshal(raw, &data) != nil || data == "" || len(data) > 64) {
		return errors.New("Bad Request: BUTTON_DATA_INVALID")
	}
	if raw, ok := button["url"]; ok {
		_ = json.Unmarshal(raw, &link)
		u, err := url.Parse(link)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "tg") {
			return fmt.Errorf("Bad Request: inline keyboard button URL '%s' is invalid: Wrong HTTP URL", link)
		}
	}
	return nil
}
