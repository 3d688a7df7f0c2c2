package payments

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// ReconcileJob runs one reconciliation pass; it is a periodic job, so with
// many instances each period runs once.
type ReconcileJob struct{}

// Kind names the job.
func (ReconcileJob) Kind() string { return "payments_reconcile" }

// ReconcileInterval is how often pending payments are polled.
const ReconcileInterval = time.Minute

// ReconcileWorker runs Reconcile.
type ReconcileWorker struct {
	river.WorkerDefaults[ReconcileJob]
	Service *Service
}

// Timeout bounds a pass (a slow gateway must not stall the queue).
func (w *ReconcileWorker) Timeout(*river.Job[ReconcileJob]) time.Duration { return 5 * time.Minute }

// Work reconciles pending payments.
func (w *ReconcileWorker) Work(ctx context.Context, _ *river.Job[ReconcileJob]) error {
	r, err := w.Service.Reconcile(ctx)
	if r.Checked > 0 || r.Expired > 0 || r.Failed > 0 {
		w.Service.logger.InfoContext(ctx, "reconciled pending payments", "checked", r.Checked, "paid", r.Paid,
			"expired", r.Expired, "failed", r.Failed, "errors", r.Errors)
	}
	return err
}

// PeriodicJobs returns the payments' periodic jobs.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(ReconcileInterval),
		func() (river.JobArgs, *river.InsertOpts) { return ReconcileJob{}, nil },
		&river.PeriodicJobOpts{ID: "payments_reconcile", RunOnStart: true})}
}

// SaleWorker works the sale's own job. Delivery, upsells, ranking and the
// seller's live feed are their own jobs (Config.OnPaid); this one records
// the sale in the log stream that operators and log-based alerts follow.
type SaleWorker struct {
	river.WorkerDefaults[PaymentPaidJob]
	Service *Service
}

// Work logs the confirmed sale.
func (w *SaleWorker) Work(ctx context.Context, job *river.Job[PaymentPaidJob]) error {
	p, err := w.Service.store.Payment(ctx, job.Args.SellerID, job.Args.PaymentID)
	if err != nil {
		return err
	}
	w.Service.logger.InfoContext(ctx, "sale confirmed", "seller_id", p.SellerID, "payment_id", p.ID, "reference", p.Reference,
		"gateway", p.GatewayKind, "amount_cents", p.AmountCents, "status", p.Status)
	if w.Service.cfg.OnSale != nil && p.Status == grimbots.PaymentPaid {
		w.Service.cfg.OnSale(ctx, p)
	}
	return nil
}

// ReversalWorker works the reversal's own job, like SaleWorker.
type ReversalWorker struct {
	river.WorkerDefaults[PaymentReversedJob]
	Service *Service
}

// Work logs the reversal.
func (w *ReversalWorker) Work(ctx context.Context, job *river.Job[PaymentReversedJob]) error {
	w.Service.logger.InfoContext(ctx, "sale reversed", "seller_id", job.Args.SellerID, "payment_id", job.Args.PaymentID,
		"status", job.Args.Status)
	return nil
}

// AddWorkers registers the payments' workers.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &ReconcileWorker{Service: s})
	river.AddWorker(w, &SaleWorker{Service: s})
	river.AddWorker(w, &ReversalWorker{Service: s})
}
