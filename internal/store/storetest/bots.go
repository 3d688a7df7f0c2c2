package storetest

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
)

// botCases cover the bot store: bots, funnel configuration versions,
// polling leases and offsets, the update inbox, chat locks, leads,
// deliveries and media file ids.
var botCases = []testCase{
	{"Bot/CreateRoundTrip", testBotCreateRoundTrip},
	{"Bot/CreateDuplicateToken", testBotCreateDuplicateToken},
	{"Bot/CreateConcurrentSameToken", testBotCreateConcurrent},
	{"Bot/ListNewestFirst", testBotList},
	{"Bot/Lookup", testBotLookup},
	{"Bot/ByWebhookSecret", testBotByWebhookSecret},
	{"Bot/Running", testRunningBots},
	{"Bot/RenameAndRun", testBotRenameRun},
	{"Bot/HealthAndWebhook", testBotHealthWebhook},
	{"Bot/ReplaceTokenKeepsHistory", testBotReplaceToken},
	{"Bot/ReplaceTokenConflict", testBotReplaceTokenConflict},
	{"Bot/ReplaceTokenConcurrent", testBotReplaceTokenConcurrent},
	{"Bot/Delete", testBotDelete},

	{"BotConfig/Versions", testBotConfigVersions},
	{"BotConfig/BaseConflict", testBotConfigConflict},
	{"BotConfig/ConcurrentSameBase", testBotConfigConcurrentSameBase},
	{"BotConfig/ConcurrentUnconditional", testBotConfigConcurrentUnconditional},
	{"BotConfig/NotFound", testBotConfigNotFound},

	{"BotLease/OneOwner", testBotLease},
	{"BotLease/OnlyRunningLiveBots", testBotLeaseRunning},
	{"BotLease/ConcurrentAcquire", testBotLeaseConcurrent},
	{"BotLease/UpdateOffset", testUpdateOffset},

	{"Update/InsertDeduplicates", testInsertUpdateDedup},
	{"Update/InsertRollsBackWithItsJobs", testInsertUpdateJobsRollback},
	{"Update/InsertConcurrent", testInsertUpdateConcurrent},
	{"Update/NextPerChat", testNextChatUpdate},
	{"Update/FinishAndRetry", testFinishRetryUpdate},
	{"Update/StalledChats", testStalledChats},
	{"Update/Purge", testPurgeUpdates},

	{"ChatLock/Exclusive", testChatLock},
	{"ChatLock/ConcurrentAcquire", testChatLockConcurrent},

	{"Lead/TouchCreatesOnce", testTouchLead},
	{"Lead/TouchKeepsFirstOrigin", testTouchLeadOrigin},
	{"Lead/TouchConcurrent", testTouchLeadConcurrent},
	{"Lead/TouchOnlyTheSellersBot", testTouchLeadForeignBot},
	{"Lead/BlockAndUnblock", testLeadBlocked},
	{"Lead/Lookup", testLeadLookup},
	{"Lead/Search", testLeadsSearch},
	{"Lead/SearchLikeWildcardsAreLiteral", testLeadsWildcards},
	{"Lead/Pagination", testLeadsPagination},
	{"Lead/Purchases", testLeadsPurchases},

	{"Delivery/EnsureIdempotent", testEnsureDelivery},
	{"Delivery/EnsureConcurrent", testEnsureDeliveryConcurrent},
	{"Delivery/EnsureOnlyTheSellersPayment", testEnsureDeliveryOwnership},
	{"Delivery/Update", testUpdateDelivery},
	{"Delivery/NeverUnrevoked", testDeliveryNeverUnrevoked},

	{"Media/FileIDs", testMediaFileIDs},
}

// ---------------------------------------------------------------------------
// Bot fixtures (exported for the tenancy tests of package store).

// BotDocument is the funnel configuration (version 1) of AddBot's bots.
func BotDocument(name string) string { return `{"version":1,"bot":"` + name + `"}` }

// AddBot creates a stopped bot of sellerID through CreateBot: Telegram
// username name+"_bot", token ciphertext "sealed-bot-"+name, token hash
// "hash-bot-"+name, webhook secret "secret-bot-"+name, created at Epoch by
// the seller with BotDocument(name) as configuration version 1. mods adjust
// the bot before it is created.
func AddBot(t testing.TB, s *store.Store, sellerID int64, name string, mods ...func(*grimbots.Bot)) *grimbots.Bot {
	t.Helper()
	b := &grimbots.Bot{SellerID: sellerID, TelegramBotID: 7_000_000_000 + fixtureSeq.Add(1), Username: name + "_bot",
		Name: "Bot " + name, TokenCiphertext: "sealed-bot-" + name, TokenHash: "hash-bot-" + name,
		WebhookSecret: "secret-bot-" + name, Health: grimbots.BotUnknown, CreatedAt: Epoch, UpdatedAt: Epoch}
	for _, m := range mods {
		m(b)
	}
	if err := s.CreateBot(context.Background(), b, BotDocument(name), &sellerID); err != nil {
		t.Fatalf("CreateBot(%d, %s): %v", sellerID, name, err)
	}
	return b
}

func running(b *grimbots.Bot) { b.Running = true }

// AddLead records a first contact of Telegram user userID with the bot, at
// at, through TouchLead, and returns the lead.
func AddLead(t testing.TB, s *store.Store, b *grimbots.Bot, userID int64, at time.Time, mods ...func(*grimbots.Lead)) *grimbots.Lead {
	t.Helper()
	l := &grimbots.Lead{SellerID: b.SellerID, BotID: b.ID, TelegramUserID: userID, ChatID: userID,
		FirstName: fmt.Sprintf("Lead %d", userID), LanguageCode: "pt-br", LastInteractionAt: at}
	for _, m := range mods {
		m(l)
	}
	got, created, err := s.TouchLead(context.Background(), l)
	if err != nil {
		t.Fatalf("TouchLead(%d, %d): %v", b.ID, userID, err)
	}
	if !created {
		t.Fatalf("TouchLead(%d, %d) found an existing lead", b.ID, userID)
	}
	return got
}

// AddPaidPayment creates a payment of the bot's seller for the lead and
// confirms it (with its commission).
func AddPaidPayment(t testing.TB, s *store.Store, l *grimbots.Lead, reference string) *grimbots.Payment {
	t.Helper()
	p := NewPayment(t, s, l.SellerID, reference, 1990, func(p *grimbots.Payment) { p.BotID, p.LeadID = &l.BotID, &l.ID })
	Transition(t, s, p, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge, Epoch)
	return p
}

// ---------------------------------------------------------------------------
// Bot assertions

func sameBot(t testing.TB, got, want *grimbots.Bot) {
	t.Helper()
	if got == nil || want == nil {
		t.Fatalf("sameBot: got %v, want %v", got, want)
	}
	if got.ID != want.ID || got.SellerID != want.SellerID || got.TelegramBotID != want.TelegramBotID ||
		got.Username != want.Username || got.Name != want.Name || got.TokenCiphertext != want.TokenCiphertext ||
		got.TokenHash != want.TokenHash || got.WebhookSecret != want.WebhookSecret || got.Running != want.Running ||
		got.Health != want.Health || got.HealthFailures != want.HealthFailures || got.ConfigVersion != want.ConfigVersion ||
		got.UpdateOffset != want.UpdateOffset || got.WebhookURL != want.WebhookURL {
		t.Errorf("bot mismatch:\n got %+v\nwant %+v", *got, *want)
	}
	WantTimePtr(t, "bot HealthCheckedAt", got.HealthCheckedAt, want.HealthCheckedAt)
	WantTime(t, "bot CreatedAt", got.CreatedAt, want.CreatedAt)
	WantTime(t, "bot UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

func sameBotConfig(t testing.TB, got, want *grimbots.BotConfig) {
	t.Helper()
	if got == nil || want == nil {
		t.Fatalf("sameBotConfig: got %v, want %v", got, want)
	}
	if got.SellerID != want.SellerID || got.BotID != want.BotID || got.Version != want.Version ||
		got.Document != want.Document || !eqPtr(got.CreatedBy, want.CreatedBy) || (want.ID != 0 && got.ID != want.ID) {
		t.Errorf("bot config mismatch:\n got %+v\nwant %+v", *got, *want)
	}
	WantTime(t, "config CreatedAt", got.CreatedAt, want.CreatedAt)
}

func sameLead(t testing.TB, got, want *grimbots.Lead) {
	t.Helper()
	if got == nil || want == nil {
		t.Fatalf("sameLead: got %v, want %v", got, want)
	}
	if got.ID != want.ID || got.SellerID != want.SellerID || got.BotID != want.BotID ||
		got.TelegramUserID != want.TelegramUserID || got.ChatID != want.ChatID || got.FirstName != want.FirstName ||
		got.LastName != want.LastName || got.Username != want.Username || got.LanguageCode != want.LanguageCode ||
		got.Origin != want.Origin {
		t.Errorf("lead mismatch:\n got %+v\nwant %+v", *got, *want)
	}
	WantTimePtr(t, "lead BlockedAt", got.BlockedAt, want.BlockedAt)
	WantTime(t, "lead FirstSeenAt", got.FirstSeenAt, want.FirstSeenAt)
	WantTime(t, "lead LastInteractionAt", got.LastInteractionAt, want.LastInteractionAt)
}

func sameDelivery(t testing.TB, got, want *grimbots.Delivery) {
	t.Helper()
	if got == nil || want == nil {
		t.Fatalf("sameDelivery: got %v, want %v", got, want)
	}
	if got.ID != want.ID || got.SellerID != want.SellerID || got.PaymentID != want.PaymentID || got.BotID != want.BotID ||
		got.LeadID != want.LeadID || got.Status != want.Status || got.Attempts != want.Attempts || got.LastError != want.LastError {
		t.Errorf("delivery mismatch:\n got %+v\nwant %+v", *got, *want)
	}
	WantTimePtr(t, "delivery SentAt", got.SentAt, want.SentAt)
	WantTime(t, "delivery CreatedAt", got.CreatedAt, want.CreatedAt)
	WantTime(t, "delivery UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

func reloadBot(t testing.TB, s *store.Store, b *grimbots.Bot) *grimbots.Bot {
	t.Helper()
	got, err := s.Bot(context.Background(), b.SellerID, b.ID)
	Must(t, err)
	return got
}

// idsOf maps xs through id, in order.
func idsOf[T any](xs []T, id func(T) int64) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

func botIDs(bs []*grimbots.Bot) []int64 {
	return idsOf(bs, func(b *grimbots.Bot) int64 { return b.ID })
}
func leadIDs(ls []*grimbots.Lead) []int64 {
	return idsOf(ls, func(l *grimbots.Lead) int64 { return l.ID })
}

// countRows counts the rows of table matching cond, whatever their seller.
func countRows(t testing.TB, s *store.Store, table, cond string, args ...any) int {
	t.Helper()
	var n int
	Must(t, s.DB().Primary().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table+` WHERE `+cond, args...).Scan(&n))
	return n
}

// codes counts the errors of a concurrent run by grimbots code ("" for nil).
func codes(t testing.TB, errs []error) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, err := range errs {
		code := grimbots.ErrorCode(err)
		if err != nil && code == "" {
			t.Errorf("unexpected error: %v", err)
		}
		out[code]++
	}
	return out
}

// concurrently runs fn(0..n-1) from n goroutines released at once.
func concurrently(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

// winners runs try(0..n-1) concurrently, fails on an error, and returns
// how many tries reported true.
func winners(t testing.TB, n int, try func(i int) (bool, error)) int {
	t.Helper()
	won := make([]bool, n)
	errs := make([]error, n)
	concurrently(n, func(i int) { won[i], errs[i] = try(i) })
	for _, err := range errs {
		Must(t, err)
	}
	return len(slices.DeleteFunc(won, func(w bool) bool { return !w }))
}

// ---------------------------------------------------------------------------
// Bots

func testBotCreateRoundTrip(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	b := &grimbots.Bot{SellerID: u.ID, TelegramBotID: 6_123_456_789, Username: "maria_vendas_bot", Name: "Vendas da Maria",
		TokenCiphertext: "v1.sealed.token", TokenHash: "th-maria", WebhookSecret: "ws-0123456789abcdef", Running: true,
		CreatedAt: Epoch.In(brt), UpdatedAt: Epoch.Add(time.Hour)}
	doc := `{"version":1,"welcome":"Olá — \"VIP\" 🎉"}`
	Must(t, s.CreateBot(ctx, b, doc, &u.ID))
	if b.ID <= 0 || b.ConfigVersion != 1 {
		t.Fatalf("CreateBot set ID %d, ConfigVersion %d", b.ID, b.ConfigVersion)
	}
	// Health defaults to unknown; updated_at starts at created_at.
	want := *b
	want.Health, want.UpdatedAt = grimbots.BotUnknown, Epoch
	sameBot(t, reloadBot(t, s, b), &want)
	got, err := s.BotByID(ctx, b.ID)
	Must(t, err)
	sameBot(t, got, &want)
	got, err = s.BotByWebhookSecret(ctx, b.WebhookSecret)
	Must(t, err)
	sameBot(t, got, &want)

	// The document is version 1, in force.
	wantConfig := &grimbots.BotConfig{SellerID: u.ID, BotID: b.ID, Version: 1, Document: doc, CreatedBy: &u.ID, CreatedAt: Epoch}
	c, err := s.BotConfig(ctx, u.ID, b.ID, 0)
	Must(t, err)
	sameBotConfig(t, c, wantConfig)
	c1, err := s.BotConfig(ctx, u.ID, b.ID, 1)
	Must(t, err)
	wantConfig.ID = c.ID
	sameBotConfig(t, c1, wantConfig)
	list, err := s.BotConfigs(ctx, u.ID, b.ID)
	Must(t, err)
	if len(list) != 1 {
		t.Fatalf("BotConfigs = %d versions, want 1", len(list))
	}
	wantConfig.Document = "" // listings leave the documents out
	sameBotConfig(t, list[0], wantConfig)

	// An explicit health is kept; no author is NULL.
	h := &grimbots.Bot{SellerID: u.ID, TelegramBotID: 6_000_000_001, Username: "second_bot", Name: "Second",
		TokenCiphertext: "v1.sealed.second", TokenHash: "th-second", WebhookSecret: "ws-second", Health: grimbots.BotOnline,
		CreatedAt: Epoch, UpdatedAt: Epoch}
	Must(t, s.CreateBot(ctx, h, "{}", nil))
	if h.ID == b.ID {
		t.Fatalf("two bots with id %d", h.ID)
	}
	sameBot(t, reloadBot(t, s, h), h)
	c, err = s.BotConfig(ctx, u.ID, h.ID, 0)
	Must(t, err)
	sameBotConfig(t, c, &grimbots.BotConfig{SellerID: u.ID, BotID: h.ID, Version: 1, Document: "{}", CreatedAt: Epoch})
}

func testBotCreateDuplicateToken(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	b := AddBot(t, s, u.ID, "one")
	configs := countRows(t, s, "bot_configs", "1 = 1")
	// The same token is refused, for its seller and for anyone else.
	for _, seller := range []int64{u.ID, v.ID} {
		dup := &grimbots.Bot{SellerID: seller, TelegramBotID: b.TelegramBotID, Username: b.Username, Name: "dup",
			TokenCiphertext: "sealed-dup", TokenHash: b.TokenHash, WebhookSecret: fmt.Sprintf("ws-dup-%d", seller),
			CreatedAt: Epoch.Add(time.Hour), UpdatedAt: Epoch.Add(time.Hour)}
		WantCode(t, s.CreateBot(ctx, dup, "{}", nil), grimbots.ECONFLICT)
		if dup.ID != 0 {
			t.Errorf("refused CreateBot set ID %d", dup.ID)
		}
		_, err := s.BotByWebhookSecret(ctx, dup.WebhookSecret)
		WantCode(t, err, grimbots.ENOTFOUND)
	}
	// Another bot's webhook secret is refused too.
	WantCode(t, s.CreateBot(ctx, &grimbots.Bot{SellerID: v.ID, TelegramBotID: 1, Username: "x_bot", Name: "x",
		TokenCiphertext: "x", TokenHash: "th-fresh", WebhookSecret: b.WebhookSecret, CreatedAt: Epoch, UpdatedAt: Epoch},
		"{}", nil), grimbots.ECONFLICT)
	if n := countRows(t, s, "bot_configs", "1 = 1"); n != configs {
		t.Errorf("refused creations left %d configurations, want %d", n, configs)
	}
	list, err := s.Bots(ctx, u.ID)
	Must(t, err)
	wantIDs(t, "Bots after refused duplicates", botIDs(list), []int64{b.ID})
	list, err = s.Bots(ctx, v.ID)
	Must(t, err)
	wantIDs(t, "other seller's bots", botIDs(list), nil)

	// Once the bot is deleted its token is free again: a new row.
	Must(t, s.DeleteBot(ctx, u.ID, b.ID, Epoch.Add(time.Minute)))
	again := &grimbots.Bot{SellerID: v.ID, TelegramBotID: b.TelegramBotID, Username: b.Username, Name: "again",
		TokenCiphertext: "sealed-again", TokenHash: b.TokenHash, WebhookSecret: "ws-again", Health: grimbots.BotUnknown,
		CreatedAt: Epoch.Add(2 * time.Minute), UpdatedAt: Epoch.Add(2 * time.Minute)}
	Must(t, s.CreateBot(ctx, again, "again-doc", &v.ID))
	if again.ID == b.ID {
		t.Fatalf("the re-added bot reused the deleted row %d", b.ID)
	}
	sameBot(t, reloadBot(t, s, again), again)
	c, err := s.BotConfig(ctx, v.ID, again.ID, 0)
	Must(t, err)
	if c.Version != 1 || c.Document != "again-doc" {
		t.Errorf("re-added bot's configuration = version %d %q", c.Version, c.Document)
	}
	_, err = s.Bot(ctx, u.ID, b.ID)
	WantCode(t, err, grimbots.ENOTFOUND)
	// And it is taken again.
	WantCode(t, s.CreateBot(ctx, &grimbots.Bot{SellerID: u.ID, TelegramBotID: 2, Username: "y_bot", Name: "y",
		TokenCiphertext: "y", TokenHash: b.TokenHash, WebhookSecret: "ws-third", CreatedAt: Epoch, UpdatedAt: Epoch},
		"{}", nil), grimbots.ECONFLICT)
}

func testBotCreateConcurrent(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	const n = 8
	errs := make([]error, n)
	concurrently(n, func(i int) {
		seller := []int64{u.ID, v.ID}[i%2]
		errs[i] = s.CreateBot(context.Background(), &grimbots.Bot{SellerID: seller, TelegramBotID: 42, Username: "race_bot",
			Name: "race", TokenCiphertext: "sealed", TokenHash: "th-race", WebhookSecret: fmt.Sprintf("ws-race-%d", i),
			CreatedAt: Epoch, UpdatedAt: Epoch}, "{}", nil)
	})
	if c := codes(t, errs); c[""] != 1 || c[grimbots.ECONFLICT] != n-1 {
		t.Errorf("%d created and %d ECONFLICT, want 1 and %d", c[""], c[grimbots.ECONFLICT], n-1)
	}
	if got := countRows(t, s, "bots", "token_hash = $1", "th-race"); got != 1 {
		t.Errorf("%d bots with the raced token, want 1", got)
	}
	if got := countRows(t, s, "bot_configs", "1 = 1"); got != 1 {
		t.Errorf("%d configurations after the race, want 1", got)
	}
}

func testBotList(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	b1 := AddBot(t, s, u.ID, "one")
	b2 := AddBot(t, s, u.ID, "two")
	b3 := AddBot(t, s, u.ID, "three", running)
	AddBot(t, s, v.ID, "other")
	Must(t, s.DeleteBot(ctx, u.ID, b2.ID, Epoch))
	list, err := s.Bots(ctx, u.ID)
	Must(t, err)
	wantIDs(t, "Bots (newest first, deleted hidden)", botIDs(list), []int64{b3.ID, b1.ID})
	if len(list) == 2 {
		sameBot(t, list[0], b3)
		sameBot(t, list[1], b1)
	}
	list, err = s.Bots(ctx, 999)
	Must(t, err)
	if len(list) != 0 {
		t.Errorf("unknown seller has %d bots", len(list))
	}
}

func testBotLookup(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	b := AddBot(t, s, u.ID, "one")
	gone := AddBot(t, s, u.ID, "gone")
	Must(t, s.DeleteBot(ctx, u.ID, gone.ID, Epoch))
	sameBot(t, reloadBot(t, s, b), b)
	for _, tt := range []struct{ seller, id int64 }{{v.ID, b.ID}, {u.ID, gone.ID}, {u.ID, 999}} {
		_, err := s.Bot(ctx, tt.seller, tt.id)
		WantCode(t, err, grimbots.ENOTFOUND)
	}
	// BotByID is whatever the seller, live bots only.
	got, err := s.BotByID(ctx, b.ID)
	Must(t, err)
	sameBot(t, got, b)
	for _, id := range []int64{gone.ID, 999} {
		_, err := s.BotByID(ctx, id)
		WantCode(t, err, grimbots.ENOTFOUND)
	}
}

func testBotByWebhookSecret(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	gone := AddBot(t, s, u.ID, "gone")
	Must(t, s.DeleteBot(ctx, u.ID, gone.ID, Epoch))
	got, err := s.BotByWebhookSecret(ctx, b.WebhookSecret)
	Must(t, err)
	sameBot(t, got, b)
	for _, secret := range []string{gone.WebhookSecret, "", "nope", b.WebhookSecret[:5], strings.ToUpper(b.WebhookSecret),
		b.WebhookSecret + " ", "secret-bot-%"} {
		_, err := s.BotByWebhookSecret(ctx, secret)
		WantCode(t, err, grimbots.ENOTFOUND)
	}
}

func testRunningBots(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	r1 := AddBot(t, s, u.ID, "r1", running)
	stopped := AddBot(t, s, u.ID, "stopped")
	gone := AddBot(t, s, u.ID, "gone", running)
	r2 := AddBot(t, s, v.ID, "r2", running)
	Must(t, s.DeleteBot(ctx, u.ID, gone.ID, Epoch))
	list, err := s.RunningBots(ctx)
	Must(t, err)
	wantIDs(t, "RunningBots", botIDs(list), []int64{r1.ID, r2.ID})
	if len(list) == 2 {
		sameBot(t, list[1], r2)
	}
	Must(t, s.SetBotRunning(ctx, u.ID, stopped.ID, true, Epoch))
	Must(t, s.SetBotRunning(ctx, u.ID, r1.ID, false, Epoch))
	list, err = s.RunningBots(ctx)
	Must(t, err)
	wantIDs(t, "RunningBots after start and stop", botIDs(list), []int64{stopped.ID, r2.ID})
}

func testBotRenameRun(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	b := AddBot(t, s, u.ID, "one")
	want := *b
	Must(t, s.RenameBot(ctx, u.ID, b.ID, "Vendas VIP ✨", Epoch.Add(time.Minute).In(brt)))
	want.Name, want.UpdatedAt = "Vendas VIP ✨", Epoch.Add(time.Minute)
	sameBot(t, reloadBot(t, s, b), &want)
	Must(t, s.SetBotRunning(ctx, u.ID, b.ID, true, Epoch.Add(2*time.Minute)))
	want.Running, want.UpdatedAt = true, Epoch.Add(2*time.Minute)
	sameBot(t, reloadBot(t, s, b), &want)
	Must(t, s.SetBotRunning(ctx, u.ID, b.ID, false, Epoch.Add(3*time.Minute)))
	want.Running, want.UpdatedAt = false, Epoch.Add(3*time.Minute)
	sameBot(t, reloadBot(t, s, b), &want)

	// Another seller's id, an unknown bot and a deleted bot: ENOTFOUND.
	later := Epoch.Add(time.Hour)
	for _, tt := range []struct{ seller, id int64 }{{v.ID, b.ID}, {u.ID, 999}} {
		WantCode(t, s.RenameBot(ctx, tt.seller, tt.id, "x", later), grimbots.ENOTFOUND)
		WantCode(t, s.SetBotRunning(ctx, tt.seller, tt.id, true, later), grimbots.ENOTFOUND)
	}
	sameBot(t, reloadBot(t, s, b), &want)
	Must(t, s.DeleteBot(ctx, u.ID, b.ID, later))
	WantCode(t, s.RenameBot(ctx, u.ID, b.ID, "x", later), grimbots.ENOTFOUND)
	WantCode(t, s.SetBotRunning(ctx, u.ID, b.ID, true, later), grimbots.ENOTFOUND)
}

func testBotHealthWebhook(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	checked := Epoch.Add(time.Minute)
	Must(t, s.SetBotHealth(ctx, b.ID, grimbots.BotOffline, 3, checked.In(brt)))
	got := reloadBot(t, s, b)
	if got.Health != grimbots.BotOffline || got.HealthFailures != 3 {
		t.Errorf("health = %s with %d failures, want offline with 3", got.Health, got.HealthFailures)
	}
	WantTimePtr(t, "HealthCheckedAt", got.HealthCheckedAt, &checked)
	// Only the four states are storable.
	if err := s.SetBotHealth(ctx, b.ID, "bogus", 0, checked); err == nil {
		t.Error("SetBotHealth accepted an unknown state")
	}
	if got := reloadBot(t, s, b); got.Health != grimbots.BotOffline {
		t.Errorf("health after a refused update = %s", got.Health)
	}
	Must(t, s.SetBotHealth(ctx, b.ID, grimbots.BotOnline, 0, checked.Add(time.Minute)))
	if got := reloadBot(t, s, b); got.Health != grimbots.BotOnline || got.HealthFailures != 0 {
		t.Errorf("health = %s with %d failures, want online with 0", got.Health, got.HealthFailures)
	}

	Must(t, s.SetBotWebhook(ctx, b.ID, "https://grimbots.example/tg/"+b.WebhookSecret))
	if got := reloadBot(t, s, b); got.WebhookURL != "https://grimbots.example/tg/"+b.WebhookSecret {
		t.Errorf("WebhookURL = %q", got.WebhookURL)
	}
	Must(t, s.SetBotWebhook(ctx, b.ID, ""))
	if got := reloadBot(t, s, b); got.WebhookURL != "" {
		t.Errorf("WebhookURL after switching to polling = %q", got.WebhookURL)
	}

	Must(t, s.DeleteBot(ctx, u.ID, b.ID, Epoch))
	for _, id := range []int64{b.ID, 999} {
		WantCode(t, s.SetBotHealth(ctx, id, grimbots.BotOnline, 0, checked), grimbots.ENOTFOUND)
		WantCode(t, s.SetBotWebhook(ctx, id, "https://x"), grimbots.ENOTFOUND)
	}
}

func testBotReplaceToken(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	b := AddBot(t, s, u.ID, "one", running)
	if _, err := s.SaveBotConfig(ctx, u.ID, b.ID, 1, "doc-2", &u.ID, Epoch.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	lead := AddLead(t, s, b, 501, Epoch)
	Must(t, s.SetBotHealth(ctx, b.ID, grimbots.BotRevoked, 5, Epoch.Add(2*time.Minute)))
	if ok, err := s.AcquireBotLease(ctx, b.ID, "poller-1", Epoch, time.Hour); err != nil || !ok {
		t.Fatalf("AcquireBotLease = %v, %v", ok, err)
	}
	if ok, err := s.SetUpdateOffset(ctx, b.ID, "poller-1", 42); err != nil || !ok {
		t.Fatalf("SetUpdateOffset = %v, %v", ok, err)
	}
	Must(t, s.SetBotWebhook(ctx, b.ID, "https://grimbots.example/tg/x"))
	before := reloadBot(t, s, b)

	r := *before
	r.TelegramBotID, r.Username, r.TokenCiphertext, r.TokenHash = 8_000_000_001, "renamed_bot", "sealed-new", "hash-new"
	r.WebhookSecret, r.UpdatedAt = "secret-new", Epoch.Add(3*time.Minute).In(brt)
	// What ReplaceBotToken does not own is ignored.
	r.Name, r.Running, r.ConfigVersion, r.UpdateOffset, r.HealthFailures, r.WebhookURL = "ignored", false, 9, 77, 9, "https://x"
	Must(t, s.ReplaceBotToken(ctx, &r))
	// The Telegram identity, token and webhook secret are the new ones;
	// health, offset and webhook start over.
	want := *before
	want.TelegramBotID, want.Username, want.TokenCiphertext, want.TokenHash = r.TelegramBotID, r.Username, r.TokenCiphertext, r.TokenHash
	want.Health, want.HealthFailures, want.UpdateOffset, want.UpdatedAt = grimbots.BotUnknown, 0, 0, Epoch.Add(3*time.Minute)
	want.WebhookSecret, want.WebhookURL = "secret-new", ""
	sameBot(t, reloadBot(t, s, b), &want)
	if _, err := s.BotByWebhookSecret(ctx, before.WebhookSecret); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
		t.Errorf("the old webhook secret still resolves: %v", err)
	}
	got, err := s.BotByWebhookSecret(ctx, "secret-new")
	Must(t, err)
	sameBot(t, got, &want)
	// The configuration and the leads stay.
	c, err := s.BotConfig(ctx, u.ID, b.ID, 0)
	Must(t, err)
	if c.Version != 2 || c.Document != "doc-2" {
		t.Errorf("configuration after a token change = version %d %q", c.Version, c.Document)
	}
	l, err := s.Lead(ctx, u.ID, lead.ID)
	Must(t, err)
	sameLead(t, l, lead)
	// The old token is free; the new one is taken.
	AddBot(t, s, v.ID, "reuse", func(nb *grimbots.Bot) { nb.TokenHash = before.TokenHash })
	WantCode(t, s.CreateBot(ctx, &grimbots.Bot{SellerID: v.ID, TelegramBotID: 3, Username: "z_bot", Name: "z",
		TokenCiphertext: "z", TokenHash: "hash-new", WebhookSecret: "ws-z", CreatedAt: Epoch, UpdatedAt: Epoch}, "{}", nil),
		grimbots.ECONFLICT)
}

func testBotReplaceTokenConflict(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	a := AddBot(t, s, u.ID, "a")
	b := AddBot(t, s, v.ID, "b")
	gone := AddBot(t, s, u.ID, "gone")
	Must(t, s.DeleteBot(ctx, u.ID, gone.ID, Epoch))
	later := Epoch.Add(time.Hour)

	// Another live bot's token, even another seller's: ECONFLICT.
	r := *a
	r.TelegramBotID, r.TokenCiphertext, r.TokenHash, r.UpdatedAt = b.TelegramBotID, "sealed-stolen", b.TokenHash, later
	WantCode(t, s.ReplaceBotToken(ctx, &r), grimbots.ECONFLICT)
	// Another bot's webhook secret, a deleted one's included: ECONFLICT.
	for _, secret := range []string{b.WebhookSecret, gone.WebhookSecret} {
		r = *a
		r.TokenHash, r.WebhookSecret, r.UpdatedAt = "hash-fresh", secret, later
		WantCode(t, s.ReplaceBotToken(ctx, &r), grimbots.ECONFLICT)
	}
	sameBot(t, reloadBot(t, s, a), a)
	sameBot(t, reloadBot(t, s, b), b)
	// Its own token again (the same bot re-entered): fine.
	r = *a
	r.TokenCiphertext, r.UpdatedAt = "sealed-again", later
	Must(t, s.ReplaceBotToken(ctx, &r))
	// A deleted bot's token: fine.
	r.TokenHash, r.TokenCiphertext = gone.TokenHash, "sealed-gone"
	Must(t, s.ReplaceBotToken(ctx, &r))
	if got := reloadBot(t, s, a); got.TokenHash != gone.TokenHash || got.TokenCiphertext != "sealed-gone" {
		t.Errorf("token after replacing = %s %s", got.TokenHash, got.TokenCiphertext)
	}

	// Another seller's bot, a deleted bot or an unknown id: ENOTFOUND.
	other := *b
	other.SellerID, other.TokenHash, other.TokenCiphertext, other.UpdatedAt = u.ID, "hash-x", "sealed-x", later
	WantCode(t, s.ReplaceBotToken(ctx, &other), grimbots.ENOTFOUND)
	sameBot(t, reloadBot(t, s, b), b)
	dead := *gone
	dead.TokenHash, dead.UpdatedAt = "hash-y", later
	WantCode(t, s.ReplaceBotToken(ctx, &dead), grimbots.ENOTFOUND)
	unknown := *a
	unknown.ID, unknown.TokenHash = 999, "hash-z"
	WantCode(t, s.ReplaceBotToken(ctx, &unknown), grimbots.ENOTFOUND)
}

func testBotReplaceTokenConcurrent(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	const n = 6
	bots := make([]*grimbots.Bot, n)
	for i := range bots {
		bots[i] = AddBot(t, s, u.ID, fmt.Sprintf("b%d", i))
	}
	errs := make([]error, n)
	concurrently(n, func(i int) {
		r := *bots[i]
		r.TokenHash, r.TokenCiphertext, r.UpdatedAt = "hash-shared", "sealed-shared", Epoch.Add(time.Minute)
		errs[i] = s.ReplaceBotToken(context.Background(), &r)
	})
	if c := codes(t, errs); c[""] != 1 || c[grimbots.ECONFLICT] != n-1 {
		t.Errorf("%d replaced and %d ECONFLICT, want 1 and %d", c[""], c[grimbots.ECONFLICT], n-1)
	}
	if got := countRows(t, s, "bots", "token_hash = $1", "hash-shared"); got != 1 {
		t.Errorf("%d bots hold the raced token, want 1", got)
	}
}

func testBotDelete(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	b := AddBot(t, s, u.ID, "one", running)
	lead := AddLead(t, s, b, 501, Epoch)
	if ok, err := s.AcquireBotLease(ctx, b.ID, "poller-1", Epoch, time.Hour); err != nil || !ok {
		t.Fatalf("AcquireBotLease = %v, %v", ok, err)
	}
	WantCode(t, s.DeleteBot(ctx, v.ID, b.ID, Epoch), grimbots.ENOTFOUND)
	sameBot(t, reloadBot(t, s, b), b)

	Must(t, s.DeleteBot(ctx, u.ID, b.ID, Epoch.Add(time.Minute)))
	_, err := s.Bot(ctx, u.ID, b.ID)
	WantCode(t, err, grimbots.ENOTFOUND)
	_, err = s.BotByID(ctx, b.ID)
	WantCode(t, err, grimbots.ENOTFOUND)
	_, err = s.BotByWebhookSecret(ctx, b.WebhookSecret)
	WantCode(t, err, grimbots.ENOTFOUND)
	list, err := s.Bots(ctx, u.ID)
	Must(t, err)
	wantIDs(t, "Bots after delete", botIDs(list), nil)
	list, err = s.RunningBots(ctx)
	Must(t, err)
	wantIDs(t, "RunningBots after delete", botIDs(list), nil)
	WantCode(t, s.DeleteBot(ctx, u.ID, b.ID, Epoch.Add(time.Minute)), grimbots.ENOTFOUND)
	WantCode(t, s.DeleteBot(ctx, u.ID, 999, Epoch), grimbots.ENOTFOUND)

	// It stopped and its lease is gone: even the holder cannot renew it.
	var run bool
	var owner string
	var until sql.NullTime
	Must(t, s.DB().Primary().QueryRowContext(ctx, `SELECT running, lease_owner, lease_until FROM bots WHERE id = $1`, b.ID).
		Scan(&run, &owner, &until))
	if run || owner != "" || until.Valid {
		t.Errorf("deleted bot: running=%v lease_owner=%q lease_until=%v", run, owner, until)
	}
	if ok, err := s.AcquireBotLease(ctx, b.ID, "poller-1", Epoch.Add(2*time.Minute), time.Hour); err != nil || ok {
		t.Errorf("AcquireBotLease on a deleted bot = %v, %v", ok, err)
	}
	// Its configuration is no longer served or saved.
	_, err = s.BotConfig(ctx, u.ID, b.ID, 0)
	WantCode(t, err, grimbots.ENOTFOUND)
	_, err = s.SaveBotConfig(ctx, u.ID, b.ID, 0, "x", nil, Epoch)
	WantCode(t, err, grimbots.ENOTFOUND)
	// Leads stay for the seller's history; the sealed token stays for
	// key rotation.
	got, err := s.Lead(ctx, u.ID, lead.ID)
	Must(t, err)
	sameLead(t, got, lead)
	leads, total, err := s.Leads(ctx, u.ID, b.ID, grimbots.LeadFilter{})
	Must(t, err)
	if total != 1 || len(leads) != 1 {
		t.Errorf("Leads of a deleted bot = %d (total %d), want 1", len(leads), total)
	}
	vals, err := s.SealedValues(ctx, "bot_token")
	Must(t, err)
	if !slices.Contains(vals, store.Sealed{ID: b.ID, AD: grimbots.BotTokenAD(u.ID, b.TelegramBotID), Value: b.TokenCiphertext}) {
		t.Errorf("SealedValues lost the deleted bot: %v", vals)
	}
}

// ---------------------------------------------------------------------------
// Funnel configuration versions

func testBotConfigVersions(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	v, err := s.SaveBotConfig(ctx, u.ID, b.ID, 1, "doc-2", &u.ID, Epoch.Add(time.Minute).In(brt))
	Must(t, err)
	if v != 2 {
		t.Fatalf("first save = version %d, want 2", v)
	}
	// Base 0 saves over whatever is in force.
	big := `{"steps":"` + strings.Repeat("é", 100_000) + `"}`
	v, err = s.SaveBotConfig(ctx, u.ID, b.ID, 0, big, nil, Epoch.Add(2*time.Minute))
	Must(t, err)
	if v != 3 {
		t.Fatalf("second save = version %d, want 3", v)
	}
	want := *b
	want.ConfigVersion, want.UpdatedAt = 3, Epoch.Add(2*time.Minute)
	sameBot(t, reloadBot(t, s, b), &want)

	versions := []*grimbots.BotConfig{
		{SellerID: u.ID, BotID: b.ID, Version: 1, Document: BotDocument("one"), CreatedBy: &u.ID, CreatedAt: Epoch},
		{SellerID: u.ID, BotID: b.ID, Version: 2, Document: "doc-2", CreatedBy: &u.ID, CreatedAt: Epoch.Add(time.Minute)},
		{SellerID: u.ID, BotID: b.ID, Version: 3, Document: big, CreatedAt: Epoch.Add(2 * time.Minute)},
	}
	for _, w := range versions {
		got, err := s.BotConfig(ctx, u.ID, b.ID, w.Version)
		Must(t, err)
		sameBotConfig(t, got, w)
		w.ID = got.ID
	}
	inForce, err := s.BotConfig(ctx, u.ID, b.ID, 0)
	Must(t, err)
	sameBotConfig(t, inForce, versions[2])
	for _, version := range []int{4, -1} {
		_, err := s.BotConfig(ctx, u.ID, b.ID, version)
		WantCode(t, err, grimbots.ENOTFOUND)
	}
	list, err := s.BotConfigs(ctx, u.ID, b.ID)
	Must(t, err)
	if len(list) != 3 {
		t.Fatalf("BotConfigs = %d versions, want 3", len(list))
	}
	for i, got := range list {
		w := *versions[2-i] // newest first, documents left out
		w.Document = ""
		sameBotConfig(t, got, &w)
	}

	// Versions are per bot.
	b2 := AddBot(t, s, u.ID, "two")
	v, err = s.SaveBotConfig(ctx, u.ID, b2.ID, 1, "two-2", nil, Epoch)
	Must(t, err)
	if v != 2 {
		t.Errorf("another bot's first save = version %d, want 2", v)
	}
	if got := reloadBot(t, s, b); got.ConfigVersion != 3 {
		t.Errorf("first bot's version = %d after saving another bot", got.ConfigVersion)
	}
}

func testBotConfigConflict(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	_, err := s.SaveBotConfig(ctx, u.ID, b.ID, 1, "doc-2", nil, Epoch.Add(time.Minute))
	Must(t, err)
	before := reloadBot(t, s, b)
	// A save based on an older or an unknown version changes nothing.
	for _, base := range []int{1, 3, -1} {
		_, err := s.SaveBotConfig(ctx, u.ID, b.ID, base, "stale", nil, Epoch.Add(time.Hour))
		WantCode(t, err, grimbots.ECONFLICT)
	}
	sameBot(t, reloadBot(t, s, b), before)
	list, err := s.BotConfigs(ctx, u.ID, b.ID)
	Must(t, err)
	if len(list) != 2 {
		t.Errorf("%d versions after refused saves, want 2", len(list))
	}
	c, err := s.BotConfig(ctx, u.ID, b.ID, 0)
	Must(t, err)
	if c.Version != 2 || c.Document != "doc-2" {
		t.Errorf("in force after refused saves: version %d %q", c.Version, c.Document)
	}
	// Based on the version in force: fine.
	v, err := s.SaveBotConfig(ctx, u.ID, b.ID, 2, "doc-3", nil, Epoch.Add(time.Hour))
	Must(t, err)
	if v != 3 {
		t.Errorf("save on the current base = version %d, want 3", v)
	}
}

// saveConcurrently saves "doc-<i>" on base from n goroutines at once.
func saveConcurrently(t testing.TB, s *store.Store, n, base int) (*grimbots.Bot, []int, []error) {
	t.Helper()
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	errs := make([]error, n)
	versions := make([]int, n)
	concurrently(n, func(i int) {
		versions[i], errs[i] = s.SaveBotConfig(context.Background(), u.ID, b.ID, base, fmt.Sprintf("doc-%d", i), nil, Epoch)
	})
	return b, versions, errs
}

func testBotConfigConcurrentSameBase(t *testing.T, s *store.Store) {
	const n = 8
	b, versions, errs := saveConcurrently(t, s, n, 1)
	if c := codes(t, errs); c[""] != 1 || c[grimbots.ECONFLICT] != n-1 {
		t.Fatalf("%d saved and %d ECONFLICT, want 1 and %d", c[""], c[grimbots.ECONFLICT], n-1)
	}
	winner := slices.IndexFunc(errs, func(err error) bool { return err == nil })
	if versions[winner] != 2 {
		t.Errorf("the winning save got version %d, want 2", versions[winner])
	}
	c, err := s.BotConfig(t.Context(), b.SellerID, b.ID, 0)
	Must(t, err)
	if c.Version != 2 || c.Document != fmt.Sprintf("doc-%d", winner) {
		t.Errorf("in force: version %d %q, want 2 doc-%d", c.Version, c.Document, winner)
	}
	if got := countRows(t, s, "bot_configs", "bot_id = $1", b.ID); got != 2 {
		t.Errorf("%d versions stored, want 2", got)
	}
}

func testBotConfigConcurrentUnconditional(t *testing.T, s *store.Store) {
	const n = 8
	b, versions, errs := saveConcurrently(t, s, n, 0)
	for _, err := range errs {
		Must(t, err)
	}
	// Every save is its own version: 2..n+1, once each.
	slices.Sort(versions)
	want := make([]int, n)
	for i := range want {
		want[i] = i + 2
	}
	if !slices.Equal(versions, want) {
		t.Errorf("versions = %v, want %v", versions, want)
	}
	if got := reloadBot(t, s, b); got.ConfigVersion != n+1 {
		t.Errorf("version in force = %d, want %d", got.ConfigVersion, n+1)
	}
	list, err := s.BotConfigs(t.Context(), b.SellerID, b.ID)
	Must(t, err)
	if len(list) != n+1 || list[0].Version != n+1 {
		t.Errorf("BotConfigs = %d versions, want %d with %d first", len(list), n+1, n+1)
	}
}

func testBotConfigNotFound(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	b := AddBot(t, s, u.ID, "one")
	gone := AddBot(t, s, u.ID, "gone")
	Must(t, s.DeleteBot(ctx, u.ID, gone.ID, Epoch))
	for _, tt := range []struct{ seller, id int64 }{{v.ID, b.ID}, {u.ID, gone.ID}, {u.ID, 999}} {
		_, err := s.SaveBotConfig(ctx, tt.seller, tt.id, 0, "x", nil, Epoch)
		WantCode(t, err, grimbots.ENOTFOUND)
		_, err = s.SaveBotConfig(ctx, tt.seller, tt.id, 1, "x", nil, Epoch)
		WantCode(t, err, grimbots.ENOTFOUND)
		for _, version := range []int{0, 1} {
			_, err = s.BotConfig(ctx, tt.seller, tt.id, version)
			WantCode(t, err, grimbots.ENOTFOUND)
		}
	}
	list, err := s.BotConfigs(ctx, v.ID, b.ID)
	Must(t, err)
	if len(list) != 0 {
		t.Errorf("another seller lists %d versions of the bot", len(list))
	}
	if got := reloadBot(t, s, b); got.ConfigVersion != 1 {
		t.Errorf("version after refused saves = %d", got.ConfigVersion)
	}
}

// ---------------------------------------------------------------------------
// Polling lease and offset

func acquireLease(t testing.TB, s *store.Store, botID int64, owner string, at time.Time) bool {
	t.Helper()
	ok, err := s.AcquireBotLease(context.Background(), botID, owner, at, 30*time.Second)
	Must(t, err)
	return ok
}

func testBotLease(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one", running)
	t0 := Epoch.In(brt) // instants, not local times, are compared
	steps := []struct {
		owner string
		at    time.Duration
		want  bool
	}{
		{"a", 0, true},
		{"b", time.Second, false},
		{"a", 10 * time.Second, true}, // renewal, until t0+40s
		{"b", 35 * time.Second, false},
		{"b", 41 * time.Second, true}, // takeover after expiry
		{"a", 42 * time.Second, false},
		{"b", 50 * time.Second, true},
	}
	for _, st := range steps {
		if got := acquireLease(t, s, b.ID, st.owner, t0.Add(st.at)); got != st.want {
			t.Errorf("AcquireBotLease(%s, t0+%v) = %v, want %v", st.owner, st.at, got, st.want)
		}
	}
	// Releasing someone else's lease does nothing; the owner's release
	// lets another take over at once.
	Must(t, s.ReleaseBotLease(ctx, b.ID, "a"))
	if acquireLease(t, s, b.ID, "a", t0.Add(51*time.Second)) {
		t.Error("a took b's lease after releasing a lease it did not hold")
	}
	Must(t, s.ReleaseBotLease(ctx, b.ID, "b"))
	if !acquireLease(t, s, b.ID, "a", t0.Add(52*time.Second)) {
		t.Error("a could not take the lease b released")
	}
	// Leases are per bot.
	c := AddBot(t, s, u.ID, "two", running)
	if !acquireLease(t, s, c.ID, "b", t0.Add(52*time.Second)) {
		t.Error("b could not lease another bot")
	}
	// The lease is not part of the bot a seller sees.
	sameBot(t, reloadBot(t, s, b), b)
}

func testBotLeaseRunning(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	if acquireLease(t, s, b.ID, "a", Epoch) {
		t.Error("leased a stopped bot")
	}
	Must(t, s.SetBotRunning(ctx, u.ID, b.ID, true, Epoch))
	if !acquireLease(t, s, b.ID, "a", Epoch) {
		t.Fatal("could not lease a running bot")
	}
	// Stopping the bot ends the renewals.
	Must(t, s.SetBotRunning(ctx, u.ID, b.ID, false, Epoch))
	if acquireLease(t, s, b.ID, "a", Epoch.Add(time.Second)) {
		t.Error("renewed the lease of a stopped bot")
	}
	Must(t, s.SetBotRunning(ctx, u.ID, b.ID, true, Epoch))
	if !acquireLease(t, s, b.ID, "a", Epoch.Add(2*time.Second)) {
		t.Error("could not renew after a restart")
	}
	Must(t, s.DeleteBot(ctx, u.ID, b.ID, Epoch))
	for _, owner := range []string{"a", "b"} {
		if acquireLease(t, s, b.ID, owner, Epoch.Add(time.Hour)) {
			t.Errorf("%s leased a deleted bot", owner)
		}
	}
	if acquireLease(t, s, 999, "a", Epoch) {
		t.Error("leased an unknown bot")
	}
}

func testBotLeaseConcurrent(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one", running)
	const n = 8
	for round, at := range []time.Time{Epoch, Epoch.Add(time.Minute)} { // the second after the first expired
		k := winners(t, n, func(i int) (bool, error) {
			return s.AcquireBotLease(context.Background(), b.ID, fmt.Sprintf("r%d-owner-%d", round, i), at, 30*time.Second)
		})
		if k != 1 {
			t.Errorf("round %d: %d owners got the lease, want 1", round, k)
		}
	}
}

func offsetOf(t testing.TB, s *store.Store, botID int64) int64 {
	t.Helper()
	b, err := s.BotByID(context.Background(), botID)
	Must(t, err)
	return b.UpdateOffset
}

func testUpdateOffset(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one", running)
	set := func(owner string, offset int64) bool {
		t.Helper()
		ok, err := s.SetUpdateOffset(ctx, b.ID, owner, offset)
		Must(t, err)
		return ok
	}
	if set("a", 10) {
		t.Error("moved the offset without a lease")
	}
	acquireLease(t, s, b.ID, "a", Epoch)
	steps := []struct {
		owner  string
		offset int64
		want   bool
	}{
		{"b", 10, false}, // not the owner
		{"a", 10, true},
		{"a", 10, false},           // not forward
		{"a", 5, false},            // backward
		{"a", 5_000_000_000, true}, // beyond 32 bits
	}
	for _, st := range steps {
		if got := set(st.owner, st.offset); got != st.want {
			t.Errorf("SetUpdateOffset(%s, %d) = %v, want %v", st.owner, st.offset, got, st.want)
		}
	}
	if got := offsetOf(t, s, b.ID); got != 5_000_000_000 {
		t.Fatalf("offset = %d", got)
	}
	// After a takeover the old owner can no longer move it.
	if !acquireLease(t, s, b.ID, "b", Epoch.Add(time.Minute)) {
		t.Fatal("takeover failed")
	}
	if set("a", 6_000_000_000) {
		t.Error("the old owner moved the offset after a takeover")
	}
	if !set("b", 5_000_000_001) {
		t.Error("the new owner could not move the offset")
	}
	Must(t, s.ReleaseBotLease(ctx, b.ID, "b"))
	if set("b", 5_000_000_002) {
		t.Error("moved the offset after releasing the lease")
	}
	if got := offsetOf(t, s, b.ID); got != 5_000_000_001 {
		t.Errorf("offset = %d, want 5000000001", got)
	}
}

// ---------------------------------------------------------------------------
// Update inbox

func newUpdate(b *grimbots.Bot, updateID, chatID int64, at time.Time) *grimbots.TelegramUpdate {
	return &grimbots.TelegramUpdate{BotID: b.ID, UpdateID: updateID, SellerID: b.SellerID, ChatID: chatID,
		Body: fmt.Sprintf(`{"update_id":%d,"message":{"chat":{"id":%d},"text":"olá"}}`, updateID, chatID), ReceivedAt: at}
}

func insertUpdate(t testing.TB, s *store.Store, u *grimbots.TelegramUpdate) {
	t.Helper()
	ok, err := s.InsertUpdate(context.Background(), u)
	Must(t, err)
	if !ok {
		t.Fatalf("update %d of bot %d already stored", u.UpdateID, u.BotID)
	}
}

func sameUpdate(t testing.TB, got, want *grimbots.TelegramUpdate) {
	t.Helper()
	if got == nil || want == nil {
		t.Fatalf("sameUpdate: got %v, want %v", got, want)
	}
	if got.BotID != want.BotID || got.UpdateID != want.UpdateID || got.SellerID != want.SellerID || got.ChatID != want.ChatID ||
		got.Body != want.Body || got.Attempts != want.Attempts || got.Error != want.Error {
		t.Errorf("update mismatch:\n got %+v\nwant %+v", *got, *want)
	}
	WantTime(t, "update ReceivedAt", got.ReceivedAt, want.ReceivedAt)
}

func nextUpdateID(t testing.TB, s *store.Store, botID, chatID int64) int64 {
	t.Helper()
	u, err := s.NextChatUpdate(context.Background(), botID, chatID)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
		return 0
	}
	Must(t, err)
	return u.UpdateID
}

// inboxRow reads what the store keeps of a processed update.
func inboxRow(t testing.TB, s *store.Store, botID, updateID int64) (processed *time.Time, attempts int, errText string) {
	t.Helper()
	var at sql.NullTime
	Must(t, s.DB().Primary().QueryRowContext(context.Background(), `SELECT processed_at, attempts, error FROM telegram_updates
		WHERE bot_id = $1 AND update_id = $2`, botID, updateID).Scan(&at, &attempts, &errText))
	if at.Valid {
		v := at.Time.UTC()
		processed = &v
	}
	return processed, attempts, errText
}

func testInsertUpdateDedup(t *testing.T, s *store.Store) {
	ctx := t.Context()
	rec := &JobRecorder{}
	js := withJobs(s, rec)
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	const group = -1001234567890 // a supergroup's chat id
	first := newUpdate(b, 100, group, Epoch.In(brt))
	ok, err := js.InsertUpdate(ctx, first, TestJob{Name: "process"})
	Must(t, err)
	if !ok {
		t.Fatal("first InsertUpdate = false")
	}
	// Telegram delivers it again (webhook retry, or polling after a
	// restart): not stored twice, no job enqueued.
	again := newUpdate(b, 100, group, Epoch.Add(time.Minute))
	again.Body = `{"update_id":100,"changed":true}`
	ok, err = js.InsertUpdate(ctx, again, TestJob{Name: "process"})
	Must(t, err)
	if ok {
		t.Error("duplicate InsertUpdate = true")
	}
	wantStrings(t, "jobs", rec.Kinds(), []string{"test_process"})
	if n := jobMarkers(t, s, "test_process"); n != 1 {
		t.Errorf("%d job markers committed, want 1", n)
	}
	got, err := s.NextChatUpdate(ctx, b.ID, group)
	Must(t, err)
	want := *first
	want.ReceivedAt = Epoch
	sameUpdate(t, got, &want)
	if got.ProcessedAt != nil {
		t.Errorf("pending update has ProcessedAt %v", got.ProcessedAt)
	}

	// The same update_id of another bot is another update.
	c := AddBot(t, s, u.ID, "two")
	ok, err = js.InsertUpdate(ctx, newUpdate(c, 100, group, Epoch), TestJob{Name: "process"})
	Must(t, err)
	if !ok {
		t.Error("another bot's update 100 was taken for a duplicate")
	}
	// Without jobs, no queue is needed.
	ok, err = s.InsertUpdate(ctx, newUpdate(b, 101, group, Epoch))
	Must(t, err)
	if !ok {
		t.Error("InsertUpdate without jobs = false")
	}
	wantStrings(t, "jobs", rec.Kinds(), []string{"test_process", "test_process"})
}

func testInsertUpdateJobsRollback(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	rec := &JobRecorder{Fail: errors.New("queue down")}
	js := withJobs(s, rec)
	if _, err := js.InsertUpdate(ctx, newUpdate(b, 7, 55, Epoch), TestJob{Name: "process"}); err == nil {
		t.Fatal("InsertUpdate succeeded although its job failed")
	}
	// Without a queue, jobs cannot be enqueued either.
	if _, err := s.InsertUpdate(ctx, newUpdate(b, 7, 55, Epoch), TestJob{Name: "process"}); err == nil {
		t.Fatal("InsertUpdate with jobs and no queue succeeded")
	}
	if id := nextUpdateID(t, s, b.ID, 55); id != 0 {
		t.Fatalf("update %d stored without its job", id)
	}
	if n := jobMarkers(t, s, "test_process"); n != 0 {
		t.Errorf("%d job markers of failed inserts committed", n)
	}
	// Telegram sends it again: this time it is stored, with its job.
	rec.Fail = nil
	ok, err := js.InsertUpdate(ctx, newUpdate(b, 7, 55, Epoch), TestJob{Name: "process"})
	Must(t, err)
	if !ok {
		t.Fatal("retried InsertUpdate = false")
	}
	if n := jobMarkers(t, s, "test_process"); n != 1 {
		t.Errorf("%d job markers, want 1", n)
	}
	if id := nextUpdateID(t, s, b.ID, 55); id != 7 {
		t.Errorf("next update = %d, want 7", id)
	}
}

func testInsertUpdateConcurrent(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	rec := &JobRecorder{}
	js := withJobs(s, rec)
	k := winners(t, 8, func(int) (bool, error) {
		return js.InsertUpdate(context.Background(), newUpdate(b, 1, 55, Epoch), TestJob{Name: "process"})
	})
	if k != 1 {
		t.Errorf("%d inserts stored the update, want 1", k)
	}
	if k := jobMarkers(t, s, "test_process"); k != 1 || len(rec.Kinds()) != 1 {
		t.Errorf("%d job markers and %d jobs, want 1", k, len(rec.Kinds()))
	}
}

func testNextChatUpdate(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	b := AddBot(t, s, u.ID, "one")
	o := AddBot(t, s, v.ID, "other")
	// Update ids order a chat, whatever the arrival order.
	insertUpdate(t, s, newUpdate(b, 5, 1, Epoch))
	three := newUpdate(b, 3, 1, Epoch.Add(time.Second))
	insertUpdate(t, s, three)
	insertUpdate(t, s, newUpdate(b, 7, 1, Epoch.Add(2*time.Second)))
	insertUpdate(t, s, newUpdate(b, 4, 2, Epoch))
	insertUpdate(t, s, newUpdate(o, 1, 1, Epoch))

	got, err := s.NextChatUpdate(ctx, b.ID, 1)
	Must(t, err)
	sameUpdate(t, got, three)
	for _, tt := range []struct{ bot, chat, want int64 }{{b.ID, 2, 4}, {o.ID, 1, 1}, {b.ID, 99, 0}, {999, 1, 0}} {
		if id := nextUpdateID(t, s, tt.bot, tt.chat); id != tt.want {
			t.Errorf("NextChatUpdate(%d, %d) = %d, want %d", tt.bot, tt.chat, id, tt.want)
		}
	}
	got, err = s.NextChatUpdate(ctx, o.ID, 1)
	Must(t, err)
	if got.SellerID != v.ID {
		t.Errorf("other bot's update has seller %d", got.SellerID)
	}
}

func testFinishRetryUpdate(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	for _, id := range []int64{3, 5, 7} {
		insertUpdate(t, s, newUpdate(b, id, 1, Epoch))
	}
	// A failed attempt keeps the update first in its chat.
	for i, msg := range []string{"timeout", "timeout again"} {
		n, err := s.RetryUpdate(ctx, b.ID, 3, msg)
		Must(t, err)
		if n != i+1 {
			t.Errorf("RetryUpdate = %d attempts, want %d", n, i+1)
		}
		got, err := s.NextChatUpdate(ctx, b.ID, 1)
		Must(t, err)
		if got.UpdateID != 3 || got.Attempts != i+1 || got.Error != msg {
			t.Errorf("after a retry: update %d, %d attempts, error %q", got.UpdateID, got.Attempts, got.Error)
		}
	}
	done := Epoch.Add(time.Minute)
	Must(t, s.FinishUpdate(ctx, b.ID, 3, "", done.In(brt)))
	if id := nextUpdateID(t, s, b.ID, 1); id != 5 {
		t.Errorf("next after finishing 3 = %d, want 5", id)
	}
	processed, attempts, errText := inboxRow(t, s, b.ID, 3)
	WantTimePtr(t, "update 3 ProcessedAt", processed, &done)
	if attempts != 3 || errText != "" {
		t.Errorf("update 3: %d attempts, error %q; want 3 and none", attempts, errText)
	}
	// Finished with an error: processed, not retried.
	Must(t, s.FinishUpdate(ctx, b.ID, 5, "bad payload", done))
	if id := nextUpdateID(t, s, b.ID, 1); id != 7 {
		t.Errorf("next after finishing 5 = %d, want 7", id)
	}
	if _, attempts, errText := inboxRow(t, s, b.ID, 5); attempts != 1 || errText != "bad payload" {
		t.Errorf("update 5: %d attempts, error %q", attempts, errText)
	}
	Must(t, s.FinishUpdate(ctx, b.ID, 7, "", done))
	_, err := s.NextChatUpdate(ctx, b.ID, 1)
	WantCode(t, err, grimbots.ENOTFOUND)
	if _, err := s.RetryUpdate(ctx, b.ID, 999, "x"); err == nil {
		t.Error("RetryUpdate of an unknown update succeeded")
	}
}

func stalled(t testing.TB, s *store.Store, olderThan time.Time, limit int) [][2]int64 {
	t.Helper()
	got, err := s.StalledChats(context.Background(), olderThan, limit)
	Must(t, err)
	slices.SortFunc(got, func(a, b [2]int64) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	return got
}

func testStalledChats(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	b := AddBot(t, s, u.ID, "one")
	o := AddBot(t, s, v.ID, "other")
	insertUpdate(t, s, newUpdate(b, 1, 10, Epoch.Add(-10*time.Minute)))
	insertUpdate(t, s, newUpdate(b, 2, 10, Epoch.Add(-9*time.Minute)))
	insertUpdate(t, s, newUpdate(b, 3, 20, Epoch.Add(-time.Minute)))
	insertUpdate(t, s, newUpdate(b, 4, 30, Epoch.Add(-10*time.Minute)))
	Must(t, s.FinishUpdate(ctx, b.ID, 4, "", Epoch))
	insertUpdate(t, s, newUpdate(o, 1, 10, Epoch.Add(-8*time.Minute)))

	for _, tt := range []struct {
		olderThan time.Time
		want      [][2]int64
	}{
		{Epoch.Add(-5 * time.Minute), [][2]int64{{b.ID, 10}, {o.ID, 10}}}, // once per chat; processed ones never
		{Epoch.Add(-5 * time.Minute).In(brt), [][2]int64{{b.ID, 10}, {o.ID, 10}}},
		{Epoch, [][2]int64{{b.ID, 10}, {b.ID, 20}, {o.ID, 10}}},
		{Epoch.Add(-20 * time.Minute), nil},
	} {
		if got := stalled(t, s, tt.olderThan, 100); !slices.Equal(got, tt.want) {
			t.Errorf("StalledChats(%v) = %v, want %v", tt.olderThan, got, tt.want)
		}
	}
	if got := stalled(t, s, Epoch, 1); len(got) != 1 {
		t.Errorf("StalledChats with limit 1 = %v", got)
	}
}

func testPurgeUpdates(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	insertUpdate(t, s, newUpdate(b, 1, 10, Epoch.Add(-2*time.Hour)))
	insertUpdate(t, s, newUpdate(b, 2, 20, Epoch.Add(-2*time.Hour)))
	insertUpdate(t, s, newUpdate(b, 3, 30, Epoch.Add(-10*time.Minute)))
	Must(t, s.FinishUpdate(ctx, b.ID, 1, "", Epoch))
	Must(t, s.FinishUpdate(ctx, b.ID, 3, "", Epoch))
	purge := func(before time.Time, want int64) {
		t.Helper()
		n, err := s.PurgeUpdates(ctx, before)
		Must(t, err)
		if n != want {
			t.Errorf("PurgeUpdates(%v) = %d, want %d", before, n, want)
		}
	}
	purge(Epoch.Add(-time.Hour).In(brt), 1)
	if n := countRows(t, s, "telegram_updates", "bot_id = $1 AND update_id = $2", b.ID, 1); n != 0 {
		t.Error("the old processed update was not purged")
	}
	// Pending updates are never purged, however old.
	if id := nextUpdateID(t, s, b.ID, 20); id != 2 {
		t.Errorf("pending update purged: next = %d", id)
	}
	purge(Epoch.Add(-time.Hour), 0)
	purge(Epoch, 1)
	if n := countRows(t, s, "telegram_updates", "bot_id = $1", b.ID); n != 1 {
		t.Errorf("%d updates left, want the pending one", n)
	}
}

// ---------------------------------------------------------------------------
// Chat locks

func lockChat(t testing.TB, s *store.Store, botID, chatID int64, owner string, at time.Time) bool {
	t.Helper()
	ok, err := s.AcquireChatLock(context.Background(), botID, chatID, owner, at, 30*time.Second)
	Must(t, err)
	return ok
}

func testChatLock(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	c := AddBot(t, s, u.ID, "two")
	t0 := Epoch.In(brt)
	for _, st := range []struct {
		owner string
		at    time.Duration
		want  bool
	}{
		{"a", 0, true},
		{"b", time.Second, false},
		{"a", 10 * time.Second, true}, // renewal, until t0+40s
		{"b", 35 * time.Second, false},
		{"b", 41 * time.Second, true}, // taken after expiry
		{"a", 42 * time.Second, false},
	} {
		if got := lockChat(t, s, b.ID, 1, st.owner, t0.Add(st.at)); got != st.want {
			t.Errorf("AcquireChatLock(%s, t0+%v) = %v, want %v", st.owner, st.at, got, st.want)
		}
	}
	// Other chats, and the same chat id of another bot, are other locks.
	if !lockChat(t, s, b.ID, 2, "a", t0.Add(42*time.Second)) || !lockChat(t, s, c.ID, 1, "a", t0.Add(42*time.Second)) {
		t.Error("a lock of chat 1 of bot b blocked another chat")
	}
	// Only the owner releases.
	Must(t, s.ReleaseChatLock(ctx, b.ID, 1, "a"))
	if lockChat(t, s, b.ID, 1, "a", t0.Add(43*time.Second)) {
		t.Error("a released b's lock")
	}
	Must(t, s.ReleaseChatLock(ctx, b.ID, 1, "b"))
	if !lockChat(t, s, b.ID, 1, "a", t0.Add(44*time.Second)) {
		t.Error("the lock b released could not be taken")
	}
	// Releasing a lock nobody holds is no error.
	Must(t, s.ReleaseChatLock(ctx, b.ID, 99, "a"))
}

func testChatLockConcurrent(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	const n = 8
	// The first round inserts the lock, the second (after expiry) updates it.
	for round, at := range []time.Time{Epoch, Epoch.Add(time.Minute)} {
		k := winners(t, n, func(i int) (bool, error) {
			return s.AcquireChatLock(context.Background(), b.ID, 77, fmt.Sprintf("r%d-worker-%d", round, i), at, 30*time.Second)
		})
		if k != 1 {
			t.Errorf("round %d: %d workers got the chat, want 1", round, k)
		}
	}
}

// ---------------------------------------------------------------------------
// Leads

func touchLead(t testing.TB, s *store.Store, l grimbots.Lead) (*grimbots.Lead, bool) {
	t.Helper()
	got, created, err := s.TouchLead(context.Background(), &l)
	Must(t, err)
	return got, created
}

func testTouchLead(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	in := grimbots.Lead{SellerID: u.ID, BotID: b.ID, TelegramUserID: 5_000_000_001, ChatID: 5_000_000_001, FirstName: "Ana",
		LastName: "Souza", Username: "ana_s", LanguageCode: "pt-br", Origin: "insta", LastInteractionAt: Epoch.In(brt)}
	got, created := touchLead(t, s, in)
	if !created || got.ID <= 0 {
		t.Fatalf("first TouchLead: created=%v id=%d", created, got.ID)
	}
	want := in
	want.ID, want.FirstSeenAt, want.LastInteractionAt = got.ID, Epoch, Epoch
	sameLead(t, got, &want)
	stored, err := s.Lead(ctx, u.ID, got.ID)
	Must(t, err)
	sameLead(t, stored, &want)

	// Later contact: names, chat and language follow Telegram; the first
	// sighting and the origin stay.
	next := in
	next.ChatID, next.FirstName, next.LastName, next.Username, next.LanguageCode = 77, "Ana Maria", "", "anamaria", "en"
	next.Origin, next.LastInteractionAt = "google", Epoch.Add(time.Hour)
	got, created = touchLead(t, s, next)
	if created {
		t.Error("second TouchLead created a lead")
	}
	want.ChatID, want.FirstName, want.LastName, want.Username, want.LanguageCode = 77, "Ana Maria", "", "anamaria", "en"
	want.LastInteractionAt = Epoch.Add(time.Hour)
	sameLead(t, got, &want)
	stored, err = s.Lead(ctx, u.ID, got.ID)
	Must(t, err)
	sameLead(t, stored, &want)

	// The same Telegram user on another bot is another lead.
	c := AddBot(t, s, u.ID, "two")
	other := in
	other.BotID = c.ID
	got2, created := touchLead(t, s, other)
	if !created || got2.ID == got.ID {
		t.Errorf("the user's first contact with another bot: created=%v id=%d (first lead %d)", created, got2.ID, got.ID)
	}
}

func testTouchLeadOrigin(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	in := grimbots.Lead{SellerID: u.ID, BotID: b.ID, TelegramUserID: 42, ChatID: 42, FirstName: "Rui", LastInteractionAt: Epoch}
	for i, tt := range []struct{ origin, want string }{
		{"", ""}, // a plain /start
		{"promo-1", "promo-1"},
		{"promo-2", "promo-1"},
		{"", "promo-1"},
	} {
		in.Origin, in.LastInteractionAt = tt.origin, Epoch.Add(time.Duration(i)*time.Minute)
		got, _ := touchLead(t, s, in)
		if got.Origin != tt.want {
			t.Errorf("touch %d with origin %q: lead origin %q, want %q", i, tt.origin, got.Origin, tt.want)
		}
	}
}

func testTouchLeadConcurrent(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	const n = 8
	leads := make([]*grimbots.Lead, n)
	k := winners(t, n, func(i int) (created bool, err error) {
		leads[i], created, err = s.TouchLead(context.Background(), &grimbots.Lead{SellerID: u.ID, BotID: b.ID,
			TelegramUserID: 42, ChatID: 42, FirstName: fmt.Sprintf("Rui %d", i), LastInteractionAt: Epoch})
		return created, err
	})
	if k != 1 {
		t.Errorf("%d touches created the lead, want 1", k)
	}
	for _, l := range leads {
		if l.ID != leads[0].ID {
			t.Errorf("concurrent touches returned leads %d and %d", leads[0].ID, l.ID)
		}
	}
	if k := countRows(t, s, "leads", "bot_id = $1", b.ID); k != 1 {
		t.Errorf("%d leads, want 1", k)
	}
}

func testTouchLeadForeignBot(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	b := AddBot(t, s, u.ID, "one")
	known := AddLead(t, s, b, 42, Epoch)
	// Another seller's id with the bot: neither a new lead nor a change.
	for _, userID := range []int64{42, 43} {
		_, _, err := s.TouchLead(ctx, &grimbots.Lead{SellerID: v.ID, BotID: b.ID, TelegramUserID: userID, ChatID: userID,
			FirstName: "Intruder", Origin: "stolen", LastInteractionAt: Epoch.Add(time.Hour)})
		WantCode(t, err, grimbots.ENOTFOUND)
	}
	_, _, err := s.TouchLead(ctx, &grimbots.Lead{SellerID: u.ID, BotID: 999, TelegramUserID: 43, LastInteractionAt: Epoch})
	WantCode(t, err, grimbots.ENOTFOUND)
	got, err := s.Lead(ctx, u.ID, known.ID)
	Must(t, err)
	sameLead(t, got, known)
	if k := countRows(t, s, "leads", "telegram_user_id = $1", 43); k != 0 {
		t.Fatalf("refused touches created %d leads", k)
	}
	// The bot's own seller still gets the user as a new lead.
	if _, created := touchLead(t, s, grimbots.Lead{SellerID: u.ID, BotID: b.ID, TelegramUserID: 43, ChatID: 43,
		LastInteractionAt: Epoch}); !created {
		t.Error("the owner's first contact with user 43 found a lead")
	}
}

func testLeadBlocked(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	b := AddBot(t, s, u.ID, "one")
	l := AddLead(t, s, b, 42, Epoch)
	blocked := Epoch.Add(time.Minute)
	Must(t, s.SetLeadBlocked(ctx, u.ID, l.ID, blocked.In(brt)))
	got, err := s.Lead(ctx, u.ID, l.ID)
	Must(t, err)
	want := *l
	want.BlockedAt = &blocked
	sameLead(t, got, &want)
	WantCode(t, s.SetLeadBlocked(ctx, v.ID, l.ID, Epoch.Add(time.Hour)), grimbots.ENOTFOUND)
	WantCode(t, s.SetLeadBlocked(ctx, u.ID, 999, Epoch.Add(time.Hour)), grimbots.ENOTFOUND)
	got, err = s.Lead(ctx, u.ID, l.ID)
	Must(t, err)
	sameLead(t, got, &want)
	// Writing to the bot again unblocks.
	got, _ = touchLead(t, s, grimbots.Lead{SellerID: u.ID, BotID: b.ID, TelegramUserID: 42, ChatID: 42, FirstName: l.FirstName,
		LanguageCode: l.LanguageCode, LastInteractionAt: Epoch.Add(2 * time.Minute)})
	if got.BlockedAt != nil {
		t.Errorf("BlockedAt after a new message = %v", got.BlockedAt)
	}
}

func testLeadLookup(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	b := AddBot(t, s, u.ID, "one")
	l := AddLead(t, s, b, 42, Epoch)
	got, err := s.Lead(ctx, u.ID, l.ID)
	Must(t, err)
	sameLead(t, got, l)
	for _, tt := range []struct{ seller, id int64 }{{v.ID, l.ID}, {u.ID, 999}} {
		_, err := s.Lead(ctx, tt.seller, tt.id)
		WantCode(t, err, grimbots.ENOTFOUND)
	}
}

func searchLeads(t testing.TB, s *store.Store, sellerID, botID int64, f grimbots.LeadFilter) ([]int64, int) {
	t.Helper()
	list, total, err := s.Leads(context.Background(), sellerID, botID, f)
	Must(t, err)
	return leadIDs(list), total
}

func testLeadsSearch(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	b := AddBot(t, s, u.ID, "one")
	other := AddBot(t, s, u.ID, "two")
	mk := func(bot *grimbots.Bot, userID int64, first, last, username, origin string, minute int) *grimbots.Lead {
		return AddLead(t, s, bot, userID, Epoch.Add(time.Duration(minute)*time.Minute), func(l *grimbots.Lead) {
			l.FirstName, l.LastName, l.Username, l.Origin = first, last, username, origin
		})
	}
	ana := mk(b, 101, "Ana", "Souza", "ana_s", "instagram", 1)
	joao := mk(b, 102, "João", "Silva", "jsilva", "google", 2)
	maria := mk(b, 103, "Maria", "Oliveira", "", "", 3)
	carla := mk(b, 555000111, "Carla", "", "carla", "fb-ads", 4)
	mk(other, 104, "Ana", "Other", "ana_other", "instagram", 5) // another bot

	for _, tt := range []struct {
		search string
		want   []int64
	}{
		{"", []int64{carla.ID, maria.ID, joao.ID, ana.ID}}, // most recently active first
		{"   ", []int64{carla.ID, maria.ID, joao.ID, ana.ID}},
		{"ana", []int64{ana.ID}},
		{"ANA", []int64{ana.ID}},
		{"  Ana  ", []int64{ana.ID}},
		{"silva", []int64{joao.ID}}, // last name and username
		{"JSIL", []int64{joao.ID}},
		{"OLIV", []int64{maria.ID}},
		{"INSTA", []int64{ana.ID}}, // origin
		{"fb-", []int64{carla.ID}},
		{"joão", []int64{joao.ID}},
		{"555000111", []int64{carla.ID}}, // the Telegram id, exactly
		{"101", []int64{ana.ID}},
		{"55500011", nil},
		{"zzz", nil},
	} {
		got, total := searchLeads(t, s, u.ID, b.ID, grimbots.LeadFilter{Search: tt.search})
		if !slices.Equal(got, tt.want) || total != len(tt.want) {
			t.Errorf("Leads(%q) = %v (total %d), want %v", tt.search, got, total, tt.want)
		}
	}
	// Another seller sees nothing of the bot, search or not.
	for _, q := range []string{"", "ana", "101"} {
		if got, total := searchLeads(t, s, v.ID, b.ID, grimbots.LeadFilter{Search: q}); len(got) != 0 || total != 0 {
			t.Errorf("another seller's Leads(%q) = %v (total %d)", q, got, total)
		}
	}
}

func testLeadsWildcards(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	mk := func(userID int64, first, username, origin string) *grimbots.Lead {
		return AddLead(t, s, b, userID, Epoch.Add(time.Duration(userID)*time.Minute), func(l *grimbots.Lead) {
			l.FirstName, l.Username, l.Origin = first, username, origin
		})
	}
	pct := mk(1, "100% real", "", "")
	under := mk(2, "Under", "a_b", "")
	mk(3, "Plain", "aXb", "")
	slash := mk(4, "Slash", "", `back\slash`)
	for _, tt := range []struct {
		search string
		want   []int64
	}{
		{"%", []int64{pct.ID}},
		{"_", []int64{under.ID}},
		{"a_b", []int64{under.ID}},
		{`\`, []int64{slash.ID}},
		{`k\s`, []int64{slash.ID}},
		{"%%", nil},
		{"a%b", nil},
	} {
		got, total := searchLeads(t, s, u.ID, b.ID, grimbots.LeadFilter{Search: tt.search})
		if !slices.Equal(got, tt.want) || total != len(tt.want) {
			t.Errorf("Leads(%q) = %v (total %d), want %v", tt.search, got, total, tt.want)
		}
	}
}

func testLeadsPagination(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	var want []int64 // newest first
	for i := range 7 {
		l := AddLead(t, s, b, int64(100+i), Epoch.Add(time.Duration(i)*time.Minute))
		want = append([]int64{l.ID}, want...)
	}
	// Ties on the last interaction: the newer lead first.
	t1 := AddLead(t, s, b, 200, Epoch.Add(time.Hour))
	t2 := AddLead(t, s, b, 201, Epoch.Add(time.Hour))
	want = append([]int64{t2.ID, t1.ID}, want...)
	for _, tt := range []struct {
		limit, offset int
		want          []int64
	}{
		{3, 0, want[:3]},
		{3, 3, want[3:6]},
		{3, 6, want[6:]},
		{3, 100, nil},
		{0, 0, want},    // the default page
		{1000, 0, want}, // too large: the default page
		{2, -5, want[:2]},
	} {
		got, total := searchLeads(t, s, u.ID, b.ID, grimbots.LeadFilter{Limit: tt.limit, Offset: tt.offset})
		if !slices.Equal(got, tt.want) || total != len(want) {
			t.Errorf("Leads(limit %d, offset %d) = %v (total %d), want %v (total %d)", tt.limit, tt.offset, got, total, tt.want, len(want))
		}
	}
}

func testLeadsPurchases(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	b := AddBot(t, s, u.ID, "one")
	la := AddLead(t, s, b, 1, Epoch.Add(3*time.Minute))
	lb := AddLead(t, s, b, 2, Epoch.Add(2*time.Minute))
	lc := AddLead(t, s, b, 3, Epoch.Add(time.Minute))
	AddPaidPayment(t, s, la, "a-paid-1")
	AddPaidPayment(t, s, la, "a-paid-2")
	refunded := AddPaidPayment(t, s, la, "a-refunded")
	Transition(t, s, refunded, []string{grimbots.PaymentPaid}, grimbots.PaymentRefunded, grimbots.CommissionReversal, Epoch)
	NewPayment(t, s, u.ID, "a-pending", 100, func(p *grimbots.Payment) { p.BotID, p.LeadID = &b.ID, &la.ID })
	expired := NewPayment(t, s, u.ID, "a-expired", 100, func(p *grimbots.Payment) { p.BotID, p.LeadID = &b.ID, &la.ID })
	Transition(t, s, expired, []string{grimbots.PaymentPending}, grimbots.PaymentExpired, "", Epoch)
	AddPaidPayment(t, s, lb, "b-paid")
	// Another seller's paid payment naming the lead is not the lead's.
	foreign := NewPayment(t, s, v.ID, "foreign", 100, func(p *grimbots.Payment) { p.LeadID = &la.ID })
	Transition(t, s, foreign, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge, Epoch)

	list, total, err := s.Leads(ctx, u.ID, b.ID, grimbots.LeadFilter{})
	Must(t, err)
	wantIDs(t, "Leads", leadIDs(list), []int64{la.ID, lb.ID, lc.ID})
	if total != 3 {
		t.Errorf("total = %d", total)
	}
	for i, want := range []int{2, 1, 0} {
		if i < len(list) && list[i].Purchases != want {
			t.Errorf("lead %d has %d purchases, want %d", list[i].ID, list[i].Purchases, want)
		}
	}
	if len(list) > 0 {
		want := *la
		sameLead(t, list[0], &want)
	}
}

// ---------------------------------------------------------------------------
// Deliveries

type deliveryFixture struct {
	seller, other *grimbots.User
	bot           *grimbots.Bot
	lead          *grimbots.Lead
	payment       *grimbots.Payment
}

func newDeliveryFixture(t testing.TB, s *store.Store) deliveryFixture {
	t.Helper()
	f := deliveryFixture{seller: NewUser(t, s, "maria"), other: NewUser(t, s, "other")}
	f.bot = AddBot(t, s, f.seller.ID, "one")
	f.lead = AddLead(t, s, f.bot, 42, Epoch)
	f.payment = AddPaidPayment(t, s, f.lead, "ref-paid")
	return f
}

func (f deliveryFixture) delivery(at time.Time) *grimbots.Delivery {
	return &grimbots.Delivery{SellerID: f.seller.ID, PaymentID: f.payment.ID, BotID: f.bot.ID, LeadID: f.lead.ID, CreatedAt: at}
}

func (f deliveryFixture) ensure(t testing.TB, s *store.Store) *grimbots.Delivery {
	t.Helper()
	d, err := s.EnsureDelivery(context.Background(), f.delivery(Epoch))
	Must(t, err)
	return d
}

func testEnsureDelivery(t *testing.T, s *store.Store) {
	ctx := t.Context()
	f := newDeliveryFixture(t, s)
	in := f.delivery(Epoch.In(brt))
	in.Status, in.Attempts, in.LastError = grimbots.DeliverySent, 5, "ignored" // a new delivery is pending
	d, err := s.EnsureDelivery(ctx, in)
	Must(t, err)
	if d.ID <= 0 {
		t.Fatalf("EnsureDelivery id %d", d.ID)
	}
	want := &grimbots.Delivery{ID: d.ID, SellerID: f.seller.ID, PaymentID: f.payment.ID, BotID: f.bot.ID, LeadID: f.lead.ID,
		Status: grimbots.DeliveryPending, CreatedAt: Epoch, UpdatedAt: Epoch}
	sameDelivery(t, d, want)
	got, err := s.Delivery(ctx, f.seller.ID, f.payment.ID)
	Must(t, err)
	sameDelivery(t, got, want)

	// Again (a redelivered webhook): the same delivery, as it now is.
	sent := Epoch.Add(time.Minute)
	upd := *d
	upd.Status, upd.Attempts, upd.SentAt, upd.UpdatedAt = grimbots.DeliverySent, 1, &sent, sent
	Must(t, s.UpdateDelivery(ctx, &upd))
	again, err := s.EnsureDelivery(ctx, f.delivery(Epoch.Add(time.Hour)))
	Must(t, err)
	sameDelivery(t, again, &upd)
	if n := countRows(t, s, "deliveries", "payment_id = $1", f.payment.ID); n != 1 {
		t.Errorf("%d deliveries of the payment, want 1", n)
	}

	// Another seller, or a payment without a delivery: ENOTFOUND.
	_, err = s.Delivery(ctx, f.other.ID, f.payment.ID)
	WantCode(t, err, grimbots.ENOTFOUND)
	q := NewPayment(t, s, f.seller.ID, "ref-other", 100)
	_, err = s.Delivery(ctx, f.seller.ID, q.ID)
	WantCode(t, err, grimbots.ENOTFOUND)
}

func testEnsureDeliveryConcurrent(t *testing.T, s *store.Store) {
	f := newDeliveryFixture(t, s)
	const n = 8
	ds := make([]*grimbots.Delivery, n)
	errs := make([]error, n)
	concurrently(n, func(i int) {
		ds[i], errs[i] = s.EnsureDelivery(context.Background(), f.delivery(Epoch.Add(time.Duration(i)*time.Second)))
	})
	for i, err := range errs {
		Must(t, err)
		if ds[i].ID != ds[0].ID {
			t.Errorf("concurrent EnsureDelivery returned deliveries %d and %d", ds[0].ID, ds[i].ID)
		}
	}
	if k := countRows(t, s, "deliveries", "payment_id = $1", f.payment.ID); k != 1 {
		t.Errorf("%d deliveries of the payment, want 1", k)
	}
}

func testEnsureDeliveryOwnership(t *testing.T, s *store.Store) {
	ctx := t.Context()
	f := newDeliveryFixture(t, s)
	otherBot := AddBot(t, s, f.other.ID, "other")
	otherLead := AddLead(t, s, otherBot, 42, Epoch)
	sameSellerBot := AddBot(t, s, f.seller.ID, "two")
	for name, mod := range map[string]func(d *grimbots.Delivery){
		"another seller's id":          func(d *grimbots.Delivery) { d.SellerID = f.other.ID },
		"another seller's lead":        func(d *grimbots.Delivery) { d.BotID, d.LeadID = otherBot.ID, otherLead.ID },
		"a lead of another bot":        func(d *grimbots.Delivery) { d.BotID = sameSellerBot.ID },
		"another seller with its lead": func(d *grimbots.Delivery) { d.SellerID, d.BotID, d.LeadID = f.other.ID, otherBot.ID, otherLead.ID },
		"an unknown payment":           func(d *grimbots.Delivery) { d.PaymentID = 999 },
	} {
		d := f.delivery(Epoch)
		mod(d)
		got, err := s.EnsureDelivery(ctx, d)
		if grimbots.ErrorCode(err) != grimbots.ENOTFOUND || got != nil {
			t.Errorf("EnsureDelivery with %s = %v, %v; want ENOTFOUND", name, got, err)
		}
	}
	if k := countRows(t, s, "deliveries", "1 = 1"); k != 0 {
		t.Fatalf("refused EnsureDelivery calls left %d deliveries", k)
	}
	// The payment's own seller still gets its delivery.
	d := f.ensure(t, s)
	if d.SellerID != f.seller.ID || d.Status != grimbots.DeliveryPending {
		t.Errorf("owner's delivery: seller %d, status %s", d.SellerID, d.Status)
	}
}

func testUpdateDelivery(t *testing.T, s *store.Store) {
	ctx := t.Context()
	f := newDeliveryFixture(t, s)
	d := f.ensure(t, s)
	sent := Epoch.Add(time.Minute)
	upd := *d
	upd.Status, upd.Attempts, upd.SentAt, upd.UpdatedAt = grimbots.DeliverySent, 1, &sent, sent.In(brt)
	Must(t, s.UpdateDelivery(ctx, &upd))
	want := upd
	want.UpdatedAt = sent
	got, err := s.Delivery(ctx, f.seller.ID, f.payment.ID)
	Must(t, err)
	sameDelivery(t, got, &want)

	// Failed (the buyer blocked the bot): SentAt cleared, the error kept.
	upd.Status, upd.Attempts, upd.LastError, upd.SentAt, upd.UpdatedAt = grimbots.DeliveryFailed, 3,
		"Forbidden: bot was blocked by the user", nil, Epoch.Add(time.Hour)
	Must(t, s.UpdateDelivery(ctx, &upd))
	got, err = s.Delivery(ctx, f.seller.ID, f.payment.ID)
	Must(t, err)
	sameDelivery(t, got, &upd)

	// Another seller's id or an unknown delivery: ENOTFOUND, no change.
	other := upd
	other.SellerID, other.Status, other.UpdatedAt = f.other.ID, grimbots.DeliverySent, Epoch.Add(2*time.Hour)
	WantCode(t, s.UpdateDelivery(ctx, &other), grimbots.ENOTFOUND)
	other.SellerID, other.ID = f.seller.ID, 999
	WantCode(t, s.UpdateDelivery(ctx, &other), grimbots.ENOTFOUND)
	got, err = s.Delivery(ctx, f.seller.ID, f.payment.ID)
	Must(t, err)
	sameDelivery(t, got, &upd)
}

func testDeliveryNeverUnrevoked(t *testing.T, s *store.Store) {
	ctx := t.Context()
	f := newDeliveryFixture(t, s)
	d := f.ensure(t, s)
	sent := Epoch.Add(time.Minute)
	upd := *d
	upd.Status, upd.Attempts, upd.SentAt, upd.UpdatedAt = grimbots.DeliverySent, 1, &sent, sent
	Must(t, s.UpdateDelivery(ctx, &upd))
	// A refund revokes it.
	upd.Status, upd.UpdatedAt = grimbots.DeliveryRevoked, Epoch.Add(time.Hour)
	Must(t, s.UpdateDelivery(ctx, &upd))
	revoked := upd
	// A late attempt (a worker that read it before the refund) does not
	// bring it back, whatever status it writes.
	for _, status := range []string{grimbots.DeliverySent, grimbots.DeliveryPending, grimbots.DeliveryFailed} {
		late := revoked
		late.Status, late.Attempts, late.UpdatedAt = status, 2, Epoch.Add(2*time.Hour)
		if err := s.UpdateDelivery(ctx, &late); err == nil {
			t.Errorf("UpdateDelivery(%s) of a revoked delivery succeeded", status)
		}
	}
	got, err := s.Delivery(ctx, f.seller.ID, f.payment.ID)
	Must(t, err)
	sameDelivery(t, got, &revoked)
	// Revoked again (a chargeback after the refund): fine.
	revoked.LastError, revoked.UpdatedAt = "chargeback", Epoch.Add(3*time.Hour)
	Must(t, s.UpdateDelivery(ctx, &revoked))
	// EnsureDelivery returns it revoked.
	again, err := s.EnsureDelivery(ctx, f.delivery(Epoch.Add(4*time.Hour)))
	Must(t, err)
	sameDelivery(t, again, &revoked)
}

// ---------------------------------------------------------------------------
// Media file ids

func testMediaFileIDs(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	b := AddBot(t, s, u.ID, "one")
	c := AddBot(t, s, u.ID, "two")
	url := "https://cdn.example.com/promo.mp4"
	wantFile := func(botID int64, url, want string) {
		t.Helper()
		got, err := s.MediaFileID(ctx, botID, url)
		if want == "" {
			WantCode(t, err, grimbots.ENOTFOUND)
			return
		}
		Must(t, err)
		if got != want {
			t.Errorf("MediaFileID(%d, %s) = %q, want %q", botID, url, got, want)
		}
	}
	wantFile(b.ID, url, "")
	Must(t, s.PutMediaFileID(ctx, b.ID, url, "file-1", Epoch))
	wantFile(b.ID, url, "file-1")
	Must(t, s.PutMediaFileID(ctx, b.ID, url, "file-2", Epoch.Add(time.Minute)))
	wantFile(b.ID, url, "file-2")
	// File ids are per bot, and per exact URL.
	wantFile(c.ID, url, "")
	Must(t, s.PutMediaFileID(ctx, c.ID, url, "file-c", Epoch))
	wantFile(c.ID, url, "file-c")
	wantFile(b.ID, url+"?v=2", "")
	wantFile(b.ID, strings.ToUpper(url), "")
	long := "https://cdn.example.com/" + strings.Repeat("a", 3000) + ".jpg"
	Must(t, s.PutMediaFileID(ctx, b.ID, long, "file-long", Epoch))
	wantFile(b.ID, long, "file-long")
	// "" forgets (Telegram refused the file id); forgetting twice is fine.
	Must(t, s.PutMediaFileID(ctx, b.ID, url, "", Epoch))
	wantFile(b.ID, url, "")
	Must(t, s.PutMediaFileID(ctx, b.ID, url, "", Epoch))
	wantFile(c.ID, url, "file-c")
	wantFile(b.ID, long, "file-long")
}
