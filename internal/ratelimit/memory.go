package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Memory is an in-process Limiter. Stale keys are swept as a side effect of
// use, so it needs no background goroutine.
type Memory struct {
	mu    sync.Mutex
	tats  map[string]time.Time
	now   func() time.Time
	calls int
}

// NewMemory returns an empty in-process limiter. now may be nil.
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{tats: map[string]time.Time{}, now: now}
}

// sweepEvery is how many calls pass between sweeps of expired keys.
const sweepEvery = 4096

func (m *Memory) Take(_ context.Context, key string, r Rate) (Result, error) {
	return m.do(key, r, true), nil
}

func (m *Memory) Check(_ context.Context, key string, r Rate) (Result, error) {
	return m.do(key, r, false), nil
}

func (m *Memory) do(key string, r Rate, take bool) Result {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.calls++
	if m.calls%sweepEvery == 0 {
		for k, t := range m.tats {
			if !t.After(now) {
				delete(m.tats, k)
			}
		}
	}
	allowed, tat, wait := gcra(now, m.tats[key], r)
	if allowed && take {
		m.tats[key] = tat
	}
	return Result{Allowed: allowed, RetryAfter: wait}
}
