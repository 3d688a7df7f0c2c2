package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
)

// paymentCases cover grimbots.PaymentStore and the key-rotation helpers.
var paymentCases = []testCase{
	{"Gateway/CreateRoundTrip", testGatewayCreateRoundTrip},
	{"Gateway/CreateConflict", testGatewayCreateConflict},
	{"Gateway/CreateConcurrentSameKind", testGatewayCreateConcurrent},
	{"Gateway/ReviveDeleted", testGatewayRevive},
	{"Gateway/ListByPriority", testGatewayList},
	{"Gateway/Lookup", testGatewayLookup},
	{"Gateway/ByWebhook", testGatewayByWebhook},
	{"Gateway/Update", testGatewayUpdate},
	{"Gateway/Delete", testGatewayDelete},

	{"Payment/CreateRoundTrip", testPaymentCreateRoundTrip},
	{"Payment/SetCharge", testSetPaymentCharge},
	{"Payment/SetChargeOnlyPending", testSetPaymentChargeOnlyPending},
	{"Payment/SetChargeDuplicateTransaction", testSetPaymentChargeDuplicate},
	{"Payment/ByReference", testPaymentByReference},
	{"Payment/ByTransaction", testPaymentByTransaction},
	{"Payment/Reusable", testReusablePayment},
	{"Payment/List", testListPayments},
	{"Payment/Pending", testPendingPayments},
	{"Payment/ClaimCheck", testClaimPaymentCheck},

	{"Transition/PaidBooksCommission", testTransitionPaid},
	{"Transition/FromMismatchWritesNothing", testTransitionFromMismatch},
	{"Transition/CommissionRounding", testTransitionRounding},
	{"Transition/CommissionUsesRateOfTheCharge", testTransitionRateSnapshot},
	{"Transition/ReversalOnce", testTransitionReversal},
	{"Transition/ReversalWithoutCharge", testTransitionReversalWithoutCharge},
	{"Transition/LatePayment", testTransitionLatePayment},
	{"Transition/FailedJobRollsBack", testTransitionJobsRollback},
	{"Transition/JobsWithoutQueue", testTransitionJobsWithoutQueue},
	{"Transition/NotFound", testTransitionNotFound},
	{"Transition/ConcurrentExactlyOnce", testTransitionConcurrent},
	{"Transition/EventRecordsReplacedStatus", testTransitionReplacedStatus},

	{"Webhook/RecordAndOutcome", testWebhookRecord},
	{"Webhook/BinaryBody", testWebhookBinary},
	{"Webhook/LargeBody", testWebhookLargeBody},

	{"Commission/SetRate", testSetCommissionRate},
	{"Commission/List", testCommissionsList},
	{"Commission/PlatformRevenue", testPlatformRevenue},

	{"Sandbox/Charges", testSandboxCharges},

	{"Sealed/ValuesAndReplace", testSealed},
}

// ---------------------------------------------------------------------------
// Payment fixtures (exported for the tenancy tests of package store).

var fixtureSeq atomic.Int64

// NewBot creates a bot of sellerID with AddBot and returns its id.
func NewBot(t testing.TB, s *store.Store, sellerID int64, name string) int64 {
	t.Helper()
	return AddBot(t, s, sellerID, name).ID
}

// NewLead inserts a lead of sellerID on botID and returns its id.
func NewLead(t testing.TB, s *store.Store, sellerID, botID int64) int64 {
	t.Helper()
	var id int64
	err := s.DB().Primary().QueryRowContext(context.Background(), `INSERT INTO leads (seller_id, bot_id, telegram_user_id, first_name,
		first_seen_at, last_interaction_at) VALUES ($1, $2, $3, 'Lead', $4, $4) RETURNING id`,
		sellerID, botID, fixtureSeq.Add(1), Epoch).Scan(&id)
	if err != nil {
		t.Fatalf("inserting lead: %v", err)
	}
	return id
}

// NewGateway configures an active gateway of kind for sellerID, with the
// webhook token "wh-<seller>-<kind>" and credentials "sealed-<seller>-<kind>".
func NewGateway(t testing.TB, s *store.Store, sellerID int64, kind string, mods ...func(*grimbots.GatewayAccount)) *grimbots.GatewayAccount {
	t.Helper()
	g := &grimbots.GatewayAccount{SellerID: sellerID, Kind: kind, CredentialsCiphertext: fmt.Sprintf("sealed-%d-%s", sellerID, kind),
		WebhookToken: fmt.Sprintf("wh-%d-%s", sellerID, kind), Active: true, CreatedAt: Epoch, UpdatedAt: Epoch}
	for _, m := range mods {
		m(g)
	}
	if err := s.CreateGatewayAccount(context.Background(), g); err != nil {
		t.Fatalf("CreateGatewayAccount(%d, %s): %v", sellerID, kind, err)
	}
	return g
}

// NewPayment creates a pending "sandbox" payment of sellerID at Epoch, at
// 400 basis points, for the offer "main".
func NewPayment(t testing.TB, s *store.Store, sellerID int64, reference string, amountCents int64, mods ...func(*grimbots.Payment)) *grimbots.Payment {
	t.Helper()
	p := &grimbots.Payment{SellerID: sellerID, GatewayKind: "sandbox", Reference: reference, AmountCents: amountCents,
		Status: grimbots.PaymentPending, Description: "Plano VIP " + reference, OfferKey: "main", CommissionBasisPoints: 400,
		CreatedAt: Epoch, UpdatedAt: Epoch}
	for _, m := range mods {
		m(p)
	}
	if err := s.CreatePayment(context.Background(), p); err != nil {
		t.Fatalf("CreatePayment(%d, %s): %v", sellerID, reference, err)
	}
	return p
}

// ChargePayment records a gateway charge (transaction txID, hash, a PIX
// code and a QR code) on the pending payment p, and updates p.
func ChargePayment(t testing.TB, s *store.Store, p *grimbots.Payment, txID, hash string, expires *time.Time) *grimbots.Payment {
	t.Helper()
	p.TransactionID, p.Hash, p.ExpiresAt = txID, hash, expires
	p.PixCode = "00020126580014br.gov.bcb.pix-" + p.Reference
	p.QRCode = "data:image/png;base64,UVI=" + p.Reference
	if err := s.SetPaymentCharge(context.Background(), p); err != nil {
		t.Fatalf("SetPaymentCharge(%s): %v", p.Reference, err)
	}
	return p
}

// Transition applies a transition of p without jobs and fails the test on
// an error; it returns whether the payment changed.
func Transition(t testing.TB, s *store.Store, p *grimbots.Payment, from []string, to, commission string, now time.Time) bool {
	t.Helper()
	changed, _, err := s.TransitionPayment(context.Background(), grimbots.PaymentTransition{SellerID: p.SellerID, PaymentID: p.ID,
		From: from, To: to, Source: grimbots.SourceWebhook, RawStatus: strings.ToUpper(to), Now: now, Commission: commission})
	if err != nil {
		t.Fatalf("TransitionPayment(%s -> %s): %v", p.Reference, to, err)
	}
	return changed
}

// PaymentEvent is a row of payment_events (the store has no reader for it).
type PaymentEvent struct {
	SellerID, PaymentID      int64
	From, To, Source, RawSts string
	CreatedAt                time.Time
}

// PaymentEvents returns the event rows of a payment, oldest first.
func PaymentEvents(t testing.TB, s *store.Store, paymentID int64) []PaymentEvent {
	t.Helper()
	rows, err := s.DB().Primary().QueryContext(context.Background(), `SELECT seller_id, payment_id, from_status, to_status, source,
		raw_status, created_at FROM payment_events WHERE payment_id = $1 ORDER BY id`, paymentID)
	Must(t, err)
	defer rows.Close()
	var out []PaymentEvent
	for rows.Next() {
		var e PaymentEvent
		Must(t, rows.Scan(&e.SellerID, &e.PaymentID, &e.From, &e.To, &e.Source, &e.RawSts, &e.CreatedAt))
		e.CreatedAt = e.CreatedAt.UTC()
		out = append(out, e)
	}
	Must(t, rows.Err())
	return out
}

// TestJob is a job of kind "test_"+Name.
type TestJob struct{ Name string }

// Kind implements grimbots.Job.
func (j TestJob) Kind() string { return "test_" + j.Name }

// JobRecorder is a store.JobInserter that writes one marker row per job in
// the caller's transaction (an audit entry with action "job."+kind) and
// records the jobs. The markers commit or roll back with the transaction,
// which proves the jobs are inserted in it.
type JobRecorder struct {
	// Fail, when set, makes InsertTx return it after writing the markers.
	Fail error

	mu   sync.Mutex
	jobs []grimbots.Job
}

// InsertTx implements store.JobInserter.
func (r *JobRecorder) InsertTx(ctx context.Context, tx *sql.Tx, jobs ...grimbots.Job) error {
	for _, j := range jobs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (action, created_at) VALUES ($1, $2)`, "job."+j.Kind(), Epoch); err != nil {
			return err
		}
	}
	if r.Fail != nil {
		return r.Fail
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jobs = append(r.jobs, jobs...)
	return nil
}

// Kinds returns the kinds of the recorded jobs, in order.
func (r *JobRecorder) Kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.jobs))
	for i, j := range r.jobs {
		out[i] = j.Kind()
	}
	return out
}

var _ store.JobInserter = (*JobRecorder)(nil)

// withJobs returns a store on s's database that enqueues through r.
func withJobs(s *store.Store, r *JobRecorder) *store.Store {
	return store.New(s.DB(), store.WithJobs(r))
}

// jobMarkers counts committed marker rows of jobs of kind.
func jobMarkers(t testing.TB, s *store.Store, kind string) int { return auditCount(t, s, "job."+kind) }

// ---------------------------------------------------------------------------
// Payment assertions

func sameGateway(t testing.TB, got, want *grimbots.GatewayAccount) {
	t.Helper()
	if got == nil || want == nil {
		t.Fatalf("sameGateway: got %v, want %v", got, want)
	}
	if got.ID != want.ID || got.SellerID != want.SellerID || got.Kind != want.Kind ||
		got.CredentialsCiphertext != want.CredentialsCiphertext || got.WebhookToken != want.WebhookToken ||
		got.Priority != want.Priority || got.Active != want.Active || got.LastError != want.LastError {
		t.Errorf("gateway mismatch:\n got %+v\nwant %+v", *got, *want)
	}
	WantTimePtr(t, "gateway VerifiedAt", got.VerifiedAt, want.VerifiedAt)
	WantTime(t, "gateway CreatedAt", got.CreatedAt, want.CreatedAt)
	WantTime(t, "gateway UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

func eqPtr[T comparable](a, b *T) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func samePayment(t testing.TB, got, want *grimbots.Payment) {
	t.Helper()
	if got == nil || want == nil {
		t.Fatalf("samePayment: got %v, want %v", got, want)
	}
	if got.ID != want.ID || got.SellerID != want.SellerID || !eqPtr(got.BotID, want.BotID) || !eqPtr(got.LeadID, want.LeadID) ||
		!eqPtr(got.GatewayID, want.GatewayID) || got.GatewayKind != want.GatewayKind || got.Reference != want.Reference ||
		got.TransactionID != want.TransactionID || got.Hash != want.Hash || got.AmountCents != want.AmountCents ||
		got.Status != want.Status || got.Description != want.Description || got.OfferKey != want.OfferKey ||
		got.PixCode != want.PixCode || got.QRCode != want.QRCode || got.CommissionBasisPoints != want.CommissionBasisPoints ||
		got.FailureReason != want.FailureReason {
		t.Errorf("payment mismatch:\n got %+v\nwant %+v", *got, *want)
	}
	WantTimePtr(t, "payment ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	WantTimePtr(t, "payment PaidAt", got.PaidAt, want.PaidAt)
	WantTimePtr(t, "payment RefundedAt", got.RefundedAt, want.RefundedAt)
	WantTimePtr(t, "payment CheckedAt", got.CheckedAt, want.CheckedAt)
	WantTime(t, "payment CreatedAt", got.CreatedAt, want.CreatedAt)
	WantTime(t, "payment UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

func reload(t testing.TB, s *store.Store, p *grimbots.Payment) *grimbots.Payment {
	t.Helper()
	got, err := s.Payment(context.Background(), p.SellerID, p.ID)
	Must(t, err)
	return got
}

func paymentIDs(ps []*grimbots.Payment) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func gatewayIDs(gs []*grimbots.GatewayAccount) []int64 {
	out := make([]int64, len(gs))
	for i, g := range gs {
		out[i] = g.ID
	}
	return out
}

// commissionsOf returns a seller's ledger as "kind:amount" strings.
func commissionsOf(t testing.TB, s *store.Store, sellerID int64) []string {
	t.Helper()
	cs, err := s.Commissions(context.Background(), sellerID)
	Must(t, err)
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("%s:%d", c.Kind, c.AmountCents)
	}
	return out
}

func wantStrings(t testing.TB, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// ---------------------------------------------------------------------------
// Gateways

func testGatewayCreateRoundTrip(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	verified := Epoch.Add(-time.Hour)
	g := &grimbots.GatewayAccount{SellerID: u.ID, Kind: "pushinpay", CredentialsCiphertext: "v1.sealed.credentials",
		WebhookToken: "tok-0123456789abcdef", Priority: 3, Active: true, VerifiedAt: &verified, LastError: "timeout once",
		CreatedAt: Epoch.In(brt), UpdatedAt: Epoch.Add(time.Second)}
	Must(t, s.CreateGatewayAccount(ctx, g))
	if g.ID <= 0 {
		t.Fatalf("CreateGatewayAccount set ID %d", g.ID)
	}
	got, err := s.GatewayAccount(ctx, u.ID, g.ID)
	Must(t, err)
	// updated_at starts at created_at.
	want := *g
	want.UpdatedAt = Epoch
	sameGateway(t, got, &want)

	h := NewGateway(t, s, u.ID, "syncpay", func(g *grimbots.GatewayAccount) { g.Active = false })
	if h.ID == g.ID {
		t.Fatalf("two gateways with id %d", h.ID)
	}
	got, err = s.GatewayAccount(ctx, u.ID, h.ID)
	Must(t, err)
	sameGateway(t, got, h)
}

func testGatewayCreateConflict(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	g := NewGateway(t, s, u.ID, "pushinpay")
	dup := &grimbots.GatewayAccount{SellerID: u.ID, Kind: "pushinpay", CredentialsCiphertext: "other", WebhookToken: "tok-dup",
		CreatedAt: Epoch.Add(time.Hour), UpdatedAt: Epoch.Add(time.Hour)}
	WantCode(t, s.CreateGatewayAccount(ctx, dup), grimbots.ECONFLICT)
	got, err := s.GatewayAccount(ctx, u.ID, g.ID)
	Must(t, err)
	sameGateway(t, got, g)
	// The token of the refused account resolves to nothing.
	_, err = s.GatewayAccountByWebhook(ctx, "pushinpay", "tok-dup")
	WantCode(t, err, grimbots.ENOTFOUND)
	// Another kind, or the same kind for another seller, is fine.
	NewGateway(t, s, u.ID, "syncpay")
	NewGateway(t, s, v.ID, "pushinpay")
	list, err := s.GatewayAccounts(ctx, u.ID)
	Must(t, err)
	if len(list) != 2 {
		t.Errorf("seller has %d gateways, want 2", len(list))
	}
}

func testGatewayCreateConcurrent(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs <- s.CreateGatewayAccount(context.Background(), &grimbots.GatewayAccount{SellerID: u.ID, Kind: "pushinpay",
				CredentialsCiphertext: "c", WebhookToken: fmt.Sprintf("tok-race-%d", i), CreatedAt: Epoch, UpdatedAt: Epoch})
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	ok, conflicts := 0, 0
	for err := range errs {
		switch grimbots.ErrorCode(err) {
		case "":
			ok++
		case grimbots.ECONFLICT:
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || conflicts != n-1 {
		t.Errorf("%d created and %d ECONFLICT, want 1 and %d", ok, conflicts, n-1)
	}
	list, err := s.GatewayAccounts(t.Context(), u.ID)
	Must(t, err)
	if len(list) != 1 {
		t.Errorf("%d gateways after the race, want 1", len(list))
	}
}

func testGatewayRevive(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	old := NewGateway(t, s, u.ID, "pushinpay", func(g *grimbots.GatewayAccount) {
		g.Priority, g.LastError, g.VerifiedAt = 1, "old error", Ptr(Epoch)
	})
	Must(t, s.DeleteGatewayAccount(ctx, u.ID, old.ID, Epoch.Add(time.Minute)))

	later := Epoch.Add(time.Hour)
	g := &grimbots.GatewayAccount{SellerID: u.ID, Kind: "pushinpay", CredentialsCiphertext: "new-credentials",
		WebhookToken: "tok-new", Priority: 0, Active: true, CreatedAt: later, UpdatedAt: later}
	Must(t, s.CreateGatewayAccount(ctx, g))
	if g.ID != old.ID {
		t.Fatalf("revived gateway has id %d, want the deleted row's %d", g.ID, old.ID)
	}
	got, err := s.GatewayAccount(ctx, u.ID, g.ID)
	Must(t, err)
	sameGateway(t, got, g) // every field replaced, verification and error cleared
	list, err := s.GatewayAccounts(ctx, u.ID)
	Must(t, err)
	wantIDs(t, "gateways after revival", gatewayIDs(list), []int64{g.ID})
	if _, err := s.GatewayAccountByWebhook(ctx, "pushinpay", "tok-new"); err != nil {
		t.Errorf("revived gateway's new token: %v", err)
	}
	_, err = s.GatewayAccountByWebhook(ctx, "pushinpay", old.WebhookToken)
	WantCode(t, err, grimbots.ENOTFOUND)
	// deleted_at is cleared: the revived account is live, so another
	// create conflicts and a delete works again.
	WantCode(t, s.CreateGatewayAccount(ctx, &grimbots.GatewayAccount{SellerID: u.ID, Kind: "pushinpay", CredentialsCiphertext: "x",
		WebhookToken: "tok-x", CreatedAt: later, UpdatedAt: later}), grimbots.ECONFLICT)
	Must(t, s.DeleteGatewayAccount(ctx, u.ID, g.ID, later))
}

func testGatewayList(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	prio := func(p int) func(*grimbots.GatewayAccount) { return func(g *grimbots.GatewayAccount) { g.Priority = p } }
	c := NewGateway(t, s, u.ID, "c", prio(2))
	a := NewGateway(t, s, u.ID, "a", prio(0))
	b1 := NewGateway(t, s, u.ID, "b1", prio(1))
	b2 := NewGateway(t, s, u.ID, "b2", prio(1), func(g *grimbots.GatewayAccount) { g.Active = false })
	gone := NewGateway(t, s, u.ID, "gone", prio(-1))
	NewGateway(t, s, v.ID, "a", prio(-5))
	Must(t, s.DeleteGatewayAccount(ctx, u.ID, gone.ID, Epoch))
	list, err := s.GatewayAccounts(ctx, u.ID)
	Must(t, err)
	// Lowest priority first, ties by id; inactive listed, deleted not.
	wantIDs(t, "GatewayAccounts", gatewayIDs(list), []int64{a.ID, b1.ID, b2.ID, c.ID})
	if len(list) == 4 {
		sameGateway(t, list[2], b2)
	}
	list, err = s.GatewayAccounts(ctx, 999)
	Must(t, err)
	if len(list) != 0 {
		t.Errorf("unknown seller has %d gateways", len(list))
	}
}

func testGatewayLookup(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	g := NewGateway(t, s, u.ID, "pushinpay")
	gone := NewGateway(t, s, u.ID, "syncpay")
	Must(t, s.DeleteGatewayAccount(ctx, u.ID, gone.ID, Epoch))
	got, err := s.GatewayAccount(ctx, u.ID, g.ID)
	Must(t, err)
	sameGateway(t, got, g)
	for _, tt := range []struct {
		seller, id int64
	}{{u.ID, gone.ID}, {v.ID, g.ID}, {u.ID, 999}} {
		_, err := s.GatewayAccount(ctx, tt.seller, tt.id)
		WantCode(t, err, grimbots.ENOTFOUND)
	}
}

func testGatewayByWebhook(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	g := NewGateway(t, s, u.ID, "pushinpay", func(g *grimbots.GatewayAccount) { g.Active = false })
	gone := NewGateway(t, s, u.ID, "syncpay")
	Must(t, s.DeleteGatewayAccount(ctx, u.ID, gone.ID, Epoch))
	got, err := s.GatewayAccountByWebhook(ctx, "pushinpay", g.WebhookToken)
	Must(t, err)
	sameGateway(t, got, g) // an inactive account still receives its webhooks
	for _, tt := range []struct{ kind, token string }{
		{"syncpay", g.WebhookToken},            // wrong kind
		{"syncpay", gone.WebhookToken},         // deleted
		{"pushinpay", "nope"},                  // unknown
		{"pushinpay", ""},                      // empty
		{"pushinpay", g.WebhookToken[:5]},      // prefix
		{"pushinpay", strings.ToUpper("wh-x")}, // unrelated
	} {
		_, err := s.GatewayAccountByWebhook(ctx, tt.kind, tt.token)
		WantCode(t, err, grimbots.ENOTFOUND)
	}
}

func testGatewayUpdate(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	g := NewGateway(t, s, u.ID, "pushinpay")
	verified := Epoch.Add(time.Minute)
	upd := *g
	upd.CredentialsCiphertext, upd.Priority, upd.Active, upd.VerifiedAt, upd.LastError = "rotated", 7, false, &verified, "401 from provider"
	upd.UpdatedAt = Epoch.Add(2 * time.Minute).In(brt)
	// Kind, token and creation time are not mutable.
	upd.Kind, upd.WebhookToken, upd.CreatedAt = "syncpay", "tok-changed", Epoch.Add(time.Hour)
	Must(t, s.UpdateGatewayAccount(ctx, &upd))
	got, err := s.GatewayAccount(ctx, u.ID, g.ID)
	Must(t, err)
	want := upd
	want.Kind, want.WebhookToken, want.CreatedAt = g.Kind, g.WebhookToken, g.CreatedAt
	sameGateway(t, got, &want)
	// Clearing the verification stores NULL.
	upd.VerifiedAt, upd.LastError = nil, ""
	Must(t, s.UpdateGatewayAccount(ctx, &upd))
	got, err = s.GatewayAccount(ctx, u.ID, g.ID)
	Must(t, err)
	WantTimePtr(t, "VerifiedAt after clearing", got.VerifiedAt, nil)

	// Another seller's id, an unknown id and a deleted account: ENOTFOUND.
	other := upd
	other.SellerID = v.ID
	WantCode(t, s.UpdateGatewayAccount(ctx, &other), grimbots.ENOTFOUND)
	unknown := upd
	unknown.ID = 999
	WantCode(t, s.UpdateGatewayAccount(ctx, &unknown), grimbots.ENOTFOUND)
	Must(t, s.DeleteGatewayAccount(ctx, u.ID, g.ID, Epoch))
	WantCode(t, s.UpdateGatewayAccount(ctx, &upd), grimbots.ENOTFOUND)
}

func testGatewayDelete(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	g := NewGateway(t, s, u.ID, "pushinpay")
	keep := NewGateway(t, s, u.ID, "syncpay")
	p := NewPayment(t, s, u.ID, "ref-1", 1000, func(p *grimbots.Payment) { p.GatewayID, p.GatewayKind = &g.ID, g.Kind })

	WantCode(t, s.DeleteGatewayAccount(ctx, v.ID, g.ID, Epoch), grimbots.ENOTFOUND)
	Must(t, s.DeleteGatewayAccount(ctx, u.ID, g.ID, Epoch.Add(time.Minute)))
	WantCode(t, s.DeleteGatewayAccount(ctx, u.ID, g.ID, Epoch.Add(time.Minute)), grimbots.ENOTFOUND)
	WantCode(t, s.DeleteGatewayAccount(ctx, u.ID, 999, Epoch), grimbots.ENOTFOUND)
	_, err := s.GatewayAccount(ctx, u.ID, g.ID)
	WantCode(t, err, grimbots.ENOTFOUND)
	list, err := s.GatewayAccounts(ctx, u.ID)
	Must(t, err)
	wantIDs(t, "gateways after delete", gatewayIDs(list), []int64{keep.ID})
	// The payment keeps pointing at the deleted account.
	got := reload(t, s, p)
	if got.GatewayID == nil || *got.GatewayID != g.ID {
		t.Errorf("payment's gateway = %v after delete, want %d", got.GatewayID, g.ID)
	}
	// Deleted rows keep their ciphertext for key rotation.
	vals, err := s.SealedValues(ctx, "gateway_credentials")
	Must(t, err)
	if !slices.Contains(vals, store.Sealed{ID: g.ID, AD: grimbots.GatewayCredentialsAD(g.SellerID, g.Kind), Value: g.CredentialsCiphertext}) {
		t.Errorf("SealedValues lost the deleted gateway: %v", vals)
	}
}

// ---------------------------------------------------------------------------
// Payments

func testPaymentCreateRoundTrip(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	bot := NewBot(t, s, u.ID, "maria")
	lead := NewLead(t, s, u.ID, bot)
	g := NewGateway(t, s, u.ID, "pushinpay")
	p := &grimbots.Payment{SellerID: u.ID, BotID: &bot, LeadID: &lead, GatewayID: &g.ID, GatewayKind: "pushinpay",
		Reference: "gb_ref_0001", AmountCents: 1990, Status: grimbots.PaymentPending, Description: "Acesso VIP — 30 dias",
		OfferKey: "upsell-1", CommissionBasisPoints: 375, CreatedAt: Epoch.In(brt), UpdatedAt: Epoch.Add(time.Hour)}
	Must(t, s.CreatePayment(ctx, p))
	if p.ID <= 0 {
		t.Fatalf("CreatePayment set ID %d", p.ID)
	}
	want := *p
	want.UpdatedAt = Epoch // updated_at starts at created_at
	samePayment(t, reload(t, s, p), &want)

	// Without bot, lead or gateway.
	q := NewPayment(t, s, u.ID, "gb_ref_0002", 1)
	samePayment(t, reload(t, s, q), q)
	// A duplicate reference is refused.
	if err := s.CreatePayment(ctx, &grimbots.Payment{SellerID: u.ID, GatewayKind: "sandbox", Reference: "gb_ref_0001",
		AmountCents: 5, Status: grimbots.PaymentPending, CreatedAt: Epoch, UpdatedAt: Epoch}); err == nil {
		t.Error("duplicate reference accepted")
	}
}

func testSetPaymentCharge(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	g := NewGateway(t, s, u.ID, "pushinpay")
	h := NewGateway(t, s, u.ID, "syncpay")
	p := NewPayment(t, s, u.ID, "ref-1", 1990)
	exp := Epoch.Add(30 * time.Minute)
	p.GatewayID, p.GatewayKind, p.UpdatedAt = &g.ID, g.Kind, Epoch.Add(time.Second)
	ChargePayment(t, s, p, "tx-1", "hash-1", &exp)
	samePayment(t, reload(t, s, p), p)

	// A pending payment can be charged again (a fallback gateway).
	p.GatewayID, p.GatewayKind, p.UpdatedAt = &h.ID, h.Kind, Epoch.Add(2*time.Second)
	ChargePayment(t, s, p, "tx-2", "", nil)
	samePayment(t, reload(t, s, p), p)

	// Empty transaction ids are NULL: any number of payments may have none.
	for _, ref := range []string{"ref-2", "ref-3"} {
		q := NewPayment(t, s, u.ID, ref, 100, func(q *grimbots.Payment) { q.GatewayKind = "syncpay" })
		ChargePayment(t, s, q, "", "", nil)
	}

	// Another seller's id or an unknown payment: ENOTFOUND.
	v := NewUser(t, s, "other")
	other := *p
	other.SellerID, other.TransactionID = v.ID, "tx-other"
	WantCode(t, s.SetPaymentCharge(ctx, &other), grimbots.ENOTFOUND)
	other.SellerID, other.ID = u.ID, 999
	WantCode(t, s.SetPaymentCharge(ctx, &other), grimbots.ENOTFOUND)
	samePayment(t, reload(t, s, p), p)
}

func testSetPaymentChargeOnlyPending(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	for i, status := range []string{grimbots.PaymentPaid, grimbots.PaymentExpired, grimbots.PaymentFailed} {
		p := NewPayment(t, s, u.ID, fmt.Sprintf("ref-%d", i), 1000)
		if !Transition(t, s, p, []string{grimbots.PaymentPending}, status, "", Epoch) {
			t.Fatalf("transition to %s did not change", status)
		}
		before := reload(t, s, p)
		late := *before
		late.TransactionID, late.PixCode, late.UpdatedAt = "tx-late", "pix", Epoch.Add(time.Hour)
		WantCode(t, s.SetPaymentCharge(ctx, &late), grimbots.ENOTFOUND)
		samePayment(t, reload(t, s, p), before)
	}
}

func testSetPaymentChargeDuplicate(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	p := NewPayment(t, s, u.ID, "ref-1", 1000, func(p *grimbots.Payment) { p.GatewayKind = "pushinpay" })
	ChargePayment(t, s, p, "tx-dup", "h1", nil)
	// The same (kind, transaction) on another payment, even another
	// seller's, is a conflict; nothing changes.
	for _, seller := range []int64{u.ID, v.ID} {
		q := NewPayment(t, s, seller, fmt.Sprintf("ref-q-%d", seller), 1000, func(p *grimbots.Payment) { p.GatewayKind = "pushinpay" })
		dup := *q
		dup.TransactionID, dup.PixCode, dup.UpdatedAt = "tx-dup", "pix", Epoch.Add(time.Hour)
		WantCode(t, s.SetPaymentCharge(ctx, &dup), grimbots.ECONFLICT)
		samePayment(t, reload(t, s, q), q)
	}
	// The same transaction id under another gateway kind is another charge.
	r := NewPayment(t, s, u.ID, "ref-r", 1000, func(p *grimbots.Payment) { p.GatewayKind = "syncpay" })
	ChargePayment(t, s, r, "tx-dup", "h1", nil)
	samePayment(t, reload(t, s, p), p)
}

func testPaymentByReference(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	p := NewPayment(t, s, u.ID, "gb_Ref_Abc", 1000)
	got, err := s.PaymentByReference(ctx, u.ID, "gb_Ref_Abc")
	Must(t, err)
	samePayment(t, got, p)
	for _, tt := range []struct {
		seller int64
		ref    string
	}{{v.ID, "gb_Ref_Abc"}, {u.ID, "gb_ref_abc"}, {u.ID, "gb_Ref_Ab"}, {u.ID, "gb_Ref_%"}, {u.ID, ""}} {
		_, err := s.PaymentByReference(ctx, tt.seller, tt.ref)
		WantCode(t, err, grimbots.ENOTFOUND)
	}
}

func testPaymentByTransaction(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	kind := func(k string) func(*grimbots.Payment) { return func(p *grimbots.Payment) { p.GatewayKind = k } }
	p := ChargePayment(t, s, NewPayment(t, s, u.ID, "ref-P", 1000, kind("pushinpay")), "TX-100", "hash-abc", nil)
	// A longer id containing p's, and one that p's id contains.
	long := ChargePayment(t, s, NewPayment(t, s, u.ID, "ref-long", 1000, kind("pushinpay")), "TX-1000", "hash-abcd", nil)
	short := ChargePayment(t, s, NewPayment(t, s, u.ID, "ref-short", 1000, kind("pushinpay")), "TX-10", "", nil)
	// The same ids under another kind and another seller.
	ChargePayment(t, s, NewPayment(t, s, u.ID, "ref-other-kind", 1000, kind("syncpay")), "TX-200", "hash-kind", nil)
	ChargePayment(t, s, NewPayment(t, s, v.ID, "ref-other-seller", 1000, kind("pushinpay")), "TX-300", "hash-seller", nil)
	// An uncharged payment: no transaction id (NULL) and no hash.
	bare := NewPayment(t, s, u.ID, "ref-bare", 1000, kind("pushinpay"))

	for _, tt := range []struct {
		ids  []string
		want *grimbots.Payment
	}{
		{[]string{"TX-100"}, p},
		{[]string{"hash-abc"}, p},
		{[]string{"ref-P"}, p},
		{[]string{"TX-1000"}, long},
		{[]string{"TX-10"}, short},
		{[]string{"ref-bare"}, bare},
		{[]string{"", "hash-abc"}, p},         // empty ids are skipped
		{[]string{"unknown", "TX-10"}, short}, // the first id that matches
		{[]string{"TX-1000", "TX-100"}, long},
		{nil, nil},
		{[]string{""}, nil},
		{[]string{"", ""}, nil},
		{[]string{"TX-1"}, nil},      // a prefix
		{[]string{"X-100"}, nil},     // a suffix
		{[]string{"tx-100"}, nil},    // case
		{[]string{"TX-100 "}, nil},   // trailing space
		{[]string{"TX-1%"}, nil},     // no wildcards
		{[]string{"TX-10_"}, nil},    // no wildcards
		{[]string{"hash-ab"}, nil},   // a prefix of the hash
		{[]string{"ref-"}, nil},      // a prefix of references
		{[]string{"TX-200"}, nil},    // another kind
		{[]string{"hash-kind"}, nil}, // another kind
		{[]string{"ref-other-kind"}, nil},
		{[]string{"TX-300"}, nil}, // another seller
		{[]string{"hash-seller"}, nil},
		{[]string{"ref-other-seller"}, nil},
	} {
		got, err := s.PaymentByTransaction(ctx, u.ID, "pushinpay", tt.ids...)
		if tt.want == nil {
			if grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
				t.Errorf("PaymentByTransaction(%q) = %v, %v; want ENOTFOUND", tt.ids, got, err)
			}
			continue
		}
		if err != nil || got.ID != tt.want.ID {
			t.Errorf("PaymentByTransaction(%q) = %v, %v; want payment %s", tt.ids, got, err, tt.want.Reference)
			continue
		}
		samePayment(t, got, tt.want)
	}
	// The other kind and seller find their own.
	if got, err := s.PaymentByTransaction(ctx, u.ID, "syncpay", "hash-kind"); err != nil || got.Reference != "ref-other-kind" {
		t.Errorf("syncpay lookup = %v, %v", got, err)
	}
	if got, err := s.PaymentByTransaction(ctx, v.ID, "pushinpay", "TX-300"); err != nil || got.Reference != "ref-other-seller" {
		t.Errorf("other seller lookup = %v, %v", got, err)
	}
}

func testReusablePayment(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	bot := NewBot(t, s, u.ID, "maria")
	lead := NewLead(t, s, u.ID, bot)
	otherLead := NewLead(t, s, u.ID, bot)
	since, now := Epoch, Epoch.Add(30*time.Minute)
	hour := Epoch.Add(time.Hour)
	at := func(d time.Duration, mods ...func(*grimbots.Payment)) func(*grimbots.Payment) {
		return func(p *grimbots.Payment) {
			p.LeadID, p.BotID, p.CreatedAt, p.UpdatedAt = &lead, &bot, Epoch.Add(d), Epoch.Add(d)
			for _, m := range mods {
				m(p)
			}
		}
	}
	var n int
	mk := func(seller int64, d time.Duration, amount int64, charged bool, expires *time.Time, mods ...func(*grimbots.Payment)) *grimbots.Payment {
		n++
		p := NewPayment(t, s, seller, fmt.Sprintf("ref-%d", n), amount, at(d, mods...))
		if charged {
			ChargePayment(t, s, p, fmt.Sprintf("tx-%d", n), "", expires)
		}
		return p
	}
	first := mk(u.ID, 0, 1990, true, &hour)          // created exactly at since
	newest := mk(u.ID, time.Minute, 1990, true, nil) // no expiry
	// Created after newest, so each would win if it matched.
	mk(u.ID, 2*time.Minute, 1990, true, nil, func(p *grimbots.Payment) { p.LeadID = &otherLead })
	mk(u.ID, 2*time.Minute, 1990, true, nil, func(p *grimbots.Payment) { p.OfferKey = "upsell" })
	mk(u.ID, 2*time.Minute, 1991, true, nil)
	mk(u.ID, 2*time.Minute, 1990, false, nil)                       // no PIX code yet
	mk(u.ID, -time.Microsecond, 1990, true, nil)                    // before since
	mk(u.ID, 2*time.Minute, 1990, true, Ptr(now))                   // expires at now
	mk(u.ID, 2*time.Minute, 1990, true, Ptr(now.Add(-time.Minute))) // expired
	theirs := mk(v.ID, 2*time.Minute, 1990, true, nil)              // another seller (same lead id)
	paid := mk(u.ID, 2*time.Minute, 1990, true, nil)                // paid
	Transition(t, s, paid, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, "", Epoch.Add(3*time.Minute))

	got, err := s.ReusablePayment(ctx, u.ID, lead, "main", 1990, since.In(brt), now.In(brt))
	Must(t, err)
	samePayment(t, got, newest)
	// Once the newest is gone, the older one.
	Transition(t, s, newest, []string{grimbots.PaymentPending}, grimbots.PaymentExpired, "", now)
	got, err = s.ReusablePayment(ctx, u.ID, lead, "main", 1990, since, now)
	Must(t, err)
	samePayment(t, got, first)
	// A since after it, or a now past its expiry: nothing.
	_, err = s.ReusablePayment(ctx, u.ID, lead, "main", 1990, since.Add(time.Microsecond), now)
	WantCode(t, err, grimbots.ENOTFOUND)
	_, err = s.ReusablePayment(ctx, u.ID, lead, "main", 1990, since, hour)
	WantCode(t, err, grimbots.ENOTFOUND)
	// The other seller's charge was a real candidate, for its seller only.
	got, err = s.ReusablePayment(ctx, v.ID, lead, "main", 1990, since, now)
	Must(t, err)
	samePayment(t, got, theirs)
}

func testListPayments(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	bot1 := NewBot(t, s, u.ID, "one")
	bot2 := NewBot(t, s, u.ID, "two")
	var ps []*grimbots.Payment // oldest first
	for i := range 6 {
		bot := bot1
		if i%2 == 1 {
			bot = bot2
		}
		ps = append(ps, NewPayment(t, s, u.ID, fmt.Sprintf("ref-%d", i), int64(100+i), func(p *grimbots.Payment) {
			p.BotID, p.CreatedAt, p.UpdatedAt = &bot, Epoch.Add(time.Duration(i)*time.Minute), Epoch.Add(time.Duration(i)*time.Minute)
		}))
	}
	Transition(t, s, ps[1], []string{grimbots.PaymentPending}, grimbots.PaymentPaid, "", Epoch)
	Transition(t, s, ps[4], []string{grimbots.PaymentPending}, grimbots.PaymentPaid, "", Epoch)
	NewPayment(t, s, v.ID, "ref-other", 100, func(p *grimbots.Payment) { p.CreatedAt = Epoch.Add(2 * time.Minute) })
	ids := func(idx ...int) []int64 {
		var out []int64
		for _, i := range idx {
			out = append(out, ps[i].ID)
		}
		return out
	}
	from, to := Epoch.Add(time.Minute).In(brt), Epoch.Add(4*time.Minute).In(brt)
	for _, tt := range []struct {
		name  string
		f     grimbots.PaymentFilter
		want  []int64
		total int
	}{
		{"all", grimbots.PaymentFilter{}, ids(5, 4, 3, 2, 1, 0), 6},
		{"status", grimbots.PaymentFilter{Status: grimbots.PaymentPaid}, ids(4, 1), 2},
		{"pending", grimbots.PaymentFilter{Status: grimbots.PaymentPending}, ids(5, 3, 2, 0), 4},
		{"bot", grimbots.PaymentFilter{BotID: &bot2}, ids(5, 3, 1), 3},
		{"bot+status", grimbots.PaymentFilter{BotID: &bot2, Status: grimbots.PaymentPending}, ids(5, 3), 2},
		{"unknown bot", grimbots.PaymentFilter{BotID: Ptr(int64(999))}, nil, 0},
		{"from inclusive, to exclusive", grimbots.PaymentFilter{From: &from, To: &to}, ids(3, 2, 1), 3},
		{"from", grimbots.PaymentFilter{From: &to}, ids(5, 4), 2},
		{"to", grimbots.PaymentFilter{To: &from}, ids(0), 1},
		{"page 1", grimbots.PaymentFilter{Limit: 2}, ids(5, 4), 6},
		{"page 2", grimbots.PaymentFilter{Limit: 2, Offset: 2}, ids(3, 2), 6},
		{"past the end", grimbots.PaymentFilter{Limit: 2, Offset: 6}, nil, 6},
		{"filtered page", grimbots.PaymentFilter{Status: grimbots.PaymentPending, Limit: 3, Offset: 1}, ids(3, 2, 0), 4},
		{"unknown status", grimbots.PaymentFilter{Status: "nope"}, nil, 0},
	} {
		got, total, err := s.ListPayments(ctx, u.ID, tt.f)
		Must(t, err)
		if !slices.Equal(paymentIDs(got), tt.want) || total != tt.total {
			t.Errorf("%s: ListPayments = %v (total %d), want %v (total %d)", tt.name, paymentIDs(got), total, tt.want, tt.total)
		}
	}
	got, _, err := s.ListPayments(ctx, u.ID, grimbots.PaymentFilter{Status: grimbots.PaymentPaid, Limit: 1})
	Must(t, err)
	if len(got) == 1 {
		samePayment(t, got[0], reload(t, s, ps[4]))
	}
	got, total, err := s.ListPayments(ctx, 999, grimbots.PaymentFilter{})
	Must(t, err)
	if len(got) != 0 || total != 0 {
		t.Errorf("unknown seller: %d payments, total %d", len(got), total)
	}
}

func testPendingPayments(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := NewUser(t, s, "alpha")
	b := NewUser(t, s, "bravo")
	at := func(d time.Duration) func(*grimbots.Payment) {
		return func(p *grimbots.Payment) { p.CreatedAt, p.UpdatedAt = Epoch.Add(d), Epoch.Add(d) }
	}
	b2 := NewPayment(t, s, b.ID, "b2", 100, at(0)) // created exactly at since
	a1 := NewPayment(t, s, a.ID, "a1", 100, at(time.Minute))
	a2 := NewPayment(t, s, a.ID, "a2", 100, at(2*time.Minute))
	b1 := NewPayment(t, s, b.ID, "b1", 100, at(3*time.Minute))
	b3 := NewPayment(t, s, b.ID, "b3", 100, at(3*time.Minute)) // ties with b1: by id
	NewPayment(t, s, a.ID, "a-old", 100, at(-time.Microsecond))
	paid := NewPayment(t, s, a.ID, "a-paid", 100, at(time.Minute))
	expired := NewPayment(t, s, b.ID, "b-expired", 100, at(time.Minute))
	Transition(t, s, paid, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, "", Epoch)
	Transition(t, s, expired, []string{grimbots.PaymentPending}, grimbots.PaymentExpired, "", Epoch)
	// a2 was checked recently: it goes last.
	if ok, err := s.ClaimPaymentCheck(ctx, a.ID, a2.ID, Epoch.Add(10*time.Minute), time.Minute); err != nil || !ok {
		t.Fatalf("ClaimPaymentCheck = %v, %v", ok, err)
	}
	got, err := s.PendingPayments(ctx, Epoch.In(brt), 100)
	Must(t, err)
	wantIDs(t, "PendingPayments", paymentIDs(got), []int64{b2.ID, a1.ID, b1.ID, b3.ID, a2.ID})
	if len(got) == 5 {
		samePayment(t, got[4], reload(t, s, a2))
	}
	got, err = s.PendingPayments(ctx, Epoch, 3)
	Must(t, err)
	wantIDs(t, "PendingPayments(limit 3)", paymentIDs(got), []int64{b2.ID, a1.ID, b1.ID})
	got, err = s.PendingPayments(ctx, Epoch.Add(3*time.Minute), 100)
	Must(t, err)
	wantIDs(t, "PendingPayments(since +3m)", paymentIDs(got), []int64{b1.ID, b3.ID})
}

func testClaimPaymentCheck(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	p := NewPayment(t, s, u.ID, "ref-1", 1000)
	const interval = 30 * time.Second
	for _, tt := range []struct {
		now     time.Time
		want    bool
		checked time.Time
	}{
		{Epoch, true, Epoch},                                            // first claim
		{Epoch.Add(10 * time.Second), false, Epoch},                     // within the interval
		{Epoch.Add(interval - time.Microsecond), false, Epoch},          // just within
		{Epoch.Add(interval).In(brt), true, Epoch.Add(interval)},        // exactly the interval later
		{Epoch.Add(interval + time.Second), false, Epoch.Add(interval)}, // counted from the last claim
		{Epoch.Add(3 * interval), true, Epoch.Add(3 * interval)},        // well after
	} {
		ok, err := s.ClaimPaymentCheck(ctx, u.ID, p.ID, tt.now, interval)
		Must(t, err)
		if ok != tt.want {
			t.Errorf("ClaimPaymentCheck at %v = %v, want %v", tt.now, ok, tt.want)
		}
		got := reload(t, s, p)
		WantTimePtr(t, "CheckedAt", got.CheckedAt, &tt.checked)
	}
	// Another seller's payment or an unknown one: never claimed.
	for _, tt := range []struct{ seller, id int64 }{{v.ID, p.ID}, {u.ID, 999}} {
		ok, err := s.ClaimPaymentCheck(ctx, tt.seller, tt.id, Epoch.Add(time.Hour), interval)
		Must(t, err)
		if ok {
			t.Errorf("ClaimPaymentCheck(%d, %d) = true", tt.seller, tt.id)
		}
	}
	WantTimePtr(t, "CheckedAt", reload(t, s, p).CheckedAt, Ptr(Epoch.Add(3*interval)))
}

func claimConcurrently(t *testing.T, s *store.Store, sellerID, id int64, now time.Time) int {
	var wg sync.WaitGroup
	var n atomic.Int32
	for range 10 {
		wg.Go(func() {
			ok, err := s.ClaimPaymentCheck(context.Background(), sellerID, id, now, time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return int(n.Load())
}

// ---------------------------------------------------------------------------
// Transitions

func paidTransition(p *grimbots.Payment, now time.Time, jobs ...grimbots.Job) grimbots.PaymentTransition {
	return grimbots.PaymentTransition{SellerID: p.SellerID, PaymentID: p.ID, From: []string{grimbots.PaymentPending},
		To: grimbots.PaymentPaid, Source: grimbots.SourceWebhook, RawStatus: "PAID_OUT", Now: now,
		Commission: grimbots.CommissionCharge, Jobs: jobs}
}

func refundTransition(p *grimbots.Payment, now time.Time, jobs ...grimbots.Job) grimbots.PaymentTransition {
	return grimbots.PaymentTransition{SellerID: p.SellerID, PaymentID: p.ID, From: []string{grimbots.PaymentPaid},
		To: grimbots.PaymentRefunded, Source: grimbots.SourceReconciler, RawStatus: "REFUNDED", Now: now,
		Commission: grimbots.CommissionReversal, Jobs: jobs}
}

func testTransitionPaid(t *testing.T, s *store.Store) {
	ctx := t.Context()
	rec := &JobRecorder{}
	js := withJobs(s, rec)
	u := NewUser(t, s, "maria")
	p := ChargePayment(t, s, NewPayment(t, s, u.ID, "ref-1", 1990), "tx-1", "", nil)
	now := Epoch.Add(5 * time.Minute)
	changed, got, err := js.TransitionPayment(ctx, paidTransition(p, now.In(brt), TestJob{"deliver"}, nil, TestJob{"notify"}))
	Must(t, err)
	if !changed {
		t.Fatal("pending -> paid did not change")
	}
	want := *p
	want.Status, want.PaidAt, want.UpdatedAt = grimbots.PaymentPaid, &now, now
	samePayment(t, got, &want)
	samePayment(t, reload(t, s, p), &want)

	events := PaymentEvents(t, s, p.ID)
	wantEvents := []PaymentEvent{{SellerID: u.ID, PaymentID: p.ID, From: grimbots.PaymentPending, To: grimbots.PaymentPaid,
		Source: grimbots.SourceWebhook, RawSts: "PAID_OUT", CreatedAt: now}}
	if !slices.Equal(events, wantEvents) {
		t.Errorf("events = %+v, want %+v", events, wantEvents)
	}
	cs, err := s.Commissions(ctx, u.ID)
	Must(t, err)
	if len(cs) != 1 {
		t.Fatalf("%d ledger entries, want 1", len(cs))
	}
	c := cs[0]
	if c.ID <= 0 || c.SellerID != u.ID || c.PaymentID != p.ID || c.Kind != grimbots.CommissionCharge ||
		c.SaleAmountCents != 1990 || c.RateBasisPoints != 400 || c.AmountCents != 80 {
		t.Errorf("charge = %+v, want 80 cents of 1990 at 400 bps", *c)
	}
	WantTime(t, "charge CreatedAt", c.CreatedAt, now)
	wantStrings(t, "jobs", rec.Kinds(), []string{"test_deliver", "test_notify"}) // nil jobs skipped
	if jobMarkers(t, s, "test_deliver") != 1 || jobMarkers(t, s, "test_notify") != 1 {
		t.Error("the jobs' rows were not committed with the transition")
	}

	// The same transition again: unchanged, nothing written.
	changed, got, err = js.TransitionPayment(ctx, paidTransition(p, now.Add(time.Minute), TestJob{"deliver"}))
	Must(t, err)
	if changed {
		t.Error("paid -> paid changed")
	}
	samePayment(t, got, &want)
	if n := len(PaymentEvents(t, s, p.ID)); n != 1 {
		t.Errorf("%d events after a repeated transition", n)
	}
	wantStrings(t, "ledger", commissionsOf(t, s, u.ID), []string{"charge:80"})
	wantStrings(t, "jobs", rec.Kinds(), []string{"test_deliver", "test_notify"})
	if jobMarkers(t, s, "test_deliver") != 1 {
		t.Error("a repeated transition inserted jobs")
	}
}

func testTransitionFromMismatch(t *testing.T, s *store.Store) {
	ctx := t.Context()
	rec := &JobRecorder{}
	js := withJobs(s, rec)
	u := NewUser(t, s, "maria")
	p := ChargePayment(t, s, NewPayment(t, s, u.ID, "ref-1", 1990), "tx-1", "", nil)
	for _, tr := range []grimbots.PaymentTransition{
		refundTransition(p, Epoch.Add(time.Minute), TestJob{"reversed"}), // pending is not paid
		{SellerID: u.ID, PaymentID: p.ID, From: []string{grimbots.PaymentExpired, grimbots.PaymentFailed}, To: grimbots.PaymentPaid,
			Source: grimbots.SourceCheck, Now: Epoch.Add(time.Minute), Commission: grimbots.CommissionCharge, Jobs: []grimbots.Job{TestJob{"deliver"}}},
	} {
		changed, got, err := js.TransitionPayment(ctx, tr)
		Must(t, err)
		if changed {
			t.Errorf("transition from %v changed a pending payment", tr.From)
		}
		samePayment(t, got, p)
	}
	samePayment(t, reload(t, s, p), p)
	if ev := PaymentEvents(t, s, p.ID); len(ev) != 0 {
		t.Errorf("events written: %+v", ev)
	}
	wantStrings(t, "ledger", commissionsOf(t, s, u.ID), []string{})
	wantStrings(t, "jobs", rec.Kinds(), []string{})
	if jobMarkers(t, s, "test_reversed")+jobMarkers(t, s, "test_deliver") != 0 {
		t.Error("refused transitions inserted jobs")
	}
}

func testTransitionRounding(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	for i, tt := range []struct{ amount, bps, want int64 }{
		{1990, 400, 80},          // 79.6
		{13, 400, 1},             // 0.52
		{12, 400, 0},             // 0.48
		{25, 200, 1},             // 0.5: half up
		{75, 200, 2},             // 1.5: half up
		{125, 400, 5},            // exact
		{1, 10000, 1},            // the whole sale
		{999, 0, 0},              // no fee
		{1, 1, 0},                // 0.0001
		{5000, 1, 1},             // 0.5
		{4999, 1, 0},             // 0.4999
		{99999999, 399, 3990000}, // 3989999.9601
		{900000000000, 400, 36000000000},
	} {
		p := NewPayment(t, s, u.ID, fmt.Sprintf("ref-%d", i), tt.amount, func(p *grimbots.Payment) { p.CommissionBasisPoints = tt.bps })
		Transition(t, s, p, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge, Epoch)
		cs, err := s.Commissions(t.Context(), u.ID)
		Must(t, err)
		c := cs[len(cs)-1]
		if c.PaymentID != p.ID || c.AmountCents != tt.want || c.SaleAmountCents != tt.amount || c.RateBasisPoints != tt.bps {
			t.Errorf("%d at %d bps: charge %+v, want %d", tt.amount, tt.bps, *c, tt.want)
		}
	}
}

func testTransitionRateSnapshot(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	p := NewPayment(t, s, u.ID, "ref-1", 1990) // 400 bps at checkout
	Must(t, s.SetCommissionRate(ctx, u.ID, 1000, Epoch))
	Transition(t, s, p, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge, Epoch)
	wantStrings(t, "ledger", commissionsOf(t, s, u.ID), []string{"charge:80"})
}

func testTransitionReversal(t *testing.T, s *store.Store) {
	ctx := t.Context()
	rec := &JobRecorder{}
	js := withJobs(s, rec)
	u := NewUser(t, s, "maria")
	p := NewPayment(t, s, u.ID, "ref-1", 1990)
	paidAt, refundedAt := Epoch.Add(time.Minute), Epoch.Add(time.Hour)
	Transition(t, s, p, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge, paidAt)
	changed, got, err := js.TransitionPayment(ctx, refundTransition(p, refundedAt, TestJob{"reversed"}))
	Must(t, err)
	if !changed {
		t.Fatal("paid -> refunded did not change")
	}
	want := *p
	want.Status, want.PaidAt, want.RefundedAt, want.UpdatedAt = grimbots.PaymentRefunded, &paidAt, &refundedAt, refundedAt
	samePayment(t, got, &want)
	cs, err := s.Commissions(ctx, u.ID)
	Must(t, err)
	if len(cs) != 2 {
		t.Fatalf("ledger = %v", commissionsOf(t, s, u.ID))
	}
	r := cs[1]
	if r.Kind != grimbots.CommissionReversal || r.AmountCents != -80 || r.SaleAmountCents != 1990 || r.RateBasisPoints != 400 ||
		r.PaymentID != p.ID || r.SellerID != u.ID {
		t.Errorf("reversal = %+v", *r)
	}
	WantTime(t, "reversal CreatedAt", r.CreatedAt, refundedAt)
	// A later chargeback of the refunded sale reverses nothing more.
	changed, _, err = js.TransitionPayment(ctx, grimbots.PaymentTransition{SellerID: u.ID, PaymentID: p.ID,
		From: []string{grimbots.PaymentRefunded}, To: grimbots.PaymentChargeback, Source: grimbots.SourceWebhook,
		Now: refundedAt.Add(time.Hour), Commission: grimbots.CommissionReversal})
	Must(t, err)
	if !changed {
		t.Error("refunded -> chargeback did not change")
	}
	wantStrings(t, "ledger", commissionsOf(t, s, u.ID), []string{"charge:80", "reversal:-80"})
	events := PaymentEvents(t, s, p.ID)
	var steps []string
	for _, e := range events {
		steps = append(steps, e.From+">"+e.To+"/"+e.Source)
	}
	wantStrings(t, "events", steps, []string{"pending>paid/webhook", "paid>refunded/reconciler", "refunded>chargeback/webhook"})
	wantStrings(t, "jobs", rec.Kinds(), []string{"test_reversed"})
}

func testTransitionReversalWithoutCharge(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	p := NewPayment(t, s, u.ID, "ref-1", 1990)
	// Paid without booking a fee (a free sale), then refunded.
	Transition(t, s, p, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, "", Epoch)
	Transition(t, s, p, []string{grimbots.PaymentPaid}, grimbots.PaymentRefunded, grimbots.CommissionReversal, Epoch)
	wantStrings(t, "ledger", commissionsOf(t, s, u.ID), []string{})
	if got := reload(t, s, p); got.Status != grimbots.PaymentRefunded {
		t.Errorf("status = %s", got.Status)
	}
}

func testTransitionLatePayment(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	late := []string{grimbots.PaymentPending, grimbots.PaymentExpired, grimbots.PaymentFailed}
	for i, status := range []string{grimbots.PaymentExpired, grimbots.PaymentFailed} {
		p := NewPayment(t, s, u.ID, fmt.Sprintf("ref-%d", i), 1000)
		Transition(t, s, p, []string{grimbots.PaymentPending}, status, "", Epoch)
		now := Epoch.Add(time.Hour)
		if !Transition(t, s, p, late, grimbots.PaymentPaid, grimbots.CommissionCharge, now) {
			t.Fatalf("late payment of a %s charge refused", status)
		}
		got := reload(t, s, p)
		if got.Status != grimbots.PaymentPaid {
			t.Errorf("status = %s", got.Status)
		}
		WantTimePtr(t, "PaidAt", got.PaidAt, &now)
		ev := PaymentEvents(t, s, p.ID)
		if len(ev) != 2 || ev[1].From != status || ev[1].To != grimbots.PaymentPaid {
			t.Errorf("events = %+v", ev)
		}
	}
	wantStrings(t, "ledger", commissionsOf(t, s, u.ID), []string{"charge:40", "charge:40"})
}

func testTransitionJobsRollback(t *testing.T, s *store.Store) {
	ctx := t.Context()
	boom := errors.New("queue down")
	failing := withJobs(s, &JobRecorder{Fail: boom})
	u := NewUser(t, s, "maria")
	p := ChargePayment(t, s, NewPayment(t, s, u.ID, "ref-1", 1990), "tx-1", "", nil)

	changed, _, err := failing.TransitionPayment(ctx, paidTransition(p, Epoch.Add(time.Minute), TestJob{"deliver"}))
	if !errors.Is(err, boom) || changed {
		t.Fatalf("TransitionPayment with a failing queue = %v, %v; want %v", changed, err, boom)
	}
	samePayment(t, reload(t, s, p), p)
	if ev := PaymentEvents(t, s, p.ID); len(ev) != 0 {
		t.Errorf("events survive the rollback: %+v", ev)
	}
	wantStrings(t, "ledger", commissionsOf(t, s, u.ID), []string{})
	if jobMarkers(t, s, "test_deliver") != 0 {
		t.Error("the failed job insert's own writes survive the rollback")
	}

	// A reversal too.
	Transition(t, s, p, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge, Epoch.Add(time.Minute))
	paid := reload(t, s, p)
	_, _, err = failing.TransitionPayment(ctx, refundTransition(p, Epoch.Add(time.Hour), TestJob{"reversed"}))
	if !errors.Is(err, boom) {
		t.Fatalf("refund with a failing queue: %v", err)
	}
	samePayment(t, reload(t, s, p), paid)
	wantStrings(t, "ledger", commissionsOf(t, s, u.ID), []string{"charge:80"})
	if n := len(PaymentEvents(t, s, p.ID)); n != 1 {
		t.Errorf("%d events, want 1", n)
	}

	// After the queue recovers, the same transition applies once.
	rec := &JobRecorder{}
	changed, _, err = withJobs(s, rec).TransitionPayment(ctx, refundTransition(p, Epoch.Add(time.Hour), TestJob{"reversed"}))
	Must(t, err)
	if !changed {
		t.Error("retry did not change")
	}
	wantStrings(t, "ledger", commissionsOf(t, s, u.ID), []string{"charge:80", "reversal:-80"})
	wantStrings(t, "jobs", rec.Kinds(), []string{"test_reversed"})
}

func testTransitionJobsWithoutQueue(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	p := NewPayment(t, s, u.ID, "ref-1", 1990)
	// s has no job inserter: jobs are an error and roll everything back.
	changed, _, err := s.TransitionPayment(ctx, paidTransition(p, Epoch, TestJob{"deliver"}))
	if err == nil || changed {
		t.Fatalf("jobs without a queue = %v, %v; want an error", changed, err)
	}
	samePayment(t, reload(t, s, p), p)
	wantStrings(t, "ledger", commissionsOf(t, s, u.ID), []string{})
	if n := len(PaymentEvents(t, s, p.ID)); n != 0 {
		t.Errorf("%d events", n)
	}
	// Only nil jobs: nothing to enqueue, fine.
	changed, _, err = s.TransitionPayment(ctx, paidTransition(p, Epoch, nil, nil))
	Must(t, err)
	if !changed {
		t.Error("transition with nil jobs did not change")
	}
}

func testTransitionNotFound(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	p := NewPayment(t, s, u.ID, "ref-1", 1990)
	other := paidTransition(p, Epoch)
	other.SellerID = v.ID
	_, _, err := s.TransitionPayment(ctx, other)
	WantCode(t, err, grimbots.ENOTFOUND)
	unknown := paidTransition(p, Epoch)
	unknown.PaymentID = 999
	_, _, err = s.TransitionPayment(ctx, unknown)
	WantCode(t, err, grimbots.ENOTFOUND)
	noFrom := paidTransition(p, Epoch)
	noFrom.From = nil
	if _, _, err := s.TransitionPayment(ctx, noFrom); err == nil {
		t.Error("a transition without source statuses was accepted")
	}
	samePayment(t, reload(t, s, p), p)
	wantStrings(t, "ledger", commissionsOf(t, s, u.ID), []string{})
	if n := len(PaymentEvents(t, s, p.ID)); n != 0 {
		t.Errorf("%d events", n)
	}
}

// runConcurrently runs tr from n goroutines released at once and returns
// how many changed the payment.
func runConcurrently(t *testing.T, s *store.Store, n int, tr func(i int) grimbots.PaymentTransition, wantStatus string) int {
	t.Helper()
	var wg sync.WaitGroup
	var changed atomic.Int32
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			ok, p, err := s.TransitionPayment(context.Background(), tr(i))
			if err != nil {
				t.Errorf("goroutine %d: %v", i, err)
				return
			}
			if p.Status != wantStatus {
				t.Errorf("goroutine %d sees status %s, want %s", i, p.Status, wantStatus)
			}
			if ok {
				changed.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	return int(changed.Load())
}

// testTransitionConcurrent is the exactly-once guarantee at the store:
// however many confirmations race (webhook retries, the buyer's button, the
// reconciler, several instances), one applies the sale and its effects.
func testTransitionConcurrent(t *testing.T, s *store.Store) {
	rec := &JobRecorder{}
	js := withJobs(s, rec)
	u := NewUser(t, s, "maria")
	p := ChargePayment(t, s, NewPayment(t, s, u.ID, "ref-race", 1990), "tx-race", "", nil)
	sources := []string{grimbots.SourceWebhook, grimbots.SourceCheck, grimbots.SourceReconciler}

	n := runConcurrently(t, js, 20, func(i int) grimbots.PaymentTransition {
		tr := paidTransition(p, Epoch.Add(time.Duration(i)*time.Millisecond), TestJob{"deliver"}, TestJob{"notify"})
		tr.Source = sources[i%len(sources)]
		tr.From = []string{grimbots.PaymentPending, grimbots.PaymentExpired, grimbots.PaymentFailed}
		return tr
	}, grimbots.PaymentPaid)
	if n != 1 {
		t.Errorf("%d of 20 concurrent confirmations changed the payment, want exactly 1", n)
	}
	wantStrings(t, "ledger", commissionsOf(t, s, u.ID), []string{"charge:80"})
	if ev := PaymentEvents(t, s, p.ID); len(ev) != 1 || ev[0].From != grimbots.PaymentPending || ev[0].To != grimbots.PaymentPaid {
		t.Errorf("events = %+v, want one pending -> paid", ev)
	}
	wantStrings(t, "jobs", rec.Kinds(), []string{"test_deliver", "test_notify"})
	if jobMarkers(t, s, "test_deliver") != 1 || jobMarkers(t, s, "test_notify") != 1 {
		t.Error("committed job rows are not exactly one set")
	}

	n = runConcurrently(t, js, 10, func(i int) grimbots.PaymentTransition {
		return refundTransition(p, Epoch.Add(time.Hour+time.Duration(i)*time.Millisecond), TestJob{"reversed"})
	}, grimbots.PaymentRefunded)
	if n != 1 {
		t.Errorf("%d of 10 concurrent refunds changed the payment, want exactly 1", n)
	}
	wantStrings(t, "ledger", commissionsOf(t, s, u.ID), []string{"charge:80", "reversal:-80"})
	if ev := PaymentEvents(t, s, p.ID); len(ev) != 2 || ev[1].From != grimbots.PaymentPaid || ev[1].To != grimbots.PaymentRefunded {
		t.Errorf("events = %+v, want pending -> paid -> refunded", ev)
	}
	wantStrings(t, "jobs", rec.Kinds(), []string{"test_deliver", "test_notify", "test_reversed"})
	if jobMarkers(t, s, "test_reversed") != 1 {
		t.Error("committed reversal job rows are not exactly one")
	}
	// Concurrent claims of a check: one wins.
	if n := claimConcurrently(t, s, u.ID, p.ID, Epoch.Add(2*time.Hour)); n != 1 {
		t.Errorf("%d of 10 concurrent ClaimPaymentCheck won, want 1", n)
	}
}

// testTransitionReplacedStatus: the event row names the status the
// transition actually replaced, even when another writer changed it between
// the transition's start and its update.
func testTransitionReplacedStatus(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	p := NewPayment(t, s, u.ID, "ref-1", 1990)
	tx, err := s.DB().Primary().BeginTx(ctx, nil)
	Must(t, err)
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `UPDATE payments SET status = 'expired' WHERE id = $1`, p.ID); err != nil {
		t.Fatal(err)
	}
	type result struct {
		changed bool
		err     error
	}
	done := make(chan result, 1)
	go func() {
		tr := paidTransition(p, Epoch.Add(time.Minute))
		tr.From = []string{grimbots.PaymentPending, grimbots.PaymentExpired}
		changed, _, err := s.TransitionPayment(context.Background(), tr)
		done <- result{changed, err}
	}()
	time.Sleep(300 * time.Millisecond) // let the transition read and block on the row
	Must(t, tx.Commit())
	r := <-done
	Must(t, r.err)
	if !r.changed {
		t.Fatal("expired -> paid did not change")
	}
	ev := PaymentEvents(t, s, p.ID)
	if len(ev) != 1 || ev[0].From != grimbots.PaymentExpired {
		t.Errorf("events = %+v, want one from expired", ev)
	}
}

// ---------------------------------------------------------------------------
// Webhooks

func testWebhookRecord(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	g := NewGateway(t, s, u.ID, "pushinpay")
	p := NewPayment(t, s, u.ID, "ref-1", 1990)
	e := &grimbots.WebhookEvent{SellerID: &u.ID, GatewayID: &g.ID, GatewayKind: "pushinpay", RemoteIP: "203.0.113.50",
		Headers: map[string]string{"Content-Type": "application/json", "X-Signature": "sha256=abc"},
		Body:    `{"id":"tx-1","status":"paid","valor":"19,90","nome":"João"}`, Outcome: grimbots.WebhookIgnored,
		ReceivedAt: Epoch.In(brt)}
	Must(t, s.RecordWebhook(ctx, e))
	if e.ID <= 0 {
		t.Fatalf("RecordWebhook set ID %d", e.ID)
	}
	// Unknown token: no seller, no gateway.
	anon := &grimbots.WebhookEvent{GatewayKind: "pushinpay", Body: "{}", Outcome: grimbots.WebhookUnknownToken, ReceivedAt: Epoch}
	Must(t, s.RecordWebhook(ctx, anon))
	Must(t, s.RecordWebhook(ctx, &grimbots.WebhookEvent{SellerID: &v.ID, GatewayKind: "syncpay", Body: "{}",
		Outcome: grimbots.WebhookMalformed, ReceivedAt: Epoch}))

	e.Outcome, e.Detail, e.TransactionID, e.ParsedStatus, e.PaymentID = grimbots.WebhookAccepted, "pending -> paid", "tx-1", "paid", &p.ID
	Must(t, s.SetWebhookOutcome(ctx, e))
	later := &grimbots.WebhookEvent{SellerID: &u.ID, GatewayKind: "pushinpay", Body: "second", Outcome: grimbots.WebhookDuplicate,
		ReceivedAt: Epoch.Add(time.Second)}
	Must(t, s.RecordWebhook(ctx, later))

	got, err := s.WebhookEvents(ctx, u.ID, 10)
	Must(t, err)
	if len(got) != 2 || got[0].ID != later.ID || got[1].ID != e.ID {
		t.Fatalf("WebhookEvents = %d events, want [later, first]", len(got))
	}
	w := got[1]
	if *w.SellerID != u.ID || w.GatewayID == nil || *w.GatewayID != g.ID || w.GatewayKind != "pushinpay" ||
		w.RemoteIP != e.RemoteIP || w.Body != e.Body || w.Outcome != grimbots.WebhookAccepted || w.Detail != e.Detail ||
		w.TransactionID != "tx-1" || w.ParsedStatus != "paid" || w.PaymentID == nil || *w.PaymentID != p.ID ||
		len(w.Headers) != 2 || w.Headers["X-Signature"] != "sha256=abc" {
		t.Errorf("webhook = %+v", *w)
	}
	WantTime(t, "ReceivedAt", w.ReceivedAt, Epoch)
	if got[0].GatewayID != nil || got[0].PaymentID != nil || len(got[0].Headers) != 0 {
		t.Errorf("second webhook = %+v", *got[0])
	}
	got, err = s.WebhookEvents(ctx, u.ID, 1)
	Must(t, err)
	if len(got) != 1 || got[0].ID != later.ID {
		t.Errorf("WebhookEvents(limit 1) = %d events", len(got))
	}
	got, err = s.WebhookEvents(ctx, v.ID, 10)
	Must(t, err)
	if len(got) != 1 || got[0].Outcome != grimbots.WebhookMalformed {
		t.Errorf("other seller's webhooks = %d", len(got))
	}
	// Long fields are cut, not refused.
	e.Detail, e.TransactionID = strings.Repeat("d", 600), strings.Repeat("t", 300)
	Must(t, s.SetWebhookOutcome(ctx, e))
	got, err = s.WebhookEvents(ctx, u.ID, 10)
	Must(t, err)
	if len(got[1].Detail) != 500 || len(got[1].TransactionID) != 200 {
		t.Errorf("long detail/transaction stored with %d/%d bytes", len(got[1].Detail), len(got[1].TransactionID))
	}
}

// testWebhookBinary: a webhook is stored before it is understood, so any
// bytes at all must be storable on both engines (PostgreSQL's text refuses
// NUL and invalid UTF-8).
func testWebhookBinary(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	body := "{\"id\":\"tx\x00-1\",\"bad\":\"\xff\xfe\xc3\",\"nul\":\x00\x00,\"ok\":\"ção 🤖\"}\x00"
	e := &grimbots.WebhookEvent{SellerID: &u.ID, GatewayKind: "pushinpay", RemoteIP: "::1",
		Headers: map[string]string{"X-Bin": "a\x00b\xffc", "X-Nul\x00": "v"}, Body: body, Outcome: grimbots.WebhookMalformed,
		Detail: "bad byte \x00 \xff", TransactionID: "tx\x00\xff", ParsedStatus: "PAID\x00\xfe", ReceivedAt: Epoch}
	Must(t, s.RecordWebhook(ctx, e))
	Must(t, s.SetWebhookOutcome(ctx, e))
	got, err := s.WebhookEvents(ctx, u.ID, 10)
	Must(t, err)
	if len(got) != 1 {
		t.Fatalf("%d webhooks", len(got))
	}
	clean := func(s string) string { return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD") }
	w := got[0]
	if w.Body != clean(body) {
		t.Errorf("body stored as %q, want %q", w.Body, clean(body))
	}
	for _, f := range []struct{ name, got, in string }{
		{"Detail", w.Detail, e.Detail}, {"TransactionID", w.TransactionID, e.TransactionID}, {"ParsedStatus", w.ParsedStatus, e.ParsedStatus},
	} {
		if f.got != clean(f.in) {
			t.Errorf("%s stored as %q, want %q", f.name, f.got, clean(f.in))
		}
	}
	if len(w.Headers) != 2 || w.Headers["X-Bin"] != clean("a\x00b\xffc") || w.Headers["X-Nul"] != "v" {
		t.Errorf("headers stored as %q", w.Headers)
	}
}

func testWebhookLargeBody(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	body := strings.Repeat("x", 1<<20-1) + "ção"
	Must(t, s.RecordWebhook(ctx, &grimbots.WebhookEvent{SellerID: &u.ID, GatewayKind: "k", Body: body, Outcome: "malformed", ReceivedAt: Epoch}))
	got, err := s.WebhookEvents(ctx, u.ID, 1)
	Must(t, err)
	// Cut to 1 MiB without splitting the "ç".
	if len(got) != 1 || got[0].Body != strings.Repeat("x", 1<<20-1) {
		t.Errorf("large body stored with %d bytes", len(got[0].Body))
	}
}

// ---------------------------------------------------------------------------
// Commissions

func testSetCommissionRate(t *testing.T, s *store.Store) {
	ctx := t.Context()
	admin := NewUser(t, s, "admin")
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	now := Epoch.Add(time.Hour)
	audit := entry(grimbots.AuditUserCommission, &admin.ID, &u.ID, now)
	audit.Details = map[string]any{"from": float64(400), "to": float64(250)}
	Must(t, s.SetCommissionRate(ctx, u.ID, 250, now, audit))
	got, err := s.UserByID(ctx, u.ID)
	Must(t, err)
	want := *u
	want.CommissionBasisPoints, want.UpdatedAt = 250, now
	SameUser(t, got, &want)
	other, err := s.UserByID(ctx, v.ID)
	Must(t, err)
	SameUser(t, other, v)
	es, _, err := s.ListAudit(ctx, grimbots.AuditFilter{Action: grimbots.AuditUserCommission})
	Must(t, err)
	if len(es) != 1 || *es[0].TargetUserID != u.ID || es[0].Details["to"] != float64(250) {
		t.Errorf("commission audit = %+v", es)
	}
	// The bounds are accepted.
	Must(t, s.SetCommissionRate(ctx, u.ID, 0, now))
	Must(t, s.SetCommissionRate(ctx, u.ID, 10000, now))

	// Refused changes write no audit entry and change nothing.
	WantCode(t, s.SetCommissionRate(ctx, 999, 100, now, entry("test.rate_unknown", &admin.ID, nil, now)), grimbots.ENOTFOUND)
	for _, bad := range []int64{-1, 10001} {
		if err := s.SetCommissionRate(ctx, u.ID, bad, now, entry("test.rate_bad", &admin.ID, &u.ID, now)); err == nil {
			t.Errorf("rate %d accepted", bad)
		}
	}
	// The update succeeds but the audit entry fails (unknown actor): both roll back.
	if err := s.SetCommissionRate(ctx, u.ID, 123, now, entry("test.rate_bad_audit", Ptr(int64(999)), &u.ID, now)); err == nil {
		t.Error("rate change with a failing audit entry succeeded")
	}
	got, err = s.UserByID(ctx, u.ID)
	Must(t, err)
	if got.CommissionBasisPoints != 10000 {
		t.Errorf("rate = %d after refused changes, want 10000", got.CommissionBasisPoints)
	}
	for _, a := range []string{"test.rate_unknown", "test.rate_bad", "test.rate_bad_audit"} {
		if auditCount(t, s, a) != 0 {
			t.Errorf("refused rate change wrote audit %s", a)
		}
	}
}

func testCommissionsList(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	p1 := NewPayment(t, s, u.ID, "p1", 1000)
	p2 := NewPayment(t, s, u.ID, "p2", 2000)
	q := NewPayment(t, s, v.ID, "q", 3000)
	Transition(t, s, p1, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge, Epoch)
	Transition(t, s, q, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge, Epoch)
	Transition(t, s, p2, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge, Epoch.Add(time.Minute))
	Transition(t, s, p1, []string{grimbots.PaymentPaid}, grimbots.PaymentRefunded, grimbots.CommissionReversal, Epoch.Add(time.Hour))
	cs, err := s.Commissions(ctx, u.ID)
	Must(t, err)
	var got []string
	for _, c := range cs {
		got = append(got, fmt.Sprintf("%d:%s:%d", c.PaymentID, c.Kind, c.AmountCents))
	}
	wantStrings(t, "ledger", got, []string{
		fmt.Sprintf("%d:charge:40", p1.ID), fmt.Sprintf("%d:charge:80", p2.ID), fmt.Sprintf("%d:reversal:-40", p1.ID)})
	wantStrings(t, "other ledger", commissionsOf(t, s, v.ID), []string{"charge:120"})
	wantStrings(t, "unknown ledger", commissionsOf(t, s, 999), []string{})
}

func testPlatformRevenue(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := NewUser(t, s, "alpha")
	b := NewUser(t, s, "bravo")
	NewUser(t, s, "charlie") // no sales
	t1, t2, t3 := Epoch, Epoch.Add(24*time.Hour), Epoch.Add(48*time.Hour)
	pay := func(seller int64, ref string, amount, bps int64, at time.Time) *grimbots.Payment {
		p := NewPayment(t, s, seller, ref, amount, func(p *grimbots.Payment) { p.CommissionBasisPoints = bps })
		Transition(t, s, p, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge, at)
		return p
	}
	pay(a.ID, "a1", 1990, 400, t1) // 80
	pay(a.ID, "a2", 13, 400, t1)   // 1
	a3 := pay(a.ID, "a3", 5000, 400, t1)
	pay(b.ID, "b1", 10000, 250, t2)                                                                                 // 250
	NewPayment(t, s, b.ID, "b-pending", 99999)                                                                      // unpaid: books nothing
	Transition(t, s, a3, []string{grimbots.PaymentPaid}, grimbots.PaymentRefunded, grimbots.CommissionReversal, t3) // -200

	row := func(u *grimbots.User, sales, salesCents, commission, reversals int64) grimbots.RevenueRow {
		return grimbots.RevenueRow{SellerID: u.ID, Username: u.Username, Sales: sales, SalesCents: salesCents,
			CommissionCents: commission, Reversals: reversals}
	}
	for _, tt := range []struct {
		name     string
		from, to time.Time
		want     []grimbots.RevenueRow
	}{
		{"before t3", t1, t3, []grimbots.RevenueRow{row(a, 3, 7003, 281, 0), row(b, 1, 10000, 250, 0)}},
		{"everything", t1.Add(-time.Hour), t3.Add(time.Hour), []grimbots.RevenueRow{row(b, 1, 10000, 250, 0), row(a, 3, 7003, 81, 1)}},
		{"from is inclusive", t2, t2.Add(time.Microsecond), []grimbots.RevenueRow{row(b, 1, 10000, 250, 0)}},
		{"to is exclusive", t1.Add(-time.Hour), t1, nil},
		{"empty period", t1, t1, nil},
		{"reversal only", t3.In(brt), t3.Add(time.Hour).In(brt), []grimbots.RevenueRow{row(a, 0, 0, -200, 1)}},
		{"first day", t1, t2, []grimbots.RevenueRow{row(a, 3, 7003, 281, 0)}},
	} {
		got, err := s.PlatformRevenue(ctx, tt.from, tt.to)
		Must(t, err)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: PlatformRevenue = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// ---------------------------------------------------------------------------
// Sandbox bank

func testSandboxCharges(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	Must(t, s.CreateSandboxCharge(ctx, u.ID, "sbx_1", "ref-1", 1990, Epoch))
	Must(t, s.CreateSandboxCharge(ctx, v.ID, "sbx_2", "ref-2", 500, Epoch))
	if err := s.CreateSandboxCharge(ctx, v.ID, "sbx_1", "ref-3", 1, Epoch); err == nil {
		t.Error("duplicate sandbox transaction id accepted")
	}
	want := func(tx string, seller int64, status string, amount int64) {
		t.Helper()
		gotSeller, gotStatus, gotAmount, err := s.SandboxCharge(ctx, tx)
		Must(t, err)
		if gotSeller != seller || gotStatus != status || gotAmount != amount {
			t.Errorf("SandboxCharge(%s) = %d, %s, %d; want %d, %s, %d", tx, gotSeller, gotStatus, gotAmount, seller, status, amount)
		}
	}
	want("sbx_1", u.ID, "pending", 1990)
	Must(t, s.SetSandboxChargeStatus(ctx, u.ID, "sbx_1", "paid", Epoch.Add(time.Minute)))
	want("sbx_1", u.ID, "paid", 1990)
	// Another seller cannot play the bank for it.
	WantCode(t, s.SetSandboxChargeStatus(ctx, v.ID, "sbx_1", "refunded", Epoch), grimbots.ENOTFOUND)
	want("sbx_1", u.ID, "paid", 1990)
	want("sbx_2", v.ID, "pending", 500)
	WantCode(t, s.SetSandboxChargeStatus(ctx, u.ID, "nope", "paid", Epoch), grimbots.ENOTFOUND)
	_, _, _, err := s.SandboxCharge(ctx, "nope")
	WantCode(t, err, grimbots.ENOTFOUND)
	_, _, _, err = s.SandboxCharge(ctx, "sbx_")
	WantCode(t, err, grimbots.ENOTFOUND)
}

// ---------------------------------------------------------------------------
// Sealed values (key rotation)

func testSealed(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	g1 := NewGateway(t, s, u.ID, "pushinpay")
	g2 := NewGateway(t, s, v.ID, "syncpay")
	Must(t, s.DeleteGatewayAccount(ctx, v.ID, g2.ID, Epoch))
	b1 := NewBot(t, s, u.ID, "one")
	b2 := NewBot(t, s, v.ID, "two")
	// Each value comes with the associated data it is sealed with: bound to
	// its seller and its gateway kind or Telegram bot.
	adPrefix := map[string]map[int64]string{
		"gateway_credentials": {g1.ID: grimbots.GatewayCredentialsAD(u.ID, "pushinpay"), g2.ID: grimbots.GatewayCredentialsAD(v.ID, "syncpay")},
		"bot_token":           {b1: fmt.Sprintf("bot:%d:", u.ID), b2: fmt.Sprintf("bot:%d:", v.ID)},
	}
	wantVals := func(kind string, want []store.Sealed) {
		t.Helper()
		got, err := s.SealedValues(ctx, kind)
		Must(t, err)
		for i, g := range got {
			if p := adPrefix[kind][g.ID]; p == "" || !strings.HasPrefix(g.AD, p) {
				t.Errorf("SealedValues(%s): row %d sealed with AD %q, want it to start with %q", kind, g.ID, g.AD, p)
			}
			got[i].AD = ""
		}
		if !slices.Equal(got, want) {
			t.Errorf("SealedValues(%s) = %v, want %v", kind, got, want)
		}
	}
	wantVals("gateway_credentials", []store.Sealed{{ID: g1.ID, Value: g1.CredentialsCiphertext}, {ID: g2.ID, Value: g2.CredentialsCiphertext}})
	wantVals("bot_token", []store.Sealed{{ID: b1, Value: "sealed-bot-one"}, {ID: b2, Value: "sealed-bot-two"}})
	if _, err := s.SealedValues(ctx, "users; DROP TABLE users"); err == nil {
		t.Error("unknown sealed kind accepted")
	}
	if _, err := s.ReplaceSealed(ctx, "nope", g1.ID, "a", "b"); err == nil {
		t.Error("ReplaceSealed accepted an unknown kind")
	}
	for _, k := range store.SealedKinds() {
		if _, err := s.SealedValues(ctx, k); err != nil {
			t.Errorf("SealedKinds lists %s: %v", k, err)
		}
	}

	replace := func(kind string, id int64, old, repl string, want bool) {
		t.Helper()
		ok, err := s.ReplaceSealed(ctx, kind, id, old, repl)
		Must(t, err)
		if ok != want {
			t.Errorf("ReplaceSealed(%s, %d, %q) = %v, want %v", kind, id, old, ok, want)
		}
	}
	replace("gateway_credentials", g1.ID, g1.CredentialsCiphertext, "v2-g1", true)
	replace("gateway_credentials", g1.ID, g1.CredentialsCiphertext, "v3-g1", false) // stale: a concurrent edit wins
	replace("gateway_credentials", g2.ID, g2.CredentialsCiphertext, "v2-g2", true)  // deleted rows rotate too
	replace("gateway_credentials", 999, "x", "y", false)
	replace("bot_token", b1, "sealed-bot-one", "v2-b1", true)
	replace("bot_token", b2, "wrong", "v2-b2", false)
	replace("bot_token", g1.ID, "v2-g1", "cross", false) // the id of another table's row
	wantVals("gateway_credentials", []store.Sealed{{ID: g1.ID, Value: "v2-g1"}, {ID: g2.ID, Value: "v2-g2"}})
	wantVals("bot_token", []store.Sealed{{ID: b1, Value: "v2-b1"}, {ID: b2, Value: "sealed-bot-two"}})
	got, err := s.GatewayAccount(ctx, u.ID, g1.ID)
	Must(t, err)
	if got.CredentialsCiphertext != "v2-g1" {
		t.Errorf("gateway credentials = %q", got.CredentialsCiphertext)
	}
}
