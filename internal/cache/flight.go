package cache

import (
	"context"
	"errors"
	"strings"
	"sync"
)

// flight runs one load per key at a time in this process; concurrent
// callers of the key wait for it. An invalidation marks the key's load in
// flight stale, so that its result is not stored.
type flight struct {
	mu    sync.Mutex
	calls map[string]*call
}

type call struct {
	done  chan struct{}
	val   []byte
	err   error
	stale bool
}

// do returns the result of fn for key, run by the first caller; the others
// wait for it (or for their own ctx). fn receives its call, to check
// staleness before storing.
func (f *flight) do(ctx context.Context, key string, fn func(c *call) ([]byte, error)) ([]byte, error) {
	for {
		f.mu.Lock()
		if f.calls == nil {
			f.calls = map[string]*call{}
		}
		if c, ok := f.calls[key]; ok {
			f.mu.Unlock()
			select {
			case <-c.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			// The leader's request was cancelled, not ours: try again.
			if isContextErr(c.err) && ctx.Err() == nil {
				continue
			}
			return c.val, c.err
		}
		c := &call{done: make(chan struct{})}
		f.calls[key] = c
		f.mu.Unlock()

		func() {
			defer func() {
				f.mu.Lock()
				delete(f.calls, key)
				f.mu.Unlock()
				close(c.done)
			}()
			c.val, c.err = fn(c)
		}()
		return c.val, c.err
	}
}

// isStale reports whether c was invalidated since it started.
func (f *flight) isStale(c *call) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return c.stale
}

// invalidate marks the loads in flight of keys stale.
func (f *flight) invalidate(keys ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		if c, ok := f.calls[k]; ok {
			c.stale = true
		}
	}
}

// invalidatePrefix marks the loads in flight of keys under prefix stale.
func (f *flight) invalidatePrefix(prefix string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, c := range f.calls {
		if strings.HasPrefix(k, prefix) {
			c.stale = true
		}
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
