package telegramtest

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Call is one recorded request and how the server answered it.
type Call struct {
	Method string
	Token  string
	BotID  int64 // zero for an unknown token
	// Params holds every parameter as text; JSON values (reply_markup,
	// allowed_updates) keep their JSON text exactly as sent.
	Params map[string]string
	// Decoded from Params for convenience:
	ChatID int64
	Text   string // text, or the caption of media
	// Media is the photo, video, document or animation parameter: a URL, a
	// file_id, or "upload:<file name>:<size in bytes>" for a file uploaded
	// as multipart/form-data.
	Media string
	// Upload holds the bytes of the uploaded file when Media is an upload
	// (empty but not nil for an empty file), and is nil otherwise.
	Upload      []byte
	ReplyMarkup *Markup // nil when no reply_markup was sent

	Status      int    // HTTP status answered: 200 or the error_code
	Description string // the description answered (errors, and a few successes such as setWebhook)
	MessageID   int64  // the message sent or edited, on success
	At          time.Time
}

// OK reports whether the call succeeded.
func (c Call) OK() bool { return c.Status == 200 }

// decode fills in the convenience fields from Params and the uploaded
// files (by parameter name).
func (c *Call) decode(files map[string][]byte) {
	p := c.Params
	c.ChatID, _ = strconv.ParseInt(p["chat_id"], 10, 64)
	c.Text = p["text"]
	if c.Text == "" {
		c.Text = p["caption"]
	}
	for _, kind := range mediaKinds {
		if v, ok := p[kind]; ok {
			c.Media, c.Upload = v, files[kind]
			if strings.EqualFold(c.Method, "send"+kind) {
				break // the method's own kind wins
			}
		}
	}
	if raw, ok := p["reply_markup"]; ok {
		var m Markup
		if json.Unmarshal([]byte(raw), &m) == nil {
			c.ReplyMarkup = &m
		}
	}
}

// record appends a call and wakes WaitCalls.
func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tally != nil {
		if c.OK() && isSend(c.Method) {
			s.tally[sendKey{botID: c.BotID, chatID: c.ChatID}]++
			span := s.spans[c.BotID]
			if span[0].IsZero() || c.At.Before(span[0]) {
				span[0] = c.At
			}
			if c.At.After(span[1]) {
				span[1] = c.At
			}
			s.spans[c.BotID] = span
		}
		return
	}
	s.calls = append(s.calls, c)
	close(s.changed)
	s.changed = make(chan struct{})
}

// Match selects calls.
type Match func(Call) bool

// Method matches calls of any of the named methods.
func Method(names ...string) Match {
	return func(c Call) bool { return slices.Contains(names, c.Method) }
}

// ToChat matches calls addressed to a chat.
func ToChat(chatID int64) Match { return func(c Call) bool { return c.ChatID == chatID } }

// FromBot matches calls made with a bot's token.
func FromBot(botID int64) Match { return func(c Call) bool { return c.BotID == botID } }

// Succeeded matches calls answered ok.
func Succeeded() Match { return Call.OK }

// All matches calls every m matches.
func All(ms ...Match) Match {
	return func(c Call) bool {
		for _, m := range ms {
			if !m(c) {
				return false
			}
		}
		return true
	}
}

// Calls returns the recorded calls m matches (all when m is nil), oldest
// first.
func (s *Server) Calls(m Match) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return filter(s.calls, m)
}

func filter(calls []Call, m Match) []Call {
	var out []Call
	for _, c := range calls {
		if m == nil || m(c) {
			out = append(out, c)
		}
	}
	return out
}

// WaitCalls waits until n calls matching m were recorded and returns the
// first n. After WaitTimeout it fails the test, listing the calls seen.
func (s *Server) WaitCalls(t testing.TB, n int, m Match) []Call {
	t.Helper()
	timer := time.NewTimer(s.WaitTimeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		got, changed := filter(s.calls, m), s.changed
		s.mu.Unlock()
		if len(got) >= n {
			return got[:n]
		}
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("telegramtest: %d of %d awaited calls after %v; all calls: %s", len(got), n, s.WaitTimeout, s.summary())
		}
	}
}

// Messages returns the messages a bot sent successfully to a chat, oldest
// first: its successful send* calls to it.
func (s *Server) Messages(botID, chatID int64) []Call {
	return s.Calls(All(FromBot(botID), ToChat(chatID), Succeeded(), func(c Call) bool { return isSend(c.Method) }))
}

func (s *Server) summary() string {
	var b strings.Builder
	for i, c := range s.Calls(nil) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.Method + "(bot " + strconv.FormatInt(c.BotID, 10) + ", chat " + strconv.FormatInt(c.ChatID, 10) + ") " + strconv.Itoa(c.Status))
	}
	return b.String()
}

// isSend reports whether a method sends a message (and so counts against
// the rate limits).
func isSend(method string) bool { return strings.HasPrefix(method, "send") || method == "copyMessage" }
