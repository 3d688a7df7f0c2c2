package gamification

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// PaymentJob updates the gamification after a payment was paid or
// reversed. It is inserted with the transition (payments' OnPaid and
// OnReversed hooks), so it runs if and only if the change committed.
type PaymentJob struct {
	SellerID  int64 `json:"seller_id"`
	PaymentID int64 `json:"payment_id"`
}

// Kind names the job.
func (PaymentJob) Kind() string { return "gamification_payment" }

// OnPaid is the payments hook for sales.
func OnPaid(p *grimbots.Payment) []grimbots.Job {
	return []grimbots.Job{PaymentJob{SellerID: p.SellerID, PaymentID: p.ID}}
}

// OnReversed is the payments hook for refunds and chargebacks: the same
// job, which finds the payment no longer paid and takes the sale out.
func OnReversed(p *grimbots.Payment) []grimbots.Job { return OnPaid(p) }

// RescoreJob re-evaluates every seller after the day's snapshot.
type RescoreJob struct {
	Day string `json:"day"`
}

// Kind names the job.
func (RescoreJob) Kind() string { return "gamification_rescore" }

// InsertOpts: once per day, retried.
func (RescoreJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// AddWorkers registers the gamification's workers.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &paymentWorker{s: s})
	river.AddWorker(w, &rescoreWorker{s: s})
}

type paymentWorker struct {
	river.WorkerDefaults[PaymentJob]
	s *Service
}

func (w *paymentWorker) Work(ctx context.Context, job *river.Job[PaymentJob]) error {
	err := w.s.RecordPayment(ctx, job.Args.SellerID, job.Args.PaymentID)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
		return river.JobCancel(err) // no such payment of this seller: retrying cannot help
	}
	return err
}

type rescoreWorker struct {
	river.WorkerDefaults[RescoreJob]
	s *Service
}

// Timeout leaves a large platform time to be re-scored.
func (w *rescoreWorker) Timeout(*river.Job[RescoreJob]) time.Duration { return 30 * time.Minute }

func (w *rescoreWorker) Work(ctx context.Context, job *river.Job[RescoreJob]) error {
	n, err := w.s.Rescore(ctx)
	w.s.logger.InfoContext(ctx, "gamification re-scored", "day", job.Args.Day, "sellers", n, "err", err)
	return err
}
