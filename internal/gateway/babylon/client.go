package babylon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

type document struct {
	Number string `json:"number"`
	Type   string `json:"type"`
}

type customer struct {
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Phone    string   `json:"phone"`
	Document document `json:"document"`
}

type item struct {
	Title       string `json:"title"`
	UnitPrice   int64  `json:"unitPrice"`
	Quantity    int    `json:"quantity"`
	ExternalRef string `json:"externalRef,omitempty"`
}

type pixOptions struct {
	ExpiresInDays int `json:"expiresInDays"`
}

// transactionBody is POST /transactions. Amounts are integer cents; our
// reference travels as the item's externalRef, which webhooks echo.
type transactionBody struct {
	Customer      customer   `json:"customer"`
	PaymentMethod string     `json:"paymentMethod"`
	Amount        int64      `json:"amount"`
	Items         []item     `json:"items"`
	Pix           pixOptions `json:"pix"`
	PostbackURL   string     `json:"postbackUrl,omitempty"`
	Description   string     `json:"description,omitempty"`
}

// CreateCharge creates a PIX transaction. Babylon's splits are disabled
// (the Driver says SupportsSplit is false), so req.Split is not sent.
func (c *client) CreateCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	ch, err := c.createCharge(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("babylon: creating charge: %w", err)
	}
	return ch, nil
}

func (c *client) createCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	if req.AmountCents < minAmountCents {
		return nil, fmt.Errorf("amount of %d cents is below the R$ 1,00 minimum: %w", req.AmountCents, gateway.ErrRejected)
	}
	payer, err := choosePayer(req.Payer, c.seller)
	if err != nil {
		return nil, err
	}
	title := truncate(req.Description, 100)
	if title == "" {
		title = "Produto"
	}
	body := transactionBody{
		Customer: customer{Name: payer.Name, Email: payer.Email, Phone: payer.Phone,
			Document: document{Number: payer.Document, Type: docType(payer.Document)}},
		PaymentMethod: "PIX",
		Amount:        req.AmountCents,
		Items:         []item{{Title: title, UnitPrice: req.AmountCents, Quantity: 1, ExternalRef: req.Reference}},
		Pix:           pixOptions{ExpiresInDays: expiresInDays(req.ExpiresIn)},
		PostbackURL:   req.WebhookURL,
		Description:   truncate(req.Description, 500),
	}
	var raw json.RawMessage
	_, err = gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodPost, URL: c.base + "/transactions", Header: c.header(), Body: body}, &raw)
	if err != nil {
		if errors.Is(err, gateway.ErrNotFound) { // not "no such charge" here
			return nil, fmt.Errorf("%w: %v", gateway.ErrRejected, err)
		}
		return nil, err // a 2xx HTML login page is ErrUnavailable
	}
	return parseCreated(raw)
}

// expiresInDays turns the wanted lifetime into Babylon's whole days (1 to 7,
// rounding up so the PIX never expires before asked); 0 is the default day.
func expiresInDays(d time.Duration) int {
	days := int((d + 24*time.Hour - 1) / (24 * time.Hour))
	return min(max(days, 1), 7)
}

// parseCreated reads the create answer. A refused transaction comes back as
// 2xx with status "refused": it is a failure, never a pending charge.
func parseCreated(raw []byte) (*gateway.Charge, error) {
	v, err := decode(raw)
	root, ok := v.(map[string]any)
	if err != nil || !ok {
		return nil, fmt.Errorf("%w: answer is not a JSON object", gateway.ErrUnavailable)
	}
	if e := root["error"]; (e != nil && e != false && e != "") || root["success"] == false {
		msg := firstNonEmpty(str(root["message"]), str(root["error"]), "no message")
		return nil, fmt.Errorf("provider refused the request (%s): %w", truncate(msg, 200), gateway.ErrRejected)
	}
	txid := str(root["id"])
	rawStatus := str(root["status"])
	if status := mapStatus(rawStatus); status != gateway.StatusPending && status != gateway.StatusPaid {
		reason, _ := root["refusedReason"].(map[string]any)
		return nil, fmt.Errorf("transaction %s was %s (%s): %w", txid, rawStatus,
			firstNonEmpty(truncate(str(reason["description"]), 200), "no reason given"), gateway.ErrRejected)
	}
	if txid == "" {
		return nil, fmt.Errorf("%w: answer without a transaction id", gateway.ErrUnavailable)
	}
	pix, _ := root["pix"].(map[string]any)
	code := firstString(pix, "copyPaste", "emv", "qrcode")
	image := ""
	if isURL(code) {
		// Some accounts answer with an image URL there; the code is then
		// at the root. A URL is never used as the code itself.
		image, code = code, firstString(root, "copyPaste", "emv", "pix_copy_paste", "pix_emv")
	}
	if code == "" || isURL(code) {
		return nil, fmt.Errorf("%w: transaction %s came without a PIX code", gateway.ErrUnavailable, txid)
	}
	return &gateway.Charge{TransactionID: txid, PixCode: code, QRCodeImage: image, Status: mapStatus(rawStatus),
		ExpiresAt: parseTime(str(pix["expirationDate"]))}, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// ChargeStatus asks GET /transactions/{id}, whose answer is the transaction
// object the webhook parser reads. A 404 is gateway.ErrNotFound.
func (c *client) ChargeStatus(ctx context.Context, transactionID string) (*gateway.Event, error) {
	id := strings.TrimSpace(transactionID)
	if id == "" {
		return nil, fmt.Errorf("babylon: querying charge: empty transaction id: %w", gateway.ErrNotFound)
	}
	var raw json.RawMessage
	if _, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodGet, URL: c.base + "/transactions/" + url.PathEscape(id), Header: c.header()}, &raw); err != nil {
		return nil, fmt.Errorf("babylon: querying charge %s: %w", id, err)
	}
	ev, err := parseEvent(raw)
	if err != nil {
		return nil, fmt.Errorf("babylon: querying charge %s: %w: %v", id, gateway.ErrUnavailable, err)
	}
	return ev, nil
}

// VerifyCredentials makes an authenticated read, since Babylon documents no
// account or balance endpoint: the status of the nil UUID, which names no
// transaction. A refused key answers 401/403; any answer about the
// transaction itself (not found, bad request) means the key was accepted.
// A 2xx that is not JSON (Babylon's HTML login page) proves nothing and is
// reported as ErrUnavailable.
func (c *client) VerifyCredentials(ctx context.Context) error {
	var raw json.RawMessage
	_, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodGet,
		URL: c.base + "/transactions/00000000-0000-0000-0000-000000000000", Header: c.header()}, &raw)
	if err == nil || errors.Is(err, gateway.ErrNotFound) || errors.Is(err, gateway.ErrRejected) {
		return nil
	}
	return fmt.Errorf("babylon: verifying credentials: %w", err)
}

// Refund is not offered: Babylon documents no refund endpoint.
func (c *client) Refund(context.Context, string, int64) error {
	return fmt.Errorf("babylon: refunding: %w", gateway.ErrNotSupported)
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n]))
}
