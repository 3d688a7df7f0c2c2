package cache

import (
	"container/list"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Memory is the in-process cache: a map bounded to MaxEntries with least
// recently used eviction, and a TTL per entry. Expired entries are dropped
// when met or evicted.
type Memory struct {
	name    string
	max     int
	metrics *Metrics
	now     func() time.Time

	mu      sync.Mutex // guards entries and lru; taken before flight.mu
	entries map[string]*list.Element
	lru     list.List // front: most recently used; values are *entry
	flight  flight
}

type entry struct {
	key     string
	val     []byte
	expires time.Time
}

// DefaultMaxEntries bounds an in-process cache without MaxEntries.
const DefaultMaxEntries = 10_000

// NewMemory returns an empty in-process cache.
func NewMemory(o Options) *Memory {
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	return &Memory{name: o.Name, max: o.MaxEntries, metrics: o.Metrics, now: time.Now, entries: map[string]*list.Element{}}
}

// Len returns the number of entries held, expired ones included.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

func (m *Memory) Get(_ context.Context, key string) ([]byte, bool, error) {
	v, ok := m.get(key)
	if ok {
		m.metrics.hit(m.name)
	} else {
		m.metrics.miss(m.name)
	}
	return v, ok, nil
}

func (m *Memory) get(key string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.entries[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*entry)
	if !m.now().Before(e.expires) {
		m.removeLocked(el)
		return nil, false
	}
	m.lru.MoveToFront(el)
	return e.val, true
}

func (m *Memory) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("cache: %s: ttl must be positive", key)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setLocked(key, value, ttl)
	return nil
}

func (m *Memory) setLocked(key string, value []byte, ttl time.Duration) {
	// A private copy: the caller may reuse its buffer.
	e := &entry{key: key, val: append([]byte(nil), value...), expires: m.now().Add(ttl)}
	if el, ok := m.entries[key]; ok {
		el.Value = e
		m.lru.MoveToFront(el)
		return
	}
	m.entries[key] = m.lru.PushFront(e)
	for len(m.entries) > m.max {
		m.removeLocked(m.lru.Back())
	}
}

func (m *Memory) removeLocked(el *list.Element) {
	m.lru.Remove(el)
	delete(m.entries, el.Value.(*entry).key)
}

func (m *Memory) Delete(_ context.Context, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		if el, ok := m.entries[k]; ok {
			m.removeLocked(el)
		}
	}
	m.flight.invalidate(keys...)
	return nil
}

func (m *Memory) DeleteByPrefix(_ context.Context, prefix string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, el := range m.entries {
		if strings.HasPrefix(k, prefix) {
			m.removeLocked(el)
		}
	}
	m.flight.invalidatePrefix(prefix)
	return nil
}

func (m *Memory) GetOrLoad(ctx context.Context, key string, ttl time.Duration, load Loader) ([]byte, error) {
	if v, ok, _ := m.Get(ctx, key); ok {
		return v, nil
	}
	return m.flight.do(ctx, key, func(c *call) ([]byte, error) {
		// Another flight may have stored it between our miss and now.
		if v, ok := m.get(key); ok {
			return v, nil
		}
		m.metrics.load(m.name)
		v, err := load(ctx)
		if err != nil {
			m.metrics.fail(m.name, "load")
			return nil, err
		}
		m.mu.Lock()
		if !m.flight.isStale(c) {
			m.setLocked(key, v, ttl)
		}
		m.mu.Unlock()
		return v, nil
	})
}
