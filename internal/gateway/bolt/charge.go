package bolt

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// Field limits from the provider's documentation.
const (
	maxDescription = 500
	maxTitle       = 100
	maxExternalRef = 100
	maxNameEmail   = 255
	maxPhone       = 20
)

type chargeBody struct {
	PaymentMethod string    `json:"paymentMethod"`
	Amount        int64     `json:"amount"` // cents
	PostbackURL   string    `json:"postbackUrl,omitempty"`
	Description   string    `json:"description,omitempty"`
	Items         []item    `json:"items"`
	Customer      *customer `json:"customer,omitempty"`
}

type item struct {
	Title       string `json:"title"`
	UnitPrice   int64  `json:"unitPrice"` // cents
	Quantity    int    `json:"quantity"`
	ExternalRef string `json:"externalRef"`
}

// customer carries only what the payer data holds: Bolt takes every field
// as optional, so nothing is ever filled in on the payer's behalf.
type customer struct {
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Document string `json:"document,omitempty"`
}

// CreateCharge creates a PIX transaction.
func (c *Client) CreateCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	body, err := newChargeBody(req)
	if err != nil {
		return nil, fmt.Errorf("bolt: creating charge: %w", err)
	}
	m, err := c.call(ctx, http.MethodPost, "/transactions", body)
	if err != nil {
		return nil, fmt.Errorf("bolt: creating charge: %w", err)
	}
	ch, err := parseCharge(m)
	if err != nil {
		return nil, fmt.Errorf("bolt: creating charge: %w", err)
	}
	return ch, nil
}

func newChargeBody(req gateway.ChargeRequest) (*chargeBody, error) {
	ref := strings.TrimSpace(req.Reference)
	switch {
	case req.AmountCents < minAmountCents:
		return nil, fmt.Errorf("amount %d cents is below the minimum: %w", req.AmountCents, gateway.ErrRejected)
	case ref == "":
		return nil, fmt.Errorf("a reference is required: %w", gateway.ErrRejected)
	case len(ref) > maxExternalRef:
		// Truncating would break matching webhooks back to the payment.
		return nil, fmt.Errorf("reference longer than %d characters: %w", maxExternalRef, gateway.ErrRejected)
	}
	desc := truncate(strings.TrimSpace(req.Description), maxDescription)
	title := truncate(desc, maxTitle)
	if title == "" {
		title = "Produto"
	}
	// Split is not offered by Bolt (SupportsSplit is false), so req.Split
	// is not sent; the platform records its commission on its own.
	return &chargeBody{
		PaymentMethod: "PIX",
		Amount:        req.AmountCents,
		PostbackURL:   strings.TrimSpace(req.WebhookURL),
		Description:   desc,
		Items:         []item{{Title: title, UnitPrice: req.AmountCents, Quantity: 1, ExternalRef: ref}},
		Customer:      newCustomer(req.Payer),
	}, nil
}

// newCustomer copies the payer fields that are present. A document that is
// neither a valid CPF nor CNPJ is left out rather than sent to be refused.
func newCustomer(p *gateway.Payer) *customer {
	if p == nil {
		return nil
	}
	cu := customer{
		Name:  truncate(strings.TrimSpace(p.Name), maxNameEmail),
		Email: truncate(strings.TrimSpace(p.Email), maxNameEmail),
		Phone: truncate(gateway.Digits(p.Phone), maxPhone),
	}
	if doc := gateway.Digits(p.Document); gateway.ValidCPF(doc) || gateway.ValidCNPJ(doc) {
		cu.Document = doc
	}
	if cu == (customer{}) {
		return nil
	}
	return &cu
}

// parseCharge reads the creation answer: {id, status, pix: {qrcode,
// qrcodeText, expirationDate}}.
func parseCharge(m map[string]any) (*gateway.Charge, error) {
	if err := bodyError(m); err != nil {
		return nil, err
	}
	raw := text(m, "status")
	status := mapStatus(raw)
	if raw != "" && status != gateway.StatusPending && status != gateway.StatusPaid {
		reason := text(object(m, "refusedReason"), "description")
		return nil, fmt.Errorf("transaction is %q (%s): %w", raw, truncate(reason, 200), gateway.ErrRejected)
	}
	pix := object(m, "pix")
	code := firstText(pix, "qrcodeText", "qrCodeText", "copyPaste", "emv")
	image := text(pix, "qrcode")
	if code == "" && strings.HasPrefix(image, "000201") {
		// Some answers put the BR Code itself in qrcode.
		code, image = image, ""
	}
	if !isImage(image) {
		image = ""
	}
	id := text(m, "id")
	if id == "" || code == "" {
		return nil, fmt.Errorf("%w: answer has no transaction id or PIX code", gateway.ErrUnavailable)
	}
	return &gateway.Charge{
		TransactionID: id,
		PixCode:       code,
		QRCodeImage:   image,
		ExpiresAt:     timeField(pix, "expirationDate"),
		Status:        status,
	}, nil
}

// bodyError reports a 2xx answer that signals a failure in its body.
func bodyError(m map[string]any) error {
	if !strings.EqualFold(text(m, "status"), "error") && m["success"] != false {
		return nil
	}
	msg := firstText(m, "message", "error")
	return fmt.Errorf("provider answered an error (%s): %w", truncate(msg, 200), gateway.ErrRejected)
}

func isImage(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "data:image/")
}

// ChargeStatus queries GET /transactions/{id}.
func (c *Client) ChargeStatus(ctx context.Context, transactionID string) (*gateway.Event, error) {
	id := strings.TrimSpace(transactionID)
	if id == "" {
		return nil, fmt.Errorf("bolt: querying charge status: empty transaction id: %w", gateway.ErrNotFound)
	}
	m, err := c.call(ctx, http.MethodGet, "/transactions/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, fmt.Errorf("bolt: querying charge status: %w", err)
	}
	tx := m
	if d := object(m, "data"); d != nil {
		tx = d
	}
	ev, err := eventFrom(tx)
	if err != nil {
		// A status answer we cannot read is the provider's fault, not a
		// reason to give up on the charge.
		return nil, fmt.Errorf("bolt: querying charge status: %w: %v", gateway.ErrUnavailable, err)
	}
	switch got := text(tx, "id"); {
	case got == "":
		ev.TransactionID = id
	case got != id:
		return nil, fmt.Errorf("bolt: querying charge status: %w: answer is about another transaction", gateway.ErrUnavailable)
	default:
		ev.TransactionID = got
	}
	return ev, nil
}

// VerifyCredentials lists one transaction, the cheapest authenticated read
// the API documents (GET /transactions with limit=1).
func (c *Client) VerifyCredentials(ctx context.Context) error {
	if _, err := c.call(ctx, http.MethodGet, "/transactions?page=1&limit=1", nil); err != nil {
		return fmt.Errorf("bolt: verifying credentials: %w", err)
	}
	return nil
}
