package events

import "context"

// Memory is the in-process bus (one instance, no Redis).
type Memory struct{ h hub }

// NewMemory returns an in-process bus.
func NewMemory() *Memory { return &Memory{} }

// Publish delivers ev to this process's subscribers.
func (m *Memory) Publish(_ context.Context, ev Event) error {
	m.h.deliver(ev)
	return nil
}

// Subscribe starts receiving the seller's events.
func (m *Memory) Subscribe(sellerID int64) *Subscription { return m.h.subscribe(sellerID) }

// Subscribers counts the open subscriptions.
func (m *Memory) Subscribers() int { return m.h.subscribers() }

// Close ends every subscription.
func (m *Memory) Close() error {
	m.h.close()
	return nil
}
