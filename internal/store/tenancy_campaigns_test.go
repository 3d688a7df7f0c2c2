package store_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/store/storetest"
)

// Tenancy checks of the remarketing store: each runs as seller A and aims
// at seller B's campaigns, recipients and bots; TestTenancy then proves
// every row of B is unchanged.

func init() {
	sellerTables = append(sellerTables, "campaigns", "campaign_bots", "campaign_recipients")
	maps.Copy(storeTenancy, map[string]tenancyRule{
		"CreateCampaign":     scoped(checkCreateCampaign),
		"Campaign":           scoped(checkCampaign),
		"Campaigns":          scoped(checkCampaigns),
		"UpdateCampaign":     scoped(checkUpdateCampaign),
		"DeleteCampaign":     scoped(checkDeleteCampaign),
		"TransitionCampaign": scoped(checkTransitionCampaign),
		"FinishCampaign":     scoped(checkFinishCampaign),
		"PreviewSegment":     scoped(checkPreviewSegment),
		"BuildAudience":      scoped(checkBuildAudience),
		"NextRecipients":     scoped(checkNextRecipients),
		"ClaimRecipients":    scoped(checkClaimRecipients),
		"SettleRecipient":    scoped(checkSettleRecipient),
		"SettleSent":         scoped(checkSettleSent),
		"SettleOrphans":      scoped(checkSettleOrphans),
		"FailQueued":         scoped(checkFailQueued),
		"CampaignClick":      scoped(checkCampaignClick),
		"CampaignProgress":   scoped(checkCampaignProgress),
		"CampaignWork": global("the remarketing sweeper's list of due and sending campaigns of every seller; each row " +
			"carries its seller id, and the jobs it queues act with it"),
	})
}

// campaignRows are a seller's campaigns, all on its live bot, whose one
// lead is: sent (and clicked) by sent, queued in queued, being sent (run
// 77) by inFlight; draft has no audience yet.
type campaignRows struct {
	sent, queued, inFlight, draft *grimbots.Campaign
}

func addCampaignRows(t *testing.T, s *store.Store, sl *seller, name string) {
	t.Helper()
	ctx := context.Background()
	id := sl.user.ID
	bots := []int64{sl.bot}
	c := campaignRows{
		sent:     storetest.NewCampaign(t, s, id, name+" sent", bots),
		queued:   storetest.NewCampaign(t, s, id, name+" queued", bots),
		inFlight: storetest.NewCampaign(t, s, id, name+" in flight", bots),
		draft:    storetest.NewCampaign(t, s, id, name+" draft", bots),
	}
	for _, camp := range []*grimbots.Campaign{c.sent, c.queued, c.inFlight} {
		storetest.StartCampaign(t, s, camp)
	}
	for _, camp := range []*grimbots.Campaign{c.sent, c.inFlight} {
		if got, err := s.ClaimRecipients(ctx, id, camp.ID, 77, []int64{sl.lead}); err != nil || len(got) != 1 {
			t.Fatalf("claim: %v %v", got, err)
		}
	}
	if ok, err := s.SettleRecipient(ctx, grimbots.RecipientResult{SellerID: id, CampaignID: c.sent.ID, LeadID: sl.lead, RunID: 77,
		Status: grimbots.RecipientSent, At: now}); err != nil || !ok {
		t.Fatalf("settle: %v %v", ok, err)
	}
	if ok, err := s.CampaignClick(ctx, id, sl.bot, c.sent.ID, sl.lead, "press-"+name, now); err != nil || !ok {
		t.Fatalf("click: %v %v", ok, err)
	}
	sl.campaigns = c
}

func (c campaignRows) all() []*grimbots.Campaign {
	return []*grimbots.Campaign{c.sent, c.queued, c.inFlight, c.draft}
}

func campaignID(c *grimbots.Campaign) int64 { return c.ID }

func newCampaignOf(sl seller, botIDs ...int64) *grimbots.Campaign {
	return &grimbots.Campaign{SellerID: sl.user.ID, Name: "new", BotIDs: botIDs, Segment: grimbots.Segment{Kind: grimbots.SegmentAll},
		Message: storetest.CampaignMessage, CreatedAt: now, UpdatedAt: now}
}

func checkCreateCampaign(t *testing.T, w *world) {
	ctx := context.Background()
	for _, bots := range [][]int64{{w.b.bot}, {w.a.bot, w.b.bot}, {w.b.deletedBot.ID}} {
		storetest.WantCode(t, w.s.CreateCampaign(ctx, newCampaignOf(w.a, bots...)), grimbots.ENOTFOUND)
	}
	c := newCampaignOf(w.a, w.a.bot)
	storetest.Must(t, w.s.CreateCampaign(ctx, c))
	if c.SellerID != w.a.user.ID || c.ID == 0 {
		t.Errorf("A's campaign %+v", c)
	}
}

func checkCampaign(t *testing.T, w *world) {
	ctx := context.Background()
	for _, c := range w.b.campaigns.all() {
		_, err := w.s.Campaign(ctx, w.a.user.ID, c.ID)
		storetest.WantCode(t, err, grimbots.ENOTFOUND)
	}
	if c, err := w.s.Campaign(ctx, w.a.user.ID, w.a.campaigns.sent.ID); err != nil || c.SellerID != w.a.user.ID {
		t.Errorf("A's own campaign: %+v %v", c, err)
	}
}

func checkCampaigns(t *testing.T, w *world) {
	list, total, err := w.s.Campaigns(context.Background(), w.a.user.ID, grimbots.CampaignFilter{})
	storetest.Must(t, err)
	wantOnly(t, "Campaigns(A)", list, campaignID, ids(w.a.campaigns.all(), campaignID))
	if total != 4 {
		t.Errorf("Campaigns(A) total %d, want 4", total)
	}
}

func checkUpdateCampaign(t *testing.T, w *world) {
	ctx := context.Background()
	statuses := []string{grimbots.CampaignDraft, grimbots.CampaignSending}
	for _, c := range w.b.campaigns.all() {
		edit := newCampaignOf(w.a, w.a.bot)
		edit.ID = c.ID
		storetest.WantCode(t, w.s.UpdateCampaign(ctx, edit, statuses, true), grimbots.ENOTFOUND)
		storetest.WantCode(t, w.s.UpdateCampaign(ctx, edit, statuses, false), grimbots.ENOTFOUND)
	}
	// A's draft cannot take B's bot.
	edit := newCampaignOf(w.a, w.b.bot)
	edit.ID = w.a.campaigns.draft.ID
	storetest.WantCode(t, w.s.UpdateCampaign(ctx, edit, statuses, true), grimbots.ENOTFOUND)
}

func checkDeleteCampaign(t *testing.T, w *world) {
	ctx := context.Background()
	for _, c := range w.b.campaigns.all() {
		storetest.WantCode(t, w.s.DeleteCampaign(ctx, w.a.user.ID, c.ID, now), grimbots.ENOTFOUND)
	}
	storetest.Must(t, w.s.DeleteCampaign(ctx, w.a.user.ID, w.a.campaigns.queued.ID, now))
}

func checkTransitionCampaign(t *testing.T, w *world) {
	ctx := context.Background()
	all := []string{grimbots.CampaignDraft, grimbots.CampaignScheduled, grimbots.CampaignSending, grimbots.CampaignPaused}
	for _, to := range []string{grimbots.CampaignScheduled, grimbots.CampaignPaused, grimbots.CampaignCancelled, grimbots.CampaignDone} {
		for _, c := range w.b.campaigns.all() {
			_, _, err := w.s.TransitionCampaign(ctx, grimbots.CampaignTransition{SellerID: w.a.user.ID, CampaignID: c.ID,
				From: all, To: to, ScheduledAt: &now, Now: now})
			storetest.WantCode(t, err, grimbots.ENOTFOUND)
		}
	}
}

func checkFinishCampaign(t *testing.T, w *world) {
	for _, c := range w.b.campaigns.all() {
		if ok, err := w.s.FinishCampaign(context.Background(), w.a.user.ID, c.ID, now); err != nil || ok {
			t.Errorf("FinishCampaign(A, B's %d) = %v, %v", c.ID, ok, err)
		}
	}
}

func checkPreviewSegment(t *testing.T, w *world) {
	ctx := context.Background()
	for _, bots := range [][]int64{{w.b.bot}, {w.a.bot, w.b.bot}} {
		_, _, err := w.s.PreviewSegment(ctx, w.a.user.ID, bots, grimbots.Segment{Kind: grimbots.SegmentAll}, 24, now)
		storetest.WantCode(t, err, grimbots.ENOTFOUND)
	}
	total, _, err := w.s.PreviewSegment(ctx, w.a.user.ID, []int64{w.a.bot}, grimbots.Segment{Kind: grimbots.SegmentAll}, 24, now)
	if err != nil || total != 1 {
		t.Errorf("PreviewSegment(A's bot) = %d, %v; want A's 1 lead", total, err)
	}
}

func checkBuildAudience(t *testing.T, w *world) {
	ctx := context.Background()
	for _, c := range w.b.campaigns.all() {
		for _, bot := range []int64{w.b.bot, w.a.bot} {
			_, _, err := w.s.BuildAudience(ctx, w.a.user.ID, c.ID, bot, 10, now)
			storetest.WantCode(t, err, grimbots.ENOTFOUND)
		}
	}
	// A's own campaign, aimed at B's bot: not one of its bots.
	_, _, err := w.s.BuildAudience(ctx, w.a.user.ID, w.a.campaigns.draft.ID, w.b.bot, 10, now)
	storetest.WantCode(t, err, grimbots.ENOTFOUND)
}

func checkNextRecipients(t *testing.T, w *world) {
	ctx := context.Background()
	since := now.Add(time.Hour) // everything is in the cooldown: a skip would show
	for _, c := range w.b.campaigns.all() {
		list, last, retry, err := w.s.NextRecipients(ctx, w.a.user.ID, c.ID, w.b.bot, 0, 10, now, &since)
		storetest.Must(t, err)
		if len(list) != 0 || last != 0 || retry != nil {
			t.Errorf("NextRecipients(A, B's %d) = %v, %d, %v", c.ID, list, last, retry)
		}
	}
}

func checkClaimRecipients(t *testing.T, w *world) {
	ctx := context.Background()
	for _, c := range w.b.campaigns.all() {
		if got, err := w.s.ClaimRecipients(ctx, w.a.user.ID, c.ID, 5, []int64{w.b.lead, w.a.lead}); err != nil || len(got) != 0 {
			t.Errorf("ClaimRecipients(A, B's %d) = %v, %v", c.ID, got, err)
		}
	}
	if got, err := w.s.ClaimRecipients(ctx, w.a.user.ID, w.a.campaigns.queued.ID, 5, []int64{w.b.lead, w.a.lead}); err != nil ||
		len(got) != 1 || got[0] != w.a.lead {
		t.Errorf("A's own claim: %v %v", got, err)
	}
}

func checkSettleRecipient(t *testing.T, w *world) {
	ctx := context.Background()
	for _, status := range []string{grimbots.RecipientSent, grimbots.RecipientQueued, grimbots.RecipientFailed} {
		for _, c := range w.b.campaigns.all() {
			ok, err := w.s.SettleRecipient(ctx, grimbots.RecipientResult{SellerID: w.a.user.ID, CampaignID: c.ID, LeadID: w.b.lead,
				RunID: 77, Status: status, Reason: "x", RetryAt: &now, At: now})
			if err != nil || ok {
				t.Errorf("SettleRecipient(A, B's %d, %s) = %v, %v", c.ID, status, ok, err)
			}
		}
	}
}

func checkSettleSent(t *testing.T, w *world) {
	for _, c := range w.b.campaigns.all() {
		n, err := w.s.SettleSent(context.Background(), w.a.user.ID, c.ID, 77, []int64{w.b.lead, w.a.lead}, now)
		if err != nil || n != 0 {
			t.Errorf("SettleSent(A, B's %d) = %d, %v", c.ID, n, err)
		}
	}
}

func checkSettleOrphans(t *testing.T, w *world) {
	for _, c := range w.b.campaigns.all() {
		if n, err := w.s.SettleOrphans(context.Background(), w.a.user.ID, c.ID, w.b.bot, 1); err != nil || n != 0 {
			t.Errorf("SettleOrphans(A, B's %d) = %d, %v", c.ID, n, err)
		}
	}
}

func checkFailQueued(t *testing.T, w *world) {
	for _, c := range w.b.campaigns.all() {
		if n, err := w.s.FailQueued(context.Background(), w.a.user.ID, c.ID, w.b.bot, grimbots.ReasonRevoked, "x"); err != nil || n != 0 {
			t.Errorf("FailQueued(A, B's %d) = %d, %v", c.ID, n, err)
		}
	}
}

func checkCampaignClick(t *testing.T, w *world) {
	ctx := context.Background()
	for _, c := range w.b.campaigns.all() {
		for _, bot := range []int64{w.b.bot, w.a.bot} {
			if ok, err := w.s.CampaignClick(ctx, w.a.user.ID, bot, c.ID, w.b.lead, "a-press", now); err != nil || ok {
				t.Errorf("CampaignClick(A, B's %d) = %v, %v", c.ID, ok, err)
			}
		}
	}
}

func checkCampaignProgress(t *testing.T, w *world) {
	ctx := context.Background()
	for _, c := range w.b.campaigns.all() {
		_, err := w.s.CampaignProgress(ctx, w.a.user.ID, c.ID)
		storetest.WantCode(t, err, grimbots.ENOTFOUND)
	}
	p, err := w.s.CampaignProgress(ctx, w.a.user.ID, w.a.campaigns.sent.ID)
	if err != nil || p.Sent != 1 || p.Clicks != 1 || p.Total != 1 {
		t.Errorf("A's own progress %+v %v", p, err)
	}
}
