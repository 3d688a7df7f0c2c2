package orionpay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// pixBody is POST /api/v1/pix/personal. The amount is reais with two
// decimals. OrionPay has no field for our reference nor for a webhook URL.
type pixBody struct {
	Amount      gateway.Reais `json:"amount"`
	Name        string        `json:"name"`
	Email       string        `json:"email"`
	Description string        `json:"description,omitempty"`
	CPF         string        `json:"cpf,omitempty"`
	Phone       string        `json:"phone,omitempty"`
}

// CreateCharge creates a personal PIX charge. OrionPay has no split, so
// req.Split is not sent (the Driver says SupportsSplit is false).
func (c *client) CreateCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	ch, err := c.createCharge(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("orionpay: creating charge: %w", err)
	}
	return ch, nil
}

func (c *client) createCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	if req.AmountCents < minAmountCents || req.AmountCents > maxAmountCents {
		return nil, fmt.Errorf("amount of %d cents is outside R$ 5,00 to R$ 1.000.000,00: %w", req.AmountCents, gateway.ErrRejected)
	}
	payer, err := choosePayer(req.Payer, c.seller)
	if err != nil {
		return nil, err
	}
	body := pixBody{Amount: gateway.Reais(req.AmountCents), Name: payer.Name, Email: payer.Email,
		Description: truncate(req.Description, 200), Phone: payer.Phone}
	// Only a CPF that passes the check digits: anything else would be refused.
	if gateway.ValidCPF(payer.Document) {
		body.CPF = formatCPF(payer.Document)
	}
	var raw json.RawMessage
	_, err = gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodPost, URL: c.base + "/api/v1/pix/personal",
		Header: c.header(), Body: body}, &raw)
	if err != nil {
		if errors.Is(err, gateway.ErrNotFound) { // not "no such charge" here
			return nil, fmt.Errorf("%w: %v", gateway.ErrRejected, err)
		}
		return nil, err
	}
	data, err := successData(raw)
	if err != nil {
		return nil, err
	}
	txid := firstString(data, "transactionId", "transaction_id", "id")
	if txid == "" {
		return nil, fmt.Errorf("%w: answer without a transaction id", gateway.ErrUnavailable)
	}
	rawStatus := str(data["status"])
	status := mapStatus(rawStatus)
	if status != gateway.StatusPending && status != gateway.StatusPaid {
		return nil, fmt.Errorf("transaction %s was %s: %w", txid, rawStatus, gateway.ErrRejected)
	}
	code := str(data["pixCode"])
	if code == "" {
		return nil, fmt.Errorf("%w: transaction %s came without a PIX code", gateway.ErrUnavailable, txid)
	}
	ch := &gateway.Charge{TransactionID: txid, PixCode: code, QRCodeImage: str(data["qrCode"]), Status: status,
		ExpiresAt: parseTime(str(data["expiresAt"]))}
	// data.id is OrionPay's second id (32 hex characters).
	if id := str(data["id"]); id != txid {
		ch.Hash = id
	}
	return ch, nil
}

// statusPaths are tried in order: OrionPay files charges under the product
// that created them, and the reference found them on any of the three.
var statusPaths = []string{"/api/v1/pix/status/", "/api/v1/card/status/", "/api/v1/payment/status/"}

// ChargeStatus asks the status endpoints in turn until one knows the charge.
// A refusal of the key stops at once; when every endpoint says not found,
// the answer is gateway.ErrNotFound; any other failure is reported.
func (c *client) ChargeStatus(ctx context.Context, transactionID string) (*gateway.Event, error) {
	id := strings.TrimSpace(transactionID)
	if id == "" {
		return nil, fmt.Errorf("orionpay: querying charge: empty transaction id: %w", gateway.ErrNotFound)
	}
	var failure error
	for _, p := range statusPaths {
		ev, err := c.statusAt(ctx, p+url.PathEscape(id), id)
		switch {
		case err == nil:
			return ev, nil
		case errors.Is(err, gateway.ErrInvalidCredentials):
			return nil, fmt.Errorf("orionpay: querying charge %s: %w", id, err)
		case !errors.Is(err, gateway.ErrNotFound) && failure == nil:
			failure = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if failure != nil {
		return nil, fmt.Errorf("orionpay: querying charge %s: %w", id, failure)
	}
	return nil, fmt.Errorf("orionpay: querying charge %s: %w", id, gateway.ErrNotFound)
}

func (c *client) statusAt(ctx context.Context, path, id string) (*gateway.Event, error) {
	var raw json.RawMessage
	if _, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodGet, URL: c.base + path, Header: c.header()}, &raw); err != nil {
		return nil, err
	}
	data, err := successData(raw)
	if errors.Is(err, gateway.ErrRejected) {
		// success:false on a lookup means this endpoint does not know the
		// charge; the next one may.
		return nil, fmt.Errorf("%w: %v", gateway.ErrNotFound, err)
	}
	if err != nil {
		return nil, err
	}
	rawStatus := str(data["status"])
	if rawStatus == "" {
		return nil, fmt.Errorf("%w: status answer without a status", gateway.ErrUnavailable)
	}
	cents, err := gateway.ParseReais(data["amount"])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", gateway.ErrUnavailable, err)
	}
	return &gateway.Event{TransactionID: id, Status: mapStatus(rawStatus), RawStatus: rawStatus, AmountCents: cents}, nil
}

// VerifyCredentials makes an authenticated read, since OrionPay documents
// no account or balance endpoint: the status of transaction 0, which never
// exists. A refused key answers 401/403; any answer about the transaction
// itself (found, not found, bad request) means the key was accepted.
func (c *client) VerifyCredentials(ctx context.Context) error {
	_, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodGet, URL: c.base + statusPaths[0] + "0", Header: c.header()}, nil)
	if err == nil || errors.Is(err, gateway.ErrNotFound) || errors.Is(err, gateway.ErrRejected) {
		return nil
	}
	return fmt.Errorf("orionpay: verifying credentials: %w", err)
}

// Refund is not offered: OrionPay documents no refund endpoint.
func (c *client) Refund(context.Context, string, int64) error {
	return fmt.Errorf("orionpay: refunding: %w", gateway.ErrNotSupported)
}

// successData decodes a {success: true, data: {...}} answer. Anything but
// success true is a refusal, whatever the HTTP status said.
func successData(raw []byte) (map[string]any, error) {
	v, err := decode(raw)
	root, ok := v.(map[string]any)
	if err != nil || !ok {
		return nil, fmt.Errorf("%w: answer is not a JSON object", gateway.ErrUnavailable)
	}
	if root["success"] != true {
		msg := firstNonEmpty(str(root["message"]), str(root["error"]), "no message")
		return nil, fmt.Errorf("provider answered without success (%s): %w", truncate(msg, 200), gateway.ErrRejected)
	}
	data, ok := root["data"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: answer without data", gateway.ErrUnavailable)
	}
	return data, nil
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
