package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/gatewaytest"
	"github.com/grimbots/grimbots/internal/gateway/sandbox"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/pix"
)

// ledger is an in-memory sandbox bank (the store's is tested with the store).
type ledger struct {
	mu      sync.Mutex
	charges map[string]*charge
}

type charge struct {
	seller int64
	status string
	amount int64
}

func newLedger() *ledger { return &ledger{charges: map[string]*charge{}} }

func (l *ledger) CreateSandboxCharge(_ context.Context, sellerID int64, tx, _ string, amount int64, _ time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.charges[tx] = &charge{sellerID, "pending", amount}
	return nil
}

func (l *ledger) SandboxCharge(_ context.Context, tx string) (int64, string, int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.charges[tx]
	if !ok {
		return 0, "", 0, grimbots.Errorf(grimbots.ENOTFOUND, "no charge")
	}
	return c.seller, c.status, c.amount, nil
}

func (l *ledger) SetSandboxChargeStatus(_ context.Context, sellerID int64, tx, status string, _ time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.charges[tx]
	if !ok || c.seller != sellerID {
		return grimbots.Errorf(grimbots.ENOTFOUND, "no charge")
	}
	c.status = status
	return nil
}

func TestDriver(t *testing.T) { gatewaytest.CheckDriver(t, sandbox.Driver(newLedger(), grimbots.Now)) }

func FuzzParseWebhook(f *testing.F) {
	gatewaytest.FuzzWebhook(f, sandbox.Driver(newLedger(), grimbots.Now),
		[]byte(`{"transaction_id":"SBXABC","status":"paid","amount_cents":1990}`),
		[]byte(`{"transaction_id":"SBXABC","status":"refunded"}`))
}

func TestChargeLifecycle(t *testing.T) {
	l := newLedger()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	d := sandbox.Driver(l, func() time.Time { return now })
	g, err := d.New(gateway.Config{SellerID: 7, Credentials: gateway.Credentials{"merchant_name": "Loja da Ana"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	ch, err := g.CreateCharge(ctx, gateway.ChargeRequest{AmountCents: 1990, Reference: "ref1", ExpiresIn: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	code, err := pix.Decode(ch.PixCode)
	if err != nil {
		t.Fatalf("BR Code %q: %v", ch.PixCode, err)
	}
	if code.AmountCents != 1990 || code.Key != sandbox.Key || code.MerchantName != "Loja da Ana" || code.TxID != ch.TransactionID {
		t.Fatalf("decoded %+v from charge %+v", code, ch)
	}
	if ch.ExpiresAt == nil || !ch.ExpiresAt.Equal(now.Add(30*time.Minute)) || ch.QRCodeImage == "" {
		t.Fatalf("charge %+v", ch)
	}
	ev, err := g.ChargeStatus(ctx, ch.TransactionID)
	if err != nil || ev.Status != gateway.StatusPending || ev.AmountCents != 1990 {
		t.Fatalf("status %+v %v", ev, err)
	}
	// Refunding an unpaid charge is refused; a paid one is returned.
	if err := g.Refund(ctx, ch.TransactionID, 1990); !errors.Is(err, gateway.ErrRejected) {
		t.Fatalf("refund of a pending charge: %v", err)
	}
	if err := l.SetSandboxChargeStatus(ctx, 7, ch.TransactionID, "paid", now); err != nil {
		t.Fatal(err)
	}
	if err := g.Refund(ctx, ch.TransactionID, 1990); err != nil {
		t.Fatal(err)
	}
	if ev, _ := g.ChargeStatus(ctx, ch.TransactionID); ev.Status != gateway.StatusRefunded {
		t.Fatalf("after refund: %+v", ev)
	}
	// Another seller's client cannot see or refund the charge.
	other, _ := d.New(gateway.Config{SellerID: 8})
	if _, err := other.ChargeStatus(ctx, ch.TransactionID); !errors.Is(err, gateway.ErrNotFound) {
		t.Fatalf("another seller's status: %v", err)
	}
	if err := other.Refund(ctx, ch.TransactionID, 1990); !errors.Is(err, gateway.ErrNotFound) {
		t.Fatalf("another seller's refund: %v", err)
	}
}

func TestParseWebhook(t *testing.T) {
	ev, err := sandbox.ParseWebhook(http.Header{}, []byte(`{"transaction_id":"SBX1","status":"PAID","amount_cents":1990}`))
	if err != nil || ev.TransactionID != "SBX1" || ev.Status != gateway.StatusPaid || ev.AmountCents != 1990 {
		t.Fatalf("%+v %v", ev, err)
	}
	for _, body := range []string{`{"status":"paid"}`, `{"transaction_id":"SBX1","status":"maybe"}`, `{"transaction_id":1}`} {
		if _, err := sandbox.ParseWebhook(http.Header{}, []byte(body)); !errors.Is(err, gateway.ErrMalformed) {
			t.Errorf("%s: %v", body, err)
		}
	}
}
