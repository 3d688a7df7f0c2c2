package telegram

import (
	"context"
	"fmt"
	"time"

	"github.com/grimbots/grimbots/internal/ratelimit"
)

// Limiter and Pauser keys. They embed the bot id so that every instance
// sharing a Redis limiter shares each bot's budget, and bots never share one.
func pauseKey(botID int64) string { return fmt.Sprintf("tg:pause:%d", botID) }
func botKey(botID int64) string   { return fmt.Sprintf("tg:bot:%d", botID) }
func chatKey(botID, chatID int64) string {
	return fmt.Sprintf("tg:chat:%d:%d", botID, chatID)
}
func groupKey(botID, chatID int64) string {
	return fmt.Sprintf("tg:group:%d:%d", botID, chatID)
}

// pace waits until the bot may send to chatID: the bot is not paused, and
// the chat, group and bot rates all have room. A wait longer than MaxWait
// (or than ctx allows) is not made: pace returns a *RetryAfterError.
//
// When the limiter or pauser fails (Redis down), pace logs and lets the send
// go: Telegram's own 429 still protects the bot, while failing every send
// would stop all bots for a cache outage.
func (c *Client) pace(ctx context.Context, method string, chatID int64) error {
	if err := c.waitPause(ctx, method); err != nil {
		return err
	}
	if err := c.waitTake(ctx, method, chatKey(c.id, chatID), c.opts.ChatRate); err != nil {
		return err
	}
	if chatID < 0 {
		if err := c.waitTake(ctx, method, groupKey(c.id, chatID), c.opts.GroupRate); err != nil {
			return err
		}
	}
	return c.waitTake(ctx, method, botKey(c.id), c.opts.BotRate)
}

func (c *Client) waitPause(ctx context.Context, method string) error {
	for {
		left, err := c.opts.Pauser.PausedFor(ctx, pauseKey(c.id))
		if err != nil {
			c.log.Warn("telegram: pause unreadable, sending anyway", "err", err)
			return nil
		}
		if left <= 0 {
			return nil
		}
		if err := c.wait(ctx, method, left, "bot paused after 429"); err != nil {
			return err
		}
	}
}

func (c *Client) waitTake(ctx context.Context, method, key string, r ratelimit.Rate) error {
	for {
		res, err := c.opts.Limiter.Take(ctx, key, r)
		if err != nil {
			c.log.Warn("telegram: rate limiter failed, sending anyway", "err", err)
			return nil
		}
		if res.Allowed {
			return nil
		}
		if err := c.wait(ctx, method, res.RetryAfter, "rate limited"); err != nil {
			return err
		}
	}
}

// wait sleeps d unless that exceeds MaxWait or ctx's deadline, in which case
// it returns a *RetryAfterError without sleeping.
func (c *Client) wait(ctx context.Context, method string, d time.Duration, why string) error {
	tooLong := d > c.opts.MaxWait
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		tooLong = true
	}
	if tooLong {
		return &RetryAfterError{Method: method, After: d, Description: why}
	}
	c.opts.Metrics.waited(d)
	if err := c.opts.Sleep(ctx, d); err != nil {
		return fmt.Errorf("telegram: %s: waiting for its turn: %w", method, err)
	}
	return nil
}

// pause makes every send of this bot, in every instance sharing the Pauser,
// wait d. It runs after the call's context may be gone, so it gets its own.
func (c *Client) pause(ctx context.Context, d time.Duration) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := c.opts.Pauser.Pause(ctx, pauseKey(c.id), d); err != nil {
		c.log.Warn("telegram: could not pause bot after 429", "err", err)
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
