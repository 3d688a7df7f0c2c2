package ops

import (
	"context"
	"errors"
	"time"
)

// CleanupReport counts what a clean-up deleted.
type CleanupReport struct {
	Webhooks  int64 // raw gateway webhooks older than RetentionWebhooks
	Updates   int64 // processed Telegram updates older than RetentionUpdates
	ChatLocks int64 // chat locks that expired (their holder died)
	Sessions  int   // expired sessions and password reset tickets
}

// lockGrace keeps a just-expired chat lock a little longer, so a clock a
// little ahead on this instance never deletes a lock its holder still
// renews.
const lockGrace = time.Minute

// Cleanup deletes what the platform no longer needs to keep. Each part
// runs even if another fails; the errors are joined. Finished jobs are
// deleted by River itself (RETENTION_JOBS).
func (s *Service) Cleanup(ctx context.Context) (CleanupReport, error) {
	var r CleanupReport
	now := s.now()
	var errs [4]error
	r.Webhooks, errs[0] = s.store.PurgeWebhookEvents(ctx, now.Add(-s.cfg.RetentionWebhooks))
	r.Updates, errs[1] = s.store.PurgeUpdates(ctx, now.Add(-s.cfg.RetentionUpdates))
	r.ChatLocks, errs[2] = s.store.PurgeChatLocks(ctx, now.Add(-lockGrace))
	r.Sessions, errs[3] = s.store.DeleteExpiredSessions(ctx, now)
	return r, errors.Join(errs[:]...)
}
