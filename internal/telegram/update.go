package telegram

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrMalformedUpdate is returned for an update that is not JSON or lacks
// its update_id.
var ErrMalformedUpdate = errors.New("telegram: malformed update")

// RawUpdate is an update as Telegram sent it: its id (the dedupe key, per
// bot) and its JSON, to store or to Parse.
type RawUpdate struct {
	ID   int64
	JSON json.RawMessage
}

// Parse decodes the update.
func (r RawUpdate) Parse() (Update, error) { return ParseUpdate(r.JSON) }

// Update is the part of a Telegram update the funnel uses. At most one of
// Message, CallbackQuery and MyChatMember is set; all nil means a kind we do
// not handle.
type Update struct {
	ID            int64
	Message       *Message
	CallbackQuery *CallbackQuery
	MyChatMember  *MemberUpdate
}

// User is a Telegram user.
type User struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Username     string `json:"username"`
	LanguageCode string `json:"language_code"`
}

// Message is an incoming message.
type Message struct {
	ID       int64
	ChatID   int64
	ChatType string // "private", "group", "supergroup" or "channel"
	From     User
	Date     time.Time
	Text     string
}

// StartPayload reports whether the message is the /start command (also
// addressed as /start@bot) and returns its deep-link payload, "" if none.
func (m *Message) StartPayload() (payload string, ok bool) {
	cmd, rest, _ := strings.Cut(strings.TrimSpace(m.Text), " ")
	name, _, _ := strings.Cut(cmd, "@")
	if name != "/start" {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// CallbackQuery is a press on a callback button.
type CallbackQuery struct {
	ID        string
	From      User
	ChatID    int64 // zero for buttons on inline-mode messages
	MessageID int64
	Data      string
}

// MemberUpdate is a change of the bot's membership in a chat. In a private
// chat it arrives only when the user blocks (NewStatus "kicked") or unblocks
// ("member") the bot.
type MemberUpdate struct {
	ChatID    int64
	From      User
	Date      time.Time
	OldStatus string
	NewStatus string
}

// Blocked reports whether the update says the user blocked the bot.
func (u *MemberUpdate) Blocked() bool { return u.NewStatus == "kicked" }

type wireChat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

type wireMessage struct {
	MessageID int64    `json:"message_id"`
	From      *User    `json:"from"`
	Chat      wireChat `json:"chat"`
	Date      int64    `json:"date"`
	Text      string   `json:"text"`
}

type wireUpdate struct {
	UpdateID      *int64       `json:"update_id"`
	Message       *wireMessage `json:"message"`
	CallbackQuery *struct {
		ID      string       `json:"id"`
		From    User         `json:"from"`
		Message *wireMessage `json:"message"`
		Data    string       `json:"data"`
	} `json:"callback_query"`
	MyChatMember *struct {
		Chat          wireChat `json:"chat"`
		From          User     `json:"from"`
		Date          int64    `json:"date"`
		OldChatMember struct {
			Status string `json:"status"`
		} `json:"old_chat_member"`
		NewChatMember struct {
			Status string `json:"status"`
		} `json:"new_chat_member"`
	} `json:"my_chat_member"`
}

// ParseUpdate decodes an update's JSON.
func ParseUpdate(raw []byte) (Update, error) {
	var w wireUpdate
	if err := json.Unmarshal(raw, &w); err != nil {
		return Update{}, fmt.Errorf("%w: %v", ErrMalformedUpdate, err)
	}
	if w.UpdateID == nil {
		return Update{}, fmt.Errorf("%w: no update_id", ErrMalformedUpdate)
	}
	u := Update{ID: *w.UpdateID}
	if m := w.Message; m != nil {
		u.Message = &Message{ID: m.MessageID, ChatID: m.Chat.ID, ChatType: m.Chat.Type, Date: unix(m.Date), Text: m.Text}
		if m.From != nil {
			u.Message.From = *m.From
		}
	}
	if q := w.CallbackQuery; q != nil {
		u.CallbackQuery = &CallbackQuery{ID: q.ID, From: q.From, Data: q.Data}
		if q.Message != nil {
			u.CallbackQuery.ChatID, u.CallbackQuery.MessageID = q.Message.Chat.ID, q.Message.MessageID
		}
	}
	if m := w.MyChatMember; m != nil {
		u.MyChatMember = &MemberUpdate{ChatID: m.Chat.ID, From: m.From, Date: unix(m.Date),
			OldStatus: m.OldChatMember.Status, NewStatus: m.NewChatMember.Status}
	}
	return u, nil
}

func unix(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}
