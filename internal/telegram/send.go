package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Button is an inline keyboard button: a callback button (CallbackData,
// 1–64 bytes) or a link button (URL). Exactly one of the two is set.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// CallbackButton returns a button that sends data back as a callback query.
func CallbackButton(text, data string) Button { return Button{Text: text, CallbackData: data} }

// URLButton returns a button that opens url.
func URLButton(text, url string) Button { return Button{Text: text, URL: url} }

// Keyboard is an inline keyboard: rows of buttons.
type Keyboard [][]Button

// Column returns a keyboard with one button per row.
func Column(buttons ...Button) Keyboard {
	k := make(Keyboard, len(buttons))
	for i, b := range buttons {
		k[i] = []Button{b}
	}
	return k
}

// markup returns the reply_markup value, or an untyped nil (which the
// library omits) for an empty keyboard. Our own type is sent rather than
// the library's InlineKeyboardButton, whose non-pointer copy_text field
// would put an empty copy_text object on every button.
func (k Keyboard) markup() models.ReplyMarkup {
	if len(k) == 0 {
		return nil
	}
	return struct {
		InlineKeyboard Keyboard `json:"inline_keyboard"`
	}{k}
}

// validate checks what Telegram would refuse, so that a bad funnel config
// fails with a precise message instead of Telegram's.
func (k Keyboard) validate() error {
	for i, row := range k {
		for j, b := range row {
			var problem string
			switch {
			case b.Text == "":
				problem = "empty text"
			case (b.URL == "") == (b.CallbackData == ""):
				problem = "needs exactly one of callback data and URL"
			case len(b.CallbackData) > 64:
				problem = "callback data longer than 64 bytes"
			case b.URL != "" && !validButtonURL(b.URL):
				problem = "URL must be http, https or tg"
			}
			if problem != "" {
				return fmt.Errorf("%w: keyboard row %d button %d: %s", ErrBadRequest, i+1, j+1, problem)
			}
		}
	}
	return nil
}

func validButtonURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http" && u.Host != "" || u.Scheme == "tg")
}

// MessageParams is a text message. Text is HTML (parse_mode HTML): escape
// user-entered parts with html.EscapeString.
type MessageParams struct {
	ChatID         int64
	Text           string
	Keyboard       Keyboard
	NoLinkPreview  bool
	ProtectContent bool
}

// SentMessage identifies a message the bot sent.
type SentMessage struct {
	ChatID    int64
	MessageID int64
	// FileID is the file_id of sent media (empty for text).
	FileID string
}

// SendMessage sends a text message after waiting for the chat's and bot's
// turn.
func (c *Client) SendMessage(ctx context.Context, p MessageParams) (SentMessage, error) {
	const method = "sendMessage"
	if err := c.ready(ctx, method, p.ChatID, p.Keyboard); err != nil {
		return SentMessage{}, err
	}
	ctx, cancel := c.callCtx(ctx, 0)
	defer cancel()
	params := &bot.SendMessageParams{ChatID: p.ChatID, Text: p.Text, ParseMode: models.ParseModeHTML,
		ReplyMarkup: p.Keyboard.markup(), ProtectContent: p.ProtectContent}
	if p.NoLinkPreview {
		params.LinkPreviewOptions = &models.LinkPreviewOptions{IsDisabled: bot.True()}
	}
	m, err := c.api.SendMessage(ctx, params)
	if err = c.done(ctx, method, err); err != nil {
		return SentMessage{}, err
	}
	return SentMessage{ChatID: m.Chat.ID, MessageID: int64(m.ID)}, nil
}

// ready is what every paced send does before its request: it checks the
// keyboard locally, waits for the chat's and bot's turn, then runs the
// context's turn hook (see WithTurn).
func (c *Client) ready(ctx context.Context, method string, chatID int64, k Keyboard) error {
	if err := k.validate(); err != nil {
		return err
	}
	if err := c.pace(ctx, method, chatID); err != nil {
		return err
	}
	return onTurn(ctx)
}

// MediaKind is the type of media sent by SendMedia.
type MediaKind string

// Media kinds.
const (
	MediaPhoto     MediaKind = "photo"
	MediaVideo     MediaKind = "video"
	MediaDocument  MediaKind = "document"
	MediaAnimation MediaKind = "animation"
)

// MediaParams is media sent by URL, with an HTML caption (0–1024 characters
// after parsing) and an optional keyboard.
type MediaParams struct {
	ChatID         int64
	Kind           MediaKind
	URL            string
	Caption        string
	Keyboard       Keyboard
	ProtectContent bool
}

// SendMedia sends media after waiting for the chat's and bot's turn. The
// first send of a URL by this bot is by URL; the file_id Telegram answers
// is cached and later sends use it. If Telegram refuses a cached file_id
// (400), the media is sent once more by URL, without waiting again (the
// refused request delivered nothing), and the cache refreshed.
func (c *Client) SendMedia(ctx context.Context, p MediaParams) (SentMessage, error) {
	method, err := p.method()
	if err != nil {
		return SentMessage{}, err
	}
	if err := c.ready(ctx, method, p.ChatID, p.Keyboard); err != nil {
		return SentMessage{}, err
	}
	cached, hit := c.opts.FileIDCache.Get(ctx, c.id, p.URL)
	if hit && cached != "" {
		sent, err := c.sendMediaOnce(ctx, method, p, &models.InputFileString{Data: cached})
		if !errors.Is(err, ErrBadRequest) {
			return sent, err
		}
		c.log.Warn("telegram: cached file_id refused, sending by URL", "kind", p.Kind, "err", err)
	}
	sent, err := c.sendMediaOnce(ctx, method, p, &models.InputFileString{Data: p.URL})
	switch {
	case err == nil && sent.FileID != "":
		c.opts.FileIDCache.Put(ctx, c.id, p.URL, sent.FileID)
	case err != nil && hit:
		c.opts.FileIDCache.Put(ctx, c.id, p.URL, "") // the cached id is stale either way
	}
	return sent, err
}

var mediaMethods = map[MediaKind]string{
	MediaPhoto: "sendPhoto", MediaVideo: "sendVideo", MediaDocument: "sendDocument", MediaAnimation: "sendAnimation",
}

func (p MediaParams) method() (string, error) {
	method, ok := mediaMethods[p.Kind]
	switch {
	case !ok:
		return "", fmt.Errorf("%w: unknown media kind %q", ErrBadRequest, p.Kind)
	case p.URL == "":
		return "", fmt.Errorf("%w: media without URL", ErrBadRequest)
	}
	return method, nil
}

// sendMediaOnce sends in (a URL, a file_id or an upload) as media of p.Kind
// with p's caption and keyboard, without pacing; p.URL is not used.
func (c *Client) sendMediaOnce(ctx context.Context, method string, p MediaParams, in models.InputFile) (SentMessage, error) {
	ctx, cancel := c.callCtx(ctx, 0)
	defer cancel()
	markup := p.Keyboard.markup()
	var m *models.Message
	var err error
	switch p.Kind {
	case MediaPhoto:
		m, err = c.api.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: p.ChatID, Photo: in, Caption: p.Caption,
			ParseMode: models.ParseModeHTML, ReplyMarkup: markup, ProtectContent: p.ProtectContent})
	case MediaVideo:
		m, err = c.api.SendVideo(ctx, &bot.SendVideoParams{ChatID: p.ChatID, Video: in, Caption: p.Caption,
			ParseMode: models.ParseModeHTML, ReplyMarkup: markup, ProtectContent: p.ProtectContent})
	case MediaDocument:
		m, err = c.api.SendDocument(ctx, &bot.SendDocumentParams{ChatID: p.ChatID, Document: in, Caption: p.Caption,
			ParseMode: models.ParseModeHTML, ReplyMarkup: markup, ProtectContent: p.ProtectContent})
	case MediaAnimation:
		m, err = c.api.SendAnimation(ctx, &bot.SendAnimationParams{ChatID: p.ChatID, Animation: in, Caption: p.Caption,
			ParseMode: models.ParseModeHTML, ReplyMarkup: markup, ProtectContent: p.ProtectContent})
	}
	if err = c.done(ctx, method, err); err != nil {
		return SentMessage{}, err
	}
	return SentMessage{ChatID: m.Chat.ID, MessageID: int64(m.ID), FileID: fileIDOf(m, p.Kind)}, nil
}

// fileIDOf returns the file_id to reuse for media of kind in m: for a photo,
// the largest size.
func fileIDOf(m *models.Message, kind MediaKind) string {
	switch {
	case kind == MediaPhoto && len(m.Photo) > 0:
		return m.Photo[len(m.Photo)-1].FileID
	case kind == MediaVideo && m.Video != nil:
		return m.Video.FileID
	case kind == MediaAnimation && m.Animation != nil:
		return m.Animation.FileID
	case m.Document != nil: // documents, and animations Telegram filed as documents
		return m.Document.FileID
	}
	return ""
}

// MaxPhotoUpload is the largest photo the Bot API accepts as an upload.
const MaxPhotoUpload = 10 << 20

// PhotoUpload is a photo sent as a file upload (multipart/form-data), for
// images held in memory rather than at a URL, such as a PIX charge's QR
// code.
type PhotoUpload struct {
	ChatID int64
	// Filename names the upload, e.g. "pix.png"; when empty, "photo.png"
	// or "photo.jpg" is chosen from the data.
	Filename string
	// Data is the image (PNG or JPEG), 1 byte to MaxPhotoUpload.
	Data []byte
	// Caption is HTML, optional (0–1024 characters after parsing).
	Caption        string
	Keyboard       Keyboard
	ProtectContent bool
}

// SendPhotoUpload uploads a photo after waiting for the chat's and bot's
// turn, like SendMedia. The file_id Telegram answers is returned but not
// cached: an upload has no URL to key it by, and each QR code is unique.
func (c *Client) SendPhotoUpload(ctx context.Context, p PhotoUpload) (SentMessage, error) {
	const method = "sendPhoto"
	switch {
	case len(p.Data) == 0:
		return SentMessage{}, fmt.Errorf("%w: photo upload without data", ErrBadRequest)
	case len(p.Data) > MaxPhotoUpload:
		return SentMessage{}, fmt.Errorf("%w: photo upload of %d bytes, over the %d byte limit", ErrBadRequest, len(p.Data), MaxPhotoUpload)
	}
	if err := c.ready(ctx, method, p.ChatID, p.Keyboard); err != nil {
		return SentMessage{}, err
	}
	in := &models.InputFileUpload{Filename: p.filename(), Data: bytes.NewReader(p.Data)}
	return c.sendMediaOnce(ctx, method, MediaParams{ChatID: p.ChatID, Kind: MediaPhoto, Caption: p.Caption,
		Keyboard: p.Keyboard, ProtectContent: p.ProtectContent}, in)
}

// filename returns the name to upload under, without control characters
// (which would break the part's header).
func (p PhotoUpload) filename() string {
	name := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, p.Filename)
	switch {
	case strings.TrimSpace(name) != "":
		return name
	case http.DetectContentType(p.Data) == "image/png":
		return "photo.png"
	}
	return "photo.jpg"
}

// CallbackAnswer answers a callback query: an optional toast (Text, 0–200
// characters) or alert.
type CallbackAnswer struct {
	QueryID   string
	Text      string
	ShowAlert bool
}

// AnswerCallbackQuery stops the button's spinner. It is not paced: it is not
// a message, and the user is waiting for it.
func (c *Client) AnswerCallbackQuery(ctx context.Context, a CallbackAnswer) error {
	ctx, cancel := c.callCtx(ctx, 0)
	defer cancel()
	_, err := c.api.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: a.QueryID, Text: a.Text, ShowAlert: a.ShowAlert})
	return c.done(ctx, "answerCallbackQuery", err)
}

// EditMessageReplyMarkup replaces a message's keyboard; an empty keyboard
// removes it (so old offers stop being clickable). It is paced like a send.
func (c *Client) EditMessageReplyMarkup(ctx context.Context, chatID, messageID int64, k Keyboard) error {
	const method = "editMessageReplyMarkup"
	if err := c.ready(ctx, method, chatID, k); err != nil {
		return err
	}
	ctx, cancel := c.callCtx(ctx, 0)
	defer cancel()
	_, err := c.api.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: chatID, MessageID: int(messageID), ReplyMarkup: k.markup()})
	return c.done(ctx, method, err)
}

// DeleteMessage deletes a message the bot sent (within Telegram's 48 hours).
func (c *Client) DeleteMessage(ctx context.Context, chatID, messageID int64) error {
	ctx, cancel := c.callCtx(ctx, 0)
	defer cancel()
	_, err := c.api.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: chatID, MessageID: int(messageID)})
	return c.done(ctx, "deleteMessage", err)
}
