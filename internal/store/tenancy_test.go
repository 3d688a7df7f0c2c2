package store_test

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/store/storetest"
)

// Tenancy: a seller must never read or change another seller's rows. Every
// exported method of *store.Store is classified below, and the meta-test
// TestEveryStoreMethodHasATenancyDecision fails when a method is added
// without deciding (and, if it is tenant-scoped, testing) its tenancy.

type tenancyRule struct {
	// check exercises the method as seller A against seller B's rows. It
	// is required for tenant-scoped methods and optional for global ones.
	check func(t *testing.T, w *world)
	// global, when non-empty, says why the method is not tenant-scoped.
	global string
}

func scoped(check func(t *testing.T, w *world)) tenancyRule { return tenancyRule{check: check} }
func global(reason string) tenancyRule                      { return tenancyRule{global: reason} }

var storeTenancy = map[string]tenancyRule{
	// Tenant-scoped: they take the owner's id (or an object carrying it)
	// and must only ever see or touch that owner's rows.
	"DeleteSession":       scoped(checkDeleteSession),
	"DeleteSessions":      scoped(checkDeleteSessions),
	"ListSessions":        scoped(checkListSessions),
	"DeleteAPIToken":      scoped(checkDeleteAPIToken),
	"ListAPITokens":       scoped(checkListAPITokens),
	"CreateAPIToken":      scoped(checkCreateAPIToken),
	"SetPassword":         scoped(checkSetPassword),
	"RecordLogin":         scoped(checkRecordLogin),
	"CreatePasswordReset": scoped(checkPasswordReset),
	"ListAudit":           scoped(checkListAudit),
	"SetBanned":           scoped(checkSetBanned),
	"SetRole":             scoped(checkSetRole),

	"CreateGatewayAccount":   scoped(checkCreateGatewayAccount),
	"GatewayAccounts":        scoped(checkGatewayAccounts),
	"GatewayAccount":         scoped(checkGatewayAccount),
	"UpdateGatewayAccount":   scoped(checkUpdateGatewayAccount),
	"DeleteGatewayAccount":   scoped(checkDeleteGatewayAccount),
	"CreatePayment":          scoped(checkCreatePayment),
	"SetPaymentCharge":       scoped(checkSetPaymentCharge),
	"Payment":                scoped(checkPayment),
	"PaymentByReference":     scoped(checkPaymentByReference),
	"PaymentByTransaction":   scoped(checkPaymentByTransaction),
	"ReusablePayment":        scoped(checkReusablePayment),
	"ListPayments":           scoped(checkListPayments),
	"ClaimPaymentCheck":      scoped(checkClaimPaymentCheck),
	"TransitionPayment":      scoped(checkTransitionPayment),
	"WebhookEvents":          scoped(checkWebhookEvents),
	"Commissions":            scoped(checkCommissions),
	"CreateSandboxCharge":    scoped(checkCreateSandboxCharge),
	"SetSandboxChargeStatus": scoped(checkSetSandboxChargeStatus),

	// Global or admin-only.
	"CreateUser":            global("creates a new account (a new tenant); it reads no other tenant's rows beyond the uniqueness check"),
	"UserByID":              global("account lookup by id: the HTTP layer passes the authenticated principal's own id, or an admin asks"),
	"UserByLogin":           global("login lookup before authentication; returns only the account that matches the credentials"),
	"FindUsers":             global("admin listing of every account"),
	"CountAdmins":           global("platform-wide count used to protect the last admin"),
	"SessionByTokenHash":    global("lookup by the secret cookie's hash, which is the credential itself; it returns the owner"),
	"TouchSession":          global("called with the id of the session just found by SessionByTokenHash, never with a client-supplied id"),
	"APITokenByHash":        global("lookup by the secret token's hash, which is the credential itself; it returns the owner"),
	"TouchAPIToken":         global("called with the id of the token just found by APITokenByHash, never with a client-supplied id"),
	"UsePasswordReset":      {global: "the ticket's secret hash is the credential; it changes only the ticket's owner", check: checkUsePasswordReset},
	"DeleteExpiredSessions": global("housekeeping over every tenant, run by the platform"),
	"AppendAudit":           global("append-only log; each entry names its own actor and target"),
	"DB":                    global("accessor for the connection pools, used by the platform (migrations, health, metrics)"),

	"GatewayAccountByWebhook": {global: "resolves a webhook URL by its unguessable token, which identifies the seller; " +
		"the account returned names its owner", check: checkGatewayAccountByWebhook},
	"PendingPayments": global("the reconciler's sweep over every seller's pending charges; each payment carries its seller id " +
		"and is then handled with it"),
	"SealedValues":  global("key rotation re-encrypts every ciphertext of the platform, run by an operator"),
	"ReplaceSealed": global("key rotation: swaps one ciphertext for its re-encryption, conditional on the old value"),
	"RecordWebhook": global("a webhook is stored before anything else, before the seller is known (unknown tokens included); " +
		"the seller id is the one its token resolved to"),
	"SetWebhookOutcome": global("records the outcome of the webhook event just stored by RecordWebhook, by the id it returned, " +
		"never a client-supplied id"),
	"SandboxCharge": {global: "the sandbox gateway looks a charge up by its transaction id and the caller compares the " +
		"returned owner with the seller", check: checkSandboxCharge},
	"PlatformRevenue":   global("admin report of the platform's commission income across every seller"),
	"SetCommissionRate": global("admin-only: sets a seller's platform fee, with the admin's audit entry"),

	// Bots: the seller's own API is scoped; the Telegram side (webhook
	// intake, pollers, the update pipeline) runs before any seller is
	// known, or with a bot id the platform itself handed out.
	"CreateBot":       scoped(checkCreateBot),
	"Bots":            scoped(checkBots),
	"Bot":             scoped(checkBot),
	"RenameBot":       scoped(checkRenameBot),
	"ReplaceBotToken": scoped(checkReplaceBotToken),
	"SetBotRunning":   scoped(checkSetBotRunning),
	"DeleteBot":       scoped(checkDeleteBot),
	"SaveBotConfig":   scoped(checkSaveBotConfig),
	"BotConfig":       scoped(checkBotConfig),
	"BotConfigs":      scoped(checkBotConfigs),
	"TouchLead":       scoped(checkTouchLead),
	"Lead":            scoped(checkLead),
	"Leads":           scoped(checkLeads),
	"SetLeadBlocked":  scoped(checkSetLeadBlocked),
	"EnsureDelivery":  scoped(checkEnsureDelivery),
	"Delivery":        scoped(checkDelivery),
	"UpdateDelivery":  scoped(checkUpdateDelivery),

	"BotByWebhookSecret": {global: "resolves an unguessable Telegram webhook path before any seller is known; the bot " +
		"returned names its owner", check: checkBotByWebhookSecret},
	"RunningBots": global("platform-wide poller and health check list; each bot carries its seller id"),
	"BotByID": {global: "background workers keyed by the bot id they were handed by the platform, never a " +
		"client-supplied id; the bot returned names its owner", check: checkBotByID},
	"AcquireBotLease": global(botWorker),
	"ReleaseBotLease": global(botWorker),
	"SetUpdateOffset": global(botWorker),
	"SetBotHealth":    global(botWorker),
	"SetBotWebhook":   global(botWorker),
	"InsertUpdate":    global(updatePipeline),
	"NextChatUpdate":  global(updatePipeline),
	"FinishUpdate":    global(updatePipeline),
	"RetryUpdate":     global(updatePipeline),
	"StalledChats":    global(updatePipeline),
	"PurgeUpdates":    global(updatePipeline),
	"AcquireChatLock": global(updatePipeline),
	"ReleaseChatLock": global(updatePipeline),
	"MediaFileID":     global(mediaCache),
	"PutMediaFileID":  global(mediaCache),

	// Redirect pools: the seller's API is scoped; the public link and the
	// click writer run before any seller is known.
	"CreatePool":       scoped(checkCreatePool),
	"Pools":            scoped(checkPools),
	"Pool":             scoped(checkPool),
	"UpdatePool":       scoped(checkUpdatePool),
	"DeletePool":       scoped(checkDeletePool),
	"SetPoolMember":    scoped(checkSetPoolMember),
	"RemovePoolMember": scoped(checkRemovePoolMember),
	"PoolClicks":       scoped(checkPoolClicks),
	"PoolBySlug": global("resolves the public link /go/{slug}, slugs being unique on the platform; the pool returned " +
		"names its owner"),
	"PoolSlugsOfBot": global("cache invalidation keyed by the bot id the bots service changed; it returns only slugs, " +
		"which are public"),
	"AddPoolClicks": {global: "the click writer's batches, made by the public link from the pool it resolved; a count " +
		"is stored only where its pool belongs to its seller", check: checkAddPoolClicks},

	"ClaimBotHealthCheck": global("the platform's health check over every running bot, keyed by the bot id it listed"),
	"RecordBotHealth":     global("the platform's health check over every running bot, keyed by the bot id it listed"),
	"PurgeWebhookEvents":  global("retention clean-up over every tenant, run by the platform"),
	"PurgeChatLocks":      global("retention clean-up of expired locks over every tenant, run by the platform"),

	// Dashboard statistics, profile and impersonation.
	"SalesSummary":   scoped(checkSalesSummary),
	"RevenueBuckets": scoped(checkRevenueBuckets),
	"BotSales":       scoped(checkBotSales),
	"Sales":          scoped(checkSales),
	"UpdateProfile":  scoped(checkUpdateProfile),
	"StartImpersonation": global("admin-only (the auth service checks the role): opens a session of the target account " +
		"and ends the admin's own session, matched by the admin's id"),
	"EndImpersonation": {global: "ends an impersonation session only if the given admin opened it, and logs that admin back in",
		check: checkEndImpersonation},
}

const (
	botWorker = "background workers (pollers, health checks, webhook setup) keyed by the bot id they were handed " +
		"by the platform, never a client-supplied id"
	updatePipeline = "the update pipeline, keyed by the bot id its update arrived for (the webhook secret or the " +
		"poller's lease resolved it); updates carry the bot's seller id"
	mediaCache = "per-bot cache of Telegram's file ids for media URLs, keyed by the bot id of the pipeline; " +
		"not seller data"
)

func TestEveryStoreMethodHasATenancyDecision(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[*store.Store]()
	methods := map[string]bool{}
	for m := range typ.Methods() {
		methods[m.Name] = true
		rule, ok := storeTenancy[m.Name]
		switch {
		case !ok:
			t.Errorf("(*store.Store).%s has no tenancy decision: add it to storeTenancy as scoped (with a check "+
				"proving seller A cannot see or change seller B's rows) or global (with the reason)", m.Name)
		case rule.global == "" && rule.check == nil:
			t.Errorf("(*store.Store).%s is tenant-scoped but has no check", m.Name)
		case rule.global != "" && len(rule.global) < 20:
			t.Errorf("(*store.Store).%s: the global reason %q is too short to be a reason", m.Name, rule.global)
		}
	}
	for name := range storeTenancy {
		if !methods[name] {
			t.Errorf("storeTenancy lists %s, which is not a method of *store.Store", name)
		}
	}
	// Every method of the domain interface is a method of the store, so
	// the table covers the whole AccountStore contract.
	for m := range reflect.TypeFor[grimbots.AccountStore]().Methods() {
		if !methods[m.Name] {
			t.Errorf("AccountStore.%s is not implemented by *store.Store", m.Name)
		}
	}
}

func TestTenancy(t *testing.T) {
	names := make([]string, 0, len(storeTenancy))
	for name, rule := range storeTenancy {
		if rule.check != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			e.url(t) // skip (or fail under CI) once if the engine is unavailable
			for _, name := range names {
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					s := store.New(openMigrated(t, e.url(t)))
					w := newWorld(t, s)
					before := w.snapshot(t, w.b)
					storeTenancy[name].check(t, w)
					w.wantUntouched(t, before)
				})
			}
		})
	}
}

// seller is one tenant with rows in every account and payment table.
type seller struct {
	user     *grimbots.User
	sessions []*grimbots.Session
	tokens   []*grimbots.APIToken
	reset    string // hash of an outstanding password reset

	bot, lead int64
	// Bot rows: the live bot has configuration versions 1 and 2 and one
	// pending update; deletedBot is a deleted bot; delivery is the
	// delivery of the paid payment.
	deletedBot *grimbots.Bot
	delivery   *grimbots.Delivery
	gateway    *grimbots.GatewayAccount   // live, kind "pushinpay" for every seller
	deleted    []*grimbots.GatewayAccount // "syncpay" for every seller, and one kind of its own
	// Payments on the pushinpay gateway: pending (charged), paid (with its
	// commission) and refunded (with its reversal).
	pending, paid, refunded *grimbots.Payment
	webhook                 *grimbots.WebhookEvent
	sandboxTx               string

	// pool has the live bot as member and one click counter.
	pool *grimbots.Pool

	campaigns campaignRows
}

func (sl seller) payments() []*grimbots.Payment {
	return []*grimbots.Payment{sl.pending, sl.paid, sl.refunded}
}

type world struct {
	s    *store.Store
	a, b seller
}

var (
	now     = storetest.Epoch
	expires = storetest.Epoch.Add(24 * time.Hour)
)

func newSeller(t *testing.T, s *store.Store, name string) seller {
	t.Helper()
	u := storetest.NewUser(t, s, name)
	sl := seller{user: u, reset: name + "-reset"}
	for _, suffix := range []string{"-s1", "-s2"} {
		sl.sessions = append(sl.sessions, storetest.NewSession(t, s, u.ID, name+suffix, expires))
	}
	for _, suffix := range []string{"-t1", "-t2"} {
		sl.tokens = append(sl.tokens, storetest.NewAPIToken(t, s, u.ID, name+suffix, nil))
	}
	storetest.NewPasswordReset(t, s, u.ID, sl.reset, expires)
	storetest.Must(t, s.AppendAudit(context.Background(),
		grimbots.AuditEntry{ActorID: &u.ID, TargetUserID: &u.ID, Action: grimbots.AuditLogin, CreatedAt: now},
		grimbots.AuditEntry{ActorID: &u.ID, Action: grimbots.AuditAPITokenCreate, CreatedAt: now}))
	addPayments(t, s, &sl, name)
	addBotRows(t, s, &sl, name)
	addPoolRows(t, s, &sl, name)
	addCampaignRows(t, s, &sl, name)
	addGamificationRows(t, s, &sl, name)
	// Reload: RecordLogin stamped the last login.
	fresh, err := s.UserByID(context.Background(), u.ID)
	storetest.Must(t, err)
	sl.user = fresh
	return sl
}

func addPayments(t *testing.T, s *store.Store, sl *seller, name string) {
	t.Helper()
	ctx := context.Background()
	id := sl.user.ID
	sl.bot = storetest.NewBot(t, s, id, name)
	sl.lead = storetest.NewLead(t, s, id, sl.bot)
	sl.gateway = storetest.NewGateway(t, s, id, "pushinpay")
	for _, kind := range []string{"syncpay", name + "-only"} {
		g := storetest.NewGateway(t, s, id, kind)
		storetest.Must(t, s.DeleteGatewayAccount(ctx, id, g.ID, now))
		sl.deleted = append(sl.deleted, g)
	}
	pay := func(suffix string, amount int64) *grimbots.Payment {
		p := storetest.NewPayment(t, s, id, name+"-"+suffix, amount, func(p *grimbots.Payment) {
			p.BotID, p.LeadID, p.GatewayID, p.GatewayKind = &sl.bot, &sl.lead, &sl.gateway.ID, "pushinpay"
		})
		return storetest.ChargePayment(t, s, p, name+"-tx-"+suffix, name+"-hash-"+suffix, &expires)
	}
	sl.pending = pay("pending", 1990)
	sl.paid = pay("paid", 5000)
	sl.refunded = pay("refunded", 3000)
	for _, p := range []*grimbots.Payment{sl.paid, sl.refunded} {
		storetest.Transition(t, s, p, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge, now)
	}
	storetest.Transition(t, s, sl.refunded, []string{grimbots.PaymentPaid}, grimbots.PaymentRefunded, grimbots.CommissionReversal, now)
	sl.webhook = &grimbots.WebhookEvent{SellerID: &id, GatewayID: &sl.gateway.ID, GatewayKind: "pushinpay", Body: `{"id":"` + name + `"}`,
		Outcome: grimbots.WebhookAccepted, PaymentID: &sl.paid.ID, ReceivedAt: now}
	storetest.Must(t, s.RecordWebhook(ctx, sl.webhook))
	sl.sandboxTx = name + "-sbx"
	storetest.Must(t, s.CreateSandboxCharge(ctx, id, sl.sandboxTx, sl.pending.Reference, 1990, now))
}

func newWorld(t *testing.T, s *store.Store) *world {
	t.Helper()
	return &world{s: s, a: newSeller(t, s, "seller_a"), b: newSeller(t, s, "seller_b")}
}

type snapshot struct {
	seller   seller
	user     *grimbots.User
	sessions []*grimbots.Session
	tokens   []*grimbots.APIToken
	audit    []*grimbots.AuditEntry
	rows     map[string][]map[string]any // every row of the seller's payment tables
}

// sellerTables hold a seller_id column; their rows are compared raw.
var sellerTables = []string{"bots", "leads", "gateways", "payments", "payment_events", "commissions", "webhook_events", "sandbox_charges",
	"bot_configs", "telegram_updates", "deliveries", "pools", "pool_members", "pool_clicks"}

// sellerRows dumps every row of the seller in sellerTables.
func sellerRows(t *testing.T, s *store.Store, sellerID int64) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, table := range sellerTables {
		rows, err := s.DB().Primary().QueryContext(context.Background(), `SELECT * FROM `+table+` WHERE seller_id = $1 ORDER BY 1`, sellerID)
		storetest.Must(t, err)
		cols, err := rows.Columns()
		storetest.Must(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			storetest.Must(t, rows.Scan(ptrs...))
			row := map[string]any{}
			for i, c := range cols {
				switch v := vals[i].(type) {
				case []byte:
					row[c] = string(v)
				case time.Time:
					row[c] = v.UTC()
				default:
					row[c] = v
				}
			}
			out[table] = append(out[table], row)
		}
		storetest.Must(t, rows.Err())
		rows.Close()
	}
	return out
}

func (w *world) snapshot(t *testing.T, sl seller) snapshot {
	t.Helper()
	ctx := context.Background()
	u, err := w.s.UserByID(ctx, sl.user.ID)
	storetest.Must(t, err)
	sessions, err := w.s.ListSessions(ctx, sl.user.ID, now)
	storetest.Must(t, err)
	tokens, err := w.s.ListAPITokens(ctx, sl.user.ID)
	storetest.Must(t, err)
	audit, _, err := w.s.ListAudit(ctx, grimbots.AuditFilter{UserID: &sl.user.ID, Limit: 200})
	storetest.Must(t, err)
	return snapshot{seller: sl, user: u, sessions: sessions, tokens: tokens, audit: audit, rows: sellerRows(t, w.s, sl.user.ID)}
}

// wantUntouched fails if any row of the snapshot's seller changed, then
// proves the seller's reset ticket is still live.
func (w *world) wantUntouched(t *testing.T, before snapshot) {
	t.Helper()
	ctx := context.Background()
	after := w.snapshot(t, before.seller)
	storetest.SameUser(t, after.user, before.user)
	if len(after.sessions) != len(before.sessions) || len(after.sessions) != len(before.seller.sessions) {
		t.Fatalf("seller B's sessions changed: %v -> %v", storetest.SessionIDs(before.sessions), storetest.SessionIDs(after.sessions))
	}
	for i := range after.sessions {
		storetest.SameSession(t, after.sessions[i], before.sessions[i])
	}
	if len(after.tokens) != len(before.tokens) || len(after.tokens) != len(before.seller.tokens) {
		t.Fatalf("seller B's tokens changed: %v -> %v", storetest.APITokenIDs(before.tokens), storetest.APITokenIDs(after.tokens))
	}
	for i := range after.tokens {
		storetest.SameAPIToken(t, after.tokens[i], before.tokens[i])
	}
	if !reflect.DeepEqual(after.audit, before.audit) {
		t.Errorf("seller B's audit entries changed: %d -> %d entries", len(before.audit), len(after.audit))
	}
	for _, table := range sellerTables {
		if len(before.rows[table]) == 0 {
			t.Errorf("fixture: seller B has no rows in %s", table)
		}
		if !reflect.DeepEqual(after.rows[table], before.rows[table]) {
			t.Errorf("seller B's %s changed:\n before %v\n  after %v", table, before.rows[table], after.rows[table])
		}
	}
	if _, err := w.s.UsePasswordReset(ctx, before.seller.reset, "b-new-hash", now); err != nil {
		t.Errorf("seller B's password reset no longer usable: %v", err)
	}
}

func wantOnly[T any](t *testing.T, what string, got []T, id func(T) int64, want []int64) {
	t.Helper()
	var ids []int64
	for _, x := range got {
		ids = append(ids, id(x))
	}
	slices.Sort(ids)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(ids, want) {
		t.Errorf("%s = %v, want exactly %v", what, ids, want)
	}
}

func sessionID(s *grimbots.Session) int64  { return s.ID }
func tokenID(x *grimbots.APIToken) int64   { return x.ID }
func auditID(e *grimbots.AuditEntry) int64 { return e.ID }
func ids[T any](xs []T, id func(T) int64) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

// ---------------------------------------------------------------------------
// Checks: each runs as seller A and aims at seller B's rows.

func checkDeleteSession(t *testing.T, w *world) {
	ctx := context.Background()
	for _, bs := range w.b.sessions {
		err := w.s.DeleteSession(ctx, w.a.user.ID, bs.ID, grimbots.AuditEntry{Action: "tenancy.attempt", CreatedAt: now})
		storetest.WantCode(t, err, grimbots.ENOTFOUND)
	}
	// A's own session is deletable (the method works at all).
	storetest.Must(t, w.s.DeleteSession(ctx, w.a.user.ID, w.a.sessions[0].ID))
	if _, n, _ := w.s.ListAudit(ctx, grimbots.AuditFilter{Action: "tenancy.attempt"}); n != 0 {
		t.Errorf("refused attempts wrote %d audit entries", n)
	}
}

func checkDeleteSessions(t *testing.T, w *world) {
	n, err := w.s.DeleteSessions(context.Background(), w.a.user.ID)
	storetest.Must(t, err)
	if n != len(w.a.sessions) {
		t.Errorf("DeleteSessions(A) deleted %d sessions, want A's %d", n, len(w.a.sessions))
	}
}

func checkListSessions(t *testing.T, w *world) {
	list, err := w.s.ListSessions(context.Background(), w.a.user.ID, now)
	storetest.Must(t, err)
	wantOnly(t, "ListSessions(A)", list, sessionID, ids(w.a.sessions, sessionID))
}

func checkDeleteAPIToken(t *testing.T, w *world) {
	ctx := context.Background()
	for _, bt := range w.b.tokens {
		err := w.s.DeleteAPIToken(ctx, w.a.user.ID, bt.ID, grimbots.AuditEntry{Action: "tenancy.attempt", CreatedAt: now})
		storetest.WantCode(t, err, grimbots.ENOTFOUND)
	}
	storetest.Must(t, w.s.DeleteAPIToken(ctx, w.a.user.ID, w.a.tokens[0].ID))
	if _, n, _ := w.s.ListAudit(ctx, grimbots.AuditFilter{Action: "tenancy.attempt"}); n != 0 {
		t.Errorf("refused attempts wrote %d audit entries", n)
	}
}

func checkListAPITokens(t *testing.T, w *world) {
	list, err := w.s.ListAPITokens(context.Background(), w.a.user.ID)
	storetest.Must(t, err)
	wantOnly(t, "ListAPITokens(A)", list, tokenID, ids(w.a.tokens, tokenID))
}

func checkCreateAPIToken(t *testing.T, w *world) {
	ctx := context.Background()
	tok := storetest.NewAPIToken(t, w.s, w.a.user.ID, "a-new", nil)
	list, err := w.s.ListAPITokens(ctx, w.a.user.ID)
	storetest.Must(t, err)
	wantOnly(t, "ListAPITokens(A)", list, tokenID, append(ids(w.a.tokens, tokenID), tok.ID))
	_, owner, err := w.s.APITokenByHash(ctx, tok.TokenHash, now)
	storetest.Must(t, err)
	if owner.ID != w.a.user.ID {
		t.Errorf("A's new token is owned by %d", owner.ID)
	}
}

func checkSetPassword(t *testing.T, w *world) {
	ctx := context.Background()
	// Asking to keep one of B's sessions must not keep or touch it, and
	// must still end every session of A.
	storetest.Must(t, w.s.SetPassword(ctx, w.a.user.ID, "a-new-hash", w.b.sessions[0].ID, now.Add(time.Minute)))
	list, err := w.s.ListSessions(ctx, w.a.user.ID, now)
	storetest.Must(t, err)
	if len(list) != 0 {
		t.Errorf("A keeps %d sessions", len(list))
	}
	_, err = w.s.UsePasswordReset(ctx, w.a.reset, "x", now)
	storetest.WantCode(t, err, grimbots.EGONE)
}

func checkRecordLogin(t *testing.T, w *world) {
	ctx := context.Background()
	// A session object naming B is recorded for A, the id given.
	sess := &grimbots.Session{UserID: w.b.user.ID, TokenHash: "a-login", CreatedAt: now.Add(time.Minute),
		LastSeenAt: now, ExpiresAt: expires}
	storetest.Must(t, w.s.RecordLogin(ctx, w.a.user.ID, sess))
	if sess.UserID != w.a.user.ID {
		t.Errorf("session recorded for user %d, want A (%d)", sess.UserID, w.a.user.ID)
	}
	_, owner, err := w.s.SessionByTokenHash(ctx, "a-login", now)
	storetest.Must(t, err)
	if owner.ID != w.a.user.ID {
		t.Errorf("A's new session is owned by %d", owner.ID)
	}
}

func checkPasswordReset(t *testing.T, w *world) {
	ctx := context.Background()
	storetest.NewPasswordReset(t, w.s, w.a.user.ID, "a-second-reset", expires)
	u, err := w.s.UsePasswordReset(ctx, "a-second-reset", "a-new-hash", now)
	storetest.Must(t, err)
	if u.ID != w.a.user.ID {
		t.Errorf("A's reset ticket changed user %d", u.ID)
	}
}

func checkUsePasswordReset(t *testing.T, w *world) {
	ctx := context.Background()
	u, err := w.s.UsePasswordReset(ctx, w.a.reset, "a-new-hash", now)
	storetest.Must(t, err)
	if u.ID != w.a.user.ID || u.PasswordHash != "a-new-hash" {
		t.Errorf("A's reset returned user %d with hash %q", u.ID, u.PasswordHash)
	}
	list, err := w.s.ListSessions(ctx, w.a.user.ID, now)
	storetest.Must(t, err)
	if len(list) != 0 {
		t.Errorf("A keeps %d sessions after a reset", len(list))
	}
}

func checkListAudit(t *testing.T, w *world) {
	ctx := context.Background()
	all, _, err := w.s.ListAudit(ctx, grimbots.AuditFilter{Limit: 200})
	storetest.Must(t, err)
	var wantA []int64
	for _, e := range all {
		if (e.ActorID != nil && *e.ActorID == w.a.user.ID) || (e.TargetUserID != nil && *e.TargetUserID == w.a.user.ID) {
			wantA = append(wantA, e.ID)
		}
	}
	if len(wantA) == 0 || len(wantA) == len(all) {
		t.Fatalf("fixture has %d of %d audit entries about A", len(wantA), len(all))
	}
	got, n, err := w.s.ListAudit(ctx, grimbots.AuditFilter{UserID: &w.a.user.ID})
	storetest.Must(t, err)
	wantOnly(t, "ListAudit(A)", got, auditID, wantA)
	if n != len(wantA) {
		t.Errorf("ListAudit(A) total = %d, want %d", n, len(wantA))
	}
	for _, e := range got {
		if (e.ActorID != nil && *e.ActorID == w.b.user.ID) || (e.TargetUserID != nil && *e.TargetUserID == w.b.user.ID) {
			t.Errorf("ListAudit(A) shows entry %d about B", e.ID)
		}
	}
}

func checkSetBanned(t *testing.T, w *world) {
	ctx := context.Background()
	storetest.Must(t, w.s.SetBanned(ctx, w.a.user.ID, true, "test", now))
	list, err := w.s.ListSessions(ctx, w.a.user.ID, now)
	storetest.Must(t, err)
	if len(list) != 0 {
		t.Errorf("banned A keeps %d sessions", len(list))
	}
	storetest.Must(t, w.s.SetBanned(ctx, w.a.user.ID, false, "", now))
}

func checkSetRole(t *testing.T, w *world) {
	storetest.Must(t, w.s.SetRole(context.Background(), w.a.user.ID, grimbots.RoleAdmin, now.Add(time.Minute)))
	u, err := w.s.UserByID(context.Background(), w.a.user.ID)
	storetest.Must(t, err)
	if u.Role != grimbots.RoleAdmin {
		t.Errorf("A's role = %s", u.Role)
	}
}
