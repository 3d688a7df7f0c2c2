// Package gateway defines what a PIX payment gateway adapter is: one package
// per provider under internal/gateway/<name>, each exporting a Driver. The
// payments service only talks to these types; adapters never import each
// other, and internal/gateway/all lists them for the application.
//
// Money is integer centavos end to end. An adapter converts to the unit its
// provider wants (reais with two decimals, or cents) exactly, never through a
// float that truncates (R$ 19,90 is 1990, never 1989).
package gateway

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Kind names a gateway type ("syncpay", "pushinpay", ...). It appears in
// webhook URLs and in the database, so it never changes.
type Kind string

// Status is a charge's state as the platform understands it.
type Status string

const (
	StatusPending    Status = "pending"
	StatusPaid       Status = "paid"
	StatusFailed     Status = "failed"     // refused or cancelled before payment
	StatusExpired    Status = "expired"    // the PIX was not paid in time
	StatusRefunded   Status = "refunded"   // paid, then returned to the payer
	StatusChargeback Status = "chargeback" // paid, then reversed by a MED (Mecanismo Especial de Devolução)
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusPaid, StatusFailed, StatusExpired, StatusRefunded, StatusChargeback:
		return true
	}
	return false
}

// Credentials are a seller's settings for one gateway: named fields
// (api_key, client_id, payer_document, ...) declared by the Driver.
type Credentials map[string]string

// Field declares one credential or setting field.
type Field struct {
	Name     string // key in Credentials, e.g. "api_key"
	Label    string // pt-BR label for the dashboard, e.g. "Chave de API"
	Secret   bool   // masked in every response and never logged
	Required bool
	Help     string // pt-BR hint
	// Pattern, when set, is a regular expression the value must match.
	Pattern string
}

// Payer is who pays, as far as a gateway must be told. It is never invented:
// it comes from what the buyer gave or what the seller configured (for
// gateways that accept the seller's own data as payer).
type Payer struct {
	Name     string
	Document string // CPF (11 digits) or CNPJ (14 digits), digits only
	Email    string
	Phone    string // digits only, with area code
}

// Split asks the gateway to send part of the charge to the platform's
// account, for gateways that support it. It is configured by the operator.
type Split struct {
	AccountID   string
	AmountCents int64 // the platform's part of this charge
}

// ChargeRequest asks for a PIX charge.
type ChargeRequest struct {
	// Reference is our unguessable id for the payment; adapters send it as
	// the provider's external reference field where one exists.
	Reference   string
	AmountCents int64
	Description string
	Payer       *Payer // nil when neither buyer nor seller provided payer data
	// WebhookURL is this seller's webhook URL for this gateway.
	WebhookURL string
	// ExpiresIn is how long the PIX should stay payable (0: the gateway's default).
	ExpiresIn time.Duration
	Split     *Split
}

// Charge is a created PIX charge.
type Charge struct {
	TransactionID string // the provider's id; required
	Hash          string // a second provider id, where one exists
	PixCode       string // the "copia e cola" BR Code; required
	QRCodeImage   string // an image URL or data: URL, if the provider gave one
	ExpiresAt     *time.Time
	Status        Status // normally pending
}

// Event is a charge's state as reported by a webhook or a status query.
type Event struct {
	TransactionID string
	Hash          string
	Reference     string // our reference, when the provider echoes it
	Status        Status
	RawStatus     string // the provider's own word, for audit
	AmountCents   int64  // 0 when the provider did not say
	EndToEndID    string // the PIX end-to-end id, when given
	PaidAt        *time.Time
}

// Gateway is a provider client bound to one seller's credentials.
type Gateway interface {
	// CreateCharge creates a PIX charge.
	CreateCharge(ctx context.Context, req ChargeRequest) (*Charge, error)
	// ChargeStatus asks the provider for a charge's current state. It
	// returns ErrNotSupported when the provider has no status API, and
	// ErrNotFound when the provider does not know the charge.
	ChargeStatus(ctx context.Context, transactionID string) (*Event, error)
	// VerifyCredentials checks the credentials with the provider. It
	// returns ErrInvalidCredentials when they are refused.
	VerifyCredentials(ctx context.Context) error
	// Refund returns a paid charge to the payer, or ErrNotSupported.
	Refund(ctx context.Context, transactionID string, amountCents int64) error
}

// Config builds a Gateway for one seller.
type Config struct {
	// BaseURL overrides the provider's default (tests, sandboxes, proxies).
	BaseURL     string
	Credentials Credentials
	HTTPClient  *http.Client
	// SellerID is the seller the client acts for. Providers ignore it; the
	// built-in sandbox bank keeps each seller's charges apart with it.
	SellerID int64
}

// Driver is everything the platform knows about a provider.
type Driver struct {
	Kind Kind
	Name string // display name, e.g. "PushinPay"
	// DefaultBaseURL is the production API root.
	DefaultBaseURL string
	// Fields are the credential and setting fields, in display order.
	Fields []Field
	// MinAmountCents is the smallest charge the provider accepts.
	MinAmountCents int64
	// PayerFields lists the payer data the provider requires ("name",
	// "document", "email", "phone"). A seller's configuration is rejected at
	// save time if it cannot supply them.
	PayerFields    []string
	HasStatusAPI   bool
	SupportsRefund bool
	SupportsSplit  bool
	// New validates cfg.Credentials (field presence and shape, no network)
	// and returns a client.
	New func(cfg Config) (Gateway, error)
	// ParseWebhook turns a webhook body into an event. It is pure (no
	// credentials, no network) and must never panic on any input. It returns
	// ErrIgnored for well-formed notifications that carry no charge state
	// (tests, pings) and an error wrapping ErrMalformed otherwise.
	ParseWebhook func(header http.Header, body []byte) (*Event, error)
	// VerifyWebhook checks a provider signature or shared secret against the
	// seller's credentials. Nil when the provider offers none (the per-seller
	// URL token and the status re-fetch are then the protection).
	VerifyWebhook func(header http.Header, body []byte, creds Credentials) error
}

// Errors adapters return (wrapped with context).
var (
	ErrInvalidCredentials = errors.New("gateway: credentials refused")
	ErrNotSupported       = errors.New("gateway: not supported by this provider")
	ErrNotFound           = errors.New("gateway: charge not found")
	ErrRejected           = errors.New("gateway: request rejected")     // 4xx other than auth: do not retry as is
	ErrUnavailable        = errors.New("gateway: provider unavailable") // 5xx, timeout, garbage: try another gateway
	ErrMalformed          = errors.New("gateway: malformed payload")
	ErrIgnored            = errors.New("gateway: notification carries no charge state")
	ErrBadSignature       = errors.New("gateway: webhook signature or secret mismatch")
)
