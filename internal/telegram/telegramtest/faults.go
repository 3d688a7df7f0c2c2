package telegramtest

import (
	"fmt"
	"net/http"
	"time"
)

// Fault is an error answer to inject with Fail. Build one with a
// constructor, narrow it with On, ToChat and ForBot, and repeat it with
// Times.
type Fault struct {
	code       int
	desc       string
	retryAfter int
	method     string
	chatID     int64
	botID      int64
	times      int
}

// TooManyRequests answers 429 with parameters.retry_after.
func TooManyRequests(retryAfter int) Fault {
	return Fault{code: http.StatusTooManyRequests, desc: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), retryAfter: retryAfter, times: 1}
}

// Forbidden answers 403 "Forbidden: bot was blocked by the user".
func Forbidden() Fault {
	return Fault{code: http.StatusForbidden, desc: "Forbidden: bot was blocked by the user", times: 1}
}

// Unauthorized answers 401 "Unauthorized".
func Unauthorized() Fault {
	return Fault{code: http.StatusUnauthorized, desc: "Unauthorized", times: 1}
}

// InternalError answers 500 "Internal Server Error".
func InternalError() Fault {
	return Fault{code: http.StatusInternalServerError, desc: "Internal Server Error", times: 1}
}

// BadRequest answers 400 with "Bad Request: " + desc.
func BadRequest(desc string) Fault {
	return Fault{code: http.StatusBadRequest, desc: "Bad Request: " + desc, times: 1}
}

// On limits the fault to calls of method.
func (f Fault) On(method string) Fault { f.method = method; return f }

// ToChat limits the fault to calls addressed to chatID.
func (f Fault) ToChat(chatID int64) Fault { f.chatID = chatID; return f }

// ForBot limits the fault to calls of one bot.
func (f Fault) ForBot(botID int64) Fault { f.botID = botID; return f }

// Times makes the fault answer n matching calls instead of one.
func (f Fault) Times(n int) Fault { f.times = n; return f }

// Fail queues a fault: the next matching calls answer it. Faults apply after
// the token is authenticated and before everything else, in the order
// queued.
func (s *Server) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// takeFault consumes the first fault matching c. Callers hold s.mu.
func (s *Server) takeFault(c *Call) (answer, bool) {
	for i, f := range s.faults {
		if (f.method != "" && f.method != c.Method) || (f.chatID != 0 && f.chatID != c.ChatID) || (f.botID != 0 && f.botID != c.BotID) {
			continue
		}
		if f.times--; f.times <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return answer{code: f.code, desc: f.desc, retryAfter: f.retryAfter}, true
	}
	return answer{}, false
}

// RevokeToken makes every later call with token answer 401, as after the
// owner revoked it in @BotFather.
func (s *Server) RevokeToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.bots[token]; b != nil {
		b.revoked = true
	}
}

// BlockChat makes every later call of a bot addressed to chatID answer 403
// "Forbidden: bot was blocked by the user", until UnblockChat.
func (s *Server) BlockChat(botID, chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bot(botID).blocked[chatID] = true
}

// UnblockChat undoes BlockChat.
func (s *Server) UnblockChat(botID, chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.bot(botID).blocked, chatID)
}

// Limits are the send rates EnforceLimits applies, over a sliding window.
type Limits struct {
	PerBot  int           // sends per Window per bot; default 30
	PerChat int           // sends per Window per chat of a bot; default 1
	Window  time.Duration // default 1s
	// Slack shortens the window to absorb network jitter between a
	// client's limiter and the server's clock; default 50ms.
	Slack time.Duration
}

// EnforceLimits makes send* calls beyond the limits answer 429 with
// retry_after 1, and counts them as violations.
func (s *Server) EnforceLimits(l Limits) {
	if l.PerBot <= 0 {
		l.PerBot = 30
	}
	if l.PerChat <= 0 {
		l.PerChat = 1
	}
	if l.Window <= 0 {
		l.Window = time.Second
	}
	if l.Slack <= 0 {
		l.Slack = 50 * time.Millisecond
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = &l
}

// Violations returns how many sends EnforceLimits refused.
func (s *Server) Violations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations
}

// overLimit reports whether a send of b to chatID now would exceed the
// limits, and records it if not. Callers hold s.mu.
func (s *Server) overLimit(b *fakeBot, chatID int64) bool {
	if s.limits == nil {
		return false
	}
	now := time.Now()
	since := now.Add(-(s.limits.Window - s.limits.Slack))
	botKey, chatKey := sendKey{botID: b.id, wholeBot: true}, sendKey{botID: b.id, chatID: chatID}
	s.sends[botKey] = recent(s.sends[botKey], since)
	s.sends[chatKey] = recent(s.sends[chatKey], since)
	if len(s.sends[botKey]) >= s.limits.PerBot || len(s.sends[chatKey]) >= s.limits.PerChat {
		s.violations++
		return true
	}
	s.sends[botKey] = append(s.sends[botKey], now)
	s.sends[chatKey] = append(s.sends[chatKey], now)
	return false
}

// sendKey names a sliding window: a bot's, or one of its chats'.
type sendKey struct {
	botID, chatID int64
	wholeBot      bool
}

// recent drops the times before since from an ascending list.
func recent(times []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(times) && !times[i].After(since) {
		i++
	}
	return times[i:]
}
