package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/store/storetest"
)

// Tenancy checks of the payment store: each runs as seller A and aims at
// seller B's rows; TestTenancy then proves every row of B is unchanged.

func gatewayID(g *grimbots.GatewayAccount) int64 { return g.ID }
func paymentID(p *grimbots.Payment) int64        { return p.ID }
func commissionID(c *grimbots.Commission) int64  { return c.PaymentID }

func checkCreateGatewayAccount(t *testing.T, w *world) {
	ctx := context.Background()
	a, b := w.a.user.ID, w.b.user.ID
	// B deleted a kind A never had: A's account of that kind is a new row,
	// never a revival of B's.
	g := &grimbots.GatewayAccount{SellerID: a, Kind: w.b.deleted[1].Kind, CredentialsCiphertext: "a-creds", WebhookToken: "a-new-token",
		Active: true, CreatedAt: now, UpdatedAt: now}
	storetest.Must(t, w.s.CreateGatewayAccount(ctx, g))
	for _, bg := range w.b.deleted {
		if g.ID == bg.ID {
			t.Fatalf("A's new gateway reused B's deleted row %d", bg.ID)
		}
	}
	// The kind B has deleted and A too: A revives its own row.
	r := &grimbots.GatewayAccount{SellerID: a, Kind: "syncpay", CredentialsCiphertext: "a-creds-2", WebhookToken: "a-revived-token",
		CreatedAt: now, UpdatedAt: now}
	storetest.Must(t, w.s.CreateGatewayAccount(ctx, r))
	if r.ID != w.a.deleted[0].ID {
		t.Errorf("A's revived syncpay has id %d, want A's deleted row %d (B's is %d)", r.ID, w.a.deleted[0].ID, w.b.deleted[0].ID)
	}
	// The kind B has live conflicts only with A's own live account.
	err := w.s.CreateGatewayAccount(ctx, &grimbots.GatewayAccount{SellerID: a, Kind: "pushinpay", CredentialsCiphertext: "x",
		WebhookToken: "a-dup-token", CreatedAt: now, UpdatedAt: now})
	storetest.WantCode(t, err, grimbots.ECONFLICT)
	list, err := w.s.GatewayAccounts(ctx, a)
	storetest.Must(t, err)
	wantOnly(t, "GatewayAccounts(A)", list, gatewayID, []int64{w.a.gateway.ID, g.ID, r.ID})
	list, err = w.s.GatewayAccounts(ctx, b)
	storetest.Must(t, err)
	wantOnly(t, "GatewayAccounts(B)", list, gatewayID, []int64{w.b.gateway.ID})
}

func checkGatewayAccounts(t *testing.T, w *world) {
	list, err := w.s.GatewayAccounts(context.Background(), w.a.user.ID)
	storetest.Must(t, err)
	wantOnly(t, "GatewayAccounts(A)", list, gatewayID, []int64{w.a.gateway.ID})
}

func checkGatewayAccount(t *testing.T, w *world) {
	ctx := context.Background()
	for _, bg := range append([]*grimbots.GatewayAccount{w.b.gateway}, w.b.deleted...) {
		_, err := w.s.GatewayAccount(ctx, w.a.user.ID, bg.ID)
		storetest.WantCode(t, err, grimbots.ENOTFOUND)
	}
	g, err := w.s.GatewayAccount(ctx, w.a.user.ID, w.a.gateway.ID)
	storetest.Must(t, err)
	if g.SellerID != w.a.user.ID {
		t.Errorf("A's gateway is owned by %d", g.SellerID)
	}
}

func checkUpdateGatewayAccount(t *testing.T, w *world) {
	ctx := context.Background()
	for _, bg := range append([]*grimbots.GatewayAccount{w.b.gateway}, w.b.deleted...) {
		g := *bg
		g.SellerID, g.CredentialsCiphertext, g.Priority, g.Active, g.UpdatedAt = w.a.user.ID, "stolen", 9, false, now.Add(time.Hour)
		storetest.WantCode(t, w.s.UpdateGatewayAccount(ctx, &g), grimbots.ENOTFOUND)
	}
	g := *w.a.gateway
	g.CredentialsCiphertext, g.UpdatedAt = "a-rotated", now.Add(time.Hour)
	storetest.Must(t, w.s.UpdateGatewayAccount(ctx, &g))
}

func checkDeleteGatewayAccount(t *testing.T, w *world) {
	ctx := context.Background()
	for _, bg := range append([]*grimbots.GatewayAccount{w.b.gateway}, w.b.deleted...) {
		storetest.WantCode(t, w.s.DeleteGatewayAccount(ctx, w.a.user.ID, bg.ID, now.Add(time.Hour)), grimbots.ENOTFOUND)
	}
	storetest.Must(t, w.s.DeleteGatewayAccount(ctx, w.a.user.ID, w.a.gateway.ID, now.Add(time.Hour)))
}

func checkCreatePayment(t *testing.T, w *world) {
	ctx := context.Background()
	p := storetest.NewPayment(t, w.s, w.a.user.ID, "a-new-payment", 700)
	list, _, err := w.s.ListPayments(ctx, w.a.user.ID, grimbots.PaymentFilter{})
	storetest.Must(t, err)
	wantOnly(t, "ListPayments(A)", list, paymentID, append(ids(w.a.payments(), paymentID), p.ID))
	_, err = w.s.PaymentByReference(ctx, w.b.user.ID, p.Reference)
	storetest.WantCode(t, err, grimbots.ENOTFOUND)
	// B's reference is taken (references are global and unguessable).
	err = w.s.CreatePayment(ctx, &grimbots.Payment{SellerID: w.a.user.ID, GatewayKind: "pushinpay", Reference: w.b.pending.Reference,
		AmountCents: 1, Status: grimbots.PaymentPending, CreatedAt: now, UpdatedAt: now})
	if err == nil {
		t.Error("A created a payment with B's reference")
	}
}

func checkSetPaymentCharge(t *testing.T, w *world) {
	ctx := context.Background()
	for _, bp := range w.b.payments() {
		p := *bp
		p.SellerID, p.TransactionID, p.PixCode, p.UpdatedAt = w.a.user.ID, "a-hijack", "a-pix", now.Add(time.Hour)
		storetest.WantCode(t, w.s.SetPaymentCharge(ctx, &p), grimbots.ENOTFOUND)
	}
	// B's transaction id on A's own pending payment: a conflict, B untouched.
	p := *w.a.pending
	p.TransactionID, p.UpdatedAt = w.b.pending.TransactionID, now.Add(time.Hour)
	storetest.WantCode(t, w.s.SetPaymentCharge(ctx, &p), grimbots.ECONFLICT)
	p.TransactionID = "a-tx-recharged"
	storetest.Must(t, w.s.SetPaymentCharge(ctx, &p))
}

func checkPayment(t *testing.T, w *world) {
	ctx := context.Background()
	for _, bp := range w.b.payments() {
		_, err := w.s.Payment(ctx, w.a.user.ID, bp.ID)
		storetest.WantCode(t, err, grimbots.ENOTFOUND)
	}
	if _, err := w.s.Payment(ctx, w.a.user.ID, w.a.pending.ID); err != nil {
		t.Errorf("A's own payment: %v", err)
	}
}

func checkPaymentByReference(t *testing.T, w *world) {
	ctx := context.Background()
	for _, bp := range w.b.payments() {
		_, err := w.s.PaymentByReference(ctx, w.a.user.ID, bp.Reference)
		storetest.WantCode(t, err, grimbots.ENOTFOUND)
	}
	if _, err := w.s.PaymentByReference(ctx, w.a.user.ID, w.a.pending.Reference); err != nil {
		t.Errorf("A's own payment: %v", err)
	}
}

func checkPaymentByTransaction(t *testing.T, w *world) {
	ctx := context.Background()
	for _, bp := range w.b.payments() {
		for _, id := range []string{bp.TransactionID, bp.Hash, bp.Reference} {
			_, err := w.s.PaymentByTransaction(ctx, w.a.user.ID, "pushinpay", id)
			storetest.WantCode(t, err, grimbots.ENOTFOUND)
		}
		_, err := w.s.PaymentByTransaction(ctx, w.a.user.ID, "pushinpay", bp.TransactionID, bp.Hash, bp.Reference)
		storetest.WantCode(t, err, grimbots.ENOTFOUND)
	}
	p, err := w.s.PaymentByTransaction(ctx, w.a.user.ID, "pushinpay", w.b.paid.TransactionID, w.a.paid.Hash)
	storetest.Must(t, err)
	if p.ID != w.a.paid.ID {
		t.Errorf("PaymentByTransaction(A) = payment %d, want A's %d", p.ID, w.a.paid.ID)
	}
}

func checkReusablePayment(t *testing.T, w *world) {
	ctx := context.Background()
	since, at := now.Add(-time.Hour), now.Add(time.Minute)
	_, err := w.s.ReusablePayment(ctx, w.a.user.ID, w.b.lead, "main", w.b.pending.AmountCents, since, at)
	storetest.WantCode(t, err, grimbots.ENOTFOUND)
	p, err := w.s.ReusablePayment(ctx, w.a.user.ID, w.a.lead, "main", w.a.pending.AmountCents, since, at)
	storetest.Must(t, err)
	if p.ID != w.a.pending.ID {
		t.Errorf("ReusablePayment(A) = payment %d, want A's %d", p.ID, w.a.pending.ID)
	}
}

func checkListPayments(t *testing.T, w *world) {
	ctx := context.Background()
	list, total, err := w.s.ListPayments(ctx, w.a.user.ID, grimbots.PaymentFilter{})
	storetest.Must(t, err)
	wantOnly(t, "ListPayments(A)", list, paymentID, ids(w.a.payments(), paymentID))
	if total != 3 {
		t.Errorf("ListPayments(A) total = %d, want 3", total)
	}
	list, total, err = w.s.ListPayments(ctx, w.a.user.ID, grimbots.PaymentFilter{BotID: &w.b.bot})
	storetest.Must(t, err)
	if len(list) != 0 || total != 0 {
		t.Errorf("ListPayments(A, B's bot) = %d payments, total %d", len(list), total)
	}
}

func checkClaimPaymentCheck(t *testing.T, w *world) {
	ctx := context.Background()
	for _, bp := range w.b.payments() {
		ok, err := w.s.ClaimPaymentCheck(ctx, w.a.user.ID, bp.ID, now.Add(time.Hour), 0)
		storetest.Must(t, err)
		if ok {
			t.Errorf("A claimed a check of B's payment %d", bp.ID)
		}
	}
	ok, err := w.s.ClaimPaymentCheck(ctx, w.a.user.ID, w.a.pending.ID, now.Add(time.Hour), 0)
	storetest.Must(t, err)
	if !ok {
		t.Error("A could not claim its own payment")
	}
}

func checkTransitionPayment(t *testing.T, w *world) {
	ctx := context.Background()
	rec := &storetest.JobRecorder{}
	js := store.New(w.s.DB(), store.WithJobs(rec))
	all := []string{grimbots.PaymentPending, grimbots.PaymentPaid, grimbots.PaymentExpired, grimbots.PaymentFailed,
		grimbots.PaymentRefunded, grimbots.PaymentChargeback}
	for _, bp := range w.b.payments() {
		for _, tr := range []grimbots.PaymentTransition{
			{To: grimbots.PaymentPaid, Commission: grimbots.CommissionCharge},
			{To: grimbots.PaymentChargeback, Commission: grimbots.CommissionReversal},
		} {
			tr.SellerID, tr.PaymentID, tr.From, tr.Source, tr.Now = w.a.user.ID, bp.ID, all, grimbots.SourceSeller, now.Add(time.Hour)
			tr.Jobs = []grimbots.Job{storetest.TestJob{Name: "hijack"}}
			changed, p, err := js.TransitionPayment(ctx, tr)
			storetest.WantCode(t, err, grimbots.ENOTFOUND)
			if changed || p != nil {
				t.Errorf("A's transition of B's payment %d: changed=%v, payment %v", bp.ID, changed, p)
			}
		}
	}
	if k := rec.Kinds(); len(k) != 0 {
		t.Errorf("refused transitions inserted jobs %v", k)
	}
	changed, _, err := js.TransitionPayment(ctx, grimbots.PaymentTransition{SellerID: w.a.user.ID, PaymentID: w.a.pending.ID,
		From: []string{grimbots.PaymentPending}, To: grimbots.PaymentPaid, Source: grimbots.SourceCheck, Now: now.Add(time.Hour),
		Commission: grimbots.CommissionCharge})
	storetest.Must(t, err)
	if !changed {
		t.Error("A could not confirm its own payment")
	}
}

func checkWebhookEvents(t *testing.T, w *world) {
	list, err := w.s.WebhookEvents(context.Background(), w.a.user.ID, 100)
	storetest.Must(t, err)
	wantOnly(t, "WebhookEvents(A)", list, func(e *grimbots.WebhookEvent) int64 { return e.ID }, []int64{w.a.webhook.ID})
}

func checkCommissions(t *testing.T, w *world) {
	list, err := w.s.Commissions(context.Background(), w.a.user.ID)
	storetest.Must(t, err)
	// A's paid sale (a charge) and refunded sale (a charge and a reversal).
	wantOnly(t, "Commissions(A) payments", list, commissionID, []int64{w.a.paid.ID, w.a.refunded.ID, w.a.refunded.ID})
	for _, c := range list {
		if c.SellerID != w.a.user.ID {
			t.Errorf("Commissions(A) lists an entry of seller %d", c.SellerID)
		}
	}
}

func checkCreateSandboxCharge(t *testing.T, w *world) {
	ctx := context.Background()
	storetest.Must(t, w.s.CreateSandboxCharge(ctx, w.a.user.ID, "a-sbx-new", "a-ref", 100, now))
	if err := w.s.CreateSandboxCharge(ctx, w.a.user.ID, w.b.sandboxTx, "a-ref", 100, now); err == nil {
		t.Error("A created a sandbox charge over B's transaction id")
	}
	seller, _, _, err := w.s.SandboxCharge(ctx, "a-sbx-new")
	storetest.Must(t, err)
	if seller != w.a.user.ID {
		t.Errorf("A's sandbox charge is owned by %d", seller)
	}
}

func checkSetSandboxChargeStatus(t *testing.T, w *world) {
	ctx := context.Background()
	storetest.WantCode(t, w.s.SetSandboxChargeStatus(ctx, w.a.user.ID, w.b.sandboxTx, "paid", now.Add(time.Hour)), grimbots.ENOTFOUND)
	storetest.Must(t, w.s.SetSandboxChargeStatus(ctx, w.a.user.ID, w.a.sandboxTx, "paid", now.Add(time.Hour)))
}

// Global methods with a check: they return the owner, which the caller uses.

func checkGatewayAccountByWebhook(t *testing.T, w *world) {
	ctx := context.Background()
	for _, sl := range []seller{w.a, w.b} {
		g, err := w.s.GatewayAccountByWebhook(ctx, "pushinpay", sl.gateway.WebhookToken)
		storetest.Must(t, err)
		if g.ID != sl.gateway.ID || g.SellerID != sl.user.ID {
			t.Errorf("token of seller %d resolved to gateway %d of seller %d", sl.user.ID, g.ID, g.SellerID)
		}
		for _, d := range sl.deleted {
			_, err := w.s.GatewayAccountByWebhook(ctx, d.Kind, d.WebhookToken)
			storetest.WantCode(t, err, grimbots.ENOTFOUND)
		}
	}
}

func checkSandboxCharge(t *testing.T, w *world) {
	for _, sl := range []seller{w.a, w.b} {
		seller, status, amount, err := w.s.SandboxCharge(context.Background(), sl.sandboxTx)
		storetest.Must(t, err)
		if seller != sl.user.ID || status != "pending" || amount != 1990 {
			t.Errorf("SandboxCharge(%s) = %d, %s, %d", sl.sandboxTx, seller, status, amount)
		}
	}
}
