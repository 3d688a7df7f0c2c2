package store_test

import (
	"context"
	"testing"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/store/storetest"
)

// Tenancy of the gamification store: each check runs as seller A against
// seller B's sales, totals, unlocks, profile and standings.

func init() {
	for name, rule := range map[string]tenancyRule{
		"RecordSale":       scoped(checkRecordSale),
		"EvaluateSeller":   scoped(checkEvaluateSeller),
		"SellerFacts":      scoped(checkSellerFacts),
		"RankingStanding":  scoped(checkRankingStanding),
		"PublicProfile":    scoped(checkPublicProfile),
		"SetPublicProfile": scoped(checkSetPublicProfile),
		"UnlocksSince":     scoped(checkUnlocksSince),

		"Leaderboard": global("the platform-wide ranking every seller sees; rows carry only revenue, sales, league and " +
			"the display names their owners chose to make public"),
		"SnapshotStandings": global("the daily snapshot of a closed period's ranking over every seller, run by the platform"),
		"StandingSellers":   global("lists the podium of a recorded period for the platform's daily re-evaluation"),
		"GamifiedSellers":   global("pages through every seller for the platform's daily re-score"),
	} {
		storeTenancy[name] = rule
	}
	sellerTables = append(sellerTables, "gamification_sales", "gamification_totals", "gamification_sellers",
		"gamification_unlocks", "gamification_standings")
}

// addGamificationRows records the seller's paid and refunded payments,
// an unlock, a public profile and the day's standings.
func addGamificationRows(t *testing.T, s *store.Store, sl *seller, name string) {
	t.Helper()
	storetest.AddGamificationRows(t, s, sl.user.ID, name, sl.paid, sl.refunded)
}

func checkRecordSale(t *testing.T, w *world) {
	ctx := context.Background()
	for _, p := range w.b.payments() {
		f := storetest.SaleFact(p)
		f.SellerID = w.a.user.ID
		_, err := w.s.RecordSale(ctx, f)
		storetest.WantCode(t, err, grimbots.ENOTFOUND)
	}
	if d := storetest.RecordSale(t, w.s, storetest.SaleFact(w.a.paid)); d != 0 {
		t.Errorf("A's own sale recorded again: %d", d)
	}
}

func checkEvaluateSeller(t *testing.T, w *world) {
	r, err := w.s.EvaluateSeller(context.Background(), w.a.user.ID, now, func(f *grimbots.SellerFacts) grimbots.ProgressChange {
		if f.SellerID != w.a.user.ID || f.Sales != 1 || len(f.Unlocked) != 1 {
			t.Errorf("A's facts: %+v", f)
		}
		return grimbots.ProgressChange{Unlock: []string{"sales_10_bronze"}, Revoke: []string{"first_sale_bronze"}, League: "gold"}
	})
	storetest.Must(t, err)
	if len(r.Unlocked) != 1 || len(r.Revoked) != 1 || r.LeagueTo != "gold" {
		t.Errorf("A's evaluation: %+v", r)
	}
}

func checkSellerFacts(t *testing.T, w *world) {
	f, err := w.s.SellerFacts(context.Background(), w.a.user.ID)
	storetest.Must(t, err)
	if f.Sales != 1 || f.RevenueCents != w.a.paid.AmountCents || len(f.Unlocked) != 1 || f.Unlocked[0].SellerID != w.a.user.ID {
		t.Errorf("A's facts: %+v", f)
	}
}

func checkRankingStanding(t *testing.T, w *world) {
	st, err := w.s.RankingStanding(context.Background(), w.a.user.ID, storetest.EpochPeriods[3])
	storetest.Must(t, err)
	if st.RevenueCents != w.a.paid.AmountCents || st.Sales != 1 || st.Population != 2 {
		t.Errorf("A's standing: %+v", st)
	}
}

func checkPublicProfile(t *testing.T, w *world) {
	p, err := w.s.PublicProfile(context.Background(), w.a.user.ID)
	storetest.Must(t, err)
	if p.SellerID != w.a.user.ID || p.DisplayName != "Loja seller_a" {
		t.Errorf("A's profile: %+v", p)
	}
}

func checkSetPublicProfile(t *testing.T, w *world) {
	ctx := context.Background()
	taken := &grimbots.PublicProfile{SellerID: w.a.user.ID, DisplayName: "Loja seller_b", Public: true, UpdatedAt: now}
	storetest.WantCode(t, w.s.SetPublicProfile(ctx, taken, "loja seller_b"), grimbots.ECONFLICT)
	storetest.Must(t, w.s.SetPublicProfile(ctx, &grimbots.PublicProfile{SellerID: w.a.user.ID, UpdatedAt: now}, ""))
}

func checkUnlocksSince(t *testing.T, w *world) {
	us, err := w.s.UnlocksSince(context.Background(), w.a.user.ID, 0)
	storetest.Must(t, err)
	if len(us) != 1 || us[0].SellerID != w.a.user.ID {
		t.Errorf("A's unlocks: %+v", us)
	}
}
