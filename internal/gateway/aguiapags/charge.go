package aguiapags

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// maxTitle bounds the item title; the provider documents no limit, so this
// is a conservative cut for a product name.
const maxTitle = 100

type chargeBody struct {
	Amount        int64     `json:"amount"` // cents
	PaymentMethod string    `json:"paymentMethod"`
	ExternalRef   string    `json:"externalRef"`
	Customer      *customer `json:"customer"`
	Items         []item    `json:"items"`
}

type item struct {
	Title     string `json:"title"`
	UnitPrice int64  `json:"unitPrice"` // cents
	Quantity  int    `json:"quantity"`
}

// CreateCharge creates a PIX transaction. ÁguiaPags takes no webhook URL
// per charge (req.WebhookURL is configured in its panel) and no split.
func (c *Client) CreateCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	body, err := newChargeBody(req)
	if err != nil {
		return nil, fmt.Errorf("aguiapags: creating charge: %w", err)
	}
	m, err := c.call(ctx, http.MethodPost, "/transactions", body)
	if err != nil {
		return nil, fmt.Errorf("aguiapags: creating charge: %w", err)
	}
	ch, err := parseCharge(m)
	if err != nil {
		return nil, fmt.Errorf("aguiapags: creating charge: %w", err)
	}
	return ch, nil
}

func newChargeBody(req gateway.ChargeRequest) (*chargeBody, error) {
	ref := strings.TrimSpace(req.Reference)
	if req.AmountCents < minAmountCents {
		return nil, fmt.Errorf("amount %d cents is below the minimum: %w", req.AmountCents, gateway.ErrRejected)
	}
	if ref == "" {
		return nil, fmt.Errorf("a reference is required: %w", gateway.ErrRejected)
	}
	cu, err := newCustomer(req.Payer)
	if err != nil {
		return nil, err
	}
	title := truncate(strings.TrimSpace(req.Description), maxTitle)
	if title == "" {
		title = "Produto"
	}
	return &chargeBody{
		Amount:        req.AmountCents,
		PaymentMethod: "PIX",
		ExternalRef:   ref,
		Customer:      cu,
		Items:         []item{{Title: title, UnitPrice: req.AmountCents, Quantity: 1}},
	}, nil
}

// parseCharge reads {data: {id, status, pix: {qrcode}}}; the transaction
// is also accepted at the root.
func parseCharge(m map[string]any) (*gateway.Charge, error) {
	if err := bodyError(m); err != nil {
		return nil, err
	}
	tx := m
	if d := object(m, "data"); d != nil {
		tx = d
	}
	raw := text(tx, "status")
	status := mapStatus(raw)
	if raw != "" && status != gateway.StatusPending && status != gateway.StatusPaid {
		return nil, fmt.Errorf("transaction is %q (%s): %w", truncate(raw, 50),
			truncate(firstText(tx, "reason", "message"), 200), gateway.ErrRejected)
	}
	// qrcode is the BR Code itself here, not an image; the platform renders
	// its own QR image rather than handing the code to a third party.
	code := firstText(object(tx, "pix"), "qrcode", "qrCode", "copyPaste", "emv")
	id := text(tx, "id")
	if id == "" || code == "" {
		return nil, fmt.Errorf("%w: answer has no transaction id or PIX code", gateway.ErrUnavailable)
	}
	return &gateway.Charge{TransactionID: id, PixCode: code, Status: status}, nil
}

// bodyError reports a 2xx answer that signals a failure in its body.
func bodyError(m map[string]any) error {
	if !strings.EqualFold(text(m, "status"), "error") && m["success"] != false {
		return nil
	}
	return fmt.Errorf("provider answered an error (%s): %w", truncate(firstText(m, "message", "error"), 200), gateway.ErrRejected)
}

// ChargeStatus queries GET /transactions/{id}, whose root is {id, status,
// amount, endToEndId, ...} (a data wrapper is accepted too).
func (c *Client) ChargeStatus(ctx context.Context, transactionID string) (*gateway.Event, error) {
	id := strings.TrimSpace(transactionID)
	if id == "" {
		return nil, fmt.Errorf("aguiapags: querying charge status: empty transaction id: %w", gateway.ErrNotFound)
	}
	m, err := c.call(ctx, http.MethodGet, "/transactions/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, fmt.Errorf("aguiapags: querying charge status: %w", err)
	}
	tx := m
	if d := object(m, "data"); d != nil {
		tx = d
	}
	ev, err := eventFrom(tx)
	if err != nil {
		return nil, fmt.Errorf("aguiapags: querying charge status: %w: %v", gateway.ErrUnavailable, err)
	}
	switch got := firstText(tx, "id", "transactionId"); {
	case got == "":
		ev.TransactionID = id
	case got != id:
		return nil, fmt.Errorf("aguiapags: querying charge status: %w: answer is about another transaction", gateway.ErrUnavailable)
	default:
		ev.TransactionID = got
	}
	return ev, nil
}

// probeID names no transaction; it only has to be a valid path segment.
const probeID = "grimbots-credential-check"

// VerifyCredentials reads a transaction that does not exist. The API
// documents no cheaper authenticated read (no account or list endpoint), and
// this one creates nothing. The key is checked before the lookup, so 401/403
// mean the key was refused, while 404 (or another 4xx about the id itself)
// means it was accepted.
func (c *Client) VerifyCredentials(ctx context.Context) error {
	_, err := c.call(ctx, http.MethodGet, "/transactions/"+probeID, nil)
	switch {
	case err == nil, errors.Is(err, gateway.ErrNotFound), errors.Is(err, gateway.ErrRejected):
		return nil
	}
	return fmt.Errorf("aguiapags: verifying credentials: %w", err)
}
