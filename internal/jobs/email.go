package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/grimbots/grimbots/internal/mail"
	"github.com/grimbots/grimbots/internal/secretbox"
)

// EmailWorker sends queued emails. A failure is returned to River, which
// retries with backoff; a body that cannot be opened (its key was removed)
// is cancelled, since no retry can fix it.
type EmailWorker struct {
	river.WorkerDefaults[mail.Job]
	Mailer mail.Mailer
	Keys   *secretbox.Keyring
}

// Timeout bounds one delivery attempt.
func (w *EmailWorker) Timeout(*river.Job[mail.Job]) time.Duration { return time.Minute }

// Work sends one email.
func (w *EmailWorker) Work(ctx context.Context, job *river.Job[mail.Job]) error {
	m, err := job.Args.Message(w.Keys)
	if err != nil {
		return river.JobCancel(err)
	}
	return w.Mailer.Send(ctx, m)
}
