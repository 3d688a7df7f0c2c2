package bots

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
	"github.com/grimbots/grimbots/internal/telegram"
)

// Actor is who changes a bot, for the audit log.
type Actor = payments.Actor

func (s *Service) audit(ctx context.Context, a Actor, action string, details map[string]any) {
	_ = s.store.AppendAudit(ctx, grimbots.AuditEntry{ActorID: &a.UserID, TargetUserID: &a.UserID, Action: action, IP: a.IP,
		UserAgent: a.UserAgent, Details: details, CreatedAt: s.now()})
}

// identify checks a token with Telegram (getMe).
func (s *Service) identify(ctx context.Context, token string) (telegram.BotInfo, error) {
	token = strings.TrimSpace(token)
	if _, err := telegram.BotIDFromToken(token); err != nil {
		return telegram.BotInfo{}, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.token",
			Message: "is not a Telegram bot token (it looks like 123456789:AA…, from @BotFather)"})
	}
	c, err := s.newClient(token)
	if err != nil {
		return telegram.BotInfo{}, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.token", Message: "is not a Telegram bot token"})
	}
	info, err := c.GetMe(ctx)
	switch {
	case errors.Is(err, telegram.ErrUnauthorized):
		return info, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.token",
			Message: "was refused by Telegram (revoked or mistyped)"})
	case err != nil:
		s.logger.WarnContext(ctx, "getMe failed while checking a token", "err", err)
		return info, grimbots.Errorf(grimbots.EUNAVAILABLE, "could not reach Telegram to check the token; try again")
	}
	return info, nil
}

// sealToken fills the bot's token fields for a checked token.
func (s *Service) sealToken(b *grimbots.Bot, token string, info telegram.BotInfo) error {
	b.TelegramBotID, b.Username = info.ID, info.Username
	sealed, err := s.cfg.Keys.Encrypt([]byte(strings.TrimSpace(token)), grimbots.BotTokenAD(b.SellerID, info.ID))
	if err != nil {
		return err
	}
	b.TokenCiphertext, b.TokenHash = sealed, s.tokenHash(strings.TrimSpace(token))
	return nil
}

func botName(name string, info telegram.BotInfo) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = info.FirstName
	}
	if name == "" {
		name = info.Username
	}
	if len([]rune(name)) > 64 {
		return "", grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.name", Message: "must be at most 64 characters"})
	}
	return name, nil
}

// AddBot registers a bot by token (checked with getMe, sealed at rest) with
// a starter funnel. The same token cannot be registered twice.
func (s *Service) AddBot(ctx context.Context, a Actor, token, name string) (*grimbots.Bot, error) {
	return s.addBot(ctx, a, token, name, nil)
}

func (s *Service) addBot(ctx context.Context, a Actor, token, name string, document *string) (*grimbots.Bot, error) {
	info, err := s.identify(ctx, token)
	if err != nil {
		return nil, err
	}
	if name, err = botName(name, info); err != nil {
		return nil, err
	}
	now := s.now()
	b := &grimbots.Bot{SellerID: a.UserID, Name: name, WebhookSecret: newSecret(), Health: grimbots.BotOnline,
		CreatedAt: now, UpdatedAt: now}
	if err := s.sealToken(b, token, info); err != nil {
		return nil, err
	}
	doc := ""
	if document != nil {
		doc = *document
	} else {
		raw, err := funnel.Export(funnel.Default(name))
		if err != nil {
			return nil, err
		}
		doc = string(raw)
	}
	if err := s.store.CreateBot(ctx, b, doc, &a.UserID); err != nil {
		return nil, err
	}
	s.audit(ctx, a, grimbots.AuditBotAdd, map[string]any{"bot_id": b.ID, "username": b.Username})
	return b, nil
}

// Bots lists the seller's bots.
func (s *Service) Bots(ctx context.Context, sellerID int64) ([]*grimbots.Bot, error) {
	return s.store.Bots(ctx, sellerID)
}

// Bot returns one of the seller's bots.
func (s *Service) Bot(ctx context.Context, sellerID, id int64) (*grimbots.Bot, error) {
	return s.store.Bot(ctx, sellerID, id)
}

// Rename changes a bot's display name.
func (s *Service) Rename(ctx context.Context, a Actor, id int64, name string) (*grimbots.Bot, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 64 {
		return nil, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.name", Message: "must be 1 to 64 characters"})
	}
	if err := s.store.RenameBot(ctx, a.UserID, id, name, s.now()); err != nil {
		return nil, err
	}
	s.audit(ctx, a, grimbots.AuditBotUpdate, map[string]any{"bot_id": id})
	return s.store.Bot(ctx, a.UserID, id)
}

// Duplicate registers another bot (a new token) with a copy of a bot's
// funnel configuration; leads and history are not copied.
func (s *Service) Duplicate(ctx context.Context, a Actor, id int64, token, name string) (*grimbots.Bot, error) {
	cfg, err := s.store.BotConfig(ctx, a.UserID, id, 0)
	if err != nil {
		return nil, err
	}
	return s.addBot(ctx, a, token, name, &cfg.Document)
}

// ReplaceToken gives a bot a new token (for example after the old one was
// revoked), keeping its configuration, leads and history.
func (s *Service) ReplaceToken(ctx context.Context, a Actor, id int64, token string) (*grimbots.Bot, error) {
	b, err := s.store.Bot(ctx, a.UserID, id)
	if err != nil {
		return nil, err
	}
	info, err := s.identify(ctx, token)
	if err != nil {
		return nil, err
	}
	// The old Telegram bot stops pushing to us, and the new one gets a
	// fresh webhook secret: nothing meant for the old bot is answered by
	// the new one.
	old := *b
	if err := s.sealToken(b, token, info); err != nil {
		return nil, err
	}
	b.UpdatedAt, b.WebhookSecret = s.now(), newSecret()
	if err := s.store.ReplaceBotToken(ctx, b); err != nil {
		return nil, err
	}
	s.unhook(ctx, &old)
	_ = s.store.SetBotHealth(ctx, b.ID, grimbots.BotOnline, 0, s.now())
	s.changed(ctx, b.ID)
	s.audit(ctx, a, grimbots.AuditBotToken, map[string]any{"bot_id": b.ID, "username": b.Username})
	if b, err = s.store.Bot(ctx, a.UserID, id); err == nil && b.Running && s.cfg.Mode == ModeWebhook {
		_ = s.setWebhook(ctx, b)
	}
	return b, err
}

// Start makes a bot answer buyers. Its funnel must be ready (no starter
// placeholder link) and its token accepted by Telegram.
func (s *Service) Start(ctx context.Context, a Actor, id int64) (*grimbots.Bot, error) {
	b, err := s.store.Bot(ctx, a.UserID, id)
	if err != nil {
		return nil, err
	}
	cfg, _, err := s.engine.Config(ctx, funnel.Bot{ID: b.ID, SellerID: b.SellerID}, 0)
	if err != nil {
		return nil, err
	}
	if err := cfg.CheckReady(); err != nil {
		// Keep the fields, so that the seller is shown which links to edit.
		conflict := grimbots.Errorf(grimbots.ECONFLICT, "the funnel is not ready to sell: replace the example access links")
		var e *grimbots.Error
		if errors.As(err, &e) {
			for _, f := range e.Fields {
				conflict.Fields = append(conflict.Fields, grimbots.FieldError{Field: "config." + f.Field, Message: f.Message})
			}
		}
		return nil, conflict
	}
	c, err := s.client(b)
	if err != nil {
		return nil, err
	}
	if _, err := c.GetMe(ctx); errors.Is(err, telegram.ErrUnauthorized) {
		s.revoked(ctx, b)
		return nil, grimbots.Errorf(grimbots.ECONFLICT, "Telegram refuses this bot's token: replace it")
	} else if err != nil {
		return nil, grimbots.Errorf(grimbots.EUNAVAILABLE, "could not reach Telegram; try again")
	}
	if err := s.store.SetBotRunning(ctx, a.UserID, id, true, s.now()); err != nil {
		return nil, err
	}
	_ = s.store.SetBotHealth(ctx, b.ID, grimbots.BotOnline, 0, s.now())
	s.changed(ctx, b.ID)
	b.Running = true
	if s.cfg.Mode == ModeWebhook {
		if err := s.setWebhook(ctx, b); err != nil {
			s.logger.WarnContext(ctx, "webhook not set at start; the intake loop retries", "bot_id", b.ID, "err", err)
		}
	}
	s.audit(ctx, a, grimbots.AuditBotStart, map[string]any{"bot_id": b.ID})
	return s.store.Bot(ctx, a.UserID, id)
}

// Stop makes a bot stop answering (its webhook is removed; its poller
// ends within one poll).
func (s *Service) Stop(ctx context.Context, a Actor, id int64) (*grimbots.Bot, error) {
	b, err := s.store.Bot(ctx, a.UserID, id)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetBotRunning(ctx, a.UserID, id, false, s.now()); err != nil {
		return nil, err
	}
	s.changed(ctx, id)
	s.unhook(ctx, b)
	s.audit(ctx, a, grimbots.AuditBotStop, map[string]any{"bot_id": b.ID})
	return s.store.Bot(ctx, a.UserID, id)
}

// unhook removes a bot's webhook at Telegram, if one was set.
func (s *Service) unhook(ctx context.Context, b *grimbots.Bot) {
	if b.WebhookURL == "" {
		return
	}
	if c, err := s.client(b); err == nil {
		if err := c.DeleteWebhook(ctx, false); err == nil || errors.Is(err, telegram.ErrUnauthorized) {
			_ = s.store.SetBotWebhook(ctx, b.ID, "")
		}
	}
}

// Delete stops and removes a bot; its leads and payments stay.
func (s *Service) Delete(ctx context.Context, a Actor, id int64) error {
	b, err := s.store.Bot(ctx, a.UserID, id)
	if err != nil {
		return err
	}
	s.unhook(ctx, b)
	if err := s.store.DeleteBot(ctx, a.UserID, id, s.now()); err != nil {
		return err
	}
	s.changed(ctx, id)
	s.mu.Lock()
	delete(s.clients, id)
	s.mu.Unlock()
	s.audit(ctx, a, grimbots.AuditBotDelete, map[string]any{"bot_id": id, "username": b.Username})
	return nil
}

// Config returns a version of a bot's funnel (0: the one in force).
func (s *Service) Config(ctx context.Context, sellerID, id int64, version int) (*funnel.Config, *grimbots.BotConfig, error) {
	row, err := s.store.BotConfig(ctx, sellerID, id, version)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := funnel.Import(strings.NewReader(row.Document))
	if err != nil {
		return nil, nil, err
	}
	return cfg, row, nil
}

// ConfigVersions lists a bot's saved configurations, newest first.
func (s *Service) ConfigVersions(ctx context.Context, sellerID, id int64) ([]*grimbots.BotConfig, error) {
	if _, err := s.store.Bot(ctx, sellerID, id); err != nil {
		return nil, err
	}
	return s.store.BotConfigs(ctx, sellerID, id)
}

// SaveConfig validates and stores a new version of a bot's funnel. base is
// the version the seller edited (0 to skip the check).
func (s *Service) SaveConfig(ctx context.Context, a Actor, id int64, base int, cfg *funnel.Config) (int, error) {
	if err := cfg.Validate(); err != nil {
		return 0, err
	}
	doc, err := funnel.Export(cfg)
	if err != nil {
		return 0, err
	}
	v, err := s.store.SaveBotConfig(ctx, a.UserID, id, base, string(doc), &a.UserID, s.now())
	if err != nil {
		return 0, err
	}
	s.audit(ctx, a, grimbots.AuditBotConfig, map[string]any{"bot_id": id, "version": v})
	return v, nil
}

// ImportConfig reads an exported funnel (strictly) and saves it.
func (s *Service) ImportConfig(ctx context.Context, a Actor, id int64, r io.Reader) (int, error) {
	cfg, err := funnel.Import(r)
	if err != nil {
		return 0, err
	}
	return s.SaveConfig(ctx, a, id, 0, cfg)
}

// Leads lists a bot's leads.
func (s *Service) Leads(ctx context.Context, sellerID, botID int64, f grimbots.LeadFilter) ([]*grimbots.Lead, int, error) {
	if _, err := s.store.Bot(ctx, sellerID, botID); err != nil {
		return nil, 0, err
	}
	return s.store.Leads(ctx, sellerID, botID, f)
}

// Delivery returns a payment's delivery status.
func (s *Service) Delivery(ctx context.Context, sellerID, paymentID int64) (*grimbots.Delivery, error) {
	return s.store.Delivery(ctx, sellerID, paymentID)
}

// ResendDelivery sends a paid payment's access again.
func (s *Service) ResendDelivery(ctx context.Context, a Actor, paymentID int64) error {
	p, err := s.store.Payment(ctx, a.UserID, paymentID)
	if err != nil {
		return err
	}
	if _, ok := funnel.ParsePurchase(p); !ok {
		return grimbots.Errorf(grimbots.ECONFLICT, "this payment was not made through a bot")
	}
	if p.Status != grimbots.PaymentPaid {
		return grimbots.Errorf(grimbots.ECONFLICT, "only a paid payment's access can be sent")
	}
	if err := s.jobs.Insert(ctx, funnel.DeliverJob{SellerID: p.SellerID, PaymentID: p.ID, Resend: true}); err != nil {
		return err
	}
	s.audit(ctx, a, grimbots.AuditDeliveryRe, map[string]any{"payment_id": p.ID})
	return nil
}
