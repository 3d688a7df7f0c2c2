package telegramtest

import (
	"context"
	"sync"
	"time"
)

// holdRule keeps the calls it matches waiting until released.
type holdRule struct {
	match    Match
	released chan struct{}
	once     sync.Once
	waiting  int
}

// Hold makes the calls matching m wait, before they are handled, until the
// returned release is called or the server closes; they are then handled
// and recorded as usual. It catches a client in the middle of a request:
// to stop it there, or to answer late.
func (s *Server) Hold(m Match) (release func()) {
	h := &holdRule{match: m, released: make(chan struct{})}
	s.mu.Lock()
	s.holds = append(s.holds, h)
	s.mu.Unlock()
	return func() {
		h.once.Do(func() { close(h.released) })
	}
}

// Holding returns how many calls wait in holds now.
func (s *Server) Holding() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, h := range s.holds {
		n += h.waiting
	}
	return n
}

// hold waits while a hold matching c is in place.
func (s *Server) hold(ctx context.Context, c Call) {
	s.mu.Lock()
	var h *holdRule
	for _, r := range s.holds {
		select {
		case <-r.released:
			continue
		default:
		}
		if r.match(c) {
			h = r
			break
		}
	}
	if h == nil {
		s.mu.Unlock()
		return
	}
	h.waiting++
	s.mu.Unlock()
	select {
	case <-h.released:
	case <-ctx.Done():
	case <-s.ctx.Done():
	}
	s.mu.Lock()
	h.waiting--
	s.mu.Unlock()
}

// CountOnly makes the server keep, instead of every call, only the number
// of successful sends per bot and chat (SendCounts) and the time of each
// bot's first and last (SendSpans), so that its memory does not grow with
// the calls of a load test. Calls, Messages and
// WaitCalls then see nothing. Call it before use.
func (s *Server) CountOnly() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tally = map[sendKey]int{}
	s.spans = map[int64][2]time.Time{}
}

// SendCounts returns, under CountOnly, the successful sends per bot and
// chat: [bot id, chat id] → count.
func (s *Server) SendCounts() map[[2]int64]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[[2]int64]int, len(s.tally))
	for k, n := range s.tally {
		out[[2]int64{k.botID, k.chatID}] = n
	}
	return out
}

// SendSpans returns, under CountOnly, when each bot's first and last
// successful sends arrived: bot id → [first, last].
func (s *Server) SendSpans() map[int64][2]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int64][2]time.Time, len(s.spans))
	for k, v := range s.spans {
		out[k] = v
	}
	return out
}
