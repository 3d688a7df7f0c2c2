package grimbots

import (
	"context"
	"strconv"
	"time"
)

// Payment statuses. pending → paid is the sale; paid → refunded or
// chargeback undoes it; pending → expired or failed ends an unpaid charge
// (a late payment of an expired or failed charge is still accepted: the
// money arrived).
const (
	PaymentPending    = "pending"
	PaymentPaid       = "paid"
	PaymentExpired    = "expired"
	PaymentFailed     = "failed"
	PaymentRefunded   = "refunded"
	PaymentChargeback = "chargeback"
)

// Where a payment state change came from.
const (
	SourceWebhook    = "webhook"
	SourceCheck      = "check"      // the buyer's "I paid" button or a seller's refresh
	SourceReconciler = "reconciler" // the periodic reconciliation
	SourceSandbox    = "sandbox"    // the seller acting as the sandbox bank
	SourceCheckout   = "checkout"   // the charge could not be created
	SourceSeller     = "seller"     // the seller asked (a refund through the API)
)

// GatewayAccount is a seller's configured PIX gateway. Credentials are
// stored encrypted (CredentialsCiphertext, bound to the row id).
type GatewayAccount struct {
	ID                    int64
	SellerID              int64
	Kind                  string
	CredentialsCiphertext string
	// WebhookToken is the unguessable last segment of the gateway's webhook
	// URL: /webhooks/{kind}/{token}.
	WebhookToken string
	// Priority orders active gateways: lowest first (primary), then fallbacks.
	Priority   int
	Active     bool
	VerifiedAt *time.Time
	LastError  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Payment is a PIX charge and its life.
type Payment struct {
	ID            int64
	SellerID      int64
	BotID         *int64
	LeadID        *int64
	GatewayID     *int64
	GatewayKind   string
	Reference     string // ours, unguessable; shown to buyers and gateways
	TransactionID string // the gateway's id ("" until the charge is created)
	Hash          string // a second gateway id, when the gateway has one
	AmountCents   int64
	Status        string
	Description   string
	OfferKey      string // which offer of the funnel this charge is for
	// Funnel records what a bot's charge sold (offer, bumps, downsell or
	// upsell) as the funnel package encodes it; "" for manual charges.
	Funnel  string
	PixCode string
	QRCode  string // image URL or data: URL
	// CommissionBasisPoints is the seller's fee rate when the charge was made.
	CommissionBasisPoints int64
	FailureReason         string
	ExpiresAt             *time.Time
	PaidAt                *time.Time
	RefundedAt            *time.Time
	CheckedAt             *time.Time
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// Commission kinds: a charge per paid sale, a reversal per refunded one.
const (
	CommissionCharge   = "charge"
	CommissionReversal = "reversal"
)

// Commission is an append-only entry of the platform's fee ledger.
type Commission struct {
	ID              int64
	SellerID        int64
	PaymentID       int64
	Kind            string
	SaleAmountCents int64
	RateBasisPoints int64
	AmountCents     int64 // negative for reversals
	CreatedAt       time.Time
}

// PaymentTransition is one conditional state change with everything it
// causes, applied atomically by the store: the status changes only if the
// payment is in one of From, and then the event row, the ledger entry and
// the jobs are written in the same transaction.
type PaymentTransition struct {
	SellerID  int64
	PaymentID int64
	From      []string
	To        string
	Source    string
	RawStatus string
	Now       time.Time
	// Commission: CommissionCharge books the fee; CommissionReversal
	// reverses the booked fee (if any). "" books nothing.
	Commission string
	Jobs       []Job
}

// WebhookEvent is a raw webhook as received.
type WebhookEvent struct {
	ID            int64
	SellerID      *int64
	GatewayID     *int64
	GatewayKind   string
	RemoteIP      string
	Headers       map[string]string
	Body          string
	Outcome       string
	Detail        string
	TransactionID string
	ParsedStatus  string
	PaymentID     *int64
	ReceivedAt    time.Time
}

// Webhook outcomes.
const (
	WebhookAccepted     = "accepted"      // changed a payment
	WebhookDuplicate    = "duplicate"     // valid, but the payment was already in that state
	WebhookIgnored      = "ignored"       // valid, no state (ping, test, pending)
	WebhookUnknownToken = "unknown_token" // no such seller gateway
	WebhookBadSignature = "bad_signature"
	WebhookMalformed    = "malformed"
	WebhookUnknownTx    = "unknown_transaction" // not a payment of this seller
	WebhookMismatch     = "status_mismatch"     // the gateway's API contradicts the webhook
	WebhookAmount       = "amount_mismatch"
	WebhookError        = "error" // the gateway could not be asked; it will retry
)

// PaymentFilter selects a seller's payments, newest first.
type PaymentFilter struct {
	Status string
	BotID  *int64
	From   *time.Time
	To     *time.Time
	Limit  int
	Offset int
}

// RevenueRow is the platform's commission income for one seller in a period.
type RevenueRow struct {
	SellerID        int64
	Username        string
	Sales           int64 // paid sales booked in the period
	SalesCents      int64
	CommissionCents int64 // charges minus reversals
	Reversals       int64
}

// PaymentStore persists payments, gateway accounts, webhooks and the ledger.
// Every method scoped to a seller takes the seller id and returns ENOTFOUND
// for another seller's rows.
type PaymentStore interface {
	CreateGatewayAccount(ctx context.Context, g *GatewayAccount) error
	GatewayAccounts(ctx context.Context, sellerID int64) ([]*GatewayAccount, error)
	GatewayAccount(ctx context.Context, sellerID, id int64) (*GatewayAccount, error)
	// GatewayAccountByWebhook finds a live account by its kind and webhook
	// token (the token is unguessable; it identifies the seller).
	GatewayAccountByWebhook(ctx context.Context, kind, token string) (*GatewayAccount, error)
	UpdateGatewayAccount(ctx context.Context, g *GatewayAccount) error
	DeleteGatewayAccount(ctx context.Context, sellerID, id int64, now time.Time) error

	CreatePayment(ctx context.Context, p *Payment) error
	// SetPaymentCharge records the created charge on a pending payment.
	SetPaymentCharge(ctx context.Context, p *Payment) error
	Payment(ctx context.Context, sellerID, id int64) (*Payment, error)
	PaymentByReference(ctx context.Context, sellerID int64, reference string) (*Payment, error)
	// PaymentByTransaction matches exactly on the gateway's id or hash, or on
	// our reference, within one seller and gateway kind.
	PaymentByTransaction(ctx context.Context, sellerID int64, kind string, ids ...string) (*Payment, error)
	// ReusablePayment returns the newest pending, unexpired payment of the
	// lead for the offer and amount created after since.
	ReusablePayment(ctx context.Context, sellerID, leadID int64, offerKey string, amountCents int64, since, now time.Time) (*Payment, error)
	ListPayments(ctx context.Context, sellerID int64, f PaymentFilter) ([]*Payment, int, error)
	// PendingPayments lists pending payments of all sellers created after
	// since, oldest check first, for reconciliation.
	PendingPayments(ctx context.Context, since time.Time, limit int) ([]*Payment, error)
	// ClaimPaymentCheck stamps checked_at if the last check is older than
	// minInterval and reports whether the caller may ask the gateway now.
	ClaimPaymentCheck(ctx context.Context, sellerID, id int64, now time.Time, minInterval time.Duration) (bool, error)
	// TransitionPayment applies t atomically; changed is false (and nothing
	// is written) when the payment was not in one of t.From.
	TransitionPayment(ctx context.Context, t PaymentTransition) (changed bool, p *Payment, err error)

	RecordWebhook(ctx context.Context, e *WebhookEvent) error
	SetWebhookOutcome(ctx context.Context, e *WebhookEvent) error

	SetCommissionRate(ctx context.Context, userID, basisPoints int64, now time.Time, audit ...AuditEntry) error
	Commissions(ctx context.Context, sellerID int64) ([]*Commission, error)
	PlatformRevenue(ctx context.Context, from, to time.Time) ([]RevenueRow, error)

	CreateSandboxCharge(ctx context.Context, sellerID int64, transactionID, reference string, amountCents int64, now time.Time) error
	SandboxCharge(ctx context.Context, transactionID string) (sellerID int64, status string, amountCents int64, err error)
	SetSandboxChargeStatus(ctx context.Context, sellerID int64, transactionID, status string, now time.Time) error
}

// GatewayCredentialsAD is the associated data sealing a gateway account's
// credentials: a ciphertext copied to another seller's or another kind's
// row does not open.
func GatewayCredentialsAD(sellerID int64, kind string) string {
	return "gateway:" + strconv.FormatInt(sellerID, 10) + ":" + kind + ":credentials"
}

// BotTokenAD is the associated data sealing a bot's Telegram token.
func BotTokenAD(sellerID, telegramBotID int64) string {
	return "bot:" + strconv.FormatInt(sellerID, 10) + ":" + strconv.FormatInt(telegramBotID, 10) + ":token"
}
