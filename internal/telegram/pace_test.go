package telegram_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/ratelimit"
	"github.com/grimbots/grimbots/internal/telegram"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
	"github.com/grimbots/grimbots/internal/testenv"
)

func TestPacing(t *testing.T) {
	botInterval := telegram.DefaultBotRate.Period

	t.Run("one message per second per chat", func(t *testing.T) {
		e := newEnv(t)
		c := e.client(t, tokenA)
		for range 3 {
			if _, err := c.SendMessage(t.Context(), text(10, "oi")); err != nil {
				t.Fatal(err)
			}
		}
		if got := e.clock.takeSlept(); !slices.Equal(got, []time.Duration{time.Second, time.Second}) {
			t.Fatalf("waits = %v, want [1s 1s]", got)
		}
	})

	t.Run("thirty per second per bot", func(t *testing.T) {
		e := newEnv(t)
		a, b := e.client(t, tokenA), e.client(t, tokenB)
		for chat := range int64(4) {
			if _, err := a.SendMessage(t.Context(), text(100+chat, "oi")); err != nil {
				t.Fatal(err)
			}
		}
		got := e.clock.takeSlept()
		if len(got) != 3 || slices.ContainsFunc(got, func(d time.Duration) bool { return d <= 0 || d > botInterval }) {
			t.Fatalf("waits = %v, want three of at most %v", got, botInterval)
		}
		// Bot B has its own budget.
		if _, err := b.SendMessage(t.Context(), text(100, "oi")); err != nil {
			t.Fatal(err)
		}
		if got := e.clock.takeSlept(); len(got) != 0 {
			t.Fatalf("bot B waited %v", got)
		}
	})

	t.Run("twenty per minute per group", func(t *testing.T) {
		e := newEnv(t)
		c := e.client(t, tokenA)
		for range 2 {
			if _, err := c.SendMessage(t.Context(), text(-100123, "oi")); err != nil {
				t.Fatal(err)
			}
		}
		var total time.Duration
		for _, d := range e.clock.takeSlept() {
			total += d
		}
		if total != 3*time.Second {
			t.Fatalf("waited %v in all, want 3s", total)
		}
	})

	t.Run("a wait over MaxWait is not made", func(t *testing.T) {
		e := newEnv(t)
		c := e.client(t, tokenA, func(o *telegram.Options) { o.MaxWait = 500 * time.Millisecond })
		c.SendMessage(t.Context(), text(10, "1"))
		_, err := c.SendMessage(t.Context(), text(10, "2"))
		var ra *telegram.RetryAfterError
		if !errors.As(err, &ra) || ra.After != time.Second {
			t.Fatalf("err = %v, want RetryAfterError of 1s", err)
		}
		if got := e.clock.takeSlept(); len(got) != 0 {
			t.Fatalf("waited %v", got)
		}
		if n := len(e.srv.Calls(nil)); n != 1 {
			t.Fatalf("%d calls reached the server, want 1", n)
		}
	})
}

func TestTooManyRequestsPausesTheBot(t *testing.T) {
	e := newEnv(t)
	a := e.client(t, tokenA)
	other := e.client(t, tokenA) // another instance serving bot A
	b := e.client(t, tokenB)
	e.srv.Fail(telegramtest.TooManyRequests(5).ForBot(e.botA))

	_, err := a.SendMessage(t.Context(), text(1, "oi"))
	var ra *telegram.RetryAfterError
	if !errors.As(err, &ra) || ra.After != 5*time.Second {
		t.Fatalf("err = %v, want RetryAfterError of 5s", err)
	}
	e.clock.takeSlept()

	// Bot B is not paused.
	if _, err := b.SendMessage(t.Context(), text(2, "oi")); err != nil {
		t.Fatal(err)
	}
	if got := e.clock.takeSlept(); len(got) != 0 {
		t.Fatalf("bot B waited %v", got)
	}
	// Bot A is, in every instance and for every chat.
	if _, err := other.SendMessage(t.Context(), text(3, "oi")); err != nil {
		t.Fatal(err)
	}
	if got := e.clock.takeSlept(); len(got) != 1 || got[0] != 5*time.Second {
		t.Fatalf("bot A waited %v, want [5s]", got)
	}
}

func TestRedisSharesLimitsAcrossInstances(t *testing.T) {
	client, prefix := testenv.Redis(t)
	srv := telegramtest.New(t)
	botA, _ := srv.AddBot(tokenA, "a_bot"), srv.AddBot(tokenB, "b_bot")
	instance := func() telegram.Options {
		return telegram.Options{
			APIURL:  srv.URL,
			Limiter: ratelimit.NewRedis(client, prefix),
			Pauser:  telegram.NewRedisPauser(client, prefix),
			// Wait for the bot's 33ms spacing, report the chat's 1s and pauses.
			MaxWait: 100 * time.Millisecond,
		}
	}
	a1, _ := telegram.New(tokenA, instance())
	a2, _ := telegram.New(tokenA, instance())
	b, _ := telegram.New(tokenB, instance())
	ctx := t.Context()

	// The per-chat slot taken by one instance holds for the other.
	if _, err := a1.SendMessage(ctx, text(1, "oi")); err != nil {
		t.Fatal(err)
	}
	_, err := a2.SendMessage(ctx, text(1, "oi"))
	var ra *telegram.RetryAfterError
	if !errors.As(err, &ra) || ra.After <= 0 || ra.After > time.Second {
		t.Fatalf("second instance, same chat: %v, want a wait of at most 1s", err)
	}

	// A 429 seen by one instance pauses the bot in the other.
	srv.Fail(telegramtest.TooManyRequests(30).ForBot(botA))
	if _, err := a1.SendMessage(ctx, text(2, "oi")); !errors.As(err, &ra) || ra.After != 30*time.Second {
		t.Fatalf("err = %v, want Telegram's RetryAfterError of 30s", err)
	}
	_, err = a2.SendMessage(ctx, text(3, "oi"))
	if !errors.As(err, &ra) || ra.After <= 25*time.Second || ra.After > 30*time.Second {
		t.Fatalf("paused bot, other instance: %v, want a wait of about 30s", err)
	}
	if _, err := b.SendMessage(ctx, text(3, "oi")); err != nil {
		t.Fatalf("bot B: %v", err)
	}
	if n := len(srv.Calls(telegramtest.All(telegramtest.FromBot(botA), telegramtest.ToChat(3)))); n != 0 {
		t.Fatalf("the paused bot made %d calls", n)
	}
}

func TestPauser(t *testing.T) {
	conformance := func(t *testing.T, p telegram.Pauser) {
		ctx := t.Context()
		if left, err := p.PausedFor(ctx, "k"); err != nil || left != 0 {
			t.Fatalf("fresh key paused for %v, %v", left, err)
		}
		if err := p.Pause(ctx, "k", 20*time.Second); err != nil {
			t.Fatal(err)
		}
		if err := p.Pause(ctx, "k", 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if left, err := p.PausedFor(ctx, "k"); err != nil || left <= 15*time.Second || left > 20*time.Second {
			t.Fatalf("paused for %v, %v; want the longer pause kept", left, err)
		}
		if left, _ := p.PausedFor(ctx, "other"); left != 0 {
			t.Fatalf("other key paused for %v", left)
		}
	}
	t.Run("memory", func(t *testing.T) { conformance(t, telegram.NewMemoryPauser(nil)) })
	t.Run("memory expires", func(t *testing.T) {
		clock := newFakeClock()
		p := telegram.NewMemoryPauser(clock.Now)
		p.Pause(t.Context(), "k", time.Second)
		clock.Sleep(t.Context(), time.Second)
		if left, _ := p.PausedFor(t.Context(), "k"); left != 0 {
			t.Fatalf("paused for %v after it expired", left)
		}
	})
	t.Run("redis", func(t *testing.T) {
		client, prefix := testenv.Redis(t)
		conformance(t, telegram.NewRedisPauser(client, prefix))
	})
}

// TestLimiterKeepsTelegramLimits sends concurrently in real time against the
// fake enforcing (scaled-down) limits: the limiter must cause no violation.
func TestLimiterKeepsTelegramLimits(t *testing.T) {
	srv := telegramtest.New(t)
	srv.AddBot(tokenA, "a_bot")
	// The fake counts over 100ms-50ms of slack; the client spaces sends
	// wider, leaving room for scheduling jitter.
	srv.EnforceLimits(telegramtest.Limits{PerBot: 5, PerChat: 1, Window: 100 * time.Millisecond, Slack: 50 * time.Millisecond})
	c, _ := telegram.New(tokenA, telegram.Options{APIURL: srv.URL,
		BotRate:  ratelimit.Rate{N: 1, Period: 20 * time.Millisecond},
		ChatRate: ratelimit.Rate{N: 1, Period: 150 * time.Millisecond}})
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			if _, err := c.SendMessage(t.Context(), text(int64(1+i%3), "oi")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if v := srv.Violations(); v != 0 {
		t.Fatalf("%d sends broke the limits", v)
	}
}
