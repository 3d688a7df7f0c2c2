package events

import (
	"sync"
)

// subscriptionBuffer is how many events a subscriber may have pending
// before it is considered stuck and ended.
const subscriptionBuffer = 64

// hub fans events out to this instance's subscribers.
type hub struct {
	mu     sync.Mutex
	subs   map[int64]map[*Subscription]struct{}
	closed bool
}

// Subscription receives one seller's events.
type Subscription struct {
	SellerID int64
	c        chan Event
	done     chan struct{}
	once     sync.Once
	h        *hub
}

// Events delivers the events, in publication order per publisher.
func (s *Subscription) Events() <-chan Event { return s.c }

// Done is closed when the subscription has ended.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Close ends the subscription.
func (s *Subscription) Close() {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	s.h.remove(s)
}

func (s *Subscription) end() { s.once.Do(func() { close(s.done) }) }

func (h *hub) subscribe(sellerID int64) *Subscription {
	s := &Subscription{SellerID: sellerID, c: make(chan Event, subscriptionBuffer), done: make(chan struct{}), h: h}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		s.end()
		return s
	}
	if h.subs == nil {
		h.subs = map[int64]map[*Subscription]struct{}{}
	}
	if h.subs[sellerID] == nil {
		h.subs[sellerID] = map[*Subscription]struct{}{}
	}
	h.subs[sellerID][s] = struct{}{}
	return s
}

// remove ends s; the caller holds h.mu.
func (h *hub) remove(s *Subscription) {
	if set := h.subs[s.SellerID]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(h.subs, s.SellerID)
		}
	}
	s.end()
}

// deliver hands ev to the seller's subscribers without ever blocking the
// publisher: a subscriber whose buffer is full is ended instead.
func (h *hub) deliver(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[ev.SellerID] {
		select {
		case s.c <- ev:
		default:
			h.remove(s)
		}
	}
}

// subscribers counts this instance's subscriptions.
func (h *hub) subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, set := range h.subs {
		n += len(set)
	}
	return n
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, set := range h.subs {
		for s := range set {
			s.end()
		}
	}
	h.subs = nil
}
