package app_test

// Payment scenarios: gateways, checkout, the three confirmation paths and the
// commission ledger, through the HTTP API of a real instance on each engine.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/pix"
)

func init() {
	scenarios = append(scenarios,
		scenario{name: "payments/sandbox-by-default", run: testSandboxByDefault},
		scenario{name: "payments/sale-commission-refund", run: testSaleCommissionRefund},
		scenario{name: "payments/commission-rate", run: testCommissionRate},
		scenario{name: "payments/validation-and-tenancy", run: testPaymentValidationAndTenancy},
		scenario{name: "payments/expiry-and-late-payment", run: testExpiryAndLatePayment},
		scenario{name: "payments/webhook-forgery", run: testWebhookForgery},
		scenario{name: "payments/exactly-once", run: testExactlyOnce},
		scenario{name: "gateways/kinds", run: testGatewayKinds},
		scenario{name: "gateways/crud-and-masking", run: testGatewayCRUD},
		scenario{name: "gateways/fallback", run: testGatewayFallback},
	)
	operations = append(operations,
		operation{"GET", "/api/v1/gateway-kinds", "any"},
		operation{"GET", "/api/v1/gateways", "any"},
		operation{"POST", "/api/v1/gateways", "any"},
		operation{"PATCH", "/api/v1/gateways/{id}", "any"},
		operation{"DELETE", "/api/v1/gateways/{id}", "any"},
		operation{"POST", "/api/v1/gateways/{id}/verify", "any"},
		operation{"POST", "/api/v1/gateways/{id}/activate", "any"},
		operation{"POST", "/api/v1/gateways/{id}/deactivate", "any"},
		operation{"GET", "/api/v1/payments", "any"},
		operation{"POST", "/api/v1/payments", "any"},
		operation{"GET", "/api/v1/payments/{id}", "any"},
		operation{"POST", "/api/v1/payments/{id}/check", "any"},
		operation{"POST", "/api/v1/payments/{id}/refund", "any"},
		operation{"POST", "/api/v1/payments/{id}/sandbox", "any"},
		operation{"PUT", "/api/v1/admin/users/{id}/commission", "admin"},
		operation{"GET", "/api/v1/admin/revenue", "admin"},
	)
}

// ---- views decoded from answers ----

type gatewayJSON struct {
	ID          int64             `json:"id"`
	Kind        string            `json:"kind"`
	Active      bool              `json:"active"`
	Verified    bool              `json:"verified"`
	LastError   string            `json:"last_error"`
	Priority    int               `json:"priority"`
	Credentials map[string]string `json:"credentials"`
	WebhookURL  string            `json:"webhook_url"`
}

type paymentJSON struct {
	ID            int64      `json:"id"`
	Reference     string     `json:"reference"`
	Status        string     `json:"status"`
	AmountCents   int64      `json:"amount_cents"`
	Amount        string     `json:"amount"`
	Gateway       string     `json:"gateway"`
	TransactionID string     `json:"transaction_id"`
	PixCode       string     `json:"pix_code"`
	QRCode        string     `json:"qr_code"`
	ExpiresAt     *time.Time `json:"expires_at"`
	PaidAt        *time.Time `json:"paid_at"`
	RefundedAt    *time.Time `json:"refunded_at"`
}

type revenueJSON struct {
	Sales           int64 `json:"sales"`
	SalesCents      int64 `json:"sales_cents"`
	CommissionCents int64 `json:"commission_cents"`
	Reversals       int64 `json:"reversals"`
	BySeller        []struct {
		SellerID        int64 `json:"seller_id"`
		Sales           int64 `json:"sales"`
		CommissionCents int64 `json:"commission_cents"`
		Reversals       int64 `json:"reversals"`
	} `json:"by_seller"`
}

func decode[T any](t *testing.T, res *apptest.Response, field string) T {
	t.Helper()
	var wrap map[string]json.RawMessage
	var v T
	if err := json.Unmarshal(res.Body, &wrap); err != nil {
		t.Fatalf("decoding %s: %v", res, err)
	}
	raw := json.RawMessage(res.Body)
	if field != "" {
		raw = wrap[field]
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decoding %q of %s: %v", field, res, err)
	}
	return v
}

func gateways(t *testing.T, c *apptest.Client) []gatewayJSON {
	t.Helper()
	return decode[[]gatewayJSON](t, c.Do("GET", "/api/v1/gateways", nil).RequireStatus(t, http.StatusOK), "gateways")
}

func createPayment(t *testing.T, c *apptest.Client, cents int64) paymentJSON {
	t.Helper()
	res := c.Do("POST", "/api/v1/payments", map[string]any{"amount_cents": cents, "description": "Curso de teste"})
	return decode[paymentJSON](t, res.RequireStatus(t, http.StatusCreated), "payment")
}

func getPayment(t *testing.T, c *apptest.Client, id int64) paymentJSON {
	t.Helper()
	return decode[paymentJSON](t, c.Do("GET", fmt.Sprintf("/api/v1/payments/%d", id), nil).RequireStatus(t, http.StatusOK), "payment")
}

func settle(t *testing.T, c *apptest.Client, id int64, status string) paymentJSON {
	t.Helper()
	res := c.Do("POST", fmt.Sprintf("/api/v1/payments/%d/sandbox", id), map[string]string{"status": status})
	return decode[paymentJSON](t, res.RequireStatus(t, http.StatusOK), "payment")
}

func revenue(t *testing.T, admin *apptest.Client) revenueJSON {
	t.Helper()
	q := url.Values{"from": {time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)},
		"to": {time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)}}
	return decode[revenueJSON](t, admin.Do("GET", "/api/v1/admin/revenue?"+q.Encode(), nil).RequireStatus(t, http.StatusOK), "")
}

// jobCount counts River jobs of a kind whose arguments mention the payment.
func jobCount(t *testing.T, h *apptest.Harness, kind string, paymentID int64) int {
	t.Helper()
	// River keeps arguments as JSONB on both engines; ask for their text.
	query := "SELECT json(args) FROM river_job WHERE kind = '" + kind + "'"
	if h.Engine == apptest.Postgres {
		query = "SELECT args::text FROM river_job WHERE kind = '" + kind + "'"
	}
	rows, err := h.App.DB.Primary().QueryContext(t.Context(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var args struct {
			PaymentID int64 `json:"payment_id"`
		}
		if err := json.Unmarshal(raw, &args); err != nil {
			t.Fatalf("job args %s: %v", raw, err)
		}
		if args.PaymentID == paymentID {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// webhookPath is the path part of a gateway's webhook URL.
func webhookPath(t *testing.T, g gatewayJSON) string {
	t.Helper()
	u, err := url.Parse(g.WebhookURL)
	if err != nil || !strings.HasPrefix(u.Path, "/webhooks/"+g.Kind+"/") {
		t.Fatalf("webhook URL %q", g.WebhookURL)
	}
	return u.Path
}

func sandboxGateway(t *testing.T, c *apptest.Client) gatewayJSON {
	t.Helper()
	for _, g := range gateways(t, c) {
		if g.Kind == "sandbox" {
			return g
		}
	}
	t.Fatal("the seller has no sandbox gateway")
	return gatewayJSON{}
}

// ---- scenarios ----

func testSandboxByDefault(t *testing.T, h *apptest.Harness) {
	c := h.RegisterSeller("sbx").Client
	gs := gateways(t, c)
	if len(gs) != 1 || gs[0].Kind != "sandbox" || !gs[0].Active || !gs[0].Verified {
		t.Fatalf("a new seller's gateways: %+v", gs)
	}
	webhookPath(t, gs[0])

	p := createPayment(t, c, 1990)
	if p.Status != "pending" || p.AmountCents != 1990 || p.Amount != "R$ 19,90" || p.Gateway != "sandbox" ||
		len(p.Reference) < 20 || p.TransactionID == "" || p.ExpiresAt == nil {
		t.Fatalf("payment %+v", p)
	}
	code, err := pix.Decode(p.PixCode)
	if err != nil {
		t.Fatalf("the sandbox code is not a valid BR Code: %v\n%s", err, p.PixCode)
	}
	if code.AmountCents != 1990 || code.TxID != p.TransactionID {
		t.Fatalf("BR Code %+v for payment %+v", code, p)
	}
	if !strings.HasPrefix(p.QRCode, "data:image/png;base64,") {
		t.Fatalf("QR %.40q", p.QRCode)
	}
	// The "I paid" check on an unpaid charge changes nothing.
	res := c.Do("POST", fmt.Sprintf("/api/v1/payments/%d/check", p.ID), nil).RequireStatus(t, http.StatusOK)
	if got := decode[paymentJSON](t, res, "payment"); got.Status != "pending" {
		t.Fatalf("after check: %+v", got)
	}
	list := c.Do("GET", "/api/v1/payments?status=pending", nil).RequireStatus(t, http.StatusOK)
	if n := decode[[]paymentJSON](t, list, "payments"); len(n) != 1 || n[0].ID != p.ID {
		t.Fatalf("pending list: %s", list)
	}
}

func testSaleCommissionRefund(t *testing.T, h *apptest.Harness) {
	admin := h.CreateAdmin("boss").Client
	seller := h.RegisterSeller("vendas")
	c := seller.Client
	p := createPayment(t, c, 1990)

	paid := settle(t, c, p.ID, "paid")
	if paid.Status != "paid" || paid.PaidAt == nil {
		t.Fatalf("after settling paid: %+v", paid)
	}
	// Settling twice changes nothing.
	if again := settle(t, c, p.ID, "paid"); again.Status != "paid" || !again.PaidAt.Equal(*paid.PaidAt) {
		t.Fatalf("second settle: %+v", again)
	}
	// 4% of R$ 19,90 is 79.6 centavos: 80, rounded half-up.
	rev := revenue(t, admin)
	if rev.Sales != 1 || rev.SalesCents != 1990 || rev.CommissionCents != 80 || rev.Reversals != 0 ||
		len(rev.BySeller) != 1 || rev.BySeller[0].SellerID != seller.ID {
		t.Fatalf("revenue after the sale: %+v", rev)
	}
	if n := jobCount(t, h, "payment_paid", p.ID); n != 1 {
		t.Fatalf("%d payment_paid jobs", n)
	}

	res := c.Do("POST", fmt.Sprintf("/api/v1/payments/%d/refund", p.ID), nil).RequireStatus(t, http.StatusOK)
	if r := decode[paymentJSON](t, res, "payment"); r.Status != "refunded" || r.RefundedAt == nil {
		t.Fatalf("after refund: %+v", r)
	}
	rev = revenue(t, admin)
	if rev.CommissionCents != 0 || rev.Reversals != 1 {
		t.Fatalf("revenue after the refund: %+v", rev)
	}
	if n := jobCount(t, h, "payment_reversed", p.ID); n != 1 {
		t.Fatalf("%d payment_reversed jobs", n)
	}
	requireProblem(t, c.Do("POST", fmt.Sprintf("/api/v1/payments/%d/refund", p.ID), nil), http.StatusConflict, "conflict")
	requireProblem(t, c.Do("POST", fmt.Sprintf("/api/v1/payments/%d/sandbox", p.ID), map[string]string{"status": "chargeback"}),
		http.StatusConflict, "conflict")

	// A chargeback (MED) of another sale also reverses its commission.
	q := createPayment(t, c, 1000)
	settle(t, c, q.ID, "paid")
	if cb := settle(t, c, q.ID, "chargeback"); cb.Status != "chargeback" {
		t.Fatalf("after chargeback: %+v", cb)
	}
	if rev = revenue(t, admin); rev.Sales != 2 || rev.CommissionCents != 0 || rev.Reversals != 2 {
		t.Fatalf("revenue after the chargeback: %+v", rev)
	}
}

func testCommissionRate(t *testing.T, h *apptest.Harness) {
	admin := h.CreateAdmin("taxa").Client
	seller := h.RegisterSeller("taxado")
	path := fmt.Sprintf("/api/v1/admin/users/%d/commission", seller.ID)

	requireProblem(t, seller.Client.Do("PUT", path, map[string]int{"rate_bps": 0}), http.StatusForbidden, "forbidden")
	requireProblem(t, admin.Do("PUT", path, map[string]int{"rate_bps": 5001}), http.StatusUnprocessableEntity, "invalid")
	requireProblem(t, admin.Do("PUT", path, map[string]any{"rate_bps": "4%"}), http.StatusUnprocessableEntity, "invalid")
	requireProblem(t, admin.Do("PUT", "/api/v1/admin/users/999999/commission", map[string]int{"rate_bps": 100}), http.StatusNotFound, "not_found")

	// A charge created before the change keeps the old rate.
	before := createPayment(t, seller.Client, 1990)
	admin.Do("PUT", path, map[string]int{"rate_bps": 250}).RequireStatus(t, http.StatusOK)
	after := createPayment(t, seller.Client, 1990)
	settle(t, seller.Client, before.ID, "paid")
	settle(t, seller.Client, after.ID, "paid")
	// 80 (4% of 1990, half-up) + 50 (2.5% of 1990 = 49.75, half-up).
	if rev := revenue(t, admin); rev.CommissionCents != 130 || rev.Sales != 2 {
		t.Fatalf("revenue: %+v", rev)
	}
	res := admin.Do("GET", "/api/v1/admin/audit?action=admin.user_commission", nil).RequireStatus(t, http.StatusOK)
	if !strings.Contains(string(res.Body), `"admin.user_commission"`) {
		t.Fatalf("no audit entry for the rate change: %s", res)
	}
}

func testPaymentValidationAndTenancy(t *testing.T, h *apptest.Harness) {
	alice := h.RegisterSeller("alice").Client
	bob := h.RegisterSeller("bob").Client
	requireProblem(t, alice.Do("POST", "/api/v1/payments", map[string]any{"amount_cents": 49, "description": "x"}), http.StatusUnprocessableEntity, "invalid")
	requireProblem(t, alice.Do("POST", "/api/v1/payments", map[string]any{"amount_cents": 19.9, "description": "x"}), http.StatusUnprocessableEntity, "invalid")
	requireProblem(t, alice.Do("POST", "/api/v1/payments", map[string]any{"amount_cents": 1990}), http.StatusUnprocessableEntity, "invalid")
	requireProblem(t, alice.Do("POST", fmt.Sprintf("/api/v1/payments/%d/sandbox", 1), map[string]string{"status": "pending"}), http.StatusUnprocessableEntity, "invalid")
	requireProblem(t, h.NewClient().Do("GET", "/api/v1/payments", nil), http.StatusUnauthorized, "unauthorized")

	p := createPayment(t, alice, 500)
	for _, req := range []struct{ method, path string }{
		{"GET", fmt.Sprintf("/api/v1/payments/%d", p.ID)},
		{"POST", fmt.Sprintf("/api/v1/payments/%d/check", p.ID)},
		{"POST", fmt.Sprintf("/api/v1/payments/%d/refund", p.ID)},
	} {
		requireProblem(t, bob.Do(req.method, req.path, nil), http.StatusNotFound, "not_found")
	}
	requireProblem(t, bob.Do("POST", fmt.Sprintf("/api/v1/payments/%d/sandbox", p.ID), map[string]string{"status": "paid"}), http.StatusNotFound, "not_found")
	if got := getPayment(t, alice, p.ID); got.Status != "pending" {
		t.Fatalf("bob changed alice's payment: %+v", got)
	}
	if list := decode[[]paymentJSON](t, bob.Do("GET", "/api/v1/payments", nil).RequireStatus(t, http.StatusOK), "payments"); len(list) != 0 {
		t.Fatalf("bob sees %d payments", len(list))
	}
	alice.Do("GET", "/api/v1/gateways", nil).RequireStatus(t, http.StatusOK)
	ag := sandboxGateway(t, alice)
	requireProblem(t, bob.Do("POST", fmt.Sprintf("/api/v1/gateways/%d/deactivate", ag.ID), nil), http.StatusNotFound, "not_found")
	requireProblem(t, bob.Do("DELETE", fmt.Sprintf("/api/v1/gateways/%d", ag.ID), nil), http.StatusNotFound, "not_found")
}

func testExpiryAndLatePayment(t *testing.T, h *apptest.Harness) {
	c := h.RegisterSeller("expira").Client
	p := createPayment(t, c, 700)
	sellerID := decode[struct {
		ID int64 `json:"id"`
	}](t, c.Do("GET", "/api/v1/me", nil).RequireStatus(t, http.StatusOK), "user").ID

	// Within its lifetime the reconciler leaves it alone.
	if _, err := h.App.Payments.Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := getPayment(t, c, p.ID); got.Status != "pending" {
		t.Fatalf("reconciled too early: %+v", got)
	}
	h.Clock.Advance(2 * time.Hour)
	if _, err := h.App.Payments.Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := getPayment(t, c, p.ID); got.Status != "expired" {
		t.Fatalf("after its lifetime: %+v", got)
	}
	// The buyer paid anyway (the bank accepted it late): the "I paid"
	// check turns it into a sale.
	if err := h.App.Store.SetSandboxChargeStatus(t.Context(), sellerID, p.TransactionID, "paid", h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	// (The reconciler just asked the bank; the button asks again once a
	// minute has passed.)
	res := c.Do("POST", fmt.Sprintf("/api/v1/payments/%d/check", p.ID), nil).RequireStatus(t, http.StatusOK)
	if got := decode[paymentJSON](t, res, "payment"); got.Status != "expired" {
		t.Fatalf("check within the throttle: %+v", got)
	}
	h.Clock.Advance(time.Minute + time.Second)
	res = c.Do("POST", fmt.Sprintf("/api/v1/payments/%d/check", p.ID), nil).RequireStatus(t, http.StatusOK)
	if got := decode[paymentJSON](t, res, "payment"); got.Status != "paid" {
		t.Fatalf("late payment: %+v", got)
	}
}

// postWebhook delivers a notification like a gateway would: no cookies, no
// Origin.
func postWebhook(base, path, body string) (int, string, error) {
	resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	var out struct{ Status string }
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out.Status, err
}

func requireWebhook(t *testing.T, h *apptest.Harness, path, body string, status int, outcome string) {
	t.Helper()
	code, got, err := postWebhook(h.URL, path, body)
	if err != nil || code != status || got != outcome {
		t.Fatalf("webhook %s %s: %d %q %v, want %d %q", path, body, code, got, err, status, outcome)
	}
}

func testWebhookForgery(t *testing.T, h *apptest.Harness) {
	alice := h.RegisterSeller("alice")
	bob := h.RegisterSeller("bob")
	ap := createPayment(t, alice.Client, 1990)
	bp := createPayment(t, bob.Client, 1990)
	aHook := webhookPath(t, sandboxGateway(t, alice.Client))
	paid := func(tx string) string {
		return fmt.Sprintf(`{"transaction_id":%q,"status":"paid","amount_cents":1990}`, tx)
	}

	// A guessed token, an unknown gateway, a malformed body.
	requireWebhook(t, h, "/webhooks/sandbox/not-a-real-token-aaaaaaaaaaaaaaaa", paid(ap.TransactionID), 404, "unknown_token")
	requireWebhook(t, h, "/webhooks/nopay/"+strings.TrimPrefix(aHook, "/webhooks/sandbox/"), paid(ap.TransactionID), 404, "unknown_token")
	requireWebhook(t, h, aHook, `{"transaction_id":`, 400, "malformed")
	// An unknown transaction, and bob's transaction on alice's URL.
	requireWebhook(t, h, aHook, paid("SBXDOESNOTEXIST"), 404, "unknown_transaction")
	requireWebhook(t, h, aHook, paid(bp.TransactionID), 404, "unknown_transaction")
	// A "paid" the bank contradicts: the charge is still pending there.
	requireWebhook(t, h, aHook, paid(ap.TransactionID), 200, "status_mismatch")
	if got := getPayment(t, alice.Client, ap.ID); got.Status != "pending" {
		t.Fatalf("a forged webhook changed the payment: %+v", got)
	}
	if got := getPayment(t, bob.Client, bp.ID); got.Status != "pending" {
		t.Fatalf("a forged webhook changed bob's payment: %+v", got)
	}
	// Every attempt that named alice's gateway is on record for her.
	events, err := h.App.Store.WebhookEvents(t.Context(), alice.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, e := range events {
		outcomes[e.Outcome]++
		if e.Body == "" {
			t.Fatalf("webhook stored without its body: %+v", e)
		}
	}
	if outcomes["malformed"] != 1 || outcomes["unknown_transaction"] != 2 || outcomes["status_mismatch"] != 1 {
		t.Fatalf("recorded outcomes %v", outcomes)
	}
	// The genuine confirmation, once the bank has it.
	if err := h.App.Store.SetSandboxChargeStatus(t.Context(), alice.ID, ap.TransactionID, "paid", h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	requireWebhook(t, h, aHook, paid(ap.TransactionID), 200, "accepted")
	requireWebhook(t, h, aHook, paid(ap.TransactionID), 200, "duplicate")
	if got := getPayment(t, alice.Client, ap.ID); got.Status != "paid" {
		t.Fatalf("after the genuine webhook: %+v", got)
	}
}

// testExactlyOnce races the three confirmation paths: the same paid webhook
// twenty times, the buyer's "I paid" check and the reconciler, all at once.
func testExactlyOnce(t *testing.T, h *apptest.Harness) {
	admin := h.CreateAdmin("conta").Client
	seller := h.RegisterSeller("corrida")
	hook := webhookPath(t, sandboxGateway(t, seller.Client))
	for round := range 3 {
		p := createPayment(t, seller.Client, 1990)
		if err := h.App.Store.SetSandboxChargeStatus(t.Context(), seller.ID, p.TransactionID, "paid", h.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf(`{"transaction_id":%q,"status":"paid","amount_cents":1990}`, p.TransactionID)
		var wg sync.WaitGroup
		var accepted, duplicates atomic.Int32
		errs := make(chan error, 32)
		start := make(chan struct{})
		for range 20 {
			wg.Go(func() {
				<-start
				code, outcome, err := postWebhook(h.URL, hook, body)
				switch {
				case err != nil:
					errs <- err
				case code == 200 && outcome == "accepted":
					accepted.Add(1)
				case code == 200 && outcome == "duplicate":
					duplicates.Add(1)
				default:
					errs <- fmt.Errorf("webhook answered %d %q", code, outcome)
				}
			})
		}
		wg.Go(func() {
			<-start
			if _, err := h.App.Payments.Check(context.Background(), seller.ID, p.ID); err != nil {
				errs <- fmt.Errorf("check: %w", err)
			}
		})
		wg.Go(func() {
			<-start
			if _, err := h.App.Payments.Reconcile(context.Background()); err != nil {
				errs <- fmt.Errorf("reconcile: %w", err)
			}
		})
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if got := getPayment(t, seller.Client, p.ID); got.Status != "paid" {
			t.Fatalf("round %d: %+v", round, got)
		}
		if a := accepted.Load(); a > 1 || a+duplicates.Load() != 20 {
			t.Fatalf("round %d: %d webhooks accepted, %d duplicates", round, a, duplicates.Load())
		}
		if n := jobCount(t, h, "payment_paid", p.ID); n != 1 {
			t.Fatalf("round %d: %d payment_paid jobs", round, n)
		}
		commissions, err := h.App.Store.Commissions(t.Context(), seller.ID)
		if err != nil {
			t.Fatal(err)
		}
		booked := 0
		for _, c := range commissions {
			if c.PaymentID == p.ID {
				booked++
			}
		}
		if booked != 1 {
			t.Fatalf("round %d: %d ledger entries for the payment", round, booked)
		}
	}
	if rev := revenue(t, admin); rev.Sales != 3 || rev.CommissionCents != 3*80 {
		t.Fatalf("revenue: %+v", rev)
	}
}

func testGatewayKinds(t *testing.T, h *apptest.Harness) {
	c := h.RegisterSeller("kinds").Client
	res := c.Do("GET", "/api/v1/gateway-kinds", nil).RequireStatus(t, http.StatusOK)
	kinds := decode[[]struct {
		Kind   string `json:"kind"`
		Name   string `json:"name"`
		Fields []struct {
			Name   string `json:"name"`
			Secret bool   `json:"secret"`
		} `json:"fields"`
	}](t, res, "kinds")
	want := []string{"sandbox", "syncpay", "pushinpay", "paradise", "hoopay", "wiinpay", "umbrellapag", "atomopay",
		"orionpay", "babylon", "bolt", "aguiapags", "sigilopay"}
	got := map[string]bool{}
	for _, k := range kinds {
		got[k.Kind] = true
		if k.Name == "" || (k.Kind != "sandbox" && len(k.Fields) == 0) {
			t.Errorf("kind %+v", k)
		}
	}
	for _, k := range want {
		if !got[k] {
			t.Errorf("gateway %s is not offered", k)
		}
	}
	if len(kinds) != len(want) {
		t.Errorf("%d kinds offered, want %d", len(kinds), len(want))
	}
}

// fakePushinPay is a PushinPay API: verification probes answer 404 (valid
// token), charges answer with failNext errors first, then the §5.2 fixture.
type fakePushinPay struct {
	*httptest.Server
	failNext atomic.Int32
	mu       sync.Mutex
	bodies   []map[string]any
}

const pushinToken = "pp_live_0123456789abcdefghij"

func newFakePushinPay(t *testing.T) *fakePushinPay {
	f := &fakePushinPay{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+pushinToken {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"message":"Unauthenticated."}`)
			return
		}
		switch {
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/transactions/"):
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"Transação não encontrada"}`)
		case r.Method == http.MethodPost && r.URL.Path == "/api/pix/cashIn":
			var body map[string]any
			raw, _ := io.ReadAll(r.Body)
			_ = json.Unmarshal(raw, &body)
			f.mu.Lock()
			f.bodies = append(f.bodies, body)
			f.mu.Unlock()
			if f.failNext.Add(-1) >= 0 {
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, `{"message":"Server Error"}`)
				return
			}
			code, _ := pix.BRCode{Key: "recebedor@example.com", MerchantName: "PUSHIN", MerchantCity: "SAO PAULO",
				AmountCents: int64(body["value"].(float64)), TxID: "***"}.Encode()
			_ = json.NewEncoder(w).Encode(map[string]any{"id": "9E1D3C40-0000-4000-8000-00000000ABCD", "qr_code": code,
				"status": "created", "value": body["value"], "qr_code_base64": "data:image/png;base64,iVBORw0KGgo=",
				"webhook_url": body["webhook_url"], "split_rules": []any{}})
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"not found"}`)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakePushinPay) charges() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.bodies...)
}

// withPushinPay runs a scenario with PushinPay's API at a fake.
func withPushinPay(run func(t *testing.T, h *apptest.Harness, f *fakePushinPay)) func(t *testing.T, h *apptest.Harness) {
	return func(t *testing.T, base *apptest.Harness) {
		f := newFakePushinPay(t)
		h := apptest.New(t, apptest.Options{Engine: base.Engine, Env: map[string]string{
			"GATEWAY_BASE_URLS": "pushinpay=" + f.URL, "PUBLIC_URL": "https://vendas.example.com"}})
		run(t, h, f)
	}
}

var testGatewayCRUD = withPushinPay(func(t *testing.T, h *apptest.Harness, f *fakePushinPay) {
	c := h.RegisterSeller("crud").Client
	other := h.RegisterSeller("outro").Client

	requireProblem(t, c.Do("POST", "/api/v1/gateways", map[string]any{"kind": "pushinpay", "credentials": map[string]string{}}),
		http.StatusUnprocessableEntity, "invalid")
	res := c.Do("POST", "/api/v1/gateways", map[string]any{"kind": "pushinpay", "credentials": map[string]string{"api_key": "short"}})
	requireProblem(t, res, http.StatusUnprocessableEntity, "invalid")
	requireFieldError(t, res, http.StatusUnprocessableEntity, "body.credentials.api_key")
	res = c.Do("POST", "/api/v1/gateways", map[string]any{"kind": "pushinpay", "credentials": map[string]string{"api_key": pushinToken, "pin": "1"}})
	requireFieldError(t, res, http.StatusUnprocessableEntity, "body.credentials.pin")
	requireProblem(t, c.Do("POST", "/api/v1/gateways", map[string]any{"kind": "paypal", "credentials": map[string]string{}}),
		http.StatusUnprocessableEntity, "invalid")

	// Wrong token: stored, but unverified and inactive.
	res = c.Do("POST", "/api/v1/gateways", map[string]any{"kind": "pushinpay", "credentials": map[string]string{"api_key": "pp_wrong_0123456789abcdefghij"}})
	bad := decode[gatewayJSON](t, res.RequireStatus(t, http.StatusCreated), "gateway")
	if bad.Verified || bad.Active || bad.LastError == "" {
		t.Fatalf("gateway with a refused token: %+v", bad)
	}
	requireProblem(t, c.Do("POST", fmt.Sprintf("/api/v1/gateways/%d/activate", bad.ID), nil), http.StatusConflict, "conflict")
	// Fixing the token verifies it again.
	res = c.Do("PATCH", fmt.Sprintf("/api/v1/gateways/%d", bad.ID), map[string]any{"credentials": map[string]string{"api_key": pushinToken}, "priority": 0})
	g := decode[gatewayJSON](t, res.RequireStatus(t, http.StatusOK), "gateway")
	if !g.Verified || g.Active || g.LastError != "" || g.Priority != 0 {
		t.Fatalf("after fixing the token: %+v", g)
	}
	if strings.Contains(string(res.Body), pushinToken) || g.Credentials["api_key"] == "" {
		t.Fatalf("credentials not masked: %s", res)
	}
	if !strings.HasPrefix(g.WebhookURL, "https://vendas.example.com/webhooks/pushinpay/") {
		t.Fatalf("webhook URL %q", g.WebhookURL)
	}
	g = decode[gatewayJSON](t, c.Do("POST", fmt.Sprintf("/api/v1/gateways/%d/activate", g.ID), nil).RequireStatus(t, http.StatusOK), "gateway")
	if !g.Active {
		t.Fatalf("after activation: %+v", g)
	}
	// Priority 0 beats the sandbox's default: the charge goes to PushinPay
	// with the amount in centavos and our webhook URL.
	p := createPayment(t, c, 1990)
	if p.Gateway != "pushinpay" || p.TransactionID != "9e1d3c40-0000-4000-8000-00000000abcd" {
		t.Fatalf("payment %+v", p)
	}
	sent := f.charges()
	if len(sent) != 1 || sent[0]["value"] != float64(1990) || sent[0]["webhook_url"] != g.WebhookURL {
		t.Fatalf("charges sent to PushinPay: %v", sent)
	}
	// Re-verification, listing, tenancy, deactivation and deletion.
	c.Do("POST", fmt.Sprintf("/api/v1/gateways/%d/verify", g.ID), nil).RequireStatus(t, http.StatusOK)
	list := c.Do("GET", "/api/v1/gateways", nil).RequireStatus(t, http.StatusOK)
	if strings.Contains(string(list.Body), pushinToken) {
		t.Fatalf("gateway list leaks the token: %s", list)
	}
	requireProblem(t, other.Do("PATCH", fmt.Sprintf("/api/v1/gateways/%d", g.ID), map[string]any{"priority": 5}), http.StatusNotFound, "not_found")
	requireProblem(t, other.Do("POST", fmt.Sprintf("/api/v1/gateways/%d/verify", g.ID), nil), http.StatusNotFound, "not_found")
	g = decode[gatewayJSON](t, c.Do("POST", fmt.Sprintf("/api/v1/gateways/%d/deactivate", g.ID), nil).RequireStatus(t, http.StatusOK), "gateway")
	if g.Active {
		t.Fatalf("after deactivation: %+v", g)
	}
	if p := createPayment(t, c, 1990); p.Gateway != "sandbox" {
		t.Fatalf("with PushinPay inactive the charge went to %s", p.Gateway)
	}
	c.Do("DELETE", fmt.Sprintf("/api/v1/gateways/%d", g.ID), nil).RequireStatus(t, http.StatusNoContent)
	requireProblem(t, c.Do("POST", fmt.Sprintf("/api/v1/gateways/%d/verify", g.ID), nil), http.StatusNotFound, "not_found")
	// Its payments stay, and its webhook URL no longer answers.
	if got := getPayment(t, c, p.ID); got.Gateway != "pushinpay" {
		t.Fatalf("payment after deleting its gateway: %+v", got)
	}
	u, _ := url.Parse(g.WebhookURL)
	requireWebhook(t, h, u.Path, `{"id":"x","status":"paid","value":1990}`, 404, "unknown_token")
	// Nothing secret went to the logs.
	if strings.Contains(h.Logs.String(), pushinToken) {
		t.Fatal("the API token appears in the server log")
	}
})

var testGatewayFallback = withPushinPay(func(t *testing.T, h *apptest.Harness, f *fakePushinPay) {
	c := h.RegisterSeller("fallback").Client
	sb := sandboxGateway(t, c)
	res := c.Do("POST", "/api/v1/gateways", map[string]any{"kind": "pushinpay", "priority": 0, "credentials": map[string]string{"api_key": pushinToken}})
	g := decode[gatewayJSON](t, res.RequireStatus(t, http.StatusCreated), "gateway")
	c.Do("POST", fmt.Sprintf("/api/v1/gateways/%d/activate", g.ID), nil).RequireStatus(t, http.StatusOK)
	if sb.Priority <= 0 {
		t.Fatalf("sandbox priority %d is not behind the primary", sb.Priority)
	}

	// PushinPay fails: the sandbox (the fallback) takes the charge.
	f.failNext.Store(1)
	if p := createPayment(t, c, 1990); p.Gateway != "sandbox" || p.Status != "pending" || p.PixCode == "" {
		t.Fatalf("fallback payment %+v", p)
	}
	// Both fail: a clear 503 and a failed payment on record.
	c.Do("POST", fmt.Sprintf("/api/v1/gateways/%d/deactivate", sb.ID), nil).RequireStatus(t, http.StatusOK)
	f.failNext.Store(1)
	requireProblem(t, c.Do("POST", "/api/v1/payments", map[string]any{"amount_cents": 1990, "description": "x"}), http.StatusServiceUnavailable, "unavailable")
	failed := decode[[]paymentJSON](t, c.Do("GET", "/api/v1/payments?status=failed", nil).RequireStatus(t, http.StatusOK), "payments")
	if len(failed) != 1 {
		t.Fatalf("%d failed payments", len(failed))
	}
	// With no active gateway at all: a conflict telling the seller what to do.
	c.Do("POST", fmt.Sprintf("/api/v1/gateways/%d/deactivate", g.ID), nil).RequireStatus(t, http.StatusOK)
	res = c.Do("POST", "/api/v1/payments", map[string]any{"amount_cents": 1990, "description": "x"})
	requireProblem(t, res, http.StatusConflict, "conflict")
	if !bytes.Contains(res.Body, []byte("activate")) {
		t.Fatalf("no guidance: %s", res)
	}
})
