package telegramtest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// webhookState is a bot's webhook as setWebhook left it.
type webhookState struct {
	url            string
	secret         string
	allowedUpdates []string
	maxConnections int
	gen            int // bumped on every set or delete: ends the old deliverer
	lastErrorDate  int64
	lastErrorMsg   string
}

// WebhookAttempts is how many times a delivery is tried before the update
// is dropped (Telegram gives up after "a reasonable number" of tries).
const WebhookAttempts = 5

// Inject queues an update for a bot and returns its update_id (increasing
// per bot). It is served by getUpdates or, while a webhook is set, pushed
// to it.
func (s *Server) Inject(botID int64, u Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bot(botID)
	now := time.Now().Unix()
	if m := u.Message; m != nil {
		m.Date = cmp.Or(m.Date, now)
		m.MessageID = cmp.Or(m.MessageID, b.newMessageID())
	}
	if q := u.CallbackQuery; q != nil {
		if q.ID == "" {
			q.ID = fmt.Sprintf("%d%d", b.id, b.nextUpdateID)
		}
		if q.Message != nil {
			bot := b.user()
			q.Message.From, q.Message.Date = &bot, cmp.Or(q.Message.Date, now)
		}
	}
	if m := u.MyChatMember; m != nil {
		m.Date = cmp.Or(m.Date, now)
		m.OldChatMember.User, m.NewChatMember.User = b.user(), b.user()
	}
	id := b.nextUpdateID
	b.nextUpdateID++
	raw, err := json.Marshal(struct {
		UpdateID int64 `json:"update_id"`
		Update
	}{id, u})
	if err != nil {
		panic(err)
	}
	b.queue = append(b.queue, queued{id: id, json: raw})
	b.notify()
	return id
}

func (b *fakeBot) newMessageID() int64 {
	id := b.nextMessageID
	b.nextMessageID++
	return id
}

// Pending returns how many updates wait for a bot (unconfirmed by
// getUpdates, or undelivered to its webhook).
func (s *Server) Pending(botID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bot(botID).queue)
}

// confirm forgets updates as getUpdates' offset asks: below a positive
// offset, or all but the last -offset for a negative one.
func (b *fakeBot) confirm(offset int64) {
	switch {
	case offset > 0:
		i := 0
		for i < len(b.queue) && b.queue[i].id < offset {
			i++
		}
		b.queue = b.queue[i:]
	case offset < 0 && int64(len(b.queue)) > -offset:
		b.queue = b.queue[int64(len(b.queue))+offset:]
	}
}

// getUpdates answers a long poll: the pending updates from offset, or, when
// there are none, waits for one until the poll's timeout. A newer poll on the
// same token ends an older one with 409, as does a webhook.
func (s *Server) getUpdates(ctx context.Context, b *fakeBot, c *Call) answer {
	offset, _ := strconv.ParseInt(c.Params["offset"], 10, 64)
	limit, _ := strconv.Atoi(c.Params["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(c.Params["timeout"])
	timer := time.NewTimer(time.Duration(timeout) * time.Second)
	defer timer.Stop()

	s.mu.Lock()
	defer s.mu.Unlock()
	b.pollGen++
	gen := b.pollGen
	b.notify()
	for expired := timeout <= 0; ; {
		switch {
		case b.hook.url != "":
			return fail(http.StatusConflict, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
		case gen != b.pollGen:
			return fail(http.StatusConflict, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
		}
		b.confirm(offset)
		if len(b.queue) > 0 || expired {
			out := make([]json.RawMessage, 0, min(limit, len(b.queue)))
			for _, q := range b.queue[:min(limit, len(b.queue))] {
				out = append(out, q.json)
			}
			return ok(out)
		}
		signal := b.signal
		s.mu.Unlock()
		select {
		case <-signal:
		case <-timer.C:
			expired = true
		case <-ctx.Done():
			expired = true
		case <-s.ctx.Done():
			expired = true
		}
		s.mu.Lock()
	}
}

// deliver pushes a bot's updates to its webhook, in order, until the
// webhook changes or the server closes. Callers start it once per
// setWebhook with the generation it set.
func (s *Server) deliver(b *fakeBot, gen int) {
	attempts := 0
	for {
		s.mu.Lock()
		for b.hook.gen == gen && len(b.queue) == 0 && s.ctx.Err() == nil {
			signal := b.signal
			s.mu.Unlock()
			select {
			case <-signal:
			case <-s.ctx.Done():
			}
			s.mu.Lock()
		}
		if b.hook.gen != gen || s.ctx.Err() != nil {
			s.mu.Unlock()
			return
		}
		next, url, secret := b.queue[0], b.hook.url, b.hook.secret
		s.mu.Unlock()

		err := s.post(url, secret, next.json)

		s.mu.Lock()
		attempts++
		if err != nil {
			b.hook.lastErrorDate, b.hook.lastErrorMsg = time.Now().Unix(), err.Error()
		}
		if (err == nil || attempts >= WebhookAttempts) && len(b.queue) > 0 && b.queue[0].id == next.id {
			b.queue, attempts = b.queue[1:], 0
		}
		s.mu.Unlock()
		if err != nil && attempts > 0 {
			select {
			case <-time.After(time.Duration(attempts) * 20 * time.Millisecond):
			case <-s.ctx.Done():
			}
		}
	}
}

// post makes one webhook delivery.
func (s *Server) post(url, secret string, update []byte) error {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, url, bytes.NewReader(update))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := s.webhook.Do(req)
	if err != nil {
		return fmt.Errorf("Connection failed: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("Wrong response from the webhook: %s", resp.Status)
	}
	return nil
}
