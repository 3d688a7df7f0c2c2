package bots

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/telegram"
)

// ChatJob processes a chat's pending updates in update_id order. One is
// queued per stored update; whichever runs first drains the chat under the
// chat's lock and the others find nothing left.
type ChatJob struct {
	BotID  int64 `json:"bot_id"`
	ChatID int64 `json:"chat_id"`
}

// Kind names the job.
func (ChatJob) Kind() string { return "telegram_chat" }

// InsertOpts keeps trying while Telegram or the database recover.
func (ChatJob) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 20} }

// SweepJob re-queues chats whose updates were left pending (a worker died
// holding them).
type SweepJob struct{}

// Kind names the job.
func (SweepJob) Kind() string { return "telegram_sweep" }

const (
	chatLockTTL       = time.Minute
	maxUpdateAttempts = 5
	// stalledAfter is how old a pending update must be for the sweeper to
	// consider its worker dead (longer than a chat lock lives).
	stalledAfter = chatLockTTL + 15*time.Second
)

// PeriodicJobs are the bots' periodic jobs.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(30*time.Second),
		func() (river.JobArgs, *river.InsertOpts) { return SweepJob{}, nil }, nil), healthPeriodicJob()}
}

// AddWorkers registers the bots' workers.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &chatWorker{s: s})
	river.AddWorker(w, &sweepWorker{s: s})
	river.AddWorker(w, &deliverWorker{s: s})
	river.AddWorker(w, &revokeWorker{s: s})
	river.AddWorker(w, &downsellWorker{s: s})
	river.AddWorker(w, &upsellWorker{s: s})
	river.AddWorker(w, &healthWorker{s: s})
}

type chatWorker struct {
	river.WorkerDefaults[ChatJob]
	s *Service
}

func (w *chatWorker) Timeout(*river.Job[ChatJob]) time.Duration { return chatLockTTL - 5*time.Second }

func (w *chatWorker) Work(ctx context.Context, job *river.Job[ChatJob]) error {
	return w.s.drainChat(ctx, job.Args.BotID, job.Args.ChatID, w.s.cfg.Instance+":"+strconv.FormatInt(job.ID, 10))
}

// drainChat processes a chat's pending updates in order under the chat's
// lock. It returns river.JobSnooze when another worker holds the chat.
func (s *Service) drainChat(ctx context.Context, botID, chatID int64, owner string) error {
	ok, err := s.store.AcquireChatLock(ctx, botID, chatID, owner, s.now(), chatLockTTL)
	if err != nil {
		return err
	}
	if !ok {
		return river.JobSnooze(250 * time.Millisecond) // another worker is on this chat
	}
	defer func() {
		_ = s.store.ReleaseChatLock(context.WithoutCancel(ctx), botID, chatID, owner)
	}()
	deadline := time.Now().Add(chatLockTTL / 2)
	for time.Now().Before(deadline) {
		u, err := s.store.NextChatUpdate(ctx, botID, chatID)
		if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		herr := s.handleUpdate(ctx, u)
		if herr == nil {
			if err := s.store.FinishUpdate(ctx, u.BotID, u.UpdateID, "", s.now()); err != nil {
				return err
			}
			continue
		}
		if retry, after := retryable(herr); retry {
			attempts, err := s.store.RetryUpdate(ctx, u.BotID, u.UpdateID, truncate(herr.Error(), 500))
			if err != nil {
				return err
			}
			if attempts < maxUpdateAttempts {
				if after > 0 {
					return river.JobSnooze(after)
				}
				return herr // River retries with backoff; the update stays first in line
			}
		}
		s.logger.WarnContext(ctx, "giving up on an update", "bot_id", u.BotID, "update_id", u.UpdateID, "err", herr)
		if err := s.store.FinishUpdate(ctx, u.BotID, u.UpdateID, truncate(herr.Error(), 500), s.now()); err != nil {
			return err
		}
	}
	// Time is up with updates left: continue in a fresh job.
	return s.jobs.Insert(ctx, ChatJob{BotID: botID, ChatID: chatID})
}

// drainSoon processes a chat right away in this process, for latency; the
// chat's job, queued with the update, is the durable path and finds
// nothing left. When too many chats are in flight it leaves them to the
// jobs.
func (s *Service) drainSoon(botID, chatID int64) {
	select {
	case s.inline <- struct{}{}:
	default:
		return
	}
	s.inflight.Go(func() {
		defer func() { <-s.inline }()
		ctx, cancel := context.WithTimeout(context.Background(), chatLockTTL-5*time.Second)
		defer cancel()
		// Each drain is its own lock owner: a shared one would let two
		// drains of one chat "renew" each other's lock.
		owner := s.cfg.Instance + ":inline:" + strconv.FormatUint(s.drains.Add(1), 10)
		if err := s.drainChat(ctx, botID, chatID, owner); err != nil {
			var snooze *river.JobSnoozeError
			if !errors.As(err, &snooze) {
				s.logger.DebugContext(ctx, "inline processing left the chat to its job", "bot_id", botID, "err", err)
			}
		}
	})
}

// Wait waits for in-process chat processing to finish (shutdown).
func (s *Service) Wait() { s.inflight.Wait() }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// retryable tells transient failures (Telegram 429 and 5xx, network, the
// database) from permanent ones (blocked, revoked, bad request).
func retryable(err error) (bool, time.Duration) {
	var ra *telegram.RetryAfterError
	switch {
	case errors.As(err, &ra):
		return true, ra.After
	case errors.Is(err, telegram.ErrBlocked), errors.Is(err, telegram.ErrUnauthorized), errors.Is(err, telegram.ErrBadRequest):
		return false, 0
	case errors.Is(err, telegram.ErrTemporary):
		return true, 0
	}
	var ge *grimbots.Error
	if errors.As(err, &ge) {
		return ge.Code == grimbots.EINTERNAL || ge.Code == grimbots.EUNAVAILABLE, 0
	}
	return true, 0 // database and other unexpected errors
}

// handleUpdate runs one stored update through the funnel.
func (s *Service) handleUpdate(ctx context.Context, u *grimbots.TelegramUpdate) error {
	b, err := s.store.BotByID(ctx, u.BotID)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
		return nil // deleted meanwhile
	} else if err != nil {
		return err
	}
	if !b.Running {
		return nil // stopped: the update is dropped, as Telegram would once the webhook is gone
	}
	up, err := telegram.ParseUpdate([]byte(u.Body))
	if err != nil {
		return nil
	}
	var ev funnel.Event
	var from telegram.User
	switch {
	case up.Message != nil:
		from = up.Message.From
		ev.ChatID = up.Message.ChatID
		if payload, ok := up.Message.StartPayload(); ok {
			ev.Start, ev.Payload = true, payload
		} else {
			ev.Text = up.Message.Text
		}
	case up.CallbackQuery != nil:
		from = up.CallbackQuery.From
		ev.ChatID, ev.CallbackID, ev.Data = up.CallbackQuery.ChatID, up.CallbackQuery.ID, up.CallbackQuery.Data
	default:
		return nil // membership changes: a block shows as 403 on the next send
	}
	if from.IsBot || ev.ChatID <= 0 {
		return nil
	}
	ev.UserID, ev.FirstName, ev.LastName, ev.Username, ev.LanguageCode = from.ID, from.FirstName, from.LastName, from.Username, from.LanguageCode
	m, err := s.Messenger(b)
	if err != nil {
		return err
	}
	lead, err := s.engine.Handle(ctx, funnel.Bot{ID: b.ID, SellerID: b.SellerID}, m, ev)
	s.sendFailed(ctx, b, lead, err)
	return err
}

// sendFailed records what a failed send says about the bot or the lead.
func (s *Service) sendFailed(ctx context.Context, b *grimbots.Bot, lead *grimbots.Lead, err error) {
	switch {
	case err == nil:
	case errors.Is(err, telegram.ErrUnauthorized):
		s.revoked(ctx, b)
	case errors.Is(err, telegram.ErrBlocked) && lead != nil:
		_ = s.store.SetLeadBlocked(ctx, lead.SellerID, lead.ID, s.now())
	}
}

type sweepWorker struct {
	river.WorkerDefaults[SweepJob]
	s *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepJob]) error {
	_, err := w.s.Sweep(ctx)
	return err
}

// Sweep queues the chats whose updates have waited longer than a chat lock
// lives (their worker died mid-update, or the job was lost): they are
// processed again, in order. It returns how many chats it queued.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	chats, err := s.store.StalledChats(ctx, s.now().Add(-stalledAfter), 1000)
	if err != nil {
		return 0, err
	}
	jobs := make([]grimbots.Job, len(chats))
	for i, c := range chats {
		jobs[i] = ChatJob{BotID: c[0], ChatID: c[1]}
	}
	return len(jobs), s.jobs.Insert(ctx, jobs...)
}

// ---- funnel follow-ups ----

// target loads what a follow-up needs: the bot (live), the lead and a
// messenger. ok is false when there is no one to send to any more.
func (s *Service) target(ctx context.Context, sellerID, botID, leadID int64) (*grimbots.Bot, *grimbots.Lead, funnel.Messenger, bool, error) {
	b, err := s.store.BotByID(ctx, botID)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND || (err == nil && b.SellerID != sellerID) {
		return nil, nil, nil, false, nil
	} else if err != nil {
		return nil, nil, nil, false, err
	}
	lead, err := s.store.Lead(ctx, sellerID, leadID)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
		return nil, nil, nil, false, nil
	} else if err != nil {
		return nil, nil, nil, false, err
	}
	m, err := s.Messenger(b)
	if err != nil {
		return nil, nil, nil, false, err
	}
	return b, lead, m, true, nil
}

// jobError turns a send failure into the job's outcome: transient errors
// are retried (a 429 after its retry_after), permanent ones end the job.
func jobError(err error) error {
	if err == nil {
		return nil
	}
	if retry, after := retryable(err); retry {
		if after > 0 {
			return river.JobSnooze(after)
		}
		return err
	}
	return nil
}

type deliverWorker struct {
	river.WorkerDefaults[funnel.DeliverJob]
	s *Service
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[funnel.DeliverJob]) error {
	s := w.s
	j := job.Args
	p, err := s.store.Payment(ctx, j.SellerID, j.PaymentID)
	if err != nil {
		return err
	}
	if p.BotID == nil || p.LeadID == nil {
		return nil
	}
	d, err := s.store.EnsureDelivery(ctx, &grimbots.Delivery{SellerID: p.SellerID, PaymentID: p.ID, BotID: *p.BotID,
		LeadID: *p.LeadID, CreatedAt: s.now()})
	if err != nil {
		return err
	}
	if p.Status != grimbots.PaymentPaid || d.Status == grimbots.DeliveryRevoked || (d.Status == grimbots.DeliverySent && !j.Resend) {
		return nil
	}
	fail := func(status string, cause error) error {
		d.Status, d.Attempts, d.LastError, d.UpdatedAt = status, d.Attempts+1, deliveryError(cause), s.now()
		return s.store.UpdateDelivery(ctx, d)
	}
	b, lead, m, ok, err := s.target(ctx, p.SellerID, *p.BotID, *p.LeadID)
	if err != nil {
		return err
	}
	if !ok {
		return fail(grimbots.DeliveryFailed, errors.New("bot deleted"))
	}
	msgs, err := s.engine.Delivery(ctx, funnel.Bot{ID: b.ID, SellerID: b.SellerID}, p, lead)
	if err != nil {
		return fail(grimbots.DeliveryFailed, err)
	}
	for _, msg := range msgs {
		if err := m.Send(ctx, lead.ChatID, msg); err != nil {
			s.sendFailed(ctx, b, lead, err)
			if retry, _ := retryable(err); retry && job.Attempt < job.MaxAttempts {
				if uerr := fail(grimbots.DeliveryPending, err); uerr != nil {
					return uerr
				}
				return jobError(err)
			}
			return fail(grimbots.DeliveryFailed, err)
		}
	}
	now := s.now()
	d.Status, d.Attempts, d.LastError, d.SentAt, d.UpdatedAt = grimbots.DeliverySent, d.Attempts+1, "", &now, now
	if err := s.store.UpdateDelivery(ctx, d); err != nil {
		return err
	}
	if j.Resend {
		return nil
	}
	upsells, err := s.engine.UpsellJobs(ctx, funnel.Bot{ID: b.ID, SellerID: b.SellerID}, p, now)
	if err != nil {
		return err
	}
	return s.jobs.Insert(ctx, upsells...)
}

// deliveryError is the seller-facing reason of a failed delivery.
func deliveryError(err error) string {
	switch {
	case errors.Is(err, telegram.ErrBlocked):
		return "O comprador bloqueou o bot."
	case errors.Is(err, telegram.ErrUnauthorized):
		return "O token do bot foi revogado no Telegram."
	case errors.Is(err, funnel.ErrNotFunnel):
		return "Pagamento sem funil."
	}
	var ra *telegram.RetryAfterError
	if errors.As(err, &ra) {
		return fmt.Sprintf("Telegram pediu para aguardar %s; nova tentativa automática.", ra.After.Round(time.Second))
	}
	return truncate("Falha ao enviar: "+err.Error(), 300)
}

type revokeWorker struct {
	river.WorkerDefaults[funnel.RevokeJob]
	s *Service
}

func (w *revokeWorker) Work(ctx context.Context, job *river.Job[funnel.RevokeJob]) error {
	s := w.s
	p, err := s.store.Payment(ctx, job.Args.SellerID, job.Args.PaymentID)
	if err != nil || p.BotID == nil || p.LeadID == nil {
		return err
	}
	d, err := s.store.EnsureDelivery(ctx, &grimbots.Delivery{SellerID: p.SellerID, PaymentID: p.ID, BotID: *p.BotID,
		LeadID: *p.LeadID, CreatedAt: s.now()})
	if err != nil {
		return err
	}
	d.Status, d.UpdatedAt = grimbots.DeliveryRevoked, s.now()
	return s.store.UpdateDelivery(ctx, d)
}

type downsellWorker struct {
	river.WorkerDefaults[funnel.DownsellJob]
	s *Service
}

func (w *downsellWorker) Work(ctx context.Context, job *river.Job[funnel.DownsellJob]) error {
	s := w.s
	j := job.Args
	p, err := s.store.Payment(ctx, j.SellerID, j.PaymentID)
	if err != nil {
		return err
	}
	if p.Status == grimbots.PaymentPaid || p.Status == grimbots.PaymentRefunded || p.Status == grimbots.PaymentChargeback {
		return nil // bought after all: the downsell is cancelled
	}
	b, lead, m, ok, err := s.target(ctx, j.SellerID, j.BotID, j.LeadID)
	if err != nil || !ok || !b.Running || lead.BlockedAt != nil {
		return err
	}
	msg, ok, err := s.engine.DownsellMessage(ctx, funnel.Bot{ID: b.ID, SellerID: b.SellerID}, j, lead)
	if err != nil || !ok {
		return err
	}
	err = m.Send(ctx, lead.ChatID, msg)
	s.sendFailed(ctx, b, lead, err)
	return jobError(err)
}

type upsellWorker struct {
	river.WorkerDefaults[funnel.UpsellJob]
	s *Service
}

func (w *upsellWorker) Work(ctx context.Context, job *river.Job[funnel.UpsellJob]) error {
	s := w.s
	j := job.Args
	b, lead, m, ok, err := s.target(ctx, j.SellerID, j.BotID, j.LeadID)
	if err != nil || !ok || !b.Running || lead.BlockedAt != nil {
		return err
	}
	msg, ok, err := s.engine.UpsellMessage(ctx, funnel.Bot{ID: b.ID, SellerID: b.SellerID}, j, lead)
	if err != nil || !ok {
		return err
	}
	err = m.Send(ctx, lead.ChatID, msg)
	s.sendFailed(ctx, b, lead, err)
	return jobError(err)
}
