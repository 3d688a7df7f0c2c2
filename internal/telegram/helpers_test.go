package telegram_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/grimbots/grimbots/internal/ratelimit"
	"github.com/grimbots/grimbots/internal/telegram"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
)

// Tokens of the fake bots. Their secrets must never appear in errors.
const (
	tokenA  = "1001:AAH-secretA_test-token"
	secretA = "AAH-secretA_test-token"
	tokenB  = "1002:AAH-secretB_test-token"
)

// fakeClock drives the in-process limiter and pauser; its Sleep advances
// time instantly and records the wait, so pacing is asserted exactly.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	return ctx.Err()
}

// takeSlept returns the waits since the last call.
func (c *fakeClock) takeSlept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.slept
	c.slept = nil
	return s
}

// env is a fake Bot API with bots A and B, and client options sharing one
// limiter, pauser and file_id cache on a fake clock, as instances sharing
// Redis would.
type env struct {
	srv        *telegramtest.Server
	clock      *fakeClock
	opts       telegram.Options
	files      *telegram.MemoryFileIDCache
	botA, botB int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{srv: telegramtest.New(t), clock: newFakeClock(), files: telegram.NewMemoryFileIDCache(16)}
	e.botA = e.srv.AddBot(tokenA, "loja_a_bot")
	e.botB = e.srv.AddBot(tokenB, "loja_b_bot")
	e.opts = telegram.Options{
		APIURL:      e.srv.URL,
		Limiter:     ratelimit.NewMemory(e.clock.Now),
		Pauser:      telegram.NewMemoryPauser(e.clock.Now),
		FileIDCache: e.files,
		Sleep:       e.clock.Sleep,
	}
	return e
}

// client returns a client for token with e's options changed by edit.
func (e *env) client(t *testing.T, token string, edit ...func(*telegram.Options)) *telegram.Client {
	t.Helper()
	opts := e.opts
	for _, f := range edit {
		f(&opts)
	}
	c, err := telegram.New(token, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func text(chatID int64, s string) telegram.MessageParams {
	return telegram.MessageParams{ChatID: chatID, Text: s}
}

// gather returns the counters (and histogram sample counts) of reg by
// "<name> <label values…>".
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			for _, l := range m.GetLabel() {
				key += " " + l.GetValue()
			}
			got[key] = m.GetCounter().GetValue() + float64(m.GetHistogram().GetSampleCount())
		}
	}
	return got
}
