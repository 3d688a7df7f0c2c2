package grimbots

import "time"

// Bot health states.
const (
	BotUnknown = "unknown"
	BotOnline  = "online"
	BotOffline = "offline"
	BotRevoked = "revoked" // Telegram answers 401: the token was revoked
)

// Bot is a seller's Telegram bot.
type Bot struct {
	ID            int64
	SellerID      int64
	TelegramBotID int64
	Username      string
	Name          string
	// TokenCiphertext is the sealed token (AD: BotTokenAD); TokenHash is a
	// keyed hash that refuses the same token twice.
	TokenCiphertext string
	TokenHash       string
	// WebhookSecret is the unguessable path part of the bot's Telegram
	// webhook and its secret_token header.
	WebhookSecret   string
	Running         bool
	Health          string
	HealthFailures  int
	HealthCheckedAt *time.Time
	// ConfigVersion is the funnel configuration in force.
	ConfigVersion int
	// UpdateOffset is the next getUpdates offset (polling mode).
	UpdateOffset int64
	// WebhookURL is what setWebhook was last given ("" in polling mode).
	WebhookURL string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// BotConfig is one saved version of a bot's funnel configuration.
type BotConfig struct {
	ID        int64
	SellerID  int64
	BotID     int64
	Version   int
	Document  string
	CreatedBy *int64
	CreatedAt time.Time
}

// Lead is a buyer who talked to a bot.
type Lead struct {
	ID             int64
	SellerID       int64
	BotID          int64
	TelegramUserID int64
	ChatID         int64
	FirstName      string
	LastName       string
	Username       string
	LanguageCode   string
	// Origin is the payload of the first /start that carried one.
	Origin            string
	BlockedAt         *time.Time
	FirstSeenAt       time.Time
	LastInteractionAt time.Time
	// Purchases counts paid payments (filled by listings).
	Purchases int
}

// LeadFilter selects a bot's leads.
type LeadFilter struct {
	Search string // name, username or origin contains; or the Telegram id
	Limit  int
	Offset int
}

// TelegramUpdate is one update as received, kept until processed.
type TelegramUpdate struct {
	BotID       int64
	UpdateID    int64
	SellerID    int64
	ChatID      int64
	Body        string
	ReceivedAt  time.Time
	ProcessedAt *time.Time
	Attempts    int
	Error       string
}

// Delivery states.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"  // gave up (buyer blocked the bot, bot revoked); resendable
	DeliveryRevoked = "revoked" // the payment was refunded or charged back
)

// Delivery is the access link's delivery for a paid payment.
type Delivery struct {
	ID        int64
	SellerID  int64
	PaymentID int64
	BotID     int64
	LeadID    int64
	Status    string
	Attempts  int
	LastError string
	SentAt    *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Audit actions of bots.
const (
	AuditBotAdd     = "bot.add"
	AuditBotUpdate  = "bot.update"
	AuditBotToken   = "bot.token_replace"
	AuditBotDelete  = "bot.delete"
	AuditBotConfig  = "bot.config_save"
	AuditBotStart   = "bot.start"
	AuditBotStop    = "bot.stop"
	AuditDeliveryRe = "delivery.resend"
)
