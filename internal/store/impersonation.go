package store

import (
	"context"
	"database/sql"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// StartImpersonation opens sess (whose ImpersonatorID is the admin) as its
// user and ends the admin's own session adminSessionID (0: none), with the
// audit entries, in one transaction. The user's last login is not touched:
// it was not them.
func (s *Store) StartImpersonation(ctx context.Context, adminID, adminSessionID int64, sess *grimbots.Session,
	audit ...grimbots.AuditEntry) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if adminSessionID != 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1 AND user_id = $2`, adminSessionID, adminID); err != nil {
				return err
			}
		}
		sess.ImpersonatorID = &adminID
		if err := insertSession(ctx, tx, sess); err != nil {
			return err
		}
		return appendAudit(ctx, tx, audit)
	})
}

// EndImpersonation deletes the impersonation session sessionID of userID
// and opens adminSess for the admin who held it, with the audit entries, in
// one transaction. It returns ENOTFOUND when userID has no such session
// opened by adminSess.UserID.
func (s *Store) EndImpersonation(ctx context.Context, userID, sessionID int64, adminSess *grimbots.Session,
	audit ...grimbots.AuditEntry) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, `DELETE FROM sessions WHERE id = $1 AND user_id = $2 AND impersonator_id = $3`,
			sessionID, userID, adminSess.UserID); err != nil {
			return notFound(err, "session not found")
		}
		if err := insertSession(ctx, tx, adminSess); err != nil {
			return err
		}
		return appendAudit(ctx, tx, audit)
	})
}
