package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// Bot is a seller's Telegram bot. Its token, webhook secret and webhook URL
// never leave the server.
type Bot struct {
	ID            int64  `json:"id"`
	TelegramBotID int64  `json:"telegram_bot_id" doc:"The bot's id at Telegram (the token's prefix)."`
	Username      string `json:"username" example:"loja_bot"`
	Name          string `json:"name" doc:"Display name on the platform."`
	Running       bool   `json:"running" doc:"The bot answers buyers (see the start and stop operations)."`
	Status        string `json:"status" enum:"online,offline,revoked,stopped,unknown" doc:"stopped: not running; online: Telegram accepts the bot; offline: Telegram could not be reached lately; revoked: Telegram refuses the token (replace it); unknown: not checked yet."`
	Link          string `json:"link" format:"uri" example:"https://t.me/loja_bot"`
	ConfigVersion int    `json:"config_version" doc:"The funnel configuration version in force."`
	// HealthCheckedAt is when Telegram last answered a health check.
	HealthCheckedAt *time.Time `json:"health_checked_at,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

func botView(b *grimbots.Bot) Bot {
	status := b.Health
	switch {
	case status == grimbots.BotRevoked:
	case !b.Running:
		status = "stopped"
	case status == "":
		status = grimbots.BotUnknown
	}
	return Bot{ID: b.ID, TelegramBotID: b.TelegramBotID, Username: b.Username, Name: b.Name, Running: b.Running,
		Status: status, Link: "https://t.me/" + b.Username, ConfigVersion: b.ConfigVersion,
		HealthCheckedAt: b.HealthCheckedAt, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
}

// BotsOutput lists bots.
type BotsOutput struct {
	Body struct {
		Bots []Bot  `json:"bots"`
		Mode string `json:"mode" enum:"webhook,polling" doc:"How the platform receives the bots' updates."`
	}
}

// BotBody wraps one bot.
type BotBody struct {
	Body struct {
		Bot Bot `json:"bot"`
	}
}

func oneBot(b *grimbots.Bot, err error) (*BotBody, error) {
	if err != nil {
		return nil, err
	}
	out := &BotBody{}
	out.Body.Bot = botView(b)
	return out, nil
}

// BotTokenBody carries a bot token. The pattern admits the spaces a paste
// may bring; they are trimmed.
type BotTokenBody struct {
	Token string `json:"token" minLength:"1" maxLength:"128" pattern:"^\\s*[0-9]{1,20}:[A-Za-z0-9_-]{20,100}\\s*$" patternDescription:"a Telegram bot token from @BotFather (123456789:AA…)" example:"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" doc:"The token @BotFather gave. Checked with Telegram, stored encrypted, never shown again."`
}

// AddBotInput registers a bot.
type AddBotInput struct {
	Body struct {
		BotTokenBody
		Name string `json:"name,omitempty" maxLength:"64" doc:"Display name; absent: the bot's name at Telegram."`
	}
}

// DuplicateBotInput registers a copy of a bot under another token.
type DuplicateBotInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		BotTokenBody
		Name string `json:"name,omitempty" maxLength:"64" doc:"Display name; absent: the new bot's name at Telegram."`
	}
}

// RenameBotInput renames a bot.
type RenameBotInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"64"`
	}
}

// ReplaceTokenInput gives a bot a new token.
type ReplaceTokenInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body BotTokenBody
}

// FunnelDocument is a funnel configuration document (the JSON object that
// export returns). It is kept as raw JSON and read by funnel.Import, which
// is strict and names every problem by its path in the document.
type FunnelDocument json.RawMessage

// MarshalJSON returns the document as is.
func (d FunnelDocument) MarshalJSON() ([]byte, error) {
	if len(d) == 0 {
		return []byte("null"), nil
	}
	return d, nil
}

// UnmarshalJSON keeps the document as is.
func (d *FunnelDocument) UnmarshalJSON(b []byte) error {
	*d = append((*d)[:0], b...)
	return nil
}

// Schema describes the document without repeating its format here: the
// funnel package validates it.
func (*FunnelDocument) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeObject, Description: "The funnel configuration document: `schema`, `welcome`, " +
		"`offers` (with `bumps` and `delivery`), `url_buttons`, `downsells`, `upsells` and `texts`, as returned by the " +
		"export operation. Unknown fields and wrong types are refused; every problem is reported at its path " +
		"(`body.config.offers[0].price_cents` when saved, `body.offers[0].price_cents` when imported). Prices are in centavos."}
}

// ConfigInput names a configuration version.
type ConfigInput struct {
	ID      int64 `path:"id" minimum:"1"`
	Version int   `query:"version" minimum:"0" doc:"An older version; 0 or absent: the one in force."`
}

// ConfigOutput is one configuration version.
type ConfigOutput struct {
	Body struct {
		Version   int            `json:"version"`
		CreatedAt time.Time      `json:"created_at"`
		CreatedBy *int64         `json:"created_by,omitempty" doc:"The user who saved it."`
		Config    FunnelDocument `json:"config"`
	}
}

// SaveConfigInput saves a new configuration version.
type SaveConfigInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		BaseVersion int            `json:"base_version,omitempty" minimum:"0" doc:"The version the edit started from: a save over a newer version is refused (409) instead of overwriting it. 0 or absent skips the check."`
		Config      FunnelDocument `json:"config"`
	}
}

// ImportConfigInput is an exported document.
type ImportConfigInput struct {
	ID      int64  `path:"id" minimum:"1"`
	RawBody []byte `contentType:"application/json" doc:"A document as the export operation returns it."`
}

// VersionOutput names the version saved.
type VersionOutput struct {
	Body struct {
		Version int `json:"version" doc:"The new version, now in force."`
	}
}

func versionOutput(v int) *VersionOutput {
	out := &VersionOutput{}
	out.Body.Version = v
	return out
}

// ConfigVersion is one saved configuration, without its document.
type ConfigVersion struct {
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy *int64    `json:"created_by,omitempty"`
}

// ConfigVersionsOutput lists configuration versions.
type ConfigVersionsOutput struct {
	Body struct {
		Versions []ConfigVersion `json:"versions"`
	}
}

// ExportConfigOutput is a document to download.
type ExportConfigOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// Lead is a buyer who talked to a bot.
type Lead struct {
	ID                int64     `json:"id"`
	TelegramUserID    int64     `json:"telegram_user_id"`
	FirstName         string    `json:"first_name"`
	LastName          string    `json:"last_name,omitempty"`
	Username          string    `json:"username,omitempty"`
	Origin            string    `json:"origin,omitempty" doc:"The payload of the first /start that carried one (the campaign link)."`
	Blocked           bool      `json:"blocked" doc:"The buyer blocked the bot."`
	FirstSeenAt       time.Time `json:"first_seen_at"`
	LastInteractionAt time.Time `json:"last_interaction_at"`
	Purchases         int       `json:"purchases" doc:"Paid payments."`
}

func leadView(l *grimbots.Lead) Lead {
	return Lead{ID: l.ID, TelegramUserID: l.TelegramUserID, FirstName: l.FirstName, LastName: l.LastName,
		Username: l.Username, Origin: l.Origin, Blocked: l.BlockedAt != nil, FirstSeenAt: l.FirstSeenAt,
		LastInteractionAt: l.LastInteractionAt, Purchases: l.Purchases}
}

// LeadsOutput is a page of leads.
type LeadsOutput struct {
	Body struct {
		Leads []Lead `json:"leads"`
		Total int    `json:"total"`
	}
}

// LeadsInput filters a bot's leads.
type LeadsInput struct {
	ID     int64  `path:"id" minimum:"1"`
	Search string `query:"search" maxLength:"100" doc:"Part of the name, username or origin; or the Telegram user id."`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	Offset int    `query:"offset" minimum:"0" default:"0"`
}

// DeliveryOutput is a paid payment's access delivery.
type DeliveryOutput struct {
	Body struct {
		PaymentID int64      `json:"payment_id"`
		BotID     int64      `json:"bot_id"`
		LeadID    int64      `json:"lead_id"`
		Status    string     `json:"status" enum:"pending,sent,failed,revoked" doc:"failed: given up (the buyer blocked the bot, the token was revoked); it can be resent. revoked: the payment was refunded or charged back."`
		Attempts  int        `json:"attempts"`
		LastError string     `json:"last_error,omitempty" doc:"Why the last attempt failed (pt-BR)."`
		SentAt    *time.Time `json:"sent_at,omitempty"`
		UpdatedAt time.Time  `json:"updated_at"`
	}
}

// documentAt moves the field errors of a funnel document, whose paths are
// relative to the document ("offers[0].price_cents", or "body" for the
// whole), under prefix: where the document sits in the request.
func documentAt(err error, prefix string) error {
	var e *grimbots.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = make([]grimbots.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		if f.Field == "body" || f.Field == "" {
			f.Field = prefix
		} else {
			f.Field = prefix + "." + f.Field
		}
		c.Fields[i] = f
	}
	return &c
}

// bodyBytes bounds requests that carry a funnel document.
const bodyBytes = funnel.MaxDocumentBytes + 16<<10

func (a *API) registerBots() {
	tags := []string{"Bots"}
	notFound := []int{http.StatusNotFound}
	register(a, huma.Operation{OperationID: "list-bots", Method: http.MethodGet, Path: "/api/v1/bots",
		Summary: "The seller's bots", Tags: tags}, authAny,
		func(ctx context.Context, _ *struct{}) (*BotsOutput, error) {
			list, err := a.bots.Bots(ctx, principal(ctx).User.ID)
			if err != nil {
				return nil, err
			}
			out := &BotsOutput{}
			out.Body.Mode = a.bots.Mode()
			out.Body.Bots = make([]Bot, len(list))
			for i, b := range list {
				out.Body.Bots[i] = botView(b)
			}
			return out, nil
		})
	register(a, huma.Operation{OperationID: "add-bot", Method: http.MethodPost, Path: "/api/v1/bots",
		Summary: "Add a bot by its token", Tags: tags, DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusConflict, http.StatusServiceUnavailable},
		Description: "Checks the token with Telegram (getMe), stores it encrypted and gives the bot a starter funnel " +
			"(version 1). A token already registered on the platform is refused. The bot starts answering once its " +
			"funnel is ready and it is started."}, authAny,
		func(ctx context.Context, in *AddBotInput) (*BotBody, error) {
			return oneBot(a.bots.AddBot(ctx, a.actor(ctx), in.Body.Token, in.Body.Name))
		})
	register(a, huma.Operation{OperationID: "get-bot", Method: http.MethodGet, Path: "/api/v1/bots/{id}",
		Summary: "One bot", Tags: tags, Errors: notFound}, authAny,
		func(ctx context.Context, in *IDPath) (*BotBody, error) {
			return oneBot(a.bots.Bot(ctx, principal(ctx).User.ID, in.ID))
		})
	register(a, huma.Operation{OperationID: "rename-bot", Method: http.MethodPatch, Path: "/api/v1/bots/{id}",
		Summary: "Rename a bot", Tags: tags, Errors: notFound}, authAny,
		func(ctx context.Context, in *RenameBotInput) (*BotBody, error) {
			return oneBot(a.bots.Rename(ctx, a.actor(ctx), in.ID, in.Body.Name))
		})
	register(a, huma.Operation{OperationID: "delete-bot", Method: http.MethodDelete, Path: "/api/v1/bots/{id}",
		Summary: "Remove a bot", Tags: tags, DefaultStatus: http.StatusNoContent, Errors: notFound,
		Description: "Stops it; its leads and payments are kept, and its token may be added again."}, authAny,
		func(ctx context.Context, in *IDPath) (*struct{}, error) {
			return nil, a.bots.Delete(ctx, a.actor(ctx), in.ID)
		})
	register(a, huma.Operation{OperationID: "duplicate-bot", Method: http.MethodPost, Path: "/api/v1/bots/{id}/duplicate",
		Summary: "Add another bot with a copy of this bot's funnel", Tags: tags, DefaultStatus: http.StatusCreated,
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusServiceUnavailable},
		Description: "The new bot (another token) gets the funnel in force as its version 1; leads and history are not copied."}, authAny,
		func(ctx context.Context, in *DuplicateBotInput) (*BotBody, error) {
			return oneBot(a.bots.Duplicate(ctx, a.actor(ctx), in.ID, in.Body.Token, in.Body.Name))
		})
	register(a, huma.Operation{OperationID: "replace-bot-token", Method: http.MethodPut, Path: "/api/v1/bots/{id}/token",
		Summary: "Give a bot a new token", Tags: tags,
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusServiceUnavailable},
		Description: "For a token revoked at @BotFather, or to move the funnel to another Telegram bot: the funnel, leads and history stay."}, authAny,
		func(ctx context.Context, in *ReplaceTokenInput) (*BotBody, error) {
			return oneBot(a.bots.ReplaceToken(ctx, a.actor(ctx), in.ID, in.Body.Token))
		})
	register(a, huma.Operation{OperationID: "start-bot", Method: http.MethodPost, Path: "/api/v1/bots/{id}/start",
		Summary: "Make a bot answer buyers", Tags: tags,
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusServiceUnavailable},
		Description: "Refused (409) while the funnel still has the starter's example access link, or when Telegram refuses the token."}, authAny,
		func(ctx context.Context, in *IDPath) (*BotBody, error) {
			return oneBot(a.bots.Start(ctx, a.actor(ctx), in.ID))
		})
	register(a, huma.Operation{OperationID: "stop-bot", Method: http.MethodPost, Path: "/api/v1/bots/{id}/stop",
		Summary: "Make a bot stop answering", Tags: tags, Errors: notFound,
		Description: "Payments already made are still confirmed and delivered."}, authAny,
		func(ctx context.Context, in *IDPath) (*BotBody, error) {
			return oneBot(a.bots.Stop(ctx, a.actor(ctx), in.ID))
		})

	a.registerBotConfig(tags)

	register(a, huma.Operation{OperationID: "list-bot-leads", Method: http.MethodGet, Path: "/api/v1/bots/{id}/leads",
		Summary: "A bot's leads", Tags: tags, Errors: notFound,
		Description: "Buyers who talked to the bot, most recent interaction first."}, authAny,
		func(ctx context.Context, in *LeadsInput) (*LeadsOutput, error) {
			list, total, err := a.bots.Leads(ctx, principal(ctx).User.ID, in.ID,
				grimbots.LeadFilter{Search: in.Search, Limit: in.Limit, Offset: in.Offset})
			if err != nil {
				return nil, err
			}
			out := &LeadsOutput{}
			out.Body.Total = total
			out.Body.Leads = make([]Lead, len(list))
			for i, l := range list {
				out.Body.Leads[i] = leadView(l)
			}
			return out, nil
		})

	ptags := []string{"Payments"}
	register(a, huma.Operation{OperationID: "get-payment-delivery", Method: http.MethodGet, Path: "/api/v1/payments/{id}/delivery",
		Summary: "A bot sale's access delivery", Tags: ptags, Errors: notFound,
		Description: "404 for a payment without delivery (not sold through a bot, or not paid yet)."}, authAny,
		func(ctx context.Context, in *IDPath) (*DeliveryOutput, error) {
			seller := principal(ctx).User.ID
			if _, err := a.payments.Payment(ctx, seller, in.ID); err != nil {
				return nil, err
			}
			d, err := a.bots.Delivery(ctx, seller, in.ID)
			if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
				return nil, grimbots.Errorf(grimbots.ENOTFOUND, "this payment has no delivery: it was not sold through a bot, or is not paid yet")
			} else if err != nil {
				return nil, err
			}
			out := &DeliveryOutput{}
			out.Body.PaymentID, out.Body.BotID, out.Body.LeadID = d.PaymentID, d.BotID, d.LeadID
			out.Body.Status, out.Body.Attempts, out.Body.LastError = d.Status, d.Attempts, d.LastError
			out.Body.SentAt, out.Body.UpdatedAt = d.SentAt, d.UpdatedAt
			return out, nil
		})
	register(a, huma.Operation{OperationID: "resend-payment-delivery", Method: http.MethodPost, Path: "/api/v1/payments/{id}/delivery/resend",
		Summary: "Send a bot sale's access again", Tags: ptags, DefaultStatus: http.StatusAccepted,
		Errors:      []int{http.StatusNotFound, http.StatusConflict},
		Description: "Queues the delivery of a paid bot payment to its buyer again (a failed delivery, or a buyer who lost the link)."}, authAny,
		func(ctx context.Context, in *IDPath) (*struct{}, error) {
			return nil, a.bots.ResendDelivery(ctx, a.actor(ctx), in.ID)
		})
}

func (a *API) registerBotConfig(tags []string) {
	notFound := []int{http.StatusNotFound}
	register(a, huma.Operation{OperationID: "get-bot-config", Method: http.MethodGet, Path: "/api/v1/bots/{id}/config",
		Summary: "A bot's funnel configuration", Tags: tags, Errors: notFound}, authAny,
		func(ctx context.Context, in *ConfigInput) (*ConfigOutput, error) {
			cfg, row, err := a.bots.Config(ctx, principal(ctx).User.ID, in.ID, in.Version)
			if err != nil {
				return nil, err
			}
			doc, err := funnel.Export(cfg)
			if err != nil {
				return nil, err
			}
			out := &ConfigOutput{}
			out.Body.Version, out.Body.CreatedAt, out.Body.CreatedBy = row.Version, row.CreatedAt, row.CreatedBy
			out.Body.Config = FunnelDocument(bytes.TrimSpace(doc))
			return out, nil
		})
	register(a, huma.Operation{OperationID: "save-bot-config", Method: http.MethodPut, Path: "/api/v1/bots/{id}/config",
		Summary: "Save a new version of a bot's funnel", Tags: tags, MaxBodyBytes: bodyBytes,
		Errors:      []int{http.StatusNotFound, http.StatusConflict},
		Description: "Validates the whole document (every problem is reported at its path) and puts it in force as the next version."}, authAny,
		func(ctx context.Context, in *SaveConfigInput) (*VersionOutput, error) {
			actor := a.actor(ctx)
			if _, err := a.bots.Bot(ctx, actor.UserID, in.ID); err != nil {
				return nil, err
			}
			cfg, err := funnel.Import(bytes.NewReader(in.Body.Config))
			if err != nil {
				return nil, documentAt(err, "body.config")
			}
			v, err := a.bots.SaveConfig(ctx, actor, in.ID, in.Body.BaseVersion, cfg)
			if err != nil {
				return nil, documentAt(err, "body.config")
			}
			return versionOutput(v), nil
		})
	register(a, huma.Operation{OperationID: "list-bot-config-versions", Method: http.MethodGet, Path: "/api/v1/bots/{id}/config/versions",
		Summary: "A bot's saved funnel versions", Tags: tags, Errors: notFound,
		Description: "Newest first; the first is the one in force. Get an older one with `GET /api/v1/bots/{id}/config?version=N`."}, authAny,
		func(ctx context.Context, in *IDPath) (*ConfigVersionsOutput, error) {
			list, err := a.bots.ConfigVersions(ctx, principal(ctx).User.ID, in.ID)
			if err != nil {
				return nil, err
			}
			out := &ConfigVersionsOutput{}
			out.Body.Versions = make([]ConfigVersion, len(list))
			for i, c := range list {
				out.Body.Versions[i] = ConfigVersion{Version: c.Version, CreatedAt: c.CreatedAt, CreatedBy: c.CreatedBy}
			}
			return out, nil
		})
	register(a, huma.Operation{OperationID: "export-bot-config", Method: http.MethodGet, Path: "/api/v1/bots/{id}/config/export",
		Summary: "Download a bot's funnel as a JSON file", Tags: tags, Errors: notFound,
		Description: "The document the import operation reads, readable and editable.",
		Responses: map[string]*huma.Response{"200": {Description: "The funnel document, as an attachment.",
			Content: map[string]*huma.MediaType{"application/json": {Schema: (*FunnelDocument)(nil).Schema(nil)}}}}}, authAny,
		func(ctx context.Context, in *ConfigInput) (*ExportConfigOutput, error) {
			seller := principal(ctx).User.ID
			b, err := a.bots.Bot(ctx, seller, in.ID)
			if err != nil {
				return nil, err
			}
			cfg, row, err := a.bots.Config(ctx, seller, in.ID, in.Version)
			if err != nil {
				return nil, err
			}
			doc, err := funnel.Export(cfg)
			if err != nil {
				return nil, err
			}
			// Telegram usernames are [A-Za-z0-9_]: safe in the header.
			return &ExportConfigOutput{ContentType: "application/json; charset=utf-8", Body: doc,
				ContentDisposition: fmt.Sprintf(`attachment; filename="%s-funil-v%d.json"`, b.Username, row.Version)}, nil
		})
	register(a, huma.Operation{OperationID: "import-bot-config", Method: http.MethodPost, Path: "/api/v1/bots/{id}/config/import",
		Summary: "Save an exported funnel document as a bot's next version", Tags: tags, MaxBodyBytes: bodyBytes,
		Errors: notFound, SkipValidateBody: true, // funnel.Import reads it, strictly
		Description: "The body is the document itself (for example, another bot's export). It is read strictly: problems are reported at their path under `body`."}, authAny,
		func(ctx context.Context, in *ImportConfigInput) (*VersionOutput, error) {
			actor := a.actor(ctx)
			if _, err := a.bots.Bot(ctx, actor.UserID, in.ID); err != nil {
				return nil, err
			}
			v, err := a.bots.ImportConfig(ctx, actor, in.ID, bytes.NewReader(in.RawBody))
			if err != nil {
				return nil, documentAt(err, "body")
			}
			return versionOutput(v), nil
		})
	// huma documents a raw body as a binary string; it is the document.
	if item := a.huma.OpenAPI().Paths["/api/v1/bots/{id}/config/import"]; item != nil && item.Post != nil && item.Post.RequestBody != nil {
		item.Post.RequestBody.Content["application/json"] = &huma.MediaType{Schema: (*FunnelDocument)(nil).Schema(nil)}
	}
}
