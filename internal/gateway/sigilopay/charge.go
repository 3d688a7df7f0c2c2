package sigilopay

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

const (
	// maxProductID is the product id length the reference sends.
	maxProductID = 20
	// maxTitle bounds the product name; the provider documents no limit.
	maxTitle = 100
)

type chargeBody struct {
	Identifier  string      `json:"identifier"`
	Amount      int64       `json:"amount"` // cents
	Client      *clientData `json:"client"`
	Products    []product   `json:"products"`
	CallbackURL string      `json:"callbackUrl,omitempty"`
}

// product repeats the name and price under the several keys the API
// accepts, as the reference does.
type product struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Title  string `json:"title"`
	Price  int64  `json:"price"` // cents
	Value  int64  `json:"value"` // cents
	Amount int    `json:"amount"`
}

// CreateCharge creates a PIX charge with POST /gateway/pix/receive.
func (c *Client) CreateCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	body, err := newChargeBody(req)
	if err != nil {
		return nil, fmt.Errorf("sigilopay: creating charge: %w", err)
	}
	m, err := c.call(ctx, http.MethodPost, "/gateway/pix/receive", body)
	if err != nil {
		return nil, fmt.Errorf("sigilopay: creating charge: %w", err)
	}
	ch, err := parseCharge(m)
	if err != nil {
		return nil, fmt.Errorf("sigilopay: creating charge: %w", err)
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
	cl, err := newClientData(req.Payer)
	if err != nil {
		return nil, err
	}
	title := truncate(strings.TrimSpace(req.Description), maxTitle)
	if title == "" {
		title = "Produto"
	}
	// SigiloPay offers no split (SupportsSplit is false): req.Split is not
	// sent, and the platform records its commission on its own.
	return &chargeBody{
		Identifier: ref,
		Amount:     req.AmountCents,
		Client:     cl,
		Products: []product{{ID: truncate(ref, maxProductID), Name: title, Title: title,
			Price: req.AmountCents, Value: req.AmountCents, Amount: 1}},
		CallbackURL: strings.TrimSpace(req.WebhookURL),
	}, nil
}

// parseCharge reads {transactionId, status, pix: {code, image}}.
func parseCharge(m map[string]any) (*gateway.Charge, error) {
	if strings.EqualFold(text(m, "status"), "error") || m["success"] == false {
		return nil, fmt.Errorf("provider answered an error (%s): %w",
			truncate(firstText(m, "message", "error"), 200), gateway.ErrRejected)
	}
	raw := text(m, "status")
	status := mapStatus(raw)
	if raw != "" && status != gateway.StatusPending && status != gateway.StatusPaid {
		return nil, fmt.Errorf("charge is %q: %w", truncate(raw, 50), gateway.ErrRejected)
	}
	pix := object(m, "pix")
	id, code := text(m, "transactionId"), text(pix, "code")
	if id == "" || code == "" {
		return nil, fmt.Errorf("%w: answer has no transactionId or PIX code", gateway.ErrUnavailable)
	}
	return &gateway.Charge{TransactionID: id, PixCode: code, QRCodeImage: imageURL(text(pix, "image")), Status: status}, nil
}

// imageURL returns the QR image as a URL: data: and http(s) URLs as given,
// bare base64 only when it is a PNG (so the data: URL is truthful), else "".
func imageURL(s string) string {
	switch {
	case s == "":
		return ""
	case strings.HasPrefix(s, "data:image/"), strings.HasPrefix(s, "https://"), strings.HasPrefix(s, "http://"):
		return s
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		return "data:image/png;base64," + s
	}
	return ""
}

// ChargeStatus queries GET /gateway/transactions?id=<id>, answered with
// {id, identifier, status, amount}. Because the id travels as a filter, a
// {data: [...]} list is accepted too.
func (c *Client) ChargeStatus(ctx context.Context, transactionID string) (*gateway.Event, error) {
	id := strings.TrimSpace(transactionID)
	if id == "" {
		return nil, fmt.Errorf("sigilopay: querying charge status: empty transaction id: %w", gateway.ErrNotFound)
	}
	m, err := c.call(ctx, http.MethodGet, "/gateway/transactions?id="+url.QueryEscape(id), nil)
	if err != nil {
		return nil, fmt.Errorf("sigilopay: querying charge status: %w", err)
	}
	tx := findTransaction(m, id)
	if tx == nil || (text(tx, "id") == "" && text(tx, "status") == "") {
		return nil, fmt.Errorf("sigilopay: querying charge status: %w", gateway.ErrNotFound)
	}
	if got := text(tx, "id"); got != "" && got != id {
		return nil, fmt.Errorf("sigilopay: querying charge status: %w: answer is about another transaction", gateway.ErrUnavailable)
	}
	raw := text(tx, "status")
	if raw == "" {
		return nil, fmt.Errorf("sigilopay: querying charge status: %w: no status", gateway.ErrUnavailable)
	}
	amount, err := cents(tx["amount"])
	if err != nil {
		return nil, fmt.Errorf("sigilopay: querying charge status: %w: %v", gateway.ErrUnavailable, err)
	}
	return &gateway.Event{
		TransactionID: id,
		Reference:     text(tx, "identifier"),
		Status:        mapStatus(raw),
		RawStatus:     truncate(raw, 64),
		AmountCents:   amount,
		EndToEndID:    text(object(tx, "pixInformation"), "endToEndId"),
	}, nil
}

// findTransaction picks the transaction out of a status answer: the root,
// a data or transaction object, or the matching element of a data list.
func findTransaction(m map[string]any, id string) map[string]any {
	for _, k := range []string{"data", "transaction"} {
		if o := object(m, k); o != nil {
			return o
		}
	}
	if list, ok := m["data"].([]any); ok {
		for _, e := range list {
			if o, ok := e.(map[string]any); ok && text(o, "id") == id {
				return o
			}
		}
		return nil
	}
	return m
}

// probeID names no transaction; it only has to be a valid query value.
const probeID = "grimbots-credential-check"

// VerifyCredentials looks up a transaction that does not exist. The API
// documents no cheaper authenticated read (no account or balance endpoint),
// and this one creates nothing. The keys are checked before the lookup, so
// 401/403 mean they were refused, while 404 (or another 4xx about the id
// itself) means they were accepted.
func (c *Client) VerifyCredentials(ctx context.Context) error {
	_, err := c.call(ctx, http.MethodGet, "/gateway/transactions?id="+probeID, nil)
	switch {
	case err == nil, errors.Is(err, gateway.ErrNotFound), errors.Is(err, gateway.ErrRejected):
		return nil
	}
	return fmt.Errorf("sigilopay: verifying credentials: %w", err)
}
