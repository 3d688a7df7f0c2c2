// Package telegramtest is a fake Telegram Bot API server for tests. It
// speaks the real wire format (POST /bot<token>/<method> with JSON, form or
// multipart bodies; {"ok":true,"result":…} and {"ok":false,"error_code":…,
// "description":…,"parameters":{"retry_after":…}} answers), serves several
// bots, records every call, injects updates through long-polling getUpdates
// or webhook pushes, and injects faults (429, 403, 401, 500, revoked tokens,
// blocked chats) and, optionally, Telegram's rate limits.
//
// A typical end-to-end test:
//
//	srv := telegramtest.New(t)
//	botID := srv.AddBot("1001:secret", "shop_bot")
//	... point the code under test at srv.URL ...
//	srv.Inject(botID, telegramtest.Start(42, "promo"))
//	msgs := srv.WaitCalls(t, 1, telegramtest.All(telegramtest.Method("sendMessage"), telegramtest.ToChat(42)))
package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is the fake Bot API. Its methods are safe for concurrent use.
type Server struct {
	// URL is the API base URL to configure clients with.
	URL string
	// WaitTimeout bounds WaitCalls; default 5s. Set it before use.
	WaitTimeout time.Duration

	hs      *httptest.Server
	webhook *http.Client
	ctx     context.Context // done on Close: ends long polls and deliveries
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu         sync.Mutex
	bots       map[string]*fakeBot // by token
	calls      []Call
	changed    chan struct{} // closed and replaced when a call is recorded
	faults     []*Fault
	files      map[string]fileRef // known file_ids
	limits     *Limits            // nil: limits not enforced
	sends      map[sendKey][]time.Time
	violations int
	holds      []*holdRule
	tally      map[sendKey]int // non-nil: calls are counted, not kept (CountOnly)
	spans      map[int64][2]time.Time
}

type fakeBot struct {
	id       int64
	token    string
	username string
	revoked  bool
	blocked  map[int64]bool

	nextUpdateID  int64
	nextMessageID int64
	queue         []queued      // pending updates, ascending ids
	signal        chan struct{} // closed and replaced when queue or webhook change
	pollGen       int           // bumped by every getUpdates: an older poll ends with 409
	hook          webhookState
}

type queued struct {
	id   int64
	json json.RawMessage
}

// New starts a fake server, closed when the test ends.
func New(t testing.TB) *Server {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		WaitTimeout: 5 * time.Second,
		webhook:     &http.Client{Timeout: 10 * time.Second},
		ctx:         ctx,
		cancel:      cancel,
		bots:        map[string]*fakeBot{},
		changed:     make(chan struct{}),
		files:       map[string]fileRef{},
		sends:       map[sendKey][]time.Time{},
	}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.hs.URL
	t.Cleanup(s.Close)
	return s
}

// Close stops webhook deliveries and long polls, then the server.
func (s *Server) Close() {
	s.cancel()
	s.hs.Close()
	s.wg.Wait()
}

// AddBot registers a bot. The token must look like a real one,
// "<bot id>:<secret>"; the id is returned. getMe answers with username.
func (s *Server) AddBot(token, username string) int64 {
	idPart, secret, _ := strings.Cut(token, ":")
	id, err := strconv.ParseInt(idPart, 10, 64)
	if err != nil || id <= 0 || secret == "" {
		panic(fmt.Sprintf("telegramtest: token %q is not <bot id>:<secret>", token))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bots[token] = &fakeBot{id: id, token: token, username: username, blocked: map[int64]bool{},
		nextUpdateID: 100_000_001, nextMessageID: 1, signal: make(chan struct{})}
	return id
}

// bot returns the bot with this id; it panics for an unknown one (a test
// bug). Callers hold s.mu.
func (s *Server) bot(botID int64) *fakeBot {
	for _, b := range s.bots {
		if b.id == botID {
			return b
		}
	}
	panic(fmt.Sprintf("telegramtest: unknown bot %d", botID))
}

// notify wakes long polls and the webhook deliverer. Callers hold s.mu.
func (b *fakeBot) notify() {
	close(b.signal)
	b.signal = make(chan struct{})
}

func (b *fakeBot) user() User {
	return User{ID: b.id, IsBot: true, FirstName: b.username, Username: b.username}
}

// answer is what a method call returns.
type answer struct {
	code       int // 0 or 200: ok
	result     any
	desc       string
	retryAfter int
}

func ok(result any) answer { return answer{result: result} }

func fail(code int, desc string) answer { return answer{code: code, desc: desc} }

func (a answer) status() int {
	if a.code == 0 {
		return http.StatusOK
	}
	return a.code
}

// serve handles POST|GET /bot<token>/<method>.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	token, method, found := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
	if !found || !strings.HasPrefix(r.URL.Path, "/bot") || method == "" {
		write(w, fail(http.StatusNotFound, "Not Found"))
		return
	}
	call := Call{Method: method, Token: token, At: time.Now()}
	params, files, err := readParams(r)
	var a answer
	if err != nil {
		a = fail(http.StatusBadRequest, "Bad Request: "+err.Error())
	} else {
		call.Params = params
		call.decode(files)
		s.hold(r.Context(), call)
		a = s.handle(r.Context(), &call)
	}
	call.Status, call.Description = a.status(), a.desc
	s.record(call)
	write(w, a)
}

// handle authenticates the call, applies faults and limits, then runs the
// method.
func (s *Server) handle(ctx context.Context, c *Call) answer {
	s.mu.Lock()
	b := s.bots[c.Token]
	if b != nil {
		c.BotID = b.id
	}
	if b == nil || b.revoked {
		s.mu.Unlock()
		return fail(http.StatusUnauthorized, "Unauthorized")
	}
	if a, hit := s.takeFault(c); hit {
		s.mu.Unlock()
		return a
	}
	if c.Method == "getUpdates" {
		s.mu.Unlock()
		return s.getUpdates(ctx, b, c)
	}
	defer s.mu.Unlock()
	if _, hasChat := c.Params["chat_id"]; hasChat && b.blocked[c.ChatID] {
		return fail(http.StatusForbidden, "Forbidden: bot was blocked by the user")
	}
	if isSend(c.Method) && s.overLimit(b, c.ChatID) {
		a := fail(http.StatusTooManyRequests, "Too Many Requests: retry after 1")
		a.retryAfter = 1
		return a
	}
	h, known := methods[c.Method]
	if !known {
		return fail(http.StatusNotFound, "Not Found")
	}
	return h(s, b, c)
}

func write(w http.ResponseWriter, a answer) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status())
	body := map[string]any{"ok": a.code == 0}
	if a.desc != "" {
		body["description"] = a.desc
	}
	if a.code == 0 {
		body["result"] = a.result
	} else {
		body["error_code"] = a.code
		if a.retryAfter > 0 {
			body["parameters"] = map[string]int{"retry_after": a.retryAfter}
		}
	}
	_ = json.NewEncoder(w).Encode(body)
}
