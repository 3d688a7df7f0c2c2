// Package sandbox is the built-in test gateway: it issues real, valid PIX BR
// Codes (with a sandbox key no bank will pay) and QR images, keeps its charges
// in the platform's database, and lets the seller act as the bank: mark a
// charge paid or refunded from the API. A new seller starts with it, so the
// whole product can be tried without a gateway account.
package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/pix"
)

// Kind is the sandbox's gateway kind.
const Kind gateway.Kind = "sandbox"

// Key is the PIX key written into sandbox codes: a reserved example domain,
// so a payer's bank app shows the code but no real account receives money.
const Key = "pagamento@sandbox.grimbots.example"

// Ledger is the sandbox bank's memory (the store implements it).
type Ledger interface {
	CreateSandboxCharge(ctx context.Context, sellerID int64, transactionID, reference string, amountCents int64, now time.Time) error
	SandboxCharge(ctx context.Context, transactionID string) (sellerID int64, status string, amountCents int64, err error)
	SetSandboxChargeStatus(ctx context.Context, sellerID int64, transactionID, status string, now time.Time) error
}

// Driver returns the sandbox driver bound to a ledger.
func Driver(ledger Ledger, now grimbots.Clock) gateway.Driver {
	return gateway.Driver{
		Kind:           Kind,
		Name:           "Sandbox (testes)",
		DefaultBaseURL: "sandbox:",
		Fields: []gateway.Field{
			{Name: "merchant_name", Label: "Nome exibido no PIX", Help: "Aparece no app do banco ao ler o código de teste."},
		},
		MinAmountCents: 1,
		HasStatusAPI:   true,
		SupportsRefund: true,
		New: func(cfg gateway.Config) (gateway.Gateway, error) {
			return &client{ledger: ledger, now: now, sellerID: cfg.SellerID, merchant: cfg.Credentials["merchant_name"]}, nil
		},
		ParseWebhook: ParseWebhook,
	}
}

type client struct {
	ledger   Ledger
	now      grimbots.Clock
	sellerID int64
	merchant string
}

func (c *client) CreateCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	txid := "SBX" + randomID(20)
	merchant := c.merchant
	if merchant == "" {
		merchant = "Loja Sandbox"
	}
	code, err := pix.BRCode{Key: Key, MerchantName: merchant, MerchantCity: "Sao Paulo", AmountCents: req.AmountCents,
		TxID: txid, Description: "TESTE"}.Encode()
	if err != nil {
		return nil, fmt.Errorf("sandbox: creating charge: %w", err)
	}
	qr, err := pix.QRDataURL(code, 320)
	if err != nil {
		return nil, fmt.Errorf("sandbox: creating charge: %w", err)
	}
	if err := c.ledger.CreateSandboxCharge(ctx, c.sellerID, txid, req.Reference, req.AmountCents, c.now()); err != nil {
		return nil, fmt.Errorf("sandbox: creating charge: %w: %w", gateway.ErrUnavailable, err)
	}
	ch := &gateway.Charge{TransactionID: txid, PixCode: code, QRCodeImage: qr, Status: gateway.StatusPending}
	if req.ExpiresIn > 0 {
		exp := c.now().Add(req.ExpiresIn)
		ch.ExpiresAt = &exp
	}
	return ch, nil
}

func (c *client) ChargeStatus(ctx context.Context, transactionID string) (*gateway.Event, error) {
	seller, status, amount, err := c.ledger.SandboxCharge(ctx, transactionID)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND || (err == nil && seller != c.sellerID) {
		return nil, fmt.Errorf("sandbox: charge status: %w", gateway.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("sandbox: charge status: %w: %w", gateway.ErrUnavailable, err)
	}
	return &gateway.Event{TransactionID: transactionID, Status: gateway.Status(status), RawStatus: status, AmountCents: amount}, nil
}

// VerifyCredentials always succeeds: the sandbox needs none.
func (c *client) VerifyCredentials(context.Context) error { return nil }

// Refund returns a paid sandbox charge to the (imaginary) payer.
func (c *client) Refund(ctx context.Context, transactionID string, _ int64) error {
	ev, err := c.ChargeStatus(ctx, transactionID)
	if err != nil {
		return err
	}
	if ev.Status != gateway.StatusPaid {
		return fmt.Errorf("sandbox: refund: charge is %s: %w", ev.Status, gateway.ErrRejected)
	}
	if err := c.ledger.SetSandboxChargeStatus(ctx, c.sellerID, transactionID, string(gateway.StatusRefunded), c.now()); err != nil {
		return fmt.Errorf("sandbox: refund: %w: %w", gateway.ErrUnavailable, err)
	}
	return nil
}

// webhook is the sandbox's notification body.
type webhook struct {
	TransactionID string `json:"transaction_id"`
	Status        string `json:"status"`
	AmountCents   *int64 `json:"amount_cents"`
}

// ParseWebhook reads a sandbox notification: {"transaction_id", "status",
// "amount_cents"}.
func ParseWebhook(_ http.Header, body []byte) (*gateway.Event, error) {
	var w webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: %w", gateway.ErrMalformed, err)
	}
	if w.TransactionID == "" {
		return nil, fmt.Errorf("%w: transaction_id missing", gateway.ErrMalformed)
	}
	st := gateway.Status(strings.ToLower(w.Status))
	if !st.Valid() {
		return nil, fmt.Errorf("%w: unknown status %q", gateway.ErrMalformed, w.Status)
	}
	ev := &gateway.Event{TransactionID: w.TransactionID, Status: st, RawStatus: w.Status}
	if w.AmountCents != nil {
		ev.AmountCents = *w.AmountCents
	}
	return ev, nil
}

const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
