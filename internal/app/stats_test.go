package app_test

// The dashboard statistics through their cache: every write that changes
// them (a new lead, a PIX charge, a paid sale, a refund) is seen by the
// very next read, on each engine, with the in-process cache and with Redis.

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/store/storetest"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

func init() {
	operations = append(operations, operation{"GET", "/api/v1/stats", "any"})
}

type statsJSON struct {
	Summary struct {
		Sales        int64  `json:"sales"`
		RevenueCents int64  `json:"revenue_cents"`
		Revenue      string `json:"revenue"`
		PIXGenerated int64  `json:"pix_generated"`
		Leads        int64  `json:"leads"`
	} `json:"summary"`
	PIXPaid    int64 `json:"pix_paid"`
	Conversion int64 `json:"conversion_basis_points"`
	Bots       []struct {
		BotID int64 `json:"bot_id"`
		Leads int64 `json:"leads"`
		Sales int64 `json:"sales"`
	} `json:"bots"`
}

func TestStatsInvalidation(t *testing.T) {
	t.Parallel()
	for _, engine := range apptest.Engines {
		for _, shared := range []bool{false, true} {
			name := engine + "/memory"
			if shared {
				name = engine + "/redis"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				testStatsInvalidation(t, apptest.Options{Engine: engine, Redis: shared})
			})
		}
	}
}

func testStatsInvalidation(t *testing.T, o apptest.Options) {
	s := openShop(t, o, "polling", nil)
	now := s.h.Clock.Now()
	q := url.Values{"from": {now.Add(-time.Hour).Format(time.RFC3339)}, "to": {now.Add(time.Hour).Format(time.RFC3339)}}
	read := func(c *apptest.Client) statsJSON {
		t.Helper()
		return decode[statsJSON](t, c.Do("GET", "/api/v1/stats?"+q.Encode(), nil).RequireStatus(t, http.StatusOK), "")
	}
	c := s.seller.Client
	if st := read(c); st.Summary.Leads != 0 || st.Summary.PIXGenerated != 0 || len(st.Bots) != 0 {
		t.Fatalf("a new seller's statistics: %+v", st)
	}
	// A lead written behind the application's back (no invalidation) is
	// not seen: the answer comes from the cache.
	storetest.AddLead(t, s.h.App.Store, s.bot, 999, now)
	if st := read(c); st.Summary.Leads != 0 {
		t.Fatalf("cached statistics changed without a write of the platform: %+v", st)
	}

	// A buyer's first contact.
	s.tg.Inject(s.tgBot, telegramtest.Start(buyer, "anuncio"))
	welcome := s.sent(t, 1)
	st := read(c)
	if st.Summary.Leads != 2 || len(st.Bots) != 1 || st.Bots[0].BotID != s.bot.ID || st.Bots[0].Leads != 2 {
		t.Fatalf("after a new lead: %+v", st)
	}

	// A PIX charge.
	s.press(welcome, "o:vip")
	s.press(s.sent(t, 2), "b:vip:bonus:n")
	ref := paidButton(t, s.sent(t, 3))
	if st := read(c); st.Summary.PIXGenerated != 1 || st.Summary.Sales != 0 {
		t.Fatalf("after a PIX charge: %+v", st)
	}

	// The sale.
	p := s.payByWebhook(t, ref)
	if st := read(c); st.Summary.Sales != 1 || st.Summary.RevenueCents != 1990 || st.Summary.Revenue != "R$ 19,90" ||
		st.PIXPaid != 1 || st.Conversion != 10000 || st.Bots[0].Sales != 1 {
		t.Fatalf("after the sale: %+v", st)
	}

	// Another seller sees none of it.
	if other := read(s.h.RegisterSeller("outra").Client); other.Summary.Leads != 0 || other.Summary.Sales != 0 || len(other.Bots) != 0 {
		t.Fatalf("another seller's statistics: %+v", other)
	}

	// The refund.
	c.Do("POST", fmt.Sprintf("/api/v1/payments/%d/refund", p.ID), nil).RequireStatus(t, http.StatusOK)
	if st := read(c); st.Summary.Sales != 0 || st.Summary.RevenueCents != 0 || st.PIXPaid != 1 {
		t.Fatalf("after the refund: %+v", st)
	}

	// A period the statistics do not cover.
	for _, bad := range []url.Values{
		{"from": q["to"], "to": q["from"]},
		{"from": {now.Add(-500 * 24 * time.Hour).Format(time.RFC3339)}, "to": q["to"]},
	} {
		requireProblem(t, c.Do("GET", "/api/v1/stats?"+bad.Encode(), nil), http.StatusUnprocessableEntity, "invalid")
	}
	requireProblem(t, c.Do("GET", "/api/v1/stats?from=ontem&to=hoje", nil), http.StatusUnprocessableEntity, "invalid")
}
