// Package paradise is the Paradise Pags adapter ("API V30"): an X-API-Key
// secret key, a product hash, amounts in cents, a customer block the API
// requires, and a status endpoint keyed by the transaction's hash or id.
package paradise

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// Kind is Paradise's gateway kind.
const Kind gateway.Kind = "paradise"

const (
	defaultBaseURL = "https://multi.paradisepags.com/api/v1"
	createPath     = "/transaction.php"
	statusPath     = "/check_status.php"
	// maxCents is the largest charge Paradise accepts (R$ 1.000.000,00).
	maxCents = 100_000_000
	// maxReference is the longest reference Paradise stores.
	maxReference = 50
)

// Driver describes Paradise Pags to the platform.
var Driver = gateway.Driver{
	Kind:           Kind,
	Name:           "Paradise Pags",
	DefaultBaseURL: defaultBaseURL,
	Fields: append([]gateway.Field{
		{Name: "api_key", Label: "Chave secreta (sk_…)", Secret: true, Required: true, Pattern: `^sk_\S+$`,
			Help: "Chave secreta da API no painel da Paradise; começa com sk_."},
		{Name: "product_hash", Label: "Hash do produto (prod_…)", Required: true, Pattern: `^prod_\S+$`,
			Help: "Código do produto cadastrado na Paradise; começa com prod_."},
	}, gateway.PayerFieldsDeclared(payerFields...)...),
	MinAmountCents: 1,
	PayerFields:    payerFields,
	HasStatusAPI:   true,
	// Paradise documents no refund endpoint, and its split (store_id) is
	// disabled in the current integration.
	SupportsRefund: false,
	SupportsSplit:  false,
	New:            New,
	ParseWebhook:   ParseWebhook,
	// Paradise offers no webhook signature or secret.
}

// payerFields are the customer fields transaction.php requires.
var payerFields = []string{"name", "document", "email", "phone"}

// New validates the credentials and returns a client. No network call.
func New(cfg gateway.Config) (gateway.Gateway, error) {
	key := strings.TrimSpace(cfg.Credentials["api_key"])
	product := strings.TrimSpace(cfg.Credentials["product_hash"])
	switch {
	case !strings.HasPrefix(key, "sk_") || len(key) < 4 || strings.ContainsAny(key, " \t\r\n"):
		return nil, fmt.Errorf("paradise: %w: api_key must be the secret key starting with sk_", gateway.ErrInvalidCredentials)
	case !strings.HasPrefix(product, "prod_") || len(product) < 6 || strings.ContainsAny(product, " \t\r\n"):
		return nil, fmt.Errorf("paradise: %w: product_hash must start with prod_", gateway.ErrInvalidCredentials)
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if base == "" {
		base = defaultBaseURL
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: gateway.DefaultTimeout}
	}
	return &client{base: base, http: hc, key: key, product: product,
		backoff: []time.Duration{500 * time.Millisecond, time.Second}}, nil
}

type client struct {
	base    string
	http    *http.Client
	key     string
	product string
	// backoff is the wait before each retry; its length is the number of
	// retries (see retry.go for which failures are retried).
	backoff []time.Duration
}

func (c *client) header() http.Header {
	return http.Header{"X-API-Key": {c.key}, "Accept": {"application/json"}}
}

type createRequest struct {
	Amount      int64    `json:"amount"`
	Description string   `json:"description"`
	Reference   string   `json:"reference"`
	WebhookURL  string   `json:"webhookUrl,omitempty"`
	ProductHash string   `json:"productHash"`
	Customer    customer `json:"customer"`
}

type customer struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
	Document string `json:"document"`
}

// CreateCharge asks Paradise for a PIX charge. offerHash is not sent (it
// made Paradise reuse ids), nor checkoutUrl (the platform has no checkout
// page to show), nor a split (disabled for Paradise).
func (c *client) CreateCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	body, err := c.buildCreate(req)
	if err != nil {
		return nil, fmt.Errorf("paradise: creating charge: %w", err)
	}
	raw, err := c.do(ctx, gateway.Request{Method: http.MethodPost, URL: c.base + createPath, Header: c.header(), Body: body}, retryCreate)
	if err != nil {
		return nil, fmt.Errorf("paradise: creating charge: %w", err)
	}
	ch, err := parseCreate(raw, req.AmountCents)
	if err != nil {
		return nil, fmt.Errorf("paradise: creating charge: %w", err)
	}
	return ch, nil
}

func (c *client) buildCreate(req gateway.ChargeRequest) (*createRequest, error) {
	switch ref := req.Reference; {
	case req.AmountCents < 1 || req.AmountCents > maxCents:
		return nil, fmt.Errorf("%w: amount must be between 1 cent and R$ 1.000.000,00", gateway.ErrRejected)
	case ref == "" || len(ref) > maxReference:
		// Paradise rejects a missing or reused reference, and cutting ours
		// would break matching its webhooks to the payment.
		return nil, fmt.Errorf("%w: reference must have 1 to %d characters", gateway.ErrRejected, maxReference)
	}
	p, err := checkPayer(req.Payer)
	if err != nil {
		return nil, err
	}
	desc := truncate(strings.TrimSpace(req.Description), 100)
	if desc == "" {
		desc = "Pagamento"
	}
	return &createRequest{Amount: req.AmountCents, Description: desc, Reference: req.Reference, WebhookURL: req.WebhookURL,
		ProductHash: c.product, Customer: customer{Name: p.Name, Email: p.Email, Phone: p.Phone, Document: p.Document}}, nil
}

// parseCreate accepts only an answer that says status "success", has no
// error field and carries an id and a BR Code. The error field is read as
// a field: the reference rejected any body containing the letters "error",
// including a harmless "error": null.
func parseCreate(raw []byte, asked int64) (*gateway.Charge, error) {
	m, err := decodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", gateway.ErrUnavailable, err)
	}
	if msg, bad := errorSignal(raw); bad {
		return nil, fmt.Errorf("%w: provider answered 200 with an error: %s", gateway.ErrRejected, msg)
	}
	if st, _ := text(m, "status"); !strings.EqualFold(st, "success") {
		msg, _ := text(m, "message")
		return nil, fmt.Errorf("%w: answer status is %q, not success: %s", gateway.ErrUnavailable, truncate(st, 40), truncate(msg, 200))
	}
	id, hash, err := ids(m)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", gateway.ErrUnavailable, err)
	}
	code, err1 := text(m, "qr_code")
	img, err2 := text(m, "qr_code_base64")
	if id == "" || err1 != nil || err2 != nil || !strings.HasPrefix(code, "000201") {
		return nil, fmt.Errorf("%w: answer lacks transaction_id or a BR Code in qr_code", gateway.ErrUnavailable)
	}
	if cents, err := gateway.ParseCents(m["amount"]); err == nil && cents != 0 && cents != asked {
		return nil, fmt.Errorf("%w: charge created for %d cents, asked %d", gateway.ErrUnavailable, cents, asked)
	}
	if img != "" && !strings.HasPrefix(img, "data:") && !strings.HasPrefix(img, "https://") {
		img = "data:image/png;base64," + img
	}
	ch := &gateway.Charge{TransactionID: id, Hash: hash, PixCode: code, QRCodeImage: img, Status: gateway.StatusPending}
	ch.ExpiresAt = timeField(m, "expires_at", "expiresAt")
	return ch, nil
}

// ids picks Paradise's transaction id (transaction_id, else id, else hash,
// as the reference reads them) and, when different, the hash or panel id
// the status endpoint also accepts.
func ids(m map[string]any) (id, hash string, err error) {
	if id, err = text(m, "transaction_id", "id", "hash"); err != nil {
		return "", "", err
	}
	for _, k := range []string{"hash", "id"} {
		v, err := text(m, k)
		if err != nil {
			return "", "", err
		}
		if v != "" && v != id {
			return id, v, nil
		}
	}
	return id, "", nil
}
