package telegramtest

import (
	"fmt"
	"strings"
)

// Wire types: the subset of Bot API objects the fake sends and receives,
// with the API's JSON names.

// User is a Telegram user.
type User struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

// Chat is a chat; private chats carry the user's names.
type Chat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Username  string `json:"username,omitempty"`
}

// Entity is a message entity (only bot_command is produced).
type Entity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

// PhotoSize is one size of a photo.
type PhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
}

// File is a video, document or animation.
type File struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name,omitempty"`
}

// Message is a message, incoming or sent by a bot.
type Message struct {
	MessageID   int64       `json:"message_id"`
	From        *User       `json:"from,omitempty"`
	Chat        Chat        `json:"chat"`
	Date        int64       `json:"date"`
	Text        string      `json:"text,omitempty"`
	Entities    []Entity    `json:"entities,omitempty"`
	Caption     string      `json:"caption,omitempty"`
	Photo       []PhotoSize `json:"photo,omitempty"`
	Video       *File       `json:"video,omitempty"`
	Document    *File       `json:"document,omitempty"`
	Animation   *File       `json:"animation,omitempty"`
	ReplyMarkup *Markup     `json:"reply_markup,omitempty"`
}

// Markup is an inline keyboard.
type Markup struct {
	InlineKeyboard [][]Button `json:"inline_keyboard"`
}

// Button is an inline keyboard button (the kinds the platform uses).
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// CallbackQuery is a press on a callback button.
type CallbackQuery struct {
	ID           string   `json:"id"`
	From         User     `json:"from"`
	Message      *Message `json:"message,omitempty"`
	ChatInstance string   `json:"chat_instance"`
	Data         string   `json:"data,omitempty"`
}

// ChatMember is a member's status in a chat.
type ChatMember struct {
	Status string `json:"status"`
	User   User   `json:"user"`
}

// ChatMemberUpdated is a membership change.
type ChatMemberUpdated struct {
	Chat          Chat       `json:"chat"`
	From          User       `json:"from"`
	Date          int64      `json:"date"`
	OldChatMember ChatMember `json:"old_chat_member"`
	NewChatMember ChatMember `json:"new_chat_member"`
}

// Update is an update to inject; Inject assigns update_id and fills in what
// depends on the bot (dates, message ids, the bot as author of the message
// a callback button sits under).
type Update struct {
	Message       *Message           `json:"message,omitempty"`
	CallbackQuery *CallbackQuery     `json:"callback_query,omitempty"`
	MyChatMember  *ChatMemberUpdated `json:"my_chat_member,omitempty"`
}

// Lead returns the realistic user behind private chat chatID (in private
// chats the chat id is the user id).
func Lead(chatID int64) User {
	return User{ID: chatID, FirstName: "Lead", LastName: fmt.Sprint(chatID), Username: fmt.Sprintf("lead%d", chatID), LanguageCode: "pt-br"}
}

func privateChat(u User) Chat {
	return Chat{ID: u.ID, Type: "private", FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
}

// Text is a text message from the lead of chatID.
func Text(chatID int64, text string) Update {
	u := Lead(chatID)
	m := &Message{From: &u, Chat: privateChat(u), Text: text}
	if strings.HasPrefix(text, "/") {
		cmd, _, _ := strings.Cut(text, " ")
		m.Entities = []Entity{{Type: "bot_command", Offset: 0, Length: len([]rune(cmd))}}
	}
	return Update{Message: m}
}

// Start is the lead of chatID pressing Start, through a deep link when
// payload is not empty ("/start <payload>").
func Start(chatID int64, payload string) Update {
	if payload == "" {
		return Text(chatID, "/start")
	}
	return Text(chatID, "/start "+payload)
}

// Callback is the lead of chatID pressing a callback button with data under
// the bot's message messageID.
func Callback(chatID, messageID int64, data string) Update {
	u := Lead(chatID)
	return Update{CallbackQuery: &CallbackQuery{From: u, Data: data, ChatInstance: fmt.Sprintf("%d", -chatID*7919),
		Message: &Message{MessageID: messageID, Chat: privateChat(u), Text: "…"}}}
}

// Kicked is the lead of chatID blocking the bot (my_chat_member with status
// "kicked"). It does not block the chat in the fake; see BlockChat.
func Kicked(chatID int64) Update {
	u := Lead(chatID)
	return Update{MyChatMember: &ChatMemberUpdated{Chat: privateChat(u), From: u,
		OldChatMember: ChatMember{Status: "member"}, NewChatMember: ChatMember{Status: "kicked"}}}
}
