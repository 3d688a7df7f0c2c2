package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/remarketing"
)

// formButtons is how many button rows the campaign form offers.
const formButtons = 3

type campaignsData struct {
	Campaigns []*grimbots.Campaign
	Total     int
}

func (h *Handler) showCampaigns(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	list, total, err := h.campaigns.Campaigns(r.Context(), p.User.ID, grimbots.CampaignFilter{Limit: pageSize})
	if err != nil {
		return err
	}
	v := h.newView(w, r, p, "campaigns.title", "campaigns")
	v.Data = &campaignsData{Campaigns: list, Total: total}
	return h.render(w, r, http.StatusOK, "campaigns", v)
}

type campaignFormData struct {
	Bots     []*grimbots.Bot
	Chosen   map[int64]bool
	Segments []string
	Rows     []int
	// Audience and Cooldown are the preview's counts, when asked for.
	Previewed          bool
	Audience, Cooldown int64
}

func (h *Handler) campaignForm(w http.ResponseWriter, r *http.Request, p *auth.Principal, v *view, status int,
	chosen []int64) error {
	bots, err := h.bots.Bots(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	d := &campaignFormData{Bots: bots, Chosen: map[int64]bool{}, Rows: []int{0, 1, 2},
		Segments: []string{grimbots.SegmentAll, grimbots.SegmentBuyers, grimbots.SegmentNonBuyers, grimbots.SegmentUnpaidPIX,
			grimbots.SegmentBoughtOffer, grimbots.SegmentInactive}}
	for _, id := range chosen {
		d.Chosen[id] = true
	}
	if prev, ok := v.Data.(*campaignFormData); ok {
		d.Previewed, d.Audience, d.Cooldown = prev.Previewed, prev.Audience, prev.Cooldown
	}
	v.Data = d
	return h.render(w, r, status, "campaign_form", v)
}

func (h *Handler) showNewCampaign(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	v := h.newView(w, r, p, "campaigns.new", "campaigns")
	v.Form.Set("segment.kind", grimbots.SegmentAll)
	v.Form.Set("cooldown_hours", strconv.Itoa(remarketing.DefaultCooldown))
	return h.campaignForm(w, r, p, v, http.StatusOK, nil)
}

// campaignParams reads the campaign form.
func campaignParams(r *http.Request) (remarketing.Params, error) {
	f := r.PostForm
	var fields []grimbots.FieldError
	p := remarketing.Params{Name: f.Get("name"), Segment: grimbots.Segment{Kind: f.Get("segment.kind"),
		Offer: strings.TrimSpace(f.Get("segment.offer"))},
		Message: remarketing.Message{Text: f.Get("message.text")}}
	for _, s := range f["bot_ids"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 && !slices.Contains(p.BotIDs, id) {
			p.BotIDs = append(p.BotIDs, id)
		}
	}
	p.Segment.InactiveDays = wholeNumber(f, "segment.inactive_days", 0, &fields)
	cooldown := wholeNumber(f, "cooldown_hours", remarketing.DefaultCooldown, &fields)
	p.CooldownHours = &cooldown
	if kind := f.Get("message.media.kind"); kind != "" {
		p.Message.Media = &funnel.Media{Kind: kind, URL: strings.TrimSpace(f.Get("message.media.url"))}
	}
	for i := range formButtons {
		key := "message.buttons[" + strconv.Itoa(i) + "]."
		b := remarketing.Button{Text: strings.TrimSpace(f.Get(key + "text")), URL: strings.TrimSpace(f.Get(key + "url")),
			Offer: strings.TrimSpace(f.Get(key + "offer"))}
		if b != (remarketing.Button{}) {
			p.Message.Buttons = append(p.Message.Buttons, b)
		}
	}
	if len(fields) > 0 {
		return p, grimbots.Invalid("validation failed", fields...)
	}
	return p, nil
}

// createCampaign saves a draft, or (intent=preview) counts its audience.
func (h *Handler) createCampaign(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	v := h.newView(w, r, p, "campaigns.new", "campaigns")
	for k, vs := range r.PostForm {
		if k != "bot_ids" && len(vs) > 0 {
			v.Form.Set(k, vs[0])
		}
	}
	params, err := campaignParams(r)
	if err == nil && r.PostForm.Get("intent") == "preview" {
		n, cooled, perr := h.campaigns.Preview(r.Context(), p.User.ID, params.BotIDs, params.Segment, params.CooldownHours)
		if perr == nil {
			v.Data = &campaignFormData{Previewed: true, Audience: n, Cooldown: cooled}
			return h.campaignForm(w, r, p, v, http.StatusOK, params.BotIDs)
		}
		err = perr
	}
	if err == nil {
		var c *grimbots.Campaign
		if c, err = h.campaigns.Create(r.Context(), actor(r, p), params); err == nil {
			return h.redirect(w, r, "/campaigns/"+itoa(c.ID), "flash.campaign_created")
		}
	}
	status, ok := formFailure(v, err)
	if !ok {
		return err
	}
	return h.campaignForm(w, r, p, v, status, params.BotIDs)
}

type campaignData struct {
	Campaign *grimbots.Campaign
	Progress *grimbots.CampaignProgress
	Message  remarketing.Message
	Bots     []*grimbots.Bot
	// Running is true while the numbers change (the page follows them).
	Running bool
}

func (h *Handler) showCampaign(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, prog, err := h.campaigns.Campaign(r.Context(), p.User.ID, id)
	if err != nil {
		return err
	}
	d := &campaignData{Campaign: c, Progress: prog,
		Running: c.Status == grimbots.CampaignSending || c.Status == grimbots.CampaignScheduled}
	if d.Message, err = remarketing.DecodeMessage(c.Message); err != nil {
		return err
	}
	bots, err := h.bots.Bots(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	for _, b := range bots {
		if slices.Contains(c.BotIDs, b.ID) {
			d.Bots = append(d.Bots, b)
		}
	}
	v := h.newView(w, r, p, "campaigns.title", "campaigns")
	v.Data = d
	return h.render(w, r, http.StatusOK, "campaign", v)
}

// campaignAction starts, pauses, resumes, cancels or deletes a campaign.
func (h *Handler) campaignAction(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx, a := r.Context(), actor(r, p)
	back, flash := "/campaigns/"+itoa(id), "flash.saved"
	switch r.PathValue("action") {
	case "start":
		_, err = h.campaigns.Start(ctx, a, id, nil)
		flash = "flash.campaign_started"
	case "pause":
		_, err = h.campaigns.Pause(ctx, a, id)
	case "resume":
		_, err = h.campaigns.Resume(ctx, a, id)
	case "cancel":
		_, err = h.campaigns.Cancel(ctx, a, id)
	case "delete":
		err = h.campaigns.Delete(ctx, a, id)
		back, flash = "/campaigns", "flash.campaign_deleted"
	default:
		return grimbots.Errorf(grimbots.ENOTFOUND, "no such action")
	}
	if err != nil {
		return err
	}
	return h.redirect(w, r, back, flash)
}
