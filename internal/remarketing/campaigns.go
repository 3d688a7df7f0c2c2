package remarketing

import (
	"context"
	"slices"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// Create saves a draft campaign.
func (s *Service) Create(ctx context.Context, a Actor, p Params) (*grimbots.Campaign, error) {
	if err := s.validate(ctx, a.UserID, &p); err != nil {
		return nil, err
	}
	now := s.now()
	c := &grimbots.Campaign{SellerID: a.UserID, Name: p.Name, BotIDs: p.BotIDs, Segment: p.Segment, Message: p.Message.encode(),
		CooldownHours: *p.CooldownHours, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateCampaign(ctx, c); err != nil {
		return nil, err
	}
	s.audit(ctx, a, grimbots.AuditCampaignCreate, c.ID)
	return s.store.Campaign(ctx, a.UserID, c.ID)
}

// editable are the statuses in which a campaign can be edited; its bots
// and segment only before its audience is built (before it starts).
var (
	editable         = []string{grimbots.CampaignDraft, grimbots.CampaignScheduled, grimbots.CampaignPaused}
	audienceEditable = []string{grimbots.CampaignDraft, grimbots.CampaignScheduled}
)

// Update replaces a campaign's definition. A paused campaign keeps its bots
// and segment (its audience is built): changing them is a conflict.
func (s *Service) Update(ctx context.Context, a Actor, id int64, p Params) (*grimbots.Campaign, error) {
	old, err := s.store.Campaign(ctx, a.UserID, id)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(editable, old.Status) {
		return nil, grimbots.Errorf(grimbots.ECONFLICT, "a %s campaign cannot be edited", old.Status)
	}
	if err := s.validate(ctx, a.UserID, &p); err != nil {
		return nil, err
	}
	c := &grimbots.Campaign{ID: id, SellerID: a.UserID, Name: p.Name, BotIDs: p.BotIDs, Segment: p.Segment,
		Message: p.Message.encode(), CooldownHours: *p.CooldownHours, UpdatedAt: s.now()}
	from, audience := editable, true
	if !slices.Contains(audienceEditable, old.Status) {
		if !sameAudience(old, c) {
			return nil, grimbots.Errorf(grimbots.ECONFLICT, "the bots and segment of a started campaign cannot change")
		}
		from, audience = []string{old.Status}, false
	}
	if err := s.store.UpdateCampaign(ctx, c, from, audience); err != nil {
		return nil, err
	}
	s.audit(ctx, a, grimbots.AuditCampaignUpdate, id)
	return s.store.Campaign(ctx, a.UserID, id)
}

func sameAudience(a, b *grimbots.Campaign) bool {
	return a.Segment == b.Segment && slices.Equal(slices.Compact(slices.Sorted(slices.Values(a.BotIDs))),
		slices.Compact(slices.Sorted(slices.Values(b.BotIDs))))
}

// Delete removes a campaign from the seller's list, cancelling it first if
// it is scheduled, sending or paused.
func (s *Service) Delete(ctx context.Context, a Actor, id int64) error {
	if err := s.store.DeleteCampaign(ctx, a.UserID, id, s.now()); err != nil {
		return err
	}
	s.audit(ctx, a, grimbots.AuditCampaignDelete, id)
	return nil
}

// Campaign returns one campaign with its progress and results.
func (s *Service) Campaign(ctx context.Context, sellerID, id int64) (*grimbots.Campaign, *grimbots.CampaignProgress, error) {
	c, err := s.store.Campaign(ctx, sellerID, id)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.store.CampaignProgress(ctx, sellerID, id)
	if err != nil {
		return nil, nil, err
	}
	return c, p, nil
}

// Campaigns lists the seller's campaigns, newest first.
func (s *Service) Campaigns(ctx context.Context, sellerID int64, f grimbots.CampaignFilter) ([]*grimbots.Campaign, int, error) {
	return s.store.Campaigns(ctx, sellerID, f)
}

// Preview counts the leads a campaign on these bots and segment would
// reach now, and how many of them the cooldown would skip today.
func (s *Service) Preview(ctx context.Context, sellerID int64, botIDs []int64, seg grimbots.Segment, cooldownHours *int) (int64, int64, error) {
	if errs := checkSegment(seg); len(errs) > 0 {
		return 0, 0, grimbots.Invalid("validation failed", errs...)
	}
	cooldown := DefaultCooldown
	if cooldownHours != nil {
		cooldown = *cooldownHours
	}
	return s.store.PreviewSegment(ctx, sellerID, botIDs, seg, cooldown, s.now())
}

// Start schedules a draft (or rescheduled) campaign to start at at, or now
// when at is nil or past. Its offer buttons are checked again against the
// bots' funnels in force.
func (s *Service) Start(ctx context.Context, a Actor, id int64, at *time.Time) (*grimbots.Campaign, error) {
	c, err := s.store.Campaign(ctx, a.UserID, id)
	if err != nil {
		return nil, err
	}
	m, err := DecodeMessage(c.Message)
	if err != nil {
		return nil, err
	}
	if err := s.checkOffers(ctx, a.UserID, c.BotIDs, m); err != nil {
		return nil, err
	}
	now := s.now()
	when := now
	if at != nil && at.After(now) {
		when = at.UTC()
	}
	err = s.transition(ctx, a, c, grimbots.AuditCampaignStart, []string{grimbots.CampaignDraft, grimbots.CampaignScheduled},
		grimbots.CampaignScheduled, &when, StartJob{SellerID: a.UserID, CampaignID: id, At: when.UnixMicro()})
	if err != nil {
		return nil, err
	}
	return s.store.Campaign(ctx, a.UserID, id)
}

// Pause stops a sending campaign between batches; Resume continues it.
func (s *Service) Pause(ctx context.Context, a Actor, id int64) (*grimbots.Campaign, error) {
	return s.change(ctx, a, id, grimbots.AuditCampaignPause, []string{grimbots.CampaignSending}, grimbots.CampaignPaused)
}

// Resume continues a paused campaign where it stopped.
func (s *Service) Resume(ctx context.Context, a Actor, id int64) (*grimbots.Campaign, error) {
	return s.change(ctx, a, id, grimbots.AuditCampaignResume, []string{grimbots.CampaignPaused}, grimbots.CampaignSending)
}

// Cancel ends a scheduled, sending or paused campaign: recipients not sent
// yet are skipped.
func (s *Service) Cancel(ctx context.Context, a Actor, id int64) (*grimbots.Campaign, error) {
	return s.change(ctx, a, id, grimbots.AuditCampaignCancel,
		[]string{grimbots.CampaignScheduled, grimbots.CampaignSending, grimbots.CampaignPaused}, grimbots.CampaignCancelled)
}

func (s *Service) change(ctx context.Context, a Actor, id int64, action string, from []string, to string) (*grimbots.Campaign, error) {
	c, err := s.store.Campaign(ctx, a.UserID, id)
	if err != nil {
		return nil, err
	}
	var jobs []grimbots.Job
	if to == grimbots.CampaignSending {
		jobs = runJobs(c)
	}
	if err := s.transition(ctx, a, c, action, from, to, nil, jobs...); err != nil {
		return nil, err
	}
	return s.store.Campaign(ctx, a.UserID, id)
}

// transition applies a status change with its jobs; a campaign in another
// status is a conflict.
func (s *Service) transition(ctx context.Context, a Actor, c *grimbots.Campaign, action string, from []string, to string,
	at *time.Time, jobs ...grimbots.Job) error {
	changed, status, err := s.store.TransitionCampaign(ctx, grimbots.CampaignTransition{SellerID: c.SellerID, CampaignID: c.ID,
		From: from, To: to, ScheduledAt: at, Now: s.now(), Jobs: jobs})
	if err != nil {
		return err
	}
	if !changed {
		return grimbots.Errorf(grimbots.ECONFLICT, "the campaign is %s", status)
	}
	s.audit(ctx, a, action, c.ID)
	return nil
}

// runJobs are a campaign's runners, one per bot.
func runJobs(c *grimbots.Campaign) []grimbots.Job {
	jobs := make([]grimbots.Job, len(c.BotIDs))
	for i, b := range c.BotIDs {
		jobs[i] = RunJob{SellerID: c.SellerID, CampaignID: c.ID, BotID: b}
	}
	return jobs
}
