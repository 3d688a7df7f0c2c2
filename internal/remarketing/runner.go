package remarketing

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/telegram"
)

// runner is one round of a RunJob: it sends the campaign to the queued
// recipients of one bot until none is due, the round's time is up, or the
// campaign stops.
type runner struct {
	s     *Service
	job   RunJob
	c     *grimbots.Campaign
	bot   *grimbots.Bot
	m     funnel.Messenger
	msg   composed
	runID int64

	// stop makes the senders leave what they hold queued: the campaign was
	// paused or cancelled, the bot's token was revoked, or the bot is
	// paused by Telegram for longer than the client waits.
	stop      atomic.Bool
	revoked   atomic.Bool
	pausedFor atomic.Int64 // a retry_after, in nanoseconds
	// inFlight counts recipients handed to senders and not settled yet.
	inFlight sync.WaitGroup
	// turn is held by the one send waiting for the bot's turn (see send).
	turn chan struct{}
	// sent takes the recipients whose message Telegram accepted, to be
	// recorded in batches (see flushSent).
	sent chan int64
}

func newRunID() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:])>>1) | 1
}

// run builds the bot's audience if needed, then sends a round.
func (s *Service) run(ctx context.Context, j RunJob) error {
	c, err := s.store.Campaign(ctx, j.SellerID, j.CampaignID)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if c.Status != grimbots.CampaignSending {
		return nil // paused or cancelled: resume queues the runners again
	}
	r := &runner{s: s, job: j, c: c, runID: newRunID(), turn: make(chan struct{}, 1)}
	// Only one run of this campaign and bot is alive at a time, so a claim
	// left by another run was interrupted: it may have been delivered.
	if n, err := s.store.SettleOrphans(ctx, j.SellerID, j.CampaignID, j.BotID, r.runID); err != nil {
		return err
	} else if n > 0 {
		s.logger.WarnContext(ctx, "campaign sends interrupted earlier are not repeated", "campaign_id", c.ID, "bot_id", j.BotID,
			"uncertain", n)
	}
	for done := false; !done; {
		done, _, err = s.store.BuildAudience(ctx, j.SellerID, j.CampaignID, j.BotID, s.cfg.AudiencePage, s.now())
		if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
			return nil // deleted meanwhile
		} else if err != nil {
			return err
		}
	}
	r.bot, err = s.store.Bot(ctx, j.SellerID, j.BotID)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
		return r.giveUp(ctx, grimbots.ReasonBotGone, "the bot was removed")
	} else if err != nil {
		return err
	}
	if r.msg, err = s.compose(ctx, c, r.bot); err != nil {
		return err
	}
	if r.m, err = s.messengers.Messenger(r.bot); err != nil {
		return err
	}
	return r.round(ctx)
}

// giveUp fails the bot's queued recipients and finishes the campaign if
// nothing else is left.
func (r *runner) giveUp(ctx context.Context, reason, why string) error {
	if _, err := r.s.store.FailQueued(ctx, r.job.SellerID, r.job.CampaignID, r.job.BotID, reason, why); err != nil {
		return err
	}
	_, err := r.s.store.FinishCampaign(ctx, r.job.SellerID, r.job.CampaignID, r.s.now())
	return err
}

// round feeds the due recipients, a batch at a time in lead id order, to
// the senders; a second pass from the start picks up the ones put back in
// the queue. It ends by queuing the job again (time is up, or recipients
// wait for a retry), or by finishing the campaign.
func (r *runner) round(ctx context.Context) error {
	s := r.s
	// Claimed recipients wait here for the sender holding the turn: the
	// senders waiting for the turn hold none (see feed).
	work := make(chan grimbots.Recipient, claimAhead)
	r.sent = make(chan int64, 4*sentBatchSize)
	flushed := make(chan struct{})
	go r.flushSent(ctx, flushed)
	var senders sync.WaitGroup
	for range s.cfg.Senders {
		senders.Go(func() { r.sender(ctx, work) })
	}
	defer func() {
		close(work)
		senders.Wait()
		close(r.sent)
		<-flushed
	}()
	deadline := time.Now().Add(s.cfg.Round)
	var cooldown *time.Time
	if r.c.CooldownHours > 0 {
		since := s.now().Add(-time.Duration(r.c.CooldownHours) * time.Hour)
		cooldown = &since
	}
	checked := time.Now()
	var after int64
	for {
		if err := r.checkStatus(ctx, &checked); err != nil {
			return err
		}
		switch {
		case ctx.Err() != nil:
			r.inFlight.Wait()
			return river.JobSnooze(0) // shutting down: the next instance takes over at once
		case r.revoked.Load():
			r.inFlight.Wait()
			return r.giveUp(ctx, grimbots.ReasonRevoked, "Telegram refused the bot's token (401)")
		case r.stop.Load():
			r.inFlight.Wait()
			if d := time.Duration(r.pausedFor.Load()); d > 0 {
				return river.JobSnooze(d)
			}
			return nil
		case time.Now().After(deadline):
			r.inFlight.Wait()
			return river.JobSnooze(0) // let other runners have the slot
		}
		list, last, retryAt, err := s.store.NextRecipients(ctx, r.job.SellerID, r.job.CampaignID, r.job.BotID, after,
			s.cfg.BatchSize, s.now(), cooldown)
		if err != nil {
			r.inFlight.Wait()
			return err
		}
		if last == after {
			// The senders may still put recipients back in the queue.
			r.inFlight.Wait()
			if after > 0 {
				after = 0
				continue
			}
			if retryAt != nil {
				wait := retryAt.Sub(s.now())
				if wait > shortWait || time.Now().Add(wait).After(deadline) {
					return river.JobSnooze(max(wait, time.Second))
				}
				// A retry due soon (after a 429) is waited for here: a
				// snoozed job waits for the queue's scheduler too.
				select {
				case <-time.After(wait):
				case <-ctx.Done():
				}
				continue
			}
			_, err := s.store.FinishCampaign(ctx, r.job.SellerID, r.job.CampaignID, s.now())
			return err
		}
		for chunk := range slices.Chunk(list, store.ClaimBatch) {
			if r.stop.Load() || ctx.Err() != nil {
				break
			}
			r.feed(ctx, work, chunk)
			if err := r.checkStatus(ctx, &checked); err != nil {
				return err
			}
		}
		after = last
	}
}

// claimAhead is how many claimed recipients wait for the bot's turn.
const claimAhead = store.ClaimBatch / 2

// feed claims a few recipients in one write and hands the claimed ones to
// the senders. Claims are made here, ahead of the sends, so that a claim's
// latency never holds up the bot's pace, nor sits between the limiter and
// the request (where it would bunch requests past Telegram's pace). Few are
// claimed ahead (at most a chunk and claimAhead, plus the send holding the
// turn): a worker that dies without a chance to give back what it claimed
// leaves those recipients uncertain, never messaged twice. A worker that
// stops gives them back.
func (r *runner) feed(ctx context.Context, work chan<- grimbots.Recipient, chunk []grimbots.Recipient) {
	ids := make([]int64, len(chunk))
	for i, rc := range chunk {
		ids[i] = rc.LeadID
	}
	claimed, err := r.s.store.ClaimRecipients(ctx, r.job.SellerID, r.job.CampaignID, r.runID, ids)
	if err != nil && ctx.Err() == nil {
		// Any it did claim are settled as uncertain by the next run.
		r.s.logger.WarnContext(ctx, "could not claim campaign recipients", "campaign_id", r.c.ID, "err", err)
	}
	for _, rc := range chunk {
		if !slices.Contains(claimed, rc.LeadID) {
			continue // taken by another run, skipped or cancelled
		}
		r.inFlight.Add(1)
		if r.stop.Load() {
			r.unsent(ctx, rc, errStopped)
			r.inFlight.Done()
			continue
		}
		select {
		case work <- rc:
		case <-ctx.Done():
			r.unsent(ctx, rc, ctx.Err())
			r.inFlight.Done()
		}
	}
}

// errStopped gives back a claimed recipient whose send the campaign's stop
// (pause, cancel, a revoked token, a long pause by Telegram) came before.
var errStopped = errors.New("remarketing: stopped before this send")

// shortWait is the longest a round waits in place for a recipient's retry;
// a longer wait yields the worker slot.
const shortWait = 10 * time.Second

// statusEvery is how often a round looks at its campaign's status: a pause
// or a cancel takes effect within it (plus the sends already waiting for
// their turn).
const statusEvery = time.Second

// checkStatus stops the round once the campaign is no longer sending.
func (r *runner) checkStatus(ctx context.Context, last *time.Time) error {
	if time.Since(*last) < statusEvery || ctx.Err() != nil {
		return nil
	}
	*last = time.Now()
	c, err := r.s.store.Campaign(ctx, r.job.SellerID, r.job.CampaignID)
	switch {
	case grimbots.ErrorCode(err) == grimbots.ENOTFOUND:
		r.stop.Store(true)
	case err != nil:
		r.inFlight.Wait()
		return err
	case c.Status != grimbots.CampaignSending:
		r.stop.Store(true)
	}
	return nil
}

// sender takes the bot's turn, then a claimed recipient, and sends to it;
// until work is closed. The senders waiting for the turn hold no
// recipient. Once the job is cancelled, what is left in work is given back.
func (r *runner) sender(ctx context.Context, work <-chan grimbots.Recipient) {
	for {
		select {
		case r.turn <- struct{}{}:
		case <-ctx.Done():
			for rc := range work {
				r.unsent(ctx, rc, ctx.Err())
				r.inFlight.Done()
			}
			return
		}
		rc, ok := <-work
		if !ok {
			<-r.turn
			return
		}
		r.send(ctx, rc)
	}
}

// send sends the message to one claimed recipient, holding the bot's turn:
// it waits for the bot's turn (the client's limiter) and passes the turn
// on as its request leaves. Its outcome is recorded before it counts as
// done (inFlight): a sent one by flushSent.
func (r *runner) send(ctx context.Context, rc grimbots.Recipient) {
	batched := false
	defer func() {
		if !batched {
			r.inFlight.Done()
		}
	}()
	var pass sync.Once
	passTurn := func() { pass.Do(func() { <-r.turn }) }
	defer passTurn()
	if ctx.Err() != nil {
		r.unsent(ctx, rc, ctx.Err())
		return
	}
	if r.stop.Load() {
		r.unsent(ctx, rc, errStopped)
		return
	}
	left := false
	turn := telegram.WithTurn(ctx, func(context.Context) error {
		left = true
		passTurn()
		return nil
	})
	err := r.m.Send(turn, rc.ChatID, r.msg.to(rc))
	switch {
	case err == nil:
		batched = true
		r.sent <- rc.LeadID
	case left:
		r.settle(ctx, rc, err)
	default:
		r.unsent(ctx, rc, err)
	}
}

// unsent handles a claimed send that failed before its request left:
// nothing was delivered.
func (r *runner) unsent(ctx context.Context, rc grimbots.Recipient, err error) {
	res := grimbots.RecipientResult{SellerID: r.job.SellerID, CampaignID: r.job.CampaignID, LeadID: rc.LeadID, RunID: r.runID,
		Status: grimbots.RecipientQueued, Error: err.Error(), At: r.s.now()}
	var ra *telegram.RetryAfterError
	switch {
	case errors.Is(err, telegram.ErrBadRequest):
		// Refused by the client's own checks: it would be every time.
		res.Status, res.Reason = grimbots.RecipientFailed, grimbots.ReasonRejected
	case errors.As(err, &ra):
		// The bot is paused (a 429) for longer than the client waits.
		r.pausedFor.Store(int64(ra.After))
		r.stop.Store(true)
	case errors.Is(err, errStopped):
		res.Error = ""
	case ctx.Err() == nil:
		r.s.logger.WarnContext(ctx, "campaign send not attempted", "campaign_id", r.c.ID, "bot_id", r.job.BotID, "err", err)
	}
	r.record(ctx, res)
}

// settle records the outcome of a claimed send.
func (r *runner) settle(ctx context.Context, rc grimbots.Recipient, err error) {
	s := r.s
	now := s.now()
	res := grimbots.RecipientResult{SellerID: r.job.SellerID, CampaignID: r.job.CampaignID, LeadID: rc.LeadID, RunID: r.runID,
		At: now}
	if err != nil {
		res.Error = err.Error()
	}
	var ra *telegram.RetryAfterError
	switch {
	case err == nil:
		res.Status = grimbots.RecipientSent
	case !telegram.Undelivered(err):
		// Telegram may have delivered it: never sent again.
		res.Status, res.Reason = grimbots.RecipientFailed, grimbots.ReasonUncertain
	case errors.As(err, &ra):
		// Telegram refused it (429) and paused the bot: due again after.
		retry := now.Add(ra.After)
		res.Status, res.RetryAt = grimbots.RecipientQueued, &retry
	case errors.Is(err, telegram.ErrBlocked):
		res.Status = grimbots.RecipientBlocked
		if berr := s.store.SetLeadBlocked(context.WithoutCancel(ctx), r.job.SellerID, rc.LeadID, now); berr != nil {
			s.logger.WarnContext(ctx, "could not mark a lead blocked", "lead_id", rc.LeadID, "err", berr)
		}
	case errors.Is(err, telegram.ErrUnauthorized):
		res.Status, res.Reason = grimbots.RecipientFailed, grimbots.ReasonRevoked
		r.revoked.Store(true)
		r.stop.Store(true)
	case errors.Is(err, telegram.ErrTemporary) && rc.Attempts+1 < s.cfg.MaxAttempts:
		retry := now.Add(s.cfg.RetryBackoff << rc.Attempts)
		res.Status, res.RetryAt, res.Attempt = grimbots.RecipientQueued, &retry, true
	case errors.Is(err, telegram.ErrTemporary):
		res.Status, res.Reason = grimbots.RecipientFailed, grimbots.ReasonGaveUp
	default:
		res.Status, res.Reason = grimbots.RecipientFailed, grimbots.ReasonRejected
	}
	r.record(ctx, res)
}

// Sent recipients are recorded in batches of up to sentBatchSize, at most
// sentBatchWait after the first of a batch: one write for many sends. A
// crash before a batch is written leaves its recipients claimed, and the
// next run settles them as uncertain: never sent twice.
const (
	sentBatchSize = store.SentBatch
	sentBatchWait = 250 * time.Millisecond
)

// flushSent records the recipients received on r.sent until it is closed,
// then closes flushed.
func (r *runner) flushSent(ctx context.Context, flushed chan<- struct{}) {
	defer close(flushed)
	batch := make([]int64, 0, sentBatchSize)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func() {
		if len(batch) == 0 {
			return
		}
		r.write(ctx, "sent", func(ctx context.Context) error {
			_, err := r.s.store.SettleSent(ctx, r.job.SellerID, r.job.CampaignID, r.runID, batch, r.s.now())
			return err
		})
		for range batch {
			r.inFlight.Done()
		}
		batch = batch[:0]
	}
	for {
		select {
		case id, ok := <-r.sent:
			if !ok {
				flush()
				return
			}
			if len(batch) == 0 {
				timer.Reset(sentBatchWait)
			}
			if batch = append(batch, id); len(batch) == sentBatchSize {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

// record writes an outcome, even while the job is being cancelled (the
// send happened); a recipient whose outcome cannot be written stays
// claimed and the next run settles it as uncertain.
func (r *runner) record(ctx context.Context, res grimbots.RecipientResult) {
	r.write(ctx, res.Status, func(ctx context.Context) error {
		_, err := r.s.store.SettleRecipient(ctx, res)
		return err
	})
}

// write runs a write of outcomes with a few retries, even while the job is
// being cancelled.
func (r *runner) write(ctx context.Context, what string, fn func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var err error
	for attempt := range 3 {
		if err = fn(ctx); err == nil {
			return
		}
		time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
	}
	r.s.logger.ErrorContext(ctx, "could not record campaign sends; they will count as uncertain", "campaign_id", r.job.CampaignID,
		"bot_id", r.job.BotID, "outcome", what, "err", err)
}
