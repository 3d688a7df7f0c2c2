package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// UpdateProfile sets a user's full name and time zone, with the audit
// entries, in one transaction.
func (s *Store) UpdateProfile(ctx context.Context, userID int64, fullName, timeZone string, now time.Time,
	audit ...grimbots.AuditEntry) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, `UPDATE users SET full_name = $1, time_zone = $2, updated_at = $3 WHERE id = $4`,
			fullName, timeZone, now, userID); err != nil {
			return notFound(err, "user not found")
		}
		return appendAudit(ctx, tx, audit)
	})
}
