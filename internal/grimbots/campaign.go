package grimbots

import "time"

// Campaign statuses. draft → scheduled (start, now or later) → sending →
// done; sending ⇄ paused; scheduled, sending and paused → cancelled.
const (
	CampaignDraft     = "draft"
	CampaignScheduled = "scheduled"
	CampaignSending   = "sending"
	CampaignPaused    = "paused"
	CampaignDone      = "done"
	CampaignCancelled = "cancelled"
)

// Segment kinds: which of the bots' leads a campaign reaches. Leads who
// blocked the bot are never part of a segment.
const (
	SegmentAll         = "all"
	SegmentBuyers      = "buyers"       // at least one paid payment
	SegmentNonBuyers   = "non_buyers"   // no paid payment
	SegmentUnpaidPIX   = "unpaid_pix"   // a pending or expired charge and no paid one
	SegmentBoughtOffer = "bought_offer" // a paid payment for the offer Segment.Offer
	SegmentInactive    = "inactive"     // no interaction for Segment.InactiveDays days
)

// Segment selects a campaign's audience among the leads of its bots.
type Segment struct {
	Kind string
	// Offer is the funnel offer id of SegmentBoughtOffer.
	Offer string
	// InactiveDays keeps only leads whose last interaction is at least this
	// many days old; required by SegmentInactive, optional (0: off) with
	// the other kinds.
	InactiveDays int
}

// Campaign is a remarketing broadcast of one message to a segment of the
// leads of one or more of a seller's bots.
type Campaign struct {
	ID       int64
	SellerID int64
	Name     string
	BotIDs   []int64
	Segment  Segment
	// Message is the message document as the remarketing package encodes
	// it (text, media, buttons); the store keeps it opaque.
	Message string
	// CooldownHours skips a lead another campaign messaged less than this
	// many hours ago (0: no cooldown).
	CooldownHours int
	Status        string
	ScheduledAt   *time.Time
	StartedAt     *time.Time
	FinishedAt    *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// CampaignFilter selects a seller's campaigns, newest first.
type CampaignFilter struct {
	Status string
	Limit  int
	Offset int
}

// Recipient statuses: one row per lead of a campaign's audience.
const (
	RecipientQueued  = "queued"
	RecipientSending = "sending" // claimed: its message is being handed to Telegram
	RecipientSent    = "sent"
	RecipientFailed  = "failed"
	RecipientBlocked = "blocked" // Telegram answered 403: the lead blocked the bot
	RecipientSkipped = "skipped"
)

// Recipient reasons, beside a failed or skipped status.
const (
	ReasonCooldown  = "cooldown"    // skipped: another campaign messaged the lead within the cooldown
	ReasonBlocked   = "blocked"     // skipped: the lead blocked the bot after the audience was built
	ReasonCancelled = "cancelled"   // skipped: the campaign was cancelled first
	ReasonUncertain = "uncertain"   // failed: the send was interrupted; it may have arrived, so it is not repeated
	ReasonRejected  = "rejected"    // failed: Telegram refused the message (400)
	ReasonRevoked   = "bot_revoked" // failed: Telegram refused the bot's token (401)
	ReasonBotGone   = "bot_deleted" // failed: the bot was removed from the platform
	ReasonGaveUp    = "gave_up"     // failed: transient errors on every attempt
)

// Recipient is a lead to message, as a campaign runner reads it.
type Recipient struct {
	LeadID    int64
	ChatID    int64
	FirstName string
	// Attempts counts earlier transient failures.
	Attempts int
}

// RecipientResult is the outcome of a claimed send.
type RecipientResult struct {
	SellerID   int64
	CampaignID int64
	LeadID     int64
	// RunID is the claim's owner: only the run that claimed the recipient
	// records its outcome.
	RunID  int64
	Status string // RecipientSent, RecipientFailed, RecipientBlocked, or RecipientQueued to retry
	Reason string
	Error  string
	// RetryAt delays a requeued recipient; Attempt counts the failure
	// towards the bounded retries.
	RetryAt *time.Time
	Attempt bool
	At      time.Time
}

// CampaignTransition is one conditional status change of a campaign with
// the jobs it causes, applied atomically by the store.
type CampaignTransition struct {
	SellerID   int64
	CampaignID int64
	From       []string
	To         string
	// ScheduledAt is set when To is CampaignScheduled.
	ScheduledAt *time.Time
	Now         time.Time
	Jobs        []Job
}

// CampaignProgress counts a campaign's recipients and its results.
type CampaignProgress struct {
	Total     int64
	Queued    int64
	Sending   int64
	Sent      int64
	Failed    int64
	Blocked   int64
	Skipped   int64
	Uncertain int64 // failed with ReasonUncertain
	Cooldown  int64 // skipped with ReasonCooldown
	// Clicks counts presses of the campaign's offer buttons; Clickers the
	// leads who pressed at least once.
	Clicks   int64
	Clickers int64
	// Sales and RevenueCents sum the paid payments attributed to the
	// campaign (bought through its offer buttons).
	Sales        int64
	RevenueCents int64
	// AudienceReady is false while the audience of some bot is being built.
	AudienceReady bool
}

// CampaignWork is a (campaign, bot) pair that still has work, for the
// sweeper of the remarketing jobs.
type CampaignWork struct {
	SellerID   int64
	CampaignID int64
	BotID      int64
	Status     string
	// ScheduledAt is set for scheduled campaigns that are due.
	ScheduledAt *time.Time
}

// Audit actions of campaigns.
const (
	AuditCampaignCreate = "campaign.create"
	AuditCampaignUpdate = "campaign.update"
	AuditCampaignDelete = "campaign.delete"
	AuditCampaignStart  = "campaign.start"
	AuditCampaignPause  = "campaign.pause"
	AuditCampaignResume = "campaign.resume"
	AuditCampaignCancel = "campaign.cancel"
)
