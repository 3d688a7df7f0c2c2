package api

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/events"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// Server-sent event stream settings.
const (
	// sseRetry is the reconnection delay the stream asks browsers for.
	sseRetry = 3 * time.Second
	// sseWriteTimeout bounds one write: a client that stopped reading is
	// dropped instead of holding the handler.
	sseWriteTimeout = 10 * time.Second
	// defaultHeartbeat keeps proxies from closing an idle stream, and is
	// how often the caller's credentials are checked again.
	defaultHeartbeat = 15 * time.Second
)

// EventsInput opens (or resumes) a stream.
type EventsInput struct {
	Accept      string `header:"Accept" doc:"Must accept text/event-stream (browsers' EventSource does)."`
	LastEventID string `header:"Last-Event-ID" doc:"The id of the last event received (browsers send it when they reconnect): the achievements unlocked since are sent first."`
}

const eventsDescription = "A `text/event-stream` of the caller's own live events, for the dashboard (send " +
	"`Accept: text/event-stream`, as `EventSource` does):\n\n" +
	"* `sale`: a sale was confirmed (`payment_id`, `reference`, `amount_cents`, `amount`, `description`, `gateway`, `bot_id`, `paid_at`);\n" +
	"* `achievement`: an achievement was unlocked (`slug`, `name`, `description`, `category`, `tier`, `rarity`, `points`, `icon`, " +
	"`unlocked_at`), with the unlock's `id` as the event id;\n" +
	"* `league`: the league changed (`from`, `to`, `promoted`).\n\n" +
	"Comments (`: ping`) are sent every 15 s. The stream ends when the session or token stops being valid (logout, " +
	"password change, ban), checked on every heartbeat and before every event; a browser's `EventSource` then gets 401 and " +
	"stops. A client that falls behind, or a server that shuts down, ends the stream too: the client reconnects with " +
	"`Last-Event-ID` and receives the achievements it missed."

func (a *API) registerEvents() {
	op := huma.Operation{OperationID: "events", Method: http.MethodGet, Path: "/api/v1/events", Tags: []string{"Live events"},
		Summary: "Live events (server-sent events)", Description: eventsDescription,
		Responses: map[string]*huma.Response{"200": {Description: "The event stream.", Content: map[string]*huma.MediaType{
			"text/event-stream": {Schema: &huma.Schema{Type: huma.TypeString}}}}}}
	register(a, op, authAny, func(ctx context.Context, in *EventsInput) (*huma.StreamResponse, error) {
		if !strings.Contains(in.Accept, "text/event-stream") {
			return nil, grimbots.Invalid("this endpoint streams server-sent events", grimbots.FieldError{Field: "header.Accept",
				Message: "must accept text/event-stream", Value: in.Accept})
		}
		p := principal(ctx)
		after := int64(-1) // a first connection replays nothing
		if id, err := strconv.ParseInt(in.LastEventID, 10, 64); err == nil && id >= 0 {
			after = id
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) { a.stream(hctx, p, after) }}, nil
	})
}

// stream writes the caller's events until the client leaves, the
// credentials end, the subscription ends or the server shuts down.
func (a *API) stream(hctx huma.Context, p *auth.Principal, after int64) {
	ctx := hctx.Context()
	sub := a.events.Subscribe(p.User.ID)
	defer sub.Close()
	w, _ := hctx.BodyWriter().(http.ResponseWriter)
	if w == nil {
		return
	}
	rc := http.NewResponseController(w)
	write := func(frame []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		if _, err := w.Write(frame); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	hctx.SetHeader("Content-Type", "text/event-stream")
	hctx.SetHeader("Cache-Control", "no-store")
	hctx.SetHeader("X-Accel-Buffering", "no") // proxies must not buffer the stream
	if !write([]byte("retry: " + strconv.Itoa(int(sseRetry/time.Millisecond)) + "\n: connected\n\n")) {
		return
	}
	// Catch up on the unlocks missed since the client's last event; live
	// ones already replayed are then skipped.
	replayed := after
	if after >= 0 {
		missed, err := a.gamification.Replay(ctx, p.User.ID, after)
		if err != nil {
			a.errs.logger.WarnContext(ctx, "replaying achievements on a live stream", "err", err)
		}
		for _, u := range missed {
			ev, err := events.New(p.User.ID, events.TypeAchievement, u.ID, u.Unlocked)
			if err != nil || !write(sseFrame(ev)) {
				return
			}
			replayed = u.ID
		}
	}
	heartbeat := a.cfg.EventsHeartbeat
	if heartbeat <= 0 {
		heartbeat = defaultHeartbeat
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sub.Done():
			return // the server is shutting down, or this client fell behind: it reconnects
		case ev := <-sub.Events():
			if ev.Type == events.TypeAchievement && ev.ID > 0 && ev.ID <= replayed {
				continue
			}
			if !a.stillAuthenticated(hctx, p) || !write(sseFrame(ev)) {
				return
			}
		case <-tick.C:
			if !a.stillAuthenticated(hctx, p) || !write([]byte(": ping\n\n")) {
				return
			}
		}
	}
}

// stillAuthenticated checks the stream's credentials again: a logout, a
// password change, a ban or a revoked token ends the stream.
func (a *API) stillAuthenticated(hctx huma.Context, p *auth.Principal) bool {
	q, err := a.resolve(hctx)
	return err == nil && q != nil && q.User.ID == p.User.ID
}

// sseFrame encodes an event: its type, its id when it has one, its data.
func sseFrame(ev events.Event) []byte {
	var b bytes.Buffer
	if ev.ID > 0 {
		b.WriteString("id: " + strconv.FormatInt(ev.ID, 10) + "\n")
	}
	b.WriteString("event: " + ev.Type + "\n")
	for line := range bytes.SplitSeq(ev.Data, []byte("\n")) {
		b.WriteString("data: ")
		b.Write(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	return b.Bytes()
}
