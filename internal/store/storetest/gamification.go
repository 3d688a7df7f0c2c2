package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
)

var gamificationCases = []testCase{
	{"Gamification/RecordSaleExactlyOnce", testRecordSaleExactlyOnce},
	{"Gamification/ReversalBeforeSale", testReversalBeforeSale},
	{"Gamification/ConcurrentSales", testConcurrentSales},
	{"Gamification/ConcurrentSamePayment", testConcurrentSamePayment},
	{"Gamification/SaleOfAnotherSeller", testSaleOfAnotherSeller},
	{"Gamification/Leaderboard", testLeaderboard},
	{"Gamification/Snapshot", testSnapshotStandings},
	{"Gamification/EvaluateOnce", testEvaluateOnce},
	{"Gamification/Facts", testSellerFacts},
	{"Gamification/PublicProfile", testPublicProfile},
}

// ---------------------------------------------------------------------------
// Gamification fixtures (exported for the tenancy tests of package store).

// EpochPeriods are the ranking periods of Epoch in São Paulo (Saturday 14
// March 2026, 12:09): the day, its week (from Monday 9), its month.
var EpochPeriods = []grimbots.PeriodKey{{Period: grimbots.PeriodDay, Start: "2026-03-14"},
	{Period: grimbots.PeriodWeek, Start: "2026-03-09"}, {Period: grimbots.PeriodMonth, Start: "2026-03-01"},
	{Period: grimbots.PeriodAll}}

// PaidSale creates a payment of sellerID paid at Epoch and returns it with
// its sale fact (in the EpochPeriods).
func PaidSale(t testing.TB, s *store.Store, sellerID int64, reference string, amountCents int64) (*grimbots.Payment, grimbots.SaleFact) {
	t.Helper()
	p := NewPayment(t, s, sellerID, reference, amountCents)
	Transition(t, s, p, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge, Epoch)
	return p, SaleFact(p)
}

// SaleFact is the fact of payment p, paid at Epoch.
func SaleFact(p *grimbots.Payment) grimbots.SaleFact {
	return grimbots.SaleFact{SellerID: p.SellerID, PaymentID: p.ID, LeadID: p.LeadID, AmountCents: p.AmountCents, PaidAt: Epoch,
		Periods: EpochPeriods, Now: Epoch}
}

// AddGamificationRows gives the seller a row in every gamification table:
// the sales of payments (paid at Epoch), an unlock, a public profile named
// after name, and the day's standings.
func AddGamificationRows(t testing.TB, s *store.Store, sellerID int64, name string, payments ...*grimbots.Payment) {
	t.Helper()
	ctx := context.Background()
	for _, p := range payments {
		RecordSale(t, s, SaleFact(p))
	}
	_, err := s.EvaluateSeller(ctx, sellerID, Epoch, func(*grimbots.SellerFacts) grimbots.ProgressChange {
		return grimbots.ProgressChange{Unlock: []string{"first_sale_bronze"}, League: "bronze"}
	})
	Must(t, err)
	Must(t, s.SetPublicProfile(ctx, &grimbots.PublicProfile{SellerID: sellerID, DisplayName: "Loja " + name, Public: true,
		UpdatedAt: Epoch}, "loja "+name))
	_, err = s.SnapshotStandings(ctx, EpochPeriods[0], Epoch)
	Must(t, err)
}

// RecordSale records f and returns the change it made.
func RecordSale(t testing.TB, s *store.Store, f grimbots.SaleFact) int {
	t.Helper()
	d, err := s.RecordSale(context.Background(), f)
	Must(t, err)
	return d
}

// Totals returns a seller's net revenue and sales in a period (0, 0 when
// there is no row).
func Totals(t testing.TB, s *store.Store, sellerID int64, k grimbots.PeriodKey) (int64, int64) {
	t.Helper()
	var revenue, sales int64
	rows, err := s.DB().Primary().QueryContext(context.Background(), `SELECT revenue_cents, sales FROM gamification_totals
		WHERE seller_id = $1 AND period = $2 AND period_start = $3`, sellerID, k.Period, k.Start)
	Must(t, err)
	defer rows.Close()
	for rows.Next() {
		Must(t, rows.Scan(&revenue, &sales))
	}
	Must(t, rows.Err())
	return revenue, sales
}

func wantTotals(t testing.TB, s *store.Store, sellerID, revenue, sales int64) {
	t.Helper()
	for _, k := range EpochPeriods {
		if r, n := Totals(t, s, sellerID, k); r != revenue || n != sales {
			t.Errorf("totals of seller %d in %v = %d cents, %d sales; want %d, %d", sellerID, k, r, n, revenue, sales)
		}
	}
}

// ---------------------------------------------------------------------------
// Sales

func testRecordSaleExactlyOnce(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	p, f := PaidSale(t, s, u.ID, "ref-1", 1990)
	// A job retried after committing changes nothing more.
	for i, want := range []int{1, 0, 0} {
		if d := RecordSale(t, s, f); d != want {
			t.Fatalf("record #%d: delta %d, want %d", i+1, d, want)
		}
	}
	wantTotals(t, s, u.ID, 1990, 1)

	// The refund's job takes the sale out, once.
	Transition(t, s, p, []string{grimbots.PaymentPaid}, grimbots.PaymentRefunded, grimbots.CommissionReversal, Epoch.Add(time.Hour))
	for i, want := range []int{-1, 0} {
		if d := RecordSale(t, s, f); d != want {
			t.Fatalf("record after refund #%d: delta %d, want %d", i+1, d, want)
		}
	}
	wantTotals(t, s, u.ID, 0, 0)
	if n := countRows(t, s, "gamification_sales", "payment_id = $1 AND counted = $2", p.ID, false); n != 1 {
		t.Errorf("%d uncounted ledger rows", n)
	}
}

// The reversal's job may run first (or the sale's job may be retried after
// the refund): a payment no longer paid is never counted.
func testReversalBeforeSale(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "joao")
	p, f := PaidSale(t, s, u.ID, "ref-2", 5000)
	Transition(t, s, p, []string{grimbots.PaymentPaid}, grimbots.PaymentChargeback, grimbots.CommissionReversal, Epoch)
	for range 2 {
		if d := RecordSale(t, s, f); d != 0 {
			t.Fatalf("delta %d for a charged-back payment", d)
		}
	}
	wantTotals(t, s, u.ID, 0, 0)
}

func testConcurrentSales(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "ana")
	const n = 12
	facts := make([]grimbots.SaleFact, n)
	var sum int64
	for i := range n {
		_, facts[i] = PaidSale(t, s, u.ID, fmt.Sprintf("ref-c%d", i), int64(1000+i))
		sum += int64(1000 + i)
	}
	// Every sale's job twice at once (a retry racing the first run).
	deltas := make([]int, 2*n)
	errs := make([]error, 2*n)
	concurrently(2*n, func(i int) { deltas[i], errs[i] = s.RecordSale(context.Background(), facts[i%n]) })
	for _, err := range errs {
		Must(t, err)
	}
	added := 0
	for _, d := range deltas {
		added += d
	}
	if added != n {
		t.Errorf("deltas add up to %d, want %d", added, n)
	}
	wantTotals(t, s, u.ID, sum, n)
}

func testConcurrentSamePayment(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "bia")
	_, f := PaidSale(t, s, u.ID, "ref-s", 777)
	if w := winners(t, 8, func(int) (bool, error) {
		d, err := s.RecordSale(context.Background(), f)
		return d == 1, err
	}); w != 1 {
		t.Fatalf("%d runs counted the sale", w)
	}
	wantTotals(t, s, u.ID, 777, 1)
}

func testSaleOfAnotherSeller(t *testing.T, s *store.Store) {
	a, b := NewUser(t, s, "dono"), NewUser(t, s, "outro")
	_, f := PaidSale(t, s, a.ID, "ref-o", 1000)
	f.SellerID = b.ID
	_, err := s.RecordSale(context.Background(), f)
	WantCode(t, err, grimbots.ENOTFOUND)
	wantTotals(t, s, a.ID, 0, 0)
	wantTotals(t, s, b.ID, 0, 0)
	if _, err := s.RecordSale(context.Background(), grimbots.SaleFact{SellerID: a.ID, PaymentID: f.PaymentID}); err == nil {
		t.Error("a fact without periods was accepted")
	}
}

// ---------------------------------------------------------------------------
// Rankings

// rankedSellers creates sellers with the given sales (in cents) at Epoch
// and returns their ids by name.
func rankedSellers(t testing.TB, s *store.Store, sales map[string][]int64, mods map[string]func(*grimbots.User)) map[string]int64 {
	t.Helper()
	ids := map[string]int64{}
	for _, name := range slices.Sorted(maps.Keys(sales)) {
		var m []func(*grimbots.User)
		if mods[name] != nil {
			m = append(m, mods[name])
		}
		u := NewUser(t, s, name, m...)
		ids[name] = u.ID
		for i, amount := range sales[name] {
			_, f := PaidSale(t, s, u.ID, fmt.Sprintf("%s-%d", name, i), amount)
			RecordSale(t, s, f)
		}
	}
	return ids
}

func testLeaderboard(t *testing.T, s *store.Store) {
	ctx := context.Background()
	admin := func(u *grimbots.User) { u.Role = grimbots.RoleAdmin }
	ids := rankedSellers(t, s, map[string][]int64{
		"alice": {20_000}, "bob": {10_000, 5_000}, "carol": {7_500, 7_500}, "dave": {15_000}, "erin": {1_000},
		"root": {90_000}, "mallory": {80_000}, "nobody": {},
	}, map[string]func(*grimbots.User){"root": admin})
	Must(t, s.SetBanned(ctx, ids["mallory"], true, "fraude", Epoch))
	// Frank sold and refunded everything: not ranked.
	frank := NewUser(t, s, "frank")
	p, f := PaidSale(t, s, frank.ID, "frank-1", 50_000)
	RecordSale(t, s, f)
	Transition(t, s, p, []string{grimbots.PaymentPaid}, grimbots.PaymentRefunded, grimbots.CommissionReversal, Epoch)
	RecordSale(t, s, f)
	Must(t, s.SetPublicProfile(ctx, &grimbots.PublicProfile{SellerID: ids["alice"], DisplayName: "Alice Vendas", Public: true,
		UpdatedAt: Epoch}, "alice vendas"))
	Must(t, s.SetPublicProfile(ctx, &grimbots.PublicProfile{SellerID: ids["bob"], DisplayName: "Bob Oculto", UpdatedAt: Epoch},
		"bob oculto"))

	month := EpochPeriods[2]
	b, err := s.Leaderboard(ctx, month, 10)
	Must(t, err)
	// Bob and Carol tie on revenue and sales: one position, ordered by id;
	// Dave has the same revenue with fewer sales and comes after them.
	type row struct {
		pos  int
		name string
		rev  int64
		show string
	}
	want := []row{{1, "alice", 20_000, "Alice Vendas"}, {2, "bob", 15_000, ""}, {2, "carol", 15_000, ""}, {4, "dave", 15_000, ""},
		{5, "erin", 1_000, ""}}
	if b.Population != len(want) || len(b.Rows) != len(want) {
		t.Fatalf("population %d, %d rows: %+v", b.Population, len(b.Rows), b.Rows)
	}
	for i, w := range want {
		r := b.Rows[i]
		if r.Position != w.pos || r.SellerID != ids[w.name] || r.RevenueCents != w.rev || r.DisplayName != w.show || r.League != "bronze" {
			t.Errorf("row %d = %+v, want %s %+v", i, r, w.name, w)
		}
	}
	if top, err := s.Leaderboard(ctx, month, 2); err != nil || len(top.Rows) != 2 || top.Population != 5 {
		t.Errorf("limit 2: %+v %v", top, err)
	}
	if other, err := s.Leaderboard(ctx, grimbots.PeriodKey{Period: grimbots.PeriodDay, Start: "2026-03-15"}, 10); err != nil ||
		len(other.Rows) != 0 || other.Population != 0 {
		t.Errorf("another day: %+v %v", other, err)
	}

	st, err := s.RankingStanding(ctx, ids["erin"], month)
	Must(t, err)
	if st.Position != 5 || st.RevenueCents != 1_000 || st.Population != 5 || st.Ahead == nil || st.Ahead.SellerID != ids["dave"] ||
		st.Ahead.Position != 4 {
		t.Errorf("erin's standing: %+v ahead %+v", st, st.Ahead)
	}
	st, err = s.RankingStanding(ctx, ids["carol"], month)
	Must(t, err)
	if st.Position != 2 || st.Ahead == nil || st.Ahead.SellerID != ids["alice"] || st.Ahead.Position != 1 {
		t.Errorf("carol's standing: %+v ahead %+v", st, st.Ahead)
	}
	if st, err = s.RankingStanding(ctx, ids["alice"], month); err != nil || st.Position != 1 || st.Ahead != nil {
		t.Errorf("alice's standing: %+v %v", st, err)
	}
	for _, name := range []string{"nobody", "root", "mallory"} {
		if st, err := s.RankingStanding(ctx, ids[name], month); err != nil || st.Position != 0 || st.Population != 5 || st.Ahead != nil {
			t.Errorf("%s is not ranked: %+v %v", name, st, err)
		}
	}
	if st, err := s.RankingStanding(ctx, frank.ID, month); err != nil || st.Position != 0 {
		t.Errorf("frank (all refunded): %+v %v", st, err)
	}
}

func testSnapshotStandings(t *testing.T, s *store.Store) {
	ctx := context.Background()
	ids := rankedSellers(t, s, map[string][]int64{"um": {3_000}, "dois": {2_000}, "tres": {2_000}}, nil)
	day := EpochPeriods[0]
	for range 2 { // idempotent
		n, err := s.SnapshotStandings(ctx, day, Epoch)
		Must(t, err)
		if n != 3 {
			t.Fatalf("%d ranked", n)
		}
	}
	if n := countRows(t, s, "gamification_standings", "period = $1 AND period_start = $2 AND population = 3", day.Period, day.Start); n != 3 {
		t.Errorf("%d standings rows", n)
	}
	top, err := s.StandingSellers(ctx, day, 2)
	Must(t, err)
	if want := []int64{ids["um"], min(ids["dois"], ids["tres"]), max(ids["dois"], ids["tres"])}; !slices.Equal(top, want) {
		t.Errorf("standings at 2 or better = %v, want %v (a tie for second)", top, want)
	}
	// A later refund does not rewrite a recorded snapshot...
	var pos int
	Must(t, s.DB().Primary().QueryRowContext(ctx, `SELECT position FROM gamification_standings WHERE seller_id = $1 AND period = $2`,
		ids["tres"], day.Period).Scan(&pos))
	if pos != 2 {
		t.Errorf("tres recorded at %d", pos)
	}
	// ...and an empty period records nobody.
	if n, err := s.SnapshotStandings(ctx, grimbots.PeriodKey{Period: grimbots.PeriodDay, Start: "2026-03-15"}, Epoch); err != nil || n != 0 {
		t.Errorf("empty day: %d %v", n, err)
	}
}

// ---------------------------------------------------------------------------
// Evaluation, facts, profiles

func testEvaluateOnce(t *testing.T, s *store.Store) {
	ctx := context.Background()
	u := NewUser(t, s, "eva")
	unlock := func(*grimbots.SellerFacts) grimbots.ProgressChange {
		return grimbots.ProgressChange{Unlock: []string{"first_sale_bronze", "sales_10_bronze"}, League: "silver", Score: 12_000}
	}
	if w := winners(t, 6, func(i int) (bool, error) {
		r, err := s.EvaluateSeller(ctx, u.ID, Epoch.Add(time.Duration(i)*time.Second), unlock)
		return r != nil && len(r.Unlocked) == 2, err
	}); w != 1 {
		t.Fatalf("%d evaluations unlocked", w)
	}
	f, err := s.SellerFacts(ctx, u.ID)
	Must(t, err)
	if len(f.Unlocked) != 2 || f.League != "silver" || f.Score != 12_000 {
		t.Fatalf("facts after: %+v", f)
	}
	since, err := s.UnlocksSince(ctx, u.ID, f.Unlocked[0].ID)
	Must(t, err)
	if len(since) != 1 || since[0].ID != f.Unlocked[1].ID || since[0].Achievement != f.Unlocked[1].Achievement {
		t.Errorf("unlocks since the first: %+v", since)
	}
	r, err := s.EvaluateSeller(ctx, u.ID, Epoch, func(f *grimbots.SellerFacts) grimbots.ProgressChange {
		if f.League != "silver" {
			t.Errorf("decide saw league %s", f.League)
		}
		return grimbots.ProgressChange{Revoke: []string{"sales_10_bronze", "never_held"}}
	})
	Must(t, err)
	if !slices.Equal(r.Revoked, []string{"sales_10_bronze"}) || len(r.Unlocked) != 0 || r.LeagueFrom != "silver" || r.LeagueTo != "silver" {
		t.Errorf("revocation: %+v", r)
	}
	_, err = s.EvaluateSeller(ctx, 999_999, Epoch, unlock)
	WantCode(t, err, grimbots.ENOTFOUND)
	ids, err := s.GamifiedSellers(ctx, 0, 10)
	Must(t, err)
	if !slices.Equal(ids, []int64{u.ID}) {
		t.Errorf("gamified sellers %v", ids)
	}
}

func testSellerFacts(t *testing.T, s *store.Store) {
	ctx := context.Background()
	u := NewUser(t, s, "fatos")
	bot := NewBot(t, s, u.ID, "fatos")
	leads := []int64{NewLead(t, s, u.ID, bot), NewLead(t, s, u.ID, bot), NewLead(t, s, u.ID, bot)}
	withLead := func(l int64) func(*grimbots.Payment) {
		return func(p *grimbots.Payment) { p.BotID, p.LeadID = &bot, &l }
	}
	pay := func(ref string, amount int64, lead int64, paidAt time.Time, day string, mod func(*grimbots.SaleFact)) {
		p := NewPayment(t, s, u.ID, ref, amount, withLead(lead))
		Transition(t, s, p, []string{grimbots.PaymentPending}, grimbots.PaymentPaid, grimbots.CommissionCharge, paidAt)
		f := SaleFact(p)
		f.PaidAt, f.Periods = paidAt, []grimbots.PeriodKey{{Period: grimbots.PeriodDay, Start: day}, {Period: grimbots.PeriodAll}}
		if mod != nil {
			mod(&f)
		}
		RecordSale(t, s, f)
	}
	night := func(f *grimbots.SaleFact) { f.Night, f.Bump = true, true }
	pay("f1", 1000, leads[0], Epoch.Add(-24*time.Hour), "2026-03-13", night)
	pay("f2", 2000, leads[0], Epoch, "2026-03-14", func(f *grimbots.SaleFact) { f.Downsell = true })
	pay("f3", 4000, leads[1], Epoch.Add(time.Hour), "2026-03-14", nil)
	Must(t, s.SetPublicProfile(ctx, &grimbots.PublicProfile{SellerID: u.ID, UpdatedAt: Epoch}, ""))

	f, err := s.SellerFacts(ctx, u.ID)
	Must(t, err)
	WantTime(t, "signed up", f.SignedUpAt, Epoch)
	WantTimePtr(t, "first sale", f.FirstSaleAt, Ptr(Epoch.Add(-24*time.Hour)))
	wantDays := []grimbots.DayTotal{{Day: "2026-03-13", Sales: 1, RevenueCents: 1000}, {Day: "2026-03-14", Sales: 2, RevenueCents: 6000}}
	if f.Sales != 3 || f.RevenueCents != 7000 || !slices.Equal(f.Days, wantDays) || f.NightSales != 1 || f.BumpSales != 1 ||
		f.DownsellSales != 1 || f.UpsellSales != 0 || f.Leads != 3 || f.Buyers != 2 || f.League != "bronze" {
		t.Errorf("facts: %+v", f)
	}
	_, err = s.SellerFacts(ctx, 999_999)
	WantCode(t, err, grimbots.ENOTFOUND)
}

func testPublicProfile(t *testing.T, s *store.Store) {
	ctx := context.Background()
	a, b := NewUser(t, s, "perfil_a"), NewUser(t, s, "perfil_b")
	p, err := s.PublicProfile(ctx, a.ID)
	Must(t, err)
	if p.Public || p.DisplayName != "" || p.League != "bronze" {
		t.Errorf("default profile: %+v", p)
	}
	set := func(id int64, name string, public bool) error {
		return s.SetPublicProfile(ctx, &grimbots.PublicProfile{SellerID: id, DisplayName: name, Public: public, UpdatedAt: Epoch},
			name+"-key")
	}
	Must(t, set(a.ID, "Loja", true))
	// The same name, not shown, is allowed; shown, it is taken.
	Must(t, set(b.ID, "Loja", false))
	err = set(b.ID, "Loja", true)
	WantCode(t, err, grimbots.ECONFLICT)
	if p, _ := s.PublicProfile(ctx, b.ID); p.Public {
		t.Error("the refused profile was saved")
	}
	// A hidden profile frees the name.
	Must(t, set(a.ID, "Loja", false))
	Must(t, set(b.ID, "Loja", true))
	if p, _ := s.PublicProfile(ctx, b.ID); !p.Public || p.DisplayName != "Loja" {
		t.Errorf("b's profile: %+v", p)
	}
	WantCode(t, set(999_999, "Ninguem", true), grimbots.ENOTFOUND)
}
