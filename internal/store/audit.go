package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/grimbots/grimbots/internal/grimbots"
)

func appendAudit(ctx context.Context, q querier, entries []grimbots.AuditEntry) error {
	for _, e := range entries {
		details := []byte("{}")
		if len(e.Details) > 0 {
			var err error
			if details, err = json.Marshal(e.Details); err != nil {
				return fmt.Errorf("store: encoding audit details: %w", err)
			}
		}
		_, err := q.ExecContext(ctx, `INSERT INTO audit_log (actor_id, target_user_id, action, ip, user_agent, details, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			e.ActorID, e.TargetUserID, e.Action, e.IP, truncate(e.UserAgent, 512), string(details), e.CreatedAt.UTC())
		if err != nil {
			return fmt.Errorf("store: appending audit %s: %w", e.Action, err)
		}
	}
	return nil
}

// AppendAudit writes entries on their own (for events that change nothing
// else, such as a failed login).
func (s *Store) AppendAudit(ctx context.Context, entries ...grimbots.AuditEntry) error {
	return appendAudit(ctx, s.db.primary, entries)
}

// ListAudit returns audit entries matching f, newest first, with the total.
func (s *Store) ListAudit(ctx context.Context, f grimbots.AuditFilter) ([]*grimbots.AuditEntry, int, error) {
	where := []string{"1=1"}
	var args []any
	if f.UserID != nil {
		args = append(args, *f.UserID)
		where = append(where, fmt.Sprintf("(a.actor_id = $%d OR a.target_user_id = $%[1]d)", len(args)))
	}
	if f.Action != "" {
		args = append(args, f.Action)
		where = append(where, fmt.Sprintf("a.action = $%d", len(args)))
	}
	cond := strings.Join(where, " AND ")
	limit, offset := pageBounds(f.Limit, f.Offset)
	var out []*grimbots.AuditEntry
	var total int
	err := s.db.read(ctx, func(q querier) (err error) {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log a WHERE `+cond, args...).Scan(&total); err != nil {
			return err
		}
		out, err = queryAll(ctx, q, `SELECT a.id, a.actor_id, a.target_user_id, a.action, a.ip, a.user_agent, a.details, a.created_at
			FROM audit_log a WHERE `+cond+fmt.Sprintf(` ORDER BY a.id DESC LIMIT $%d OFFSET $%d`, len(args)+1, len(args)+2),
			append(args[:len(args):len(args)], limit, offset), scanAudit)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: listing audit: %w", err)
	}
	return out, total, nil
}

func scanAudit(rows *sql.Rows) (*grimbots.AuditEntry, error) {
	e := &grimbots.AuditEntry{}
	var details []byte
	if err := rows.Scan(&e.ID, &e.ActorID, &e.TargetUserID, &e.Action, &e.IP, &e.UserAgent, &details, utc{&e.CreatedAt}); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(details, &e.Details); err != nil {
		return nil, fmt.Errorf("decoding audit details %d: %w", e.ID, err)
	}
	return e, nil
}

func withDetail(m map[string]any, k string, v any) map[string]any {
	if m == nil {
		m = map[string]any{}
	}
	m[k] = v
	return m
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence
// (PostgreSQL rejects invalid UTF-8).
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
