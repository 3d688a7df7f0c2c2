package bots

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/telegram"
)

// maxUpdateBody bounds a Telegram webhook request.
const maxUpdateBody = 1 << 20

// WebhookPath is the path of a bot's Telegram webhook.
func WebhookPath(secret string) string { return "/tg/" + secret }

// webhookURL is the URL Telegram is told for a bot in webhook mode.
func (s *Service) webhookURL(b *grimbots.Bot) string {
	return strings.TrimRight(s.cfg.PublicURL.String(), "/") + WebhookPath(b.WebhookSecret)
}

// WebhookHandler serves POST /tg/{secret}: Telegram's pushes. The path
// names the bot; the X-Telegram-Bot-Api-Secret-Token header must match.
// The update is stored (once per update_id) with its processing job
// before Telegram gets its 200, so nothing acknowledged is lost.
func (s *Service) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret := r.PathValue("secret")
		b, err := s.store.BotByWebhookSecret(r.Context(), secret)
		if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
			http.Error(w, "unknown bot", http.StatusNotFound)
			return
		} else if err != nil {
			s.logger.ErrorContext(r.Context(), "telegram webhook: bot lookup", "err", err)
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxUpdateBody)
		raw, err := telegram.ReadWebhook(r, b.WebhookSecret)
		switch {
		case errors.Is(err, telegram.ErrWebhookSecret):
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		case err != nil:
			// Malformed: acknowledge, or Telegram would resend it forever.
			s.logger.WarnContext(r.Context(), "telegram webhook: malformed update", "bot_id", b.ID, "err", err)
			w.WriteHeader(http.StatusOK)
			return
		}
		if err := s.accept(r.Context(), b, raw); err != nil {
			s.logger.ErrorContext(r.Context(), "telegram webhook: storing update", "bot_id", b.ID, "err", err)
			http.Error(w, "unavailable", http.StatusServiceUnavailable) // Telegram retries
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// chatOf returns the chat an update belongs to, or 0 for kinds the funnel
// does not handle.
func chatOf(u telegram.Update) int64 {
	switch {
	case u.Message != nil && u.Message.ChatType == "private":
		return u.Message.ChatID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.ChatID
	case u.MyChatMember != nil:
		return u.MyChatMember.ChatID
	}
	return 0
}

// accept stores an update and queues its chat's processing; a duplicate
// (same update_id) is dropped.
func (s *Service) accept(ctx context.Context, b *grimbots.Bot, raw telegram.RawUpdate) error {
	u, err := raw.Parse()
	if err != nil {
		return nil // malformed: nothing to do, nothing to retry
	}
	chat := chatOf(u)
	if chat == 0 {
		return nil
	}
	inserted, err := s.store.InsertUpdate(ctx, &grimbots.TelegramUpdate{BotID: b.ID, UpdateID: raw.ID, SellerID: b.SellerID,
		ChatID: chat, Body: string(raw.JSON), ReceivedAt: s.now()}, ChatJob{BotID: b.ID, ChatID: chat})
	if err == nil && inserted {
		s.drainSoon(b.ID, chat)
	}
	return err
}

// RunIntake keeps the bots' intake in shape until ctx ends: in polling
// mode it runs one getUpdates loop for every running bot whose lease this
// instance holds; in webhook mode it makes sure every running bot's
// webhook points here. It checks every interval.
func (s *Service) RunIntake(ctx context.Context, interval time.Duration) {
	var wg sync.WaitGroup
	defer wg.Wait()
	polling := map[int64]context.CancelFunc{}
	var mu sync.Mutex
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		bots, err := s.store.RunningBots(ctx)
		if err != nil && ctx.Err() == nil {
			s.logger.WarnContext(ctx, "listing running bots", "err", err)
		}
		for _, b := range bots {
			if s.cfg.Mode == ModeWebhook {
				if b.WebhookURL != s.webhookURL(b) && b.Health != grimbots.BotRevoked {
					_ = s.setWebhook(ctx, b)
				}
				continue
			}
			mu.Lock()
			_, running := polling[b.ID]
			mu.Unlock()
			if running || b.Health == grimbots.BotRevoked {
				continue
			}
			ok, err := s.store.AcquireBotLease(ctx, b.ID, s.cfg.Instance, s.now(), s.cfg.LeaseTTL)
			if err != nil || !ok {
				continue
			}
			pctx, cancel := context.WithCancel(ctx)
			mu.Lock()
			polling[b.ID] = cancel
			mu.Unlock()
			wg.Go(func() {
				defer func() {
					mu.Lock()
					delete(polling, b.ID)
					mu.Unlock()
					cancel()
				}()
				s.poll(pctx, b)
			})
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// poll runs one bot's getUpdates loop while this instance holds its lease.
func (s *Service) poll(ctx context.Context, b *grimbots.Bot) {
	owner := s.cfg.Instance
	defer func() {
		// A fresh context: the lease must be released even on shutdown.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = s.store.ReleaseBotLease(rctx, b.ID, owner)
	}()
	c, err := s.client(b)
	if err != nil {
		s.logger.ErrorContext(ctx, "polling: opening the bot token", "bot_id", b.ID, "err", err)
		return
	}
	if b.WebhookURL != "" {
		if err := c.DeleteWebhook(ctx, false); err == nil {
			_ = s.store.SetBotWebhook(ctx, b.ID, "")
		}
	}
	offset := b.UpdateOffset
	backoff := time.Second
	for ctx.Err() == nil {
		ok, err := s.store.AcquireBotLease(ctx, b.ID, owner, s.now(), s.cfg.LeaseTTL+s.cfg.PollTimeout)
		if err != nil || !ok {
			return // stopped, deleted, or another instance took over
		}
		cur, err := s.store.BotByID(ctx, b.ID)
		if err != nil || cur.TokenCiphertext != b.TokenCiphertext {
			return // deleted, or a new token: the intake loop starts afresh
		}
		// Never go back: another instance may have moved the offset.
		offset = max(offset, cur.UpdateOffset)
		updates, err := c.GetUpdates(ctx, telegram.GetUpdatesParams{Offset: offset, Timeout: s.cfg.PollTimeout,
			AllowedUpdates: telegram.DefaultAllowedUpdates()})
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, telegram.ErrUnauthorized):
			s.revoked(ctx, b)
			return
		case errors.Is(err, telegram.ErrConflict):
			_ = c.DeleteWebhook(ctx, false) // a webhook left behind, or a poller elsewhere
			sleepCtx(ctx, backoff)
			backoff = min(backoff*2, 30*time.Second)
			continue
		case err != nil:
			if ok, after := telegram.Retryable(err); ok && after > 0 {
				sleepCtx(ctx, after)
			} else {
				sleepCtx(ctx, backoff)
				backoff = min(backoff*2, 30*time.Second)
			}
			continue
		}
		backoff = time.Second
		for _, raw := range updates {
			if err := s.accept(ctx, b, raw); err != nil {
				s.logger.WarnContext(ctx, "polling: storing update", "bot_id", b.ID, "err", err)
				break // the offset stays: the update is fetched again
			}
			offset = raw.ID + 1
		}
		if len(updates) > 0 {
			if _, err := s.store.SetUpdateOffset(ctx, b.ID, owner, offset); err != nil {
				s.logger.WarnContext(ctx, "polling: saving offset", "bot_id", b.ID, "err", err)
			}
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// setWebhook points Telegram at this platform for a bot.
func (s *Service) setWebhook(ctx context.Context, b *grimbots.Bot) error {
	c, err := s.client(b)
	if err != nil {
		return err
	}
	url := s.webhookURL(b)
	err = c.SetWebhook(ctx, telegram.WebhookParams{URL: url, SecretToken: b.WebhookSecret,
		AllowedUpdates: telegram.DefaultAllowedUpdates()})
	if errors.Is(err, telegram.ErrUnauthorized) {
		s.revoked(ctx, b)
		return err
	}
	if err != nil {
		s.logger.WarnContext(ctx, "setting the bot's webhook", "bot_id", b.ID, "err", err)
		return err
	}
	return s.store.SetBotWebhook(ctx, b.ID, url)
}

// revoked records that Telegram refuses the bot's token.
func (s *Service) revoked(ctx context.Context, b *grimbots.Bot) {
	s.logger.WarnContext(ctx, "telegram refused the bot's token: marked revoked", "bot_id", b.ID, "seller_id", b.SellerID)
	_ = s.store.SetBotHealth(context.WithoutCancel(ctx), b.ID, grimbots.BotRevoked, b.HealthFailures, s.now())
	s.changed(ctx, b.ID)
}
