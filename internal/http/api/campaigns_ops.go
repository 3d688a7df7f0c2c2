package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/remarketing"
)

// CampaignSegment selects the leads a campaign reaches.
type CampaignSegment struct {
	Kind         string `json:"kind" enum:"all,buyers,non_buyers,unpaid_pix,bought_offer,inactive" doc:"all: every lead; buyers: at least one paid payment; non_buyers: none; unpaid_pix: a pending or expired PIX and no paid one; bought_offer: a paid purchase of the offer below; inactive: no interaction for inactive_days days. Leads who blocked the bot are never included."`
	Offer        string `json:"offer,omitempty" maxLength:"16" doc:"bought_offer: the funnel offer id."`
	InactiveDays int    `json:"inactive_days,omitempty" minimum:"0" maximum:"3650" doc:"Only leads whose last interaction is at least this many days old (required by inactive, optional with the others)."`
}

// CampaignMedia is a file Telegram downloads (the text becomes its caption).
type CampaignMedia struct {
	Kind string `json:"kind" enum:"photo,video,animation,document,audio"`
	URL  string `json:"url" maxLength:"2048" example:"https://cdn.example.com/promo.jpg"`
}

// CampaignButton is a link or an offer button.
type CampaignButton struct {
	Text  string `json:"text,omitempty" maxLength:"64" doc:"The label; optional for an offer button (the offer's own label)."`
	URL   string `json:"url,omitempty" maxLength:"2048" doc:"A link button: https:// or tg://."`
	Offer string `json:"offer,omitempty" maxLength:"16" doc:"An offer button: the id of a funnel offer that every bot of the campaign has. It buys the offer (bumps, then the PIX) and the sale counts for the campaign."`
}

// CampaignMessage is what a campaign sends.
type CampaignMessage struct {
	Text    string           `json:"text" maxLength:"4096" doc:"Telegram HTML; {nome} is the lead's first name. At most 1024 characters (optional) with media."`
	Media   *CampaignMedia   `json:"media,omitempty"`
	Buttons []CampaignButton `json:"buttons,omitempty" maxItems:"8" doc:"One per row."`
}

// CampaignBody defines a campaign.
type CampaignBody struct {
	Name          string          `json:"name" minLength:"1" maxLength:"100"`
	BotIDs        []int64         `json:"bot_ids" minItems:"1" maxItems:"500" doc:"The bots that send, each to its own leads."`
	Segment       CampaignSegment `json:"segment"`
	Message       CampaignMessage `json:"message"`
	CooldownHours *int            `json:"cooldown_hours,omitempty" minimum:"0" maximum:"720" doc:"Skip leads another campaign messaged less than this many hours ago. Default 24; 0 turns it off."`
}

func (b CampaignBody) params() remarketing.Params {
	m := remarketing.Message{Text: b.Message.Text}
	if b.Message.Media != nil {
		m.Media = &funnel.Media{Kind: b.Message.Media.Kind, URL: b.Message.Media.URL}
	}
	for _, btn := range b.Message.Buttons {
		m.Buttons = append(m.Buttons, remarketing.Button(btn))
	}
	return remarketing.Params{Name: b.Name, BotIDs: b.BotIDs, Segment: grimbots.Segment(b.Segment), Message: m,
		CooldownHours: b.CooldownHours}
}

// CampaignProgress counts a campaign's recipients.
type CampaignProgress struct {
	Total         int64 `json:"total" doc:"Leads in the audience so far."`
	Queued        int64 `json:"queued"`
	Sending       int64 `json:"sending" doc:"Being handed to Telegram right now."`
	Sent          int64 `json:"sent"`
	Failed        int64 `json:"failed"`
	Uncertain     int64 `json:"uncertain" doc:"Failed ones interrupted while handed to Telegram: they may have arrived and are not sent again."`
	Blocked       int64 `json:"blocked" doc:"The lead blocked the bot (it is left out of later campaigns)."`
	Skipped       int64 `json:"skipped" doc:"Not sent: cooldown, blocked before its turn, or cancelled."`
	Cooldown      int64 `json:"cooldown" doc:"Skipped ones another campaign had messaged within the cooldown."`
	AudienceReady bool  `json:"audience_ready" doc:"False while the audience is still being built."`
}

// CampaignResults are what a campaign's offer buttons brought.
type CampaignResults struct {
	Clicks       int64 `json:"clicks" doc:"Presses of its offer buttons."`
	Clickers     int64 `json:"clickers" doc:"Leads who pressed at least once."`
	Sales        int64 `json:"sales" doc:"Paid payments started from its offer buttons."`
	RevenueCents int64 `json:"revenue_cents"`
}

// Campaign is a remarketing campaign.
type Campaign struct {
	ID            int64           `json:"id"`
	Name          string          `json:"name"`
	Status        string          `json:"status" enum:"draft,scheduled,sending,paused,done,cancelled"`
	BotIDs        []int64         `json:"bot_ids"`
	Segment       CampaignSegment `json:"segment"`
	Message       CampaignMessage `json:"message"`
	CooldownHours int             `json:"cooldown_hours"`
	ScheduledAt   *time.Time      `json:"scheduled_at,omitempty"`
	StartedAt     *time.Time      `json:"started_at,omitempty"`
	FinishedAt    *time.Time      `json:"finished_at,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	// Progress and Results are in single-campaign answers.
	Progress *CampaignProgress `json:"progress,omitempty"`
	Results  *CampaignResults  `json:"results,omitempty"`
}

func campaignView(c *grimbots.Campaign, p *grimbots.CampaignProgress) (Campaign, error) {
	m, err := remarketing.DecodeMessage(c.Message)
	if err != nil {
		return Campaign{}, err
	}
	v := Campaign{ID: c.ID, Name: c.Name, Status: c.Status, BotIDs: c.BotIDs, Segment: CampaignSegment(c.Segment),
		Message: CampaignMessage{Text: m.Text}, CooldownHours: c.CooldownHours, ScheduledAt: c.ScheduledAt,
		StartedAt: c.StartedAt, FinishedAt: c.FinishedAt, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if m.Media != nil {
		v.Message.Media = &CampaignMedia{Kind: m.Media.Kind, URL: m.Media.URL}
	}
	for _, b := range m.Buttons {
		v.Message.Buttons = append(v.Message.Buttons, CampaignButton(b))
	}
	if p != nil {
		v.Progress = &CampaignProgress{Total: p.Total, Queued: p.Queued, Sending: p.Sending, Sent: p.Sent, Failed: p.Failed,
			Uncertain: p.Uncertain, Blocked: p.Blocked, Skipped: p.Skipped, Cooldown: p.Cooldown, AudienceReady: p.AudienceReady}
		v.Results = &CampaignResults{Clicks: p.Clicks, Clickers: p.Clickers, Sales: p.Sales, RevenueCents: p.RevenueCents}
	}
	return v, nil
}

// CampaignOutput wraps one campaign.
type CampaignOutput struct {
	Body struct {
		Campaign Campaign `json:"campaign"`
	}
}

func (a *API) oneCampaign(ctx context.Context, c *grimbots.Campaign, err error) (*CampaignOutput, error) {
	if err != nil {
		return nil, err
	}
	c, p, err := a.remarketing.Campaign(ctx, c.SellerID, c.ID)
	if err != nil {
		return nil, err
	}
	out := &CampaignOutput{}
	out.Body.Campaign, err = campaignView(c, p)
	return out, err
}

// CampaignsInput filters the seller's campaigns.
type CampaignsInput struct {
	Status string `query:"status" enum:"draft,scheduled,sending,paused,done,cancelled" doc:"Only campaigns in this status."`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	Offset int    `query:"offset" minimum:"0" default:"0"`
}

// CampaignsOutput is a page of campaigns.
type CampaignsOutput struct {
	Body struct {
		Campaigns []Campaign `json:"campaigns"`
		Total     int        `json:"total"`
	}
}

// CampaignInput carries a campaign's definition.
type CampaignInput struct {
	Body CampaignBody
}

// UpdateCampaignInput replaces a campaign's definition.
type UpdateCampaignInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body CampaignBody
}

// StartCampaignInput starts a campaign now or at a time.
type StartCampaignInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body *struct {
		ScheduledAt *time.Time `json:"scheduled_at,omitempty" doc:"When to start; absent or past: now."`
	}
}

// PreviewInput describes an audience to count.
type PreviewInput struct {
	BotIDs        []int64 `query:"bot_ids" required:"true" minItems:"1" maxItems:"500" doc:"Comma-separated bot ids."`
	Segment       string  `query:"segment" required:"true" enum:"all,buyers,non_buyers,unpaid_pix,bought_offer,inactive"`
	Offer         string  `query:"offer" maxLength:"16"`
	InactiveDays  int     `query:"inactive_days" minimum:"0" maximum:"3650"`
	CooldownHours int     `query:"cooldown_hours" minimum:"0" maximum:"720" default:"24"`
}

// PreviewOutput is an audience's size.
type PreviewOutput struct {
	Body struct {
		Leads    int64 `json:"leads" doc:"Leads in the segment now (blocked ones excluded)."`
		Cooldown int64 `json:"cooldown" doc:"Of these, leads another campaign messaged within the cooldown: they would be skipped if sent now."`
	}
}

func (a *API) registerCampaigns() {
	tags := []string{"Campaigns"}
	notFound := []int{http.StatusNotFound}
	conflict := []int{http.StatusNotFound, http.StatusConflict}
	register(a, huma.Operation{OperationID: "list-campaigns", Method: http.MethodGet, Path: "/api/v1/campaigns",
		Summary: "The seller's remarketing campaigns", Tags: tags, Description: "Newest first, without progress (get one for it)."}, authAny,
		func(ctx context.Context, in *CampaignsInput) (*CampaignsOutput, error) {
			list, total, err := a.remarketing.Campaigns(ctx, principal(ctx).User.ID,
				grimbots.CampaignFilter{Status: in.Status, Limit: in.Limit, Offset: in.Offset})
			if err != nil {
				return nil, err
			}
			out := &CampaignsOutput{}
			out.Body.Total = total
			out.Body.Campaigns = make([]Campaign, len(list))
			for i, c := range list {
				if out.Body.Campaigns[i], err = campaignView(c, nil); err != nil {
					return nil, err
				}
			}
			return out, nil
		})
	register(a, huma.Operation{OperationID: "create-campaign", Method: http.MethodPost, Path: "/api/v1/campaigns",
		Summary: "Create a remarketing campaign (draft)", Tags: tags, DefaultStatus: http.StatusCreated, Errors: notFound,
		Description: "Checks the message like a funnel text (Telegram HTML and limits) and that every bot's funnel has the " +
			"offers of its offer buttons. Nothing is sent until it is started."}, authAny,
		func(ctx context.Context, in *CampaignInput) (*CampaignOutput, error) {
			c, err := a.remarketing.Create(ctx, a.actor(ctx), in.Body.params())
			return a.oneCampaign(ctx, c, err)
		})
	register(a, huma.Operation{OperationID: "preview-campaign-audience", Method: http.MethodGet, Path: "/api/v1/campaigns/preview",
		Summary: "Count the leads a campaign would reach", Tags: tags, Errors: notFound}, authAny,
		func(ctx context.Context, in *PreviewInput) (*PreviewOutput, error) {
			leads, cooling, err := a.remarketing.Preview(ctx, principal(ctx).User.ID, in.BotIDs,
				grimbots.Segment{Kind: in.Segment, Offer: in.Offer, InactiveDays: in.InactiveDays}, &in.CooldownHours)
			if err != nil {
				return nil, err
			}
			out := &PreviewOutput{}
			out.Body.Leads, out.Body.Cooldown = leads, cooling
			return out, nil
		})
	register(a, huma.Operation{OperationID: "get-campaign", Method: http.MethodGet, Path: "/api/v1/campaigns/{id}",
		Summary: "One campaign, with its live progress and results", Tags: tags, Errors: notFound}, authAny,
		func(ctx context.Context, in *IDPath) (*CampaignOutput, error) {
			return a.oneCampaign(ctx, &grimbots.Campaign{ID: in.ID, SellerID: principal(ctx).User.ID}, nil)
		})
	register(a, huma.Operation{OperationID: "update-campaign", Method: http.MethodPut, Path: "/api/v1/campaigns/{id}",
		Summary: "Replace a campaign's definition", Tags: tags, Errors: conflict,
		Description: "Allowed while draft, scheduled or paused; a paused campaign keeps its bots and segment (409 otherwise)."}, authAny,
		func(ctx context.Context, in *UpdateCampaignInput) (*CampaignOutput, error) {
			c, err := a.remarketing.Update(ctx, a.actor(ctx), in.ID, in.Body.params())
			return a.oneCampaign(ctx, c, err)
		})
	register(a, huma.Operation{OperationID: "delete-campaign", Method: http.MethodDelete, Path: "/api/v1/campaigns/{id}",
		Summary: "Remove a campaign", Tags: tags, DefaultStatus: http.StatusNoContent, Errors: notFound,
		Description: "Cancels it first if it is scheduled, sending or paused. Sales from its buttons still count as its own."}, authAny,
		func(ctx context.Context, in *IDPath) (*struct{}, error) {
			return nil, a.remarketing.Delete(ctx, a.actor(ctx), in.ID)
		})
	register(a, huma.Operation{OperationID: "start-campaign", Method: http.MethodPost, Path: "/api/v1/campaigns/{id}/start",
		Summary: "Start a campaign, now or at a scheduled time", Tags: tags, Errors: conflict,
		Description: "For a draft, or a scheduled campaign to reschedule. Every bot sends to its leads at up to Telegram's " +
			"30 messages per second; each lead gets the message once."}, authAny,
		func(ctx context.Context, in *StartCampaignInput) (*CampaignOutput, error) {
			var at *time.Time
			if in.Body != nil {
				at = in.Body.ScheduledAt
			}
			c, err := a.remarketing.Start(ctx, a.actor(ctx), in.ID, at)
			return a.oneCampaign(ctx, c, err)
		})
	for _, op := range []struct {
		id, verb, summary string
		do                func(context.Context, remarketing.Actor, int64) (*grimbots.Campaign, error)
	}{
		{"pause-campaign", "pause", "Pause a sending campaign (between batches)", a.remarketing.Pause},
		{"resume-campaign", "resume", "Resume a paused campaign", a.remarketing.Resume},
		{"cancel-campaign", "cancel", "Cancel a campaign: recipients not sent yet are skipped", a.remarketing.Cancel},
	} {
		register(a, huma.Operation{OperationID: op.id, Method: http.MethodPost, Path: "/api/v1/campaigns/{id}/" + op.verb,
			Summary: op.summary, Tags: tags, Errors: conflict}, authAny,
			func(ctx context.Context, in *IDPath) (*CampaignOutput, error) {
				c, err := op.do(ctx, a.actor(ctx), in.ID)
				return a.oneCampaign(ctx, c, err)
			})
	}
}
