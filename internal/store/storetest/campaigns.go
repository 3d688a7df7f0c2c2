package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
)

// campaignCases cover the remarketing store: campaigns and their status
// changes, audiences (segments, pages, cooldown), the recipients' claims
// and outcomes, clicks, progress and sales.
var campaignCases = []testCase{
	{"Campaign/CreateRoundTrip", testCampaignRoundTrip},
	{"Campaign/OnlyTheSellersBots", testCampaignForeignBots},
	{"Campaign/UpdateByStatus", testCampaignUpdate},
	{"Campaign/Transitions", testCampaignTransitions},
	{"Campaign/TransitionRollsBackWithItsJobs", testCampaignTransitionJobsRollback},
	{"Campaign/DeleteCancels", testCampaignDelete},
	{"Campaign/Work", testCampaignWork},

	{"Audience/Segments", testAudienceSegments},
	{"Audience/Preview", testAudiencePreview},
	{"Audience/PagesResume", testAudiencePages},
	{"Audience/NoneAfterCancel", testAudienceCancelled},

	{"Recipient/ClaimOnce", testRecipientClaimOnce},
	{"Recipient/SettleOnlyByItsRun", testRecipientSettle},
	{"Recipient/SettleSentInBatches", testRecipientSettleSent},
	{"Recipient/ClaimInBatches", testRecipientClaimBatch},
	{"Recipient/RequeueAndRetryAt", testRecipientRequeue},
	{"Recipient/SkipsBlockedAndCooldown", testRecipientSkips},
	{"Recipient/OrphansUncertain", testRecipientOrphans},
	{"Recipient/FailQueued", testRecipientFailQueued},
	{"Recipient/CancelRacesClaims", testRecipientCancelRace},

	{"Campaign/FinishWhenNothingLeft", testCampaignFinish},
	{"Campaign/ProgressClicksSales", testCampaignProgress},
}

// ---------------------------------------------------------------------------
// Campaign fixtures (exported for the tenancy tests of package store).

// CampaignMessage is the stored message of NewCampaign's campaigns.
const CampaignMessage = `{"text":"Oi, {nome}!","buttons":[{"offer":"vip"}]}`

// NewCampaign creates a draft campaign of sellerID named name on the bots,
// to everyone, cooldown 24 hours, at Epoch. mods adjust it first.
func NewCampaign(t testing.TB, s *store.Store, sellerID int64, name string, botIDs []int64, mods ...func(*grimbots.Campaign)) *grimbots.Campaign {
	t.Helper()
	c := &grimbots.Campaign{SellerID: sellerID, Name: name, BotIDs: botIDs, Segment: grimbots.Segment{Kind: grimbots.SegmentAll},
		Message: CampaignMessage, CooldownHours: 24, CreatedAt: Epoch, UpdatedAt: Epoch}
	for _, m := range mods {
		m(c)
	}
	if err := s.CreateCampaign(context.Background(), c); err != nil {
		t.Fatalf("CreateCampaign(%d, %s): %v", sellerID, name, err)
	}
	return c
}

// StartCampaign makes a campaign sending (draft → sending) and builds its
// whole audience.
func StartCampaign(t testing.TB, s *store.Store, c *grimbots.Campaign) {
	t.Helper()
	ctx := context.Background()
	changed, _, err := s.TransitionCampaign(ctx, grimbots.CampaignTransition{SellerID: c.SellerID, CampaignID: c.ID,
		From: []string{grimbots.CampaignDraft}, To: grimbots.CampaignSending, Now: Epoch})
	if err != nil || !changed {
		t.Fatalf("starting campaign %d: %v %v", c.ID, changed, err)
	}
	for _, b := range c.BotIDs {
		for done := false; !done; {
			if done, _, err = s.BuildAudience(ctx, c.SellerID, c.ID, b, 1000, Epoch); err != nil {
				t.Fatalf("BuildAudience(%d, %d): %v", c.ID, b, err)
			}
		}
	}
	c.Status = grimbots.CampaignSending
}

// RecipientStatus returns a recipient's status and reason ("" when absent).
func RecipientStatus(t testing.TB, s *store.Store, campaignID, leadID int64) (status, reason string) {
	t.Helper()
	err := s.DB().Primary().QueryRowContext(context.Background(), `SELECT status, reason FROM campaign_recipients
		WHERE campaign_id = $1 AND lead_id = $2`, campaignID, leadID).Scan(&status, &reason)
	if err != nil {
		return "", ""
	}
	return status, reason
}

// recipients lists a campaign's recipients' lead ids, sorted.
func recipients(t testing.TB, s *store.Store, campaignID int64) []int64 {
	t.Helper()
	rows, err := s.DB().Primary().QueryContext(context.Background(), `SELECT lead_id FROM campaign_recipients
		WHERE campaign_id = $1 ORDER BY lead_id`, campaignID)
	Must(t, err)
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		Must(t, rows.Scan(&id))
		out = append(out, id)
	}
	Must(t, rows.Err())
	return out
}

func sameCampaign(t testing.TB, got, want *grimbots.Campaign) {
	t.Helper()
	if got.ID != want.ID || got.SellerID != want.SellerID || got.Name != want.Name || got.Status != want.Status ||
		!slices.Equal(got.BotIDs, want.BotIDs) || got.Segment != want.Segment || got.Message != want.Message ||
		got.CooldownHours != want.CooldownHours {
		t.Fatalf("campaign\n got %+v\nwant %+v", got, want)
	}
	WantTime(t, "created_at", got.CreatedAt, want.CreatedAt)
	WantTime(t, "updated_at", got.UpdatedAt, want.UpdatedAt)
	WantTimePtr(t, "scheduled_at", got.ScheduledAt, want.ScheduledAt)
	WantTimePtr(t, "started_at", got.StartedAt, want.StartedAt)
	WantTimePtr(t, "finished_at", got.FinishedAt, want.FinishedAt)
}

func transition(t testing.TB, s *store.Store, c *grimbots.Campaign, from []string, to string, at time.Time) (bool, string) {
	t.Helper()
	changed, status, err := s.TransitionCampaign(context.Background(), grimbots.CampaignTransition{SellerID: c.SellerID,
		CampaignID: c.ID, From: from, To: to, Now: at, ScheduledAt: &at})
	Must(t, err)
	return changed, status
}

func claim(t testing.TB, s *store.Store, c *grimbots.Campaign, leadID, run int64) bool {
	t.Helper()
	ok, err := claimOne(s, c, leadID, run)
	Must(t, err)
	return ok
}

// claimOne claims one recipient for run.
func claimOne(s *store.Store, c *grimbots.Campaign, leadID, run int64) (bool, error) {
	got, err := s.ClaimRecipients(context.Background(), c.SellerID, c.ID, run, []int64{leadID})
	return len(got) == 1, err
}

func settle(t testing.TB, s *store.Store, c *grimbots.Campaign, leadID, run int64, status, reason string) bool {
	t.Helper()
	ok, err := s.SettleRecipient(context.Background(), grimbots.RecipientResult{SellerID: c.SellerID, CampaignID: c.ID,
		LeadID: leadID, RunID: run, Status: status, Reason: reason, At: Epoch})
	Must(t, err)
	return ok
}

func next(t testing.TB, s *store.Store, c *grimbots.Campaign, botID, after int64, limit int, now time.Time, cooldown *time.Time) ([]int64, int64, *time.Time) {
	t.Helper()
	list, last, retry, err := s.NextRecipients(context.Background(), c.SellerID, c.ID, botID, after, limit, now, cooldown)
	Must(t, err)
	return idsOf(list, func(r grimbots.Recipient) int64 { return r.LeadID }), last, retry
}

func progress(t testing.TB, s *store.Store, c *grimbots.Campaign) *grimbots.CampaignProgress {
	t.Helper()
	p, err := s.CampaignProgress(context.Background(), c.SellerID, c.ID)
	Must(t, err)
	return p
}

// shop is a seller with two bots and leads on each.
type shop struct {
	seller     *grimbots.User
	bot1, bot2 *grimbots.Bot
}

func newShop(t testing.TB, s *store.Store, name string) shop {
	t.Helper()
	u := NewUser(t, s, name)
	return shop{seller: u, bot1: AddBot(t, s, u.ID, name+"1"), bot2: AddBot(t, s, u.ID, name+"2")}
}

// lead adds a lead of b last seen at at.
func (sh shop) lead(t testing.TB, s *store.Store, b *grimbots.Bot, at time.Time) *grimbots.Lead {
	t.Helper()
	return AddLead(t, s, b, 9_000_000+fixtureSeq.Add(1), at)
}

// purchase records a payment of l for offer in status (funnel JSON as the
// engine writes it), optionally for a campaign.
func purchase(t testing.TB, s *store.Store, l *grimbots.Lead, offer, status string, campaign int64, amount int64) *grimbots.Payment {
	t.Helper()
	funnel := fmt.Sprintf(`{"kind":"offer","offer":%q,"version":1}`, offer)
	if campaign > 0 {
		funnel = fmt.Sprintf(`{"kind":"offer","offer":%q,"campaign":%d,"version":1}`, offer, campaign)
	}
	p := NewPayment(t, s, l.SellerID, fmt.Sprintf("p%d", fixtureSeq.Add(1)), amount, func(p *grimbots.Payment) {
		p.BotID, p.LeadID, p.Funnel, p.CreatedAt = &l.BotID, &l.ID, funnel, Epoch.Add(time.Minute)
	})
	if status != grimbots.PaymentPending {
		Transition(t, s, p, []string{grimbots.PaymentPending}, status, "", Epoch.Add(time.Minute))
	}
	return p
}

// ---------------------------------------------------------------------------
// Campaigns

func testCampaignRoundTrip(t *testing.T, s *store.Store) {
	ctx := context.Background()
	sh := newShop(t, s, "ana")
	c := NewCampaign(t, s, sh.seller.ID, "Black Friday", []int64{sh.bot2.ID, sh.bot1.ID, sh.bot2.ID}, func(c *grimbots.Campaign) {
		c.Segment = grimbots.Segment{Kind: grimbots.SegmentBoughtOffer, Offer: "vip", InactiveDays: 3}
		c.CooldownHours = 0
	})
	want := &grimbots.Campaign{ID: c.ID, SellerID: sh.seller.ID, Name: "Black Friday", BotIDs: []int64{sh.bot1.ID, sh.bot2.ID},
		Segment: c.Segment, Message: CampaignMessage, Status: grimbots.CampaignDraft, CreatedAt: Epoch, UpdatedAt: Epoch}
	got, err := s.Campaign(ctx, sh.seller.ID, c.ID)
	Must(t, err)
	sameCampaign(t, got, want)
	other := NewCampaign(t, s, sh.seller.ID, "Natal", []int64{sh.bot1.ID})
	list, total, err := s.Campaigns(ctx, sh.seller.ID, grimbots.CampaignFilter{})
	Must(t, err)
	if total != 2 || len(list) != 2 || list[0].ID != other.ID || !slices.Equal(list[1].BotIDs, want.BotIDs) {
		t.Fatalf("Campaigns = %d %+v", total, list)
	}
	list, total, err = s.Campaigns(ctx, sh.seller.ID, grimbots.CampaignFilter{Status: grimbots.CampaignSending})
	Must(t, err)
	if total != 0 || len(list) != 0 {
		t.Fatalf("Campaigns(sending) = %d %+v", total, list)
	}
	_, err = s.Campaign(ctx, sh.seller.ID, 999_999)
	WantCode(t, err, grimbots.ENOTFOUND)
}

func testCampaignForeignBots(t *testing.T, s *store.Store) {
	ctx := context.Background()
	a, b := newShop(t, s, "ana"), newShop(t, s, "bia")
	deleted := AddBot(t, s, a.seller.ID, "ana_gone")
	Must(t, s.DeleteBot(ctx, a.seller.ID, deleted.ID, Epoch))
	for _, ids := range [][]int64{{a.bot1.ID, b.bot1.ID}, {deleted.ID}, {999_999}} {
		c := &grimbots.Campaign{SellerID: a.seller.ID, Name: "x", BotIDs: ids, Segment: grimbots.Segment{Kind: grimbots.SegmentAll},
			Message: CampaignMessage, CreatedAt: Epoch, UpdatedAt: Epoch}
		WantCode(t, s.CreateCampaign(ctx, c), grimbots.ENOTFOUND)
	}
	if n := countRows(t, s, "campaigns", "1 = 1"); n != 0 {
		t.Fatalf("%d campaigns inserted", n)
	}
	c := NewCampaign(t, s, a.seller.ID, "ok", []int64{a.bot1.ID})
	c.BotIDs = []int64{b.bot2.ID}
	WantCode(t, s.UpdateCampaign(ctx, c, []string{grimbots.CampaignDraft}, true), grimbots.ENOTFOUND)
	_, _, err := s.PreviewSegment(ctx, a.seller.ID, []int64{b.bot1.ID}, grimbots.Segment{Kind: grimbots.SegmentAll}, 24, Epoch)
	WantCode(t, err, grimbots.ENOTFOUND)
}

func testCampaignUpdate(t *testing.T, s *store.Store) {
	ctx := context.Background()
	sh := newShop(t, s, "ana")
	c := NewCampaign(t, s, sh.seller.ID, "v1", []int64{sh.bot1.ID})
	later := Epoch.Add(time.Hour)
	edit := *c
	edit.Name, edit.Message, edit.CooldownHours, edit.UpdatedAt = "v2", `{"text":"novo"}`, 6, later
	edit.BotIDs, edit.Segment = []int64{sh.bot2.ID, sh.bot1.ID}, grimbots.Segment{Kind: grimbots.SegmentBuyers}
	Must(t, s.UpdateCampaign(ctx, &edit, []string{grimbots.CampaignDraft}, true))
	got, err := s.Campaign(ctx, sh.seller.ID, c.ID)
	Must(t, err)
	want := edit
	want.BotIDs = []int64{sh.bot1.ID, sh.bot2.ID}
	sameCampaign(t, got, &want)

	// Without audience: bots and segment stay.
	edit2 := edit
	edit2.Name, edit2.BotIDs, edit2.Segment = "v3", []int64{sh.bot1.ID}, grimbots.Segment{Kind: grimbots.SegmentAll}
	Must(t, s.UpdateCampaign(ctx, &edit2, []string{grimbots.CampaignDraft}, false))
	got, err = s.Campaign(ctx, sh.seller.ID, c.ID)
	Must(t, err)
	if got.Name != "v3" || !slices.Equal(got.BotIDs, want.BotIDs) || got.Segment != want.Segment {
		t.Fatalf("after an update without audience: %+v", got)
	}
	// A status outside from is a conflict; nothing changes.
	edit2.Name = "v4"
	WantCode(t, s.UpdateCampaign(ctx, &edit2, []string{grimbots.CampaignPaused}, false), grimbots.ECONFLICT)
	if got, _ := s.Campaign(ctx, sh.seller.ID, c.ID); got.Name != "v3" {
		t.Fatalf("a refused update changed the name to %q", got.Name)
	}
	edit2.ID = 999_999
	WantCode(t, s.UpdateCampaign(ctx, &edit2, []string{grimbots.CampaignDraft}, false), grimbots.ENOTFOUND)
}

func testCampaignTransitions(t *testing.T, s *store.Store) {
	ctx := context.Background()
	sh := newShop(t, s, "ana")
	c := NewCampaign(t, s, sh.seller.ID, "c", []int64{sh.bot1.ID})
	at := Epoch.Add(2 * time.Hour)
	if changed, status := transition(t, s, c, []string{grimbots.CampaignDraft}, grimbots.CampaignScheduled, at); !changed ||
		status != grimbots.CampaignScheduled {
		t.Fatalf("draft → scheduled: %v %s", changed, status)
	}
	got, _ := s.Campaign(ctx, sh.seller.ID, c.ID)
	WantTimePtr(t, "scheduled_at", got.ScheduledAt, &at)
	// From a status it is not in: nothing changes, the current status is told.
	if changed, status := transition(t, s, c, []string{grimbots.CampaignPaused}, grimbots.CampaignSending, at); changed ||
		status != grimbots.CampaignScheduled {
		t.Fatalf("paused → sending from scheduled: %v %s", changed, status)
	}
	start := Epoch.Add(3 * time.Hour)
	transition(t, s, c, []string{grimbots.CampaignScheduled}, grimbots.CampaignSending, start)
	transition(t, s, c, []string{grimbots.CampaignSending}, grimbots.CampaignPaused, start.Add(time.Minute))
	transition(t, s, c, []string{grimbots.CampaignPaused}, grimbots.CampaignSending, start.Add(2*time.Minute))
	got, _ = s.Campaign(ctx, sh.seller.ID, c.ID)
	WantTimePtr(t, "started_at (the first start)", got.StartedAt, &start)
	end := start.Add(time.Hour)
	transition(t, s, c, []string{grimbots.CampaignSending}, grimbots.CampaignDone, end)
	got, _ = s.Campaign(ctx, sh.seller.ID, c.ID)
	if got.Status != grimbots.CampaignDone {
		t.Fatalf("status %s", got.Status)
	}
	WantTimePtr(t, "finished_at", got.FinishedAt, &end)
	_, _, err := s.TransitionCampaign(ctx, grimbots.CampaignTransition{SellerID: sh.seller.ID, CampaignID: 999_999,
		From: []string{grimbots.CampaignDraft}, To: grimbots.CampaignScheduled, Now: Epoch})
	WantCode(t, err, grimbots.ENOTFOUND)
}

func testCampaignTransitionJobsRollback(t *testing.T, s *store.Store) {
	ctx := context.Background()
	sh := newShop(t, s, "ana")
	c := NewCampaign(t, s, sh.seller.ID, "c", []int64{sh.bot1.ID})
	rec := &JobRecorder{Fail: fmt.Errorf("queue down")}
	js := withJobs(s, rec)
	tr := grimbots.CampaignTransition{SellerID: sh.seller.ID, CampaignID: c.ID, From: []string{grimbots.CampaignDraft},
		To: grimbots.CampaignScheduled, ScheduledAt: &Epoch, Now: Epoch, Jobs: []grimbots.Job{TestJob{"start"}}}
	if _, _, err := js.TransitionCampaign(ctx, tr); err == nil {
		t.Fatal("a failed job insert did not fail the transition")
	}
	if got, _ := s.Campaign(ctx, sh.seller.ID, c.ID); got.Status != grimbots.CampaignDraft || jobMarkers(t, s, "test_start") != 0 {
		t.Fatalf("after a failed job insert: %s, %d markers", got.Status, jobMarkers(t, s, "test_start"))
	}
	rec.Fail = nil
	if changed, _, err := js.TransitionCampaign(ctx, tr); err != nil || !changed || jobMarkers(t, s, "test_start") != 1 {
		t.Fatalf("transition with its job: %v %v, %d markers", changed, err, jobMarkers(t, s, "test_start"))
	}
}

func testCampaignDelete(t *testing.T, s *store.Store) {
	ctx := context.Background()
	sh := newShop(t, s, "ana")
	l1, l2 := sh.lead(t, s, sh.bot1, Epoch), sh.lead(t, s, sh.bot1, Epoch)
	c := NewCampaign(t, s, sh.seller.ID, "c", []int64{sh.bot1.ID})
	StartCampaign(t, s, c)
	if !claim(t, s, c, l1.ID, 7) || !settle(t, s, c, l1.ID, 7, grimbots.RecipientSent, "") {
		t.Fatal("send to l1")
	}
	Must(t, s.DeleteCampaign(ctx, sh.seller.ID, c.ID, Epoch.Add(time.Hour)))
	_, err := s.Campaign(ctx, sh.seller.ID, c.ID)
	WantCode(t, err, grimbots.ENOTFOUND)
	WantCode(t, s.DeleteCampaign(ctx, sh.seller.ID, c.ID, Epoch), grimbots.ENOTFOUND)
	var status string
	Must(t, s.DB().Primary().QueryRowContext(ctx, `SELECT status FROM campaigns WHERE id = $1`, c.ID).Scan(&status))
	if status != grimbots.CampaignCancelled {
		t.Fatalf("a deleted sending campaign is %s", status)
	}
	// Its history stays: the sent recipient (for cooldowns), the rest
	// skipped.
	if st, _ := RecipientStatus(t, s, c.ID, l1.ID); st != grimbots.RecipientSent {
		t.Fatalf("l1 %s", st)
	}
	if st, reason := RecipientStatus(t, s, c.ID, l2.ID); st != grimbots.RecipientSkipped || reason != grimbots.ReasonCancelled {
		t.Fatalf("l2 %s %s", st, reason)
	}
}

func testCampaignWork(t *testing.T, s *store.Store) {
	ctx := context.Background()
	a, b := newShop(t, s, "ana"), newShop(t, s, "bia")
	sending := NewCampaign(t, s, a.seller.ID, "sending", []int64{a.bot1.ID, a.bot2.ID})
	transition(t, s, sending, []string{grimbots.CampaignDraft}, grimbots.CampaignSending, Epoch)
	due := NewCampaign(t, s, b.seller.ID, "due", []int64{b.bot1.ID})
	transition(t, s, due, []string{grimbots.CampaignDraft}, grimbots.CampaignScheduled, Epoch)
	later := NewCampaign(t, s, b.seller.ID, "later", []int64{b.bot2.ID})
	transition(t, s, later, []string{grimbots.CampaignDraft}, grimbots.CampaignScheduled, Epoch.Add(time.Hour))
	paused := NewCampaign(t, s, a.seller.ID, "paused", []int64{a.bot1.ID})
	transition(t, s, paused, []string{grimbots.CampaignDraft}, grimbots.CampaignSending, Epoch)
	transition(t, s, paused, []string{grimbots.CampaignSending}, grimbots.CampaignPaused, Epoch)
	NewCampaign(t, s, a.seller.ID, "draft", []int64{a.bot1.ID})

	work, err := s.CampaignWork(ctx, Epoch.Add(time.Minute), 100)
	Must(t, err)
	got := map[[2]int64]string{}
	for _, w := range work {
		got[[2]int64{w.CampaignID, w.BotID}] = w.Status
		if (w.CampaignID == due.ID) != (w.ScheduledAt != nil) || w.SellerID == 0 {
			t.Errorf("work %+v", w)
		}
	}
	want := map[[2]int64]string{{sending.ID, a.bot1.ID}: grimbots.CampaignSending, {sending.ID, a.bot2.ID}: grimbots.CampaignSending,
		{due.ID, b.bot1.ID}: grimbots.CampaignScheduled}
	if len(got) != len(want) {
		t.Fatalf("CampaignWork = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("CampaignWork = %v, want %v", got, want)
		}
	}
}

// ---------------------------------------------------------------------------
// Audiences

// segmentWorld has a lead in every situation a segment looks at, on one bot.
type segmentWorld struct {
	sh                                                 shop
	buyerVIP, buyerExtra, pending, expired, refundOnly *grimbots.Lead
	paidAndPending, fresh, stale, blocked, otherBot    *grimbots.Lead
}

func newSegmentWorld(t testing.TB, s *store.Store) segmentWorld {
	t.Helper()
	ctx := context.Background()
	sh := newShop(t, s, "ana")
	now := Epoch.Add(30 * 24 * time.Hour)
	w := segmentWorld{sh: sh}
	recent, old := now.Add(-time.Hour), now.Add(-10*24*time.Hour)
	w.buyerVIP = sh.lead(t, s, sh.bot1, recent)
	purchase(t, s, w.buyerVIP, "vip", grimbots.PaymentPaid, 0, 1990)
	w.buyerExtra = sh.lead(t, s, sh.bot1, old)
	purchase(t, s, w.buyerExtra, "extra", grimbots.PaymentPaid, 0, 990)
	purchase(t, s, w.buyerExtra, "vip", grimbots.PaymentPending, 0, 1990)
	w.pending = sh.lead(t, s, sh.bot1, recent)
	purchase(t, s, w.pending, "vip", grimbots.PaymentPending, 0, 1990)
	w.expired = sh.lead(t, s, sh.bot1, old)
	purchase(t, s, w.expired, "vip", grimbots.PaymentExpired, 0, 1990)
	w.refundOnly = sh.lead(t, s, sh.bot1, recent)
	p := purchase(t, s, w.refundOnly, "vip", grimbots.PaymentPaid, 0, 1990)
	Transition(t, s, p, []string{grimbots.PaymentPaid}, grimbots.PaymentRefunded, "", Epoch)
	w.paidAndPending = sh.lead(t, s, sh.bot1, recent)
	purchase(t, s, w.paidAndPending, "vip", grimbots.PaymentPaid, 0, 1990)
	purchase(t, s, w.paidAndPending, "vip", grimbots.PaymentPending, 0, 1990)
	w.fresh = sh.lead(t, s, sh.bot1, recent)
	w.stale = sh.lead(t, s, sh.bot1, old)
	w.blocked = sh.lead(t, s, sh.bot1, old)
	purchase(t, s, w.blocked, "vip", grimbots.PaymentPaid, 0, 1990)
	Must(t, s.SetLeadBlocked(ctx, sh.seller.ID, w.blocked.ID, old))
	w.otherBot = sh.lead(t, s, sh.bot2, old)
	return w
}

var segmentNow = Epoch.Add(30 * 24 * time.Hour)

func (w segmentWorld) want(seg grimbots.Segment) []*grimbots.Lead {
	switch seg {
	case grimbots.Segment{Kind: grimbots.SegmentAll}:
		return []*grimbots.Lead{w.buyerVIP, w.buyerExtra, w.pending, w.expired, w.refundOnly, w.paidAndPending, w.fresh, w.stale}
	case grimbots.Segment{Kind: grimbots.SegmentBuyers}:
		return []*grimbots.Lead{w.buyerVIP, w.buyerExtra, w.paidAndPending}
	case grimbots.Segment{Kind: grimbots.SegmentNonBuyers}:
		return []*grimbots.Lead{w.pending, w.expired, w.refundOnly, w.fresh, w.stale}
	case grimbots.Segment{Kind: grimbots.SegmentUnpaidPIX}:
		return []*grimbots.Lead{w.pending, w.expired}
	case grimbots.Segment{Kind: grimbots.SegmentBoughtOffer, Offer: "vip"}:
		return []*grimbots.Lead{w.buyerVIP, w.paidAndPending}
	case grimbots.Segment{Kind: grimbots.SegmentBoughtOffer, Offer: "extra"}:
		return []*grimbots.Lead{w.buyerExtra}
	case grimbots.Segment{Kind: grimbots.SegmentInactive, InactiveDays: 7}:
		return []*grimbots.Lead{w.buyerExtra, w.expired, w.stale}
	case grimbots.Segment{Kind: grimbots.SegmentNonBuyers, InactiveDays: 7}:
		return []*grimbots.Lead{w.expired, w.stale}
	}
	panic("no expectation")
}

var testSegments = []grimbots.Segment{
	{Kind: grimbots.SegmentAll}, {Kind: grimbots.SegmentBuyers}, {Kind: grimbots.SegmentNonBuyers},
	{Kind: grimbots.SegmentUnpaidPIX}, {Kind: grimbots.SegmentBoughtOffer, Offer: "vip"},
	{Kind: grimbots.SegmentBoughtOffer, Offer: "extra"}, {Kind: grimbots.SegmentInactive, InactiveDays: 7},
	{Kind: grimbots.SegmentNonBuyers, InactiveDays: 7},
}

func testAudienceSegments(t *testing.T, s *store.Store) {
	ctx := context.Background()
	w := newSegmentWorld(t, s)
	for _, seg := range testSegments {
		c := NewCampaign(t, s, w.sh.seller.ID, seg.Kind, []int64{w.sh.bot1.ID}, func(c *grimbots.Campaign) { c.Segment = seg })
		transition(t, s, c, []string{grimbots.CampaignDraft}, grimbots.CampaignSending, Epoch)
		for done := false; !done; {
			var err error
			done, _, err = s.BuildAudience(ctx, c.SellerID, c.ID, w.sh.bot1.ID, 3, segmentNow)
			Must(t, err)
		}
		wantIDs(t, fmt.Sprintf("audience of %+v", seg), recipients(t, s, c.ID), leadIDs(w.want(seg)))
	}
}

func testAudiencePreview(t *testing.T, s *store.Store) {
	ctx := context.Background()
	w := newSegmentWorld(t, s)
	for _, seg := range testSegments {
		total, cooling, err := s.PreviewSegment(ctx, w.sh.seller.ID, []int64{w.sh.bot1.ID, w.sh.bot2.ID}, seg, 24, segmentNow)
		Must(t, err)
		want := int64(len(w.want(seg)))
		if seg.Kind == grimbots.SegmentAll || seg.Kind == grimbots.SegmentInactive || seg.Kind == grimbots.SegmentNonBuyers {
			want++ // the other bot's lead: no payment, seen long ago
		}
		if total != want || cooling != 0 {
			t.Errorf("PreviewSegment(%+v) = %d, %d; want %d, 0", seg, total, cooling, want)
		}
	}
	// A lead messaged by a campaign an hour ago is in the cooldown.
	c := NewCampaign(t, s, w.sh.seller.ID, "earlier", []int64{w.sh.bot1.ID})
	StartCampaign(t, s, c)
	claim(t, s, c, w.fresh.ID, 1)
	_, err := s.SettleRecipient(ctx, grimbots.RecipientResult{SellerID: c.SellerID, CampaignID: c.ID, LeadID: w.fresh.ID, RunID: 1,
		Status: grimbots.RecipientSent, At: segmentNow.Add(-time.Hour)})
	Must(t, err)
	for _, tc := range []struct {
		hours int
		want  int64
	}{{24, 1}, {1, 0}, {0, 0}} {
		_, cooling, err := s.PreviewSegment(ctx, w.sh.seller.ID, []int64{w.sh.bot1.ID}, grimbots.Segment{Kind: grimbots.SegmentAll},
			tc.hours, segmentNow)
		Must(t, err)
		if cooling != tc.want {
			t.Errorf("cooldown %dh: %d leads cooling, want %d", tc.hours, cooling, tc.want)
		}
	}
}

func testAudiencePages(t *testing.T, s *store.Store) {
	ctx := context.Background()
	sh := newShop(t, s, "ana")
	var want []*grimbots.Lead
	for range 7 {
		want = append(want, sh.lead(t, s, sh.bot1, Epoch))
	}
	sh.lead(t, s, sh.bot2, Epoch)
	c := NewCampaign(t, s, sh.seller.ID, "c", []int64{sh.bot1.ID, sh.bot2.ID})
	transition(t, s, c, []string{grimbots.CampaignDraft}, grimbots.CampaignSending, Epoch)
	var pages []int64
	for done := false; !done; {
		var added int64
		var err error
		done, added, err = s.BuildAudience(ctx, c.SellerID, c.ID, sh.bot1.ID, 3, Epoch)
		Must(t, err)
		pages = append(pages, added)
	}
	if !slices.Equal(pages, []int64{3, 3, 1}) {
		t.Fatalf("pages added %v, want [3 3 1]", pages)
	}
	// Leads arriving after the bot's audience was built are not added.
	sh.lead(t, s, sh.bot1, Epoch)
	done, added, err := s.BuildAudience(ctx, c.SellerID, c.ID, sh.bot1.ID, 3, Epoch)
	if err != nil || !done || added != 0 {
		t.Fatalf("after done: %v %d %v", done, added, err)
	}
	wantIDs(t, "audience", recipients(t, s, c.ID), leadIDs(want))
	if p := progress(t, s, c); p.AudienceReady || p.Total != 7 || p.Queued != 7 {
		t.Fatalf("progress with bot2's audience missing: %+v", p)
	}
	_, _, err = s.BuildAudience(ctx, c.SellerID, 999_999, sh.bot1.ID, 3, Epoch)
	WantCode(t, err, grimbots.ENOTFOUND)
}

func testAudienceCancelled(t *testing.T, s *store.Store) {
	ctx := context.Background()
	sh := newShop(t, s, "ana")
	sh.lead(t, s, sh.bot1, Epoch)
	c := NewCampaign(t, s, sh.seller.ID, "c", []int64{sh.bot1.ID})
	transition(t, s, c, []string{grimbots.CampaignDraft}, grimbots.CampaignSending, Epoch)
	transition(t, s, c, []string{grimbots.CampaignSending}, grimbots.CampaignCancelled, Epoch)
	done, added, err := s.BuildAudience(ctx, c.SellerID, c.ID, sh.bot1.ID, 10, Epoch)
	if err != nil || !done || added != 0 {
		t.Fatalf("BuildAudience of a cancelled campaign: %v %d %v", done, added, err)
	}
}

// ---------------------------------------------------------------------------
// Recipients

// sendingCampaign is a started campaign on one bot with n leads.
func sendingCampaign(t testing.TB, s *store.Store, n int, mods ...func(*grimbots.Campaign)) (*grimbots.Campaign, shop, []*grimbots.Lead) {
	t.Helper()
	sh := newShop(t, s, "ana")
	var leads []*grimbots.Lead
	for range n {
		leads = append(leads, sh.lead(t, s, sh.bot1, Epoch))
	}
	c := NewCampaign(t, s, sh.seller.ID, "c", []int64{sh.bot1.ID}, mods...)
	StartCampaign(t, s, c)
	return c, sh, leads
}

func testRecipientClaimOnce(t *testing.T, s *store.Store) {
	c, _, leads := sendingCampaign(t, s, 1)
	if n := winners(t, 8, func(i int) (bool, error) {
		return claimOne(s, c, leads[0].ID, int64(i+1))
	}); n != 1 {
		t.Fatalf("%d concurrent claims won, want 1", n)
	}
	if st, _ := RecipientStatus(t, s, c.ID, leads[0].ID); st != grimbots.RecipientSending {
		t.Fatalf("status %s", st)
	}
	if claim(t, s, c, 999_999, 1) {
		t.Fatal("claimed a lead outside the audience")
	}
}

func testRecipientSettle(t *testing.T, s *store.Store) {
	ctx := context.Background()
	c, _, leads := sendingCampaign(t, s, 3)
	l := leads[0].ID
	if settle(t, s, c, l, 5, grimbots.RecipientSent, "") {
		t.Fatal("settled an unclaimed recipient")
	}
	claim(t, s, c, l, 5)
	if settle(t, s, c, l, 6, grimbots.RecipientSent, "") {
		t.Fatal("another run settled the claim")
	}
	if !settle(t, s, c, l, 5, grimbots.RecipientSent, "") || settle(t, s, c, l, 5, grimbots.RecipientFailed, "x") {
		t.Fatal("settle by the claiming run, once")
	}
	var sentAt nullTimeScan
	Must(t, s.DB().Primary().QueryRowContext(ctx, `SELECT sent_at FROM campaign_recipients WHERE campaign_id = $1 AND lead_id = $2`,
		c.ID, l).Scan(&sentAt))
	if sentAt.t == nil {
		t.Fatal("sent_at not recorded")
	}
	WantTime(t, "sent_at", *sentAt.t, Epoch)
	claim(t, s, c, leads[1].ID, 5)
	settle(t, s, c, leads[1].ID, 5, grimbots.RecipientBlocked, "")
	claim(t, s, c, leads[2].ID, 5)
	settle(t, s, c, leads[2].ID, 5, grimbots.RecipientFailed, grimbots.ReasonRejected)
	if p := progress(t, s, c); p.Sent != 1 || p.Blocked != 1 || p.Failed != 1 || p.Total != 3 {
		t.Fatalf("progress %+v", p)
	}
}

func testRecipientClaimBatch(t *testing.T, s *store.Store) {
	ctx := context.Background()
	c, _, leads := sendingCampaign(t, s, store.ClaimBatch+4)
	claim(t, s, c, leads[1].ID, 6) // another run's
	var ids []int64
	for _, l := range leads {
		ids = append(ids, l.ID)
	}
	got, err := s.ClaimRecipients(ctx, c.SellerID, c.ID, 5, ids)
	Must(t, err)
	slices.Sort(got)
	want := slices.Concat(ids[:1], ids[2:])
	if !slices.Equal(got, want) {
		t.Fatalf("claimed %v, want every lead but the one another run holds: %v", got, want)
	}
	for i, l := range leads {
		if st, _ := RecipientStatus(t, s, c.ID, l.ID); st != grimbots.RecipientSending {
			t.Errorf("lead %d: %s", i, st)
		}
	}
	if again, err := s.ClaimRecipients(ctx, c.SellerID, c.ID, 7, ids); err != nil || len(again) != 0 {
		t.Fatalf("claimed twice: %v %v", again, err)
	}
}

func testRecipientSettleSent(t *testing.T, s *store.Store) {
	ctx := context.Background()
	c, _, leads := sendingCampaign(t, s, 5)
	for _, l := range leads[:3] {
		claim(t, s, c, l.ID, 5)
	}
	claim(t, s, c, leads[3].ID, 6) // another run's
	at := Epoch.Add(time.Minute)
	n, err := s.SettleSent(ctx, c.SellerID, c.ID, 5, []int64{leads[0].ID, leads[1].ID, leads[2].ID, leads[3].ID, leads[4].ID}, at)
	if err != nil || n != 3 {
		t.Fatalf("SettleSent = %d, %v; want the 3 claimed by the run", n, err)
	}
	for i, want := range []string{grimbots.RecipientSent, grimbots.RecipientSent, grimbots.RecipientSent, grimbots.RecipientSending,
		grimbots.RecipientQueued} {
		if st, _ := RecipientStatus(t, s, c.ID, leads[i].ID); st != want {
			t.Errorf("lead %d: %s, want %s", i, st, want)
		}
	}
	if n, err := s.SettleSent(ctx, c.SellerID, c.ID, 5, []int64{leads[0].ID}, at); err != nil || n != 0 {
		t.Fatalf("settled twice: %d %v", n, err)
	}
	if n, err := s.SettleSent(ctx, c.SellerID, c.ID, 5, nil, at); err != nil || n != 0 {
		t.Fatalf("empty batch: %d %v", n, err)
	}
	// More than a statement's worth.
	sh := newShop(t, s, "bia")
	var ids []int64
	for range store.SentBatch + 3 {
		ids = append(ids, sh.lead(t, s, sh.bot1, Epoch).ID)
	}
	c2 := NewCampaign(t, s, sh.seller.ID, "many", []int64{sh.bot1.ID})
	StartCampaign(t, s, c2)
	for _, id := range ids {
		claim(t, s, c2, id, 9)
	}
	if n, err := s.SettleSent(ctx, c2.SellerID, c2.ID, 9, ids, at); err != nil || n != int64(len(ids)) {
		t.Fatalf("SettleSent of %d = %d, %v", len(ids), n, err)
	}
}

func testRecipientRequeue(t *testing.T, s *store.Store) {
	ctx := context.Background()
	c, sh, leads := sendingCampaign(t, s, 2)
	b := sh.bot1.ID
	claim(t, s, c, leads[0].ID, 1)
	retry := Epoch.Add(30 * time.Second)
	ok, err := s.SettleRecipient(ctx, grimbots.RecipientResult{SellerID: c.SellerID, CampaignID: c.ID, LeadID: leads[0].ID, RunID: 1,
		Status: grimbots.RecipientQueued, RetryAt: &retry, Attempt: true, Error: "500", At: Epoch})
	if err != nil || !ok {
		t.Fatalf("requeue: %v %v", ok, err)
	}
	// Not due yet: only the other lead; then, when nothing is due, when.
	ids, last, at := next(t, s, c, b, 0, 10, Epoch, nil)
	if !slices.Equal(ids, []int64{leads[1].ID}) || last != leads[1].ID || at != nil {
		t.Fatalf("next = %v %d %v", ids, last, at)
	}
	claim(t, s, c, leads[1].ID, 1)
	settle(t, s, c, leads[1].ID, 1, grimbots.RecipientSent, "")
	ids, last, at = next(t, s, c, b, 0, 10, Epoch, nil)
	if len(ids) != 0 || last != 0 || at == nil || !at.Equal(retry) {
		t.Fatalf("next while the retry waits = %v %d %v", ids, last, at)
	}
	list, _, _, err := s.NextRecipients(ctx, c.SellerID, c.ID, b, 0, 10, retry, nil)
	Must(t, err)
	if len(list) != 1 || list[0].LeadID != leads[0].ID || list[0].Attempts != 1 || list[0].ChatID != leads[0].ChatID ||
		list[0].FirstName != leads[0].FirstName {
		t.Fatalf("due retry %+v", list)
	}
	// A claim given back after the campaign was cancelled: skipped, as the
	// cancel skipped the rest of the queue.
	claim(t, s, c, leads[0].ID, 2)
	transition(t, s, c, []string{grimbots.CampaignSending}, grimbots.CampaignCancelled, retry)
	if ok, err := s.SettleRecipient(ctx, grimbots.RecipientResult{SellerID: c.SellerID, CampaignID: c.ID, LeadID: leads[0].ID,
		RunID: 2, Status: grimbots.RecipientQueued, At: retry}); err != nil || !ok {
		t.Fatalf("requeue after cancel: %v %v", ok, err)
	}
	if st, reason := RecipientStatus(t, s, c.ID, leads[0].ID); st != grimbots.RecipientSkipped || reason != grimbots.ReasonCancelled {
		t.Fatalf("requeued after cancel: %s %s", st, reason)
	}
	// Keyset: after the last lead, nothing.
	if ids, last, _ := next(t, s, c, b, leads[1].ID, 10, retry, nil); len(ids) != 0 || last != leads[1].ID {
		t.Fatalf("after the last lead: %v %d", ids, last)
	}
}

func testRecipientSkips(t *testing.T, s *store.Store) {
	ctx := context.Background()
	sh := newShop(t, s, "ana")
	recent, old, blocked, fresh := sh.lead(t, s, sh.bot1, Epoch), sh.lead(t, s, sh.bot1, Epoch), sh.lead(t, s, sh.bot1, Epoch),
		sh.lead(t, s, sh.bot1, Epoch)
	// Earlier campaigns: one messaged recent 2 h ago, one old 30 h ago.
	for _, e := range []struct {
		lead *grimbots.Lead
		ago  time.Duration
	}{{recent, 2 * time.Hour}, {old, 30 * time.Hour}} {
		c := NewCampaign(t, s, sh.seller.ID, "earlier", []int64{sh.bot1.ID})
		StartCampaign(t, s, c)
		claim(t, s, c, e.lead.ID, 1)
		_, err := s.SettleRecipient(ctx, grimbots.RecipientResult{SellerID: c.SellerID, CampaignID: c.ID, LeadID: e.lead.ID,
			RunID: 1, Status: grimbots.RecipientSent, At: Epoch.Add(-e.ago)})
		Must(t, err)
	}
	c := NewCampaign(t, s, sh.seller.ID, "now", []int64{sh.bot1.ID})
	StartCampaign(t, s, c)
	Must(t, s.SetLeadBlocked(ctx, sh.seller.ID, blocked.ID, Epoch))
	since := Epoch.Add(-24 * time.Hour)
	ids, last, _ := next(t, s, c, sh.bot1.ID, 0, 10, Epoch, &since)
	if !slices.Equal(ids, []int64{old.ID, fresh.ID}) || last != fresh.ID {
		t.Fatalf("next = %v (last %d), want old and fresh", ids, last)
	}
	if st, reason := RecipientStatus(t, s, c.ID, recent.ID); st != grimbots.RecipientSkipped || reason != grimbots.ReasonCooldown {
		t.Fatalf("recent: %s %s", st, reason)
	}
	if st, reason := RecipientStatus(t, s, c.ID, blocked.ID); st != grimbots.RecipientSkipped || reason != grimbots.ReasonBlocked {
		t.Fatalf("blocked: %s %s", st, reason)
	}
	if p := progress(t, s, c); p.Skipped != 2 || p.Cooldown != 1 || p.Queued != 2 {
		t.Fatalf("progress %+v", p)
	}
	// A page of skipped leads only still moves the cursor.
	c2 := NewCampaign(t, s, sh.seller.ID, "again", []int64{sh.bot1.ID})
	StartCampaign(t, s, c2)
	ids, last, _ = next(t, s, c2, sh.bot1.ID, 0, 1, Epoch, &since)
	if len(ids) != 0 || last != recent.ID {
		t.Fatalf("a skipped-only page: %v %d", ids, last)
	}
}

func testRecipientOrphans(t *testing.T, s *store.Store) {
	ctx := context.Background()
	c, sh, leads := sendingCampaign(t, s, 4)
	claim(t, s, c, leads[0].ID, 1) // a dead run's claims
	claim(t, s, c, leads[1].ID, 1)
	claim(t, s, c, leads[2].ID, 2) // the live run's
	n, err := s.SettleOrphans(ctx, c.SellerID, c.ID, sh.bot1.ID, 2)
	if err != nil || n != 2 {
		t.Fatalf("SettleOrphans = %d %v", n, err)
	}
	for _, l := range leads[:2] {
		if st, reason := RecipientStatus(t, s, c.ID, l.ID); st != grimbots.RecipientFailed || reason != grimbots.ReasonUncertain {
			t.Fatalf("orphan %s %s", st, reason)
		}
	}
	if st, _ := RecipientStatus(t, s, c.ID, leads[2].ID); st != grimbots.RecipientSending {
		t.Fatalf("the live run's claim %s", st)
	}
	if claim(t, s, c, leads[0].ID, 2) {
		t.Fatal("an uncertain recipient was claimed again")
	}
	if p := progress(t, s, c); p.Uncertain != 2 || p.Failed != 2 || p.Sending != 1 || p.Queued != 1 {
		t.Fatalf("progress %+v", p)
	}
}

func testRecipientFailQueued(t *testing.T, s *store.Store) {
	ctx := context.Background()
	c, sh, leads := sendingCampaign(t, s, 3)
	claim(t, s, c, leads[0].ID, 1)
	settle(t, s, c, leads[0].ID, 1, grimbots.RecipientSent, "")
	n, err := s.FailQueued(ctx, c.SellerID, c.ID, sh.bot1.ID, grimbots.ReasonRevoked, "401")
	if err != nil || n != 2 {
		t.Fatalf("FailQueued = %d %v", n, err)
	}
	if st, reason := RecipientStatus(t, s, c.ID, leads[2].ID); st != grimbots.RecipientFailed || reason != grimbots.ReasonRevoked {
		t.Fatalf("%s %s", st, reason)
	}
}

func testRecipientCancelRace(t *testing.T, s *store.Store) {
	c, _, leads := sendingCampaign(t, s, 20)
	claimed := make([]bool, len(leads))
	concurrently(len(leads)+1, func(i int) {
		if i == len(leads) {
			transition(t, s, c, []string{grimbots.CampaignSending}, grimbots.CampaignCancelled, Epoch)
			return
		}
		ok, err := claimOne(s, c, leads[i].ID, 1)
		Must(t, err)
		claimed[i] = ok
	})
	for i, l := range leads {
		st, _ := RecipientStatus(t, s, c.ID, l.ID)
		if claimed[i] != (st == grimbots.RecipientSending) || (!claimed[i] && st != grimbots.RecipientSkipped) {
			t.Fatalf("lead %d: claimed %v, status %s", i, claimed[i], st)
		}
	}
}

func testCampaignFinish(t *testing.T, s *store.Store) {
	ctx := context.Background()
	sh := newShop(t, s, "ana")
	l1, l2 := sh.lead(t, s, sh.bot1, Epoch), sh.lead(t, s, sh.bot2, Epoch)
	c := NewCampaign(t, s, sh.seller.ID, "c", []int64{sh.bot1.ID, sh.bot2.ID})
	transition(t, s, c, []string{grimbots.CampaignDraft}, grimbots.CampaignSending, Epoch)
	finish := func() bool {
		ok, err := s.FinishCampaign(ctx, c.SellerID, c.ID, Epoch)
		Must(t, err)
		return ok
	}
	_, _, err := s.BuildAudience(ctx, c.SellerID, c.ID, sh.bot1.ID, 10, Epoch)
	Must(t, err)
	claim(t, s, c, l1.ID, 1)
	settle(t, s, c, l1.ID, 1, grimbots.RecipientSent, "")
	if finish() {
		t.Fatal("finished with bot2's audience not built")
	}
	_, _, err = s.BuildAudience(ctx, c.SellerID, c.ID, sh.bot2.ID, 10, Epoch)
	Must(t, err)
	if finish() {
		t.Fatal("finished with a queued recipient")
	}
	claim(t, s, c, l2.ID, 1)
	if finish() {
		t.Fatal("finished with a recipient being sent")
	}
	settle(t, s, c, l2.ID, 1, grimbots.RecipientBlocked, "")
	if !finish() || finish() {
		t.Fatal("finish once nothing is left, once")
	}
	if got, _ := s.Campaign(ctx, c.SellerID, c.ID); got.Status != grimbots.CampaignDone || got.FinishedAt == nil {
		t.Fatalf("%+v", got)
	}
}

func testCampaignProgress(t *testing.T, s *store.Store) {
	ctx := context.Background()
	c, sh, leads := sendingCampaign(t, s, 3)
	for _, l := range leads[:2] {
		claim(t, s, c, l.ID, 1)
		settle(t, s, c, l.ID, 1, grimbots.RecipientSent, "")
	}
	click := func(botID, campaignID, leadID int64) bool {
		ok, err := s.CampaignClick(ctx, c.SellerID, botID, campaignID, leadID, fmt.Sprint(fixtureSeq.Add(1)), Epoch)
		Must(t, err)
		return ok
	}
	if !click(sh.bot1.ID, c.ID, leads[0].ID) || !click(sh.bot1.ID, c.ID, leads[0].ID) || !click(sh.bot1.ID, c.ID, leads[1].ID) {
		t.Fatal("clicks of the audience")
	}
	// The same press handled twice (an update retried) counts once.
	for range 2 {
		if ok, err := s.CampaignClick(ctx, c.SellerID, sh.bot1.ID, c.ID, leads[1].ID, "press-42", Epoch); err != nil || !ok {
			t.Fatalf("repeated press: %v %v", ok, err)
		}
	}
	other := sh.lead(t, s, sh.bot1, Epoch)
	if click(sh.bot1.ID, c.ID, other.ID) || click(sh.bot2.ID, c.ID, leads[0].ID) {
		t.Fatal("a click of a lead the campaign did not reach (or through another bot) counted")
	}
	// Paid sales from its buttons count; pending, refunded, another
	// campaign's and ones without campaign do not.
	purchase(t, s, leads[0], "vip", grimbots.PaymentPaid, c.ID, 1990)
	purchase(t, s, leads[1], "vip", grimbots.PaymentPaid, c.ID, 4990)
	purchase(t, s, leads[1], "vip", grimbots.PaymentPending, c.ID, 1990)
	p := purchase(t, s, leads[2], "vip", grimbots.PaymentPaid, c.ID, 990)
	Transition(t, s, p, []string{grimbots.PaymentPaid}, grimbots.PaymentRefunded, "", Epoch)
	purchase(t, s, leads[2], "vip", grimbots.PaymentPaid, c.ID+1000, 990)
	purchase(t, s, leads[2], "vip", grimbots.PaymentPaid, 0, 990)
	got := progress(t, s, c)
	want := grimbots.CampaignProgress{Total: 3, Queued: 1, Sent: 2, Clicks: 4, Clickers: 2, Sales: 2, RevenueCents: 6980,
		AudienceReady: true}
	if *got != want {
		t.Fatalf("progress\n got %+v\nwant %+v", *got, want)
	}
	_, err := s.CampaignProgress(ctx, c.SellerID, 999_999)
	WantCode(t, err, grimbots.ENOTFOUND)
}

// nullTimeScan scans a nullable timestamp from either engine.
type nullTimeScan struct{ t *time.Time }

func (n *nullTimeScan) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		n.t = nil
	case time.Time:
		u := x.UTC()
		n.t = &u
	default:
		return fmt.Errorf("nullTimeScan: %T", v)
	}
	return nil
}
