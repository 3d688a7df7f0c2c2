package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store/storetest"
)

// Tenancy checks of the dashboard's statistics, profile and impersonation
// methods. Both sellers have the same fixture, so a count that included
// seller B's rows would be twice what seller A's own rows give.

var (
	statsFrom = now.Add(-24 * time.Hour)
	statsTo   = now.Add(48 * time.Hour)
)

// ownSummary computes seller A's summary from A's own rows.
func ownSummary(t *testing.T, w *world) grimbots.SalesSummary {
	t.Helper()
	ctx := context.Background()
	list, _, err := w.s.ListPayments(ctx, w.a.user.ID, grimbots.PaymentFilter{Limit: 200})
	storetest.Must(t, err)
	var want grimbots.SalesSummary
	for _, p := range list {
		if p.Status == grimbots.PaymentPaid && p.PaidAt != nil && !p.PaidAt.Before(statsFrom) && p.PaidAt.Before(statsTo) {
			want.Sales++
			want.RevenueCents += p.AmountCents
		}
		if p.Status != grimbots.PaymentFailed && !p.CreatedAt.Before(statsFrom) && p.CreatedAt.Before(statsTo) {
			want.PIXGenerated++
			if p.PaidAt != nil {
				want.PIXPaid++
			}
		}
	}
	for _, bot := range w.a.bots() {
		leads, _, err := w.s.Leads(ctx, w.a.user.ID, bot, grimbots.LeadFilter{Limit: 200})
		storetest.Must(t, err)
		for _, l := range leads {
			if !l.FirstSeenAt.Before(statsFrom) && l.FirstSeenAt.Before(statsTo) {
				want.Leads++
			}
		}
	}
	if want.Sales == 0 || want.PIXGenerated == 0 || want.Leads == 0 {
		t.Fatalf("fixture: seller A has nothing to count in the period: %+v", want)
	}
	return want
}

func checkSalesSummary(t *testing.T, w *world) {
	got, err := w.s.SalesSummary(context.Background(), w.a.user.ID, statsFrom, statsTo)
	storetest.Must(t, err)
	if want := ownSummary(t, w); got != want {
		t.Errorf("SalesSummary(A) = %+v, want A's own %+v", got, want)
	}
}

func checkRevenueBuckets(t *testing.T, w *world) {
	list, err := w.s.RevenueBuckets(context.Background(), w.a.user.ID, statsFrom, statsTo)
	storetest.Must(t, err)
	var sales, cents int64
	for _, b := range list {
		sales += b.Sales
		cents += b.RevenueCents
	}
	if want := ownSummary(t, w); sales != want.Sales || cents != want.RevenueCents {
		t.Errorf("RevenueBuckets(A) = %d sales, %d cents; want A's own %d, %d", sales, cents, want.Sales, want.RevenueCents)
	}
}

func checkBotSales(t *testing.T, w *world) {
	got, err := w.s.BotSales(context.Background(), w.a.user.ID, statsFrom, statsTo)
	storetest.Must(t, err)
	for _, bot := range w.b.bots() {
		if got[bot] != nil {
			t.Errorf("BotSales(A) has B's bot %d: %+v", bot, got[bot])
		}
	}
	var sales, leads int64
	for _, r := range got {
		sales += r.Sales
		leads += r.Leads
	}
	if want := ownSummary(t, w); sales != want.Sales || leads != want.Leads {
		t.Errorf("BotSales(A) = %d sales, %d leads; want A's own %d, %d", sales, leads, want.Sales, want.Leads)
	}
}

func checkSales(t *testing.T, w *world) {
	ctx := context.Background()
	list, err := w.s.Sales(ctx, w.a.user.ID, grimbots.SaleFilter{From: statsFrom, To: statsTo})
	storetest.Must(t, err)
	var got []*grimbots.Payment
	for _, s := range list {
		got = append(got, s.Payment)
	}
	wantOnly(t, "Sales(A)", got, paymentID, []int64{w.a.paid.ID})
	list, err = w.s.Sales(ctx, w.a.user.ID, grimbots.SaleFilter{From: statsFrom, To: statsTo, BotID: &w.b.bot})
	storetest.Must(t, err)
	if len(list) != 0 {
		t.Errorf("Sales(A, B's bot) = %d sales", len(list))
	}
}

func checkUpdateProfile(t *testing.T, w *world) {
	ctx := context.Background()
	storetest.Must(t, w.s.UpdateProfile(ctx, w.a.user.ID, "Ana", "America/Manaus", now))
	u, err := w.s.UserByID(ctx, w.a.user.ID)
	storetest.Must(t, err)
	if u.FullName != "Ana" || u.TimeZone != "America/Manaus" {
		t.Errorf("UpdateProfile(A) did not change A: %q %q", u.FullName, u.TimeZone)
	}
}

func checkEndImpersonation(t *testing.T, w *world) {
	// A (not B's impersonator) cannot end B's sessions through it.
	for _, s := range w.b.sessions {
		err := w.s.EndImpersonation(context.Background(), w.b.user.ID, s.ID,
			&grimbots.Session{UserID: w.a.user.ID, TokenHash: "a-admin-" + s.TokenHash, CreatedAt: now, LastSeenAt: now, ExpiresAt: expires})
		if grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
			t.Errorf("EndImpersonation(B's session %d, by A) = %v, want not found", s.ID, err)
		}
	}
}
