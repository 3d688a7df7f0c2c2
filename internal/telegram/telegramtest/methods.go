package telegramtest

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"
)

// handler runs a method for an authenticated bot with s.mu held.
type handler func(s *Server, b *fakeBot, c *Call) answer

// methods are the Bot API methods the fake implements (getUpdates is
// served apart: it waits without the lock).
var methods = map[string]handler{
	"getMe":                  getMe,
	"sendMessage":            sendMessage,
	"sendPhoto":              sendMedia("photo"),
	"sendVideo":              sendMedia("video"),
	"sendDocument":           sendMedia("document"),
	"sendAnimation":          sendMedia("animation"),
	"answerCallbackQuery":    answerCallbackQuery,
	"editMessageReplyMarkup": editMessageReplyMarkup,
	"deleteMessage":          deleteMessage,
	"setWebhook":             setWebhook,
	"deleteWebhook":          deleteWebhook,
	"getWebhookInfo":         getWebhookInfo,
}

var mediaKinds = []string{"photo", "video", "document", "animation"}

func badRequest(err error) answer { return fail(http.StatusBadRequest, err.Error()) }

func getMe(_ *Server, b *fakeBot, _ *Call) answer {
	return ok(map[string]any{"id": b.id, "is_bot": true, "first_name": b.username, "username": b.username,
		"can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false})
}

// checkChat validates chat_id: present and numeric (usernames of public
// chats are not supported by the fake).
func checkChat(c *Call) (answer, bool) {
	raw, present := c.Params["chat_id"]
	switch _, err := strconv.ParseInt(raw, 10, 64); {
	case !present || raw == "":
		return fail(http.StatusBadRequest, "Bad Request: chat_id is empty"), false
	case err != nil:
		return fail(http.StatusBadRequest, "Bad Request: chat not found"), false
	}
	return answer{}, true
}

// message returns a new message of b in chatID.
func (b *fakeBot) message(chatID int64) *Message {
	chatType := "private"
	if chatID < 0 {
		chatType = "supergroup"
	}
	from := b.user()
	return &Message{MessageID: b.newMessageID(), From: &from, Chat: Chat{ID: chatID, Type: chatType}, Date: time.Now().Unix()}
}

func sendMessage(_ *Server, b *fakeBot, c *Call) answer {
	if a, valid := checkChat(c); !valid {
		return a
	}
	if c.Params["text"] == "" {
		return fail(http.StatusBadRequest, "Bad Request: message text is empty")
	}
	text, err := checkText(c.Params["parse_mode"], c.Params["text"], 4096, "message is too long")
	if err != nil {
		return badRequest(err)
	}
	markup, err := checkMarkup(c.Params["reply_markup"])
	if err != nil {
		return badRequest(err)
	}
	m := b.message(c.ChatID)
	m.Text, m.ReplyMarkup = text, markup
	c.MessageID = m.MessageID
	return ok(m)
}

// fileRef is what a file_id the fake issued refers to.
type fileRef struct {
	botID int64
	kind  string
}

var filePrefix = map[string]string{"photo": "AgAC", "video": "BAAC", "document": "BQAC", "animation": "CgAC"}

// FileID returns the file_id the fake assigns to media of kind ("photo",
// "video", "document" or "animation") a bot sent from source (a URL):
// deterministic, and different per bot as on Telegram.
func FileID(botID int64, kind, source string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d\x00%s\x00%s", botID, kind, source))
	return filePrefix[kind] + base64.RawURLEncoding.EncodeToString(sum[:24])
}

// UploadFileID returns the file_id the fake assigns to media of kind a bot
// uploaded: it depends on the bytes, not on the file name.
func UploadFileID(botID int64, kind string, data []byte) string {
	return FileID(botID, kind, uploadSource(data))
}

func uploadSource(data []byte) string {
	return fmt.Sprintf("upload:sha256:%x", sha256.Sum256(data))
}

// resolveFile returns the file_id for the media parameter of c, and the
// source it was derived from: a new one for an upload or a URL, the
// parameter itself for a file_id this bot got for this kind, and an error
// for anything else.
func (s *Server) resolveFile(b *fakeBot, kind string, c *Call) (id, source string, err error) {
	src := c.Media
	switch u, perr := url.Parse(src); {
	case c.Upload != nil:
		if len(c.Upload) == 0 {
			return "", "", errors.New("Bad Request: file must be non-empty")
		}
		source = uploadSource(c.Upload)
	case perr == nil && (u.Scheme == "http" || u.Scheme == "https"):
		source = src
	default:
		if ref, known := s.files[src]; known && ref == (fileRef{botID: b.id, kind: kind}) {
			return src, src, nil
		}
		return "", "", errors.New("Bad Request: wrong file identifier/HTTP URL specified")
	}
	id = FileID(b.id, kind, source)
	s.files[id] = fileRef{botID: b.id, kind: kind}
	return id, source, nil
}

// sendMedia sends media of kind given by URL, by file_id, or uploaded as
// the file part named kind of a multipart/form-data request.
func sendMedia(kind string) handler {
	return func(s *Server, b *fakeBot, c *Call) answer {
		if a, valid := checkChat(c); !valid {
			return a
		}
		if c.Media == "" {
			return fail(http.StatusBadRequest, "Bad Request: there is no "+kind+" in the request")
		}
		caption, err := checkText(c.Params["parse_mode"], c.Params["caption"], 1024, "message caption is too long")
		if err != nil {
			return badRequest(err)
		}
		markup, err := checkMarkup(c.Params["reply_markup"])
		if err != nil {
			return badRequest(err)
		}
		id, src, err := s.resolveFile(b, kind, c)
		if err != nil {
			return badRequest(err)
		}
		m := b.message(c.ChatID)
		m.Caption, m.ReplyMarkup = caption, markup
		file := &File{FileID: id, FileUniqueID: id[len(id)-12:]}
		switch kind {
		case "photo":
			small := FileID(b.id, kind, src+"#small")
			s.files[small] = fileRef{botID: b.id, kind: kind}
			m.Photo = []PhotoSize{
				{FileID: small, FileUniqueID: small[len(small)-12:], Width: 90, Height: 90},
				{FileID: id, FileUniqueID: file.FileUniqueID, Width: 1280, Height: 1280},
			}
		case "video":
			m.Video = file
		case "document":
			m.Document = file
		case "animation": // Telegram also files animations as documents
			m.Animation, m.Document = file, file
		}
		c.MessageID = m.MessageID
		return ok(m)
	}
}

func answerCallbackQuery(_ *Server, _ *fakeBot, c *Call) answer {
	if c.Params["callback_query_id"] == "" {
		return fail(http.StatusBadRequest, "Bad Request: query is too old and response timeout expired or query ID is invalid")
	}
	if len([]rune(c.Params["text"])) > 200 {
		return fail(http.StatusBadRequest, "Bad Request: MESSAGE_TOO_LONG")
	}
	return ok(true)
}

// messageID validates message_id.
func messageID(c *Call) (int64, answer, bool) {
	id, err := strconv.ParseInt(c.Params["message_id"], 10, 64)
	if err != nil || id <= 0 {
		return 0, fail(http.StatusBadRequest, "Bad Request: message identifier is not specified"), false
	}
	return id, answer{}, true
}

func editMessageReplyMarkup(_ *Server, b *fakeBot, c *Call) answer {
	if a, valid := checkChat(c); !valid {
		return a
	}
	id, a, valid := messageID(c)
	if !valid {
		return a
	}
	markup, err := checkMarkup(c.Params["reply_markup"])
	if err != nil {
		return badRequest(err)
	}
	m := b.message(c.ChatID)
	m.MessageID, m.ReplyMarkup = id, markup
	c.MessageID = id
	return ok(m)
}

func deleteMessage(_ *Server, _ *fakeBot, c *Call) answer {
	if a, valid := checkChat(c); !valid {
		return a
	}
	if _, a, valid := messageID(c); !valid {
		return a
	}
	return ok(true)
}

var secretToken = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// setWebhook sets (or, with an empty url, removes) the webhook and starts
// delivering to it. Plain http URLs are accepted, as by a local Bot API
// server.
func setWebhook(s *Server, b *fakeBot, c *Call) answer {
	hookURL := c.Params["url"]
	if hookURL == "" {
		return deleteWebhook(s, b, c)
	}
	if u, err := url.Parse(hookURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fail(http.StatusBadRequest, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret, hasSecret := c.Params["secret_token"]
	if hasSecret && !secretToken.MatchString(secret) {
		return fail(http.StatusBadRequest, "Bad Request: secret token contains unallowed characters")
	}
	allowed := b.hook.allowedUpdates
	if raw, present := c.Params["allowed_updates"]; present {
		allowed = nil
		if err := json.Unmarshal([]byte(raw), &allowed); err != nil {
			return fail(http.StatusBadRequest, "Bad Request: can't parse allowed updates")
		}
	}
	maxConn, _ := strconv.Atoi(c.Params["max_connections"])
	if c.Params["drop_pending_updates"] == "true" {
		b.queue = nil
	}
	gen := b.hook.gen + 1
	b.hook = webhookState{url: hookURL, secret: secret, allowedUpdates: allowed, maxConnections: cmp.Or(maxConn, 40), gen: gen}
	b.notify()
	s.wg.Go(func() { s.deliver(b, gen) })
	a := ok(true)
	a.desc = "Webhook was set"
	return a
}

func deleteWebhook(_ *Server, b *fakeBot, c *Call) answer {
	if c.Params["drop_pending_updates"] == "true" {
		b.queue = nil
	}
	a := ok(true)
	a.desc = "Webhook is already deleted"
	if b.hook.url != "" {
		a.desc = "Webhook was deleted"
	}
	b.hook = webhookState{gen: b.hook.gen + 1, allowedUpdates: b.hook.allowedUpdates}
	b.notify()
	return a
}

func getWebhookInfo(_ *Server, b *fakeBot, _ *Call) answer {
	info := map[string]any{"url": b.hook.url, "has_custom_certificate": false, "pending_update_count": len(b.queue)}
	if b.hook.url != "" {
		info["max_connections"] = b.hook.maxConnections
		if b.hook.allowedUpdates != nil {
			info["allowed_updates"] = b.hook.allowedUpdates
		}
	}
	if b.hook.lastErrorDate != 0 {
		info["last_error_date"], info["last_error_message"] = b.hook.lastErrorDate, b.hook.lastErrorMsg
	}
	return ok(info)
}
