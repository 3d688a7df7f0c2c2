package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

const userColumns = `u.id, u.email, u.username, u.full_name, u.password_hash, u.role, u.commission_bps,
	u.time_zone, u.banned_at, u.ban_reason, u.password_changed_at, u.last_login_at, u.created_at, u.updated_at`

type scanner interface{ Scan(dest ...any) error }

func userDest(u *grimbots.User) []any {
	return []any{&u.ID, &u.Email, &u.Username, &u.FullName, &u.PasswordHash, &u.Role, &u.CommissionBasisPoints,
		&u.TimeZone, nullTime{&u.BannedAt}, &u.BanReason, utc{&u.PasswordChangedAt}, nullTime{&u.LastLoginAt},
		utc{&u.CreatedAt}, utc{&u.UpdatedAt}}
}

func scanUser(row scanner) (*grimbots.User, error) {
	u := &grimbots.User{}
	if err := row.Scan(userDest(u)...); err != nil {
		return nil, err
	}
	return u, nil
}

// CreateUser inserts u. A taken email or username is an ECONFLICT naming the
// field; the unique indexes catch the race the pre-check cannot.
func (s *Store) CreateUser(ctx context.Context, u *grimbots.User, audit ...grimbots.AuditEntry) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		var fields []grimbots.FieldError
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = $1`, u.Email).Scan(&n); err != nil {
			return err
		} else if n > 0 {
			fields = append(fields, grimbots.FieldError{Field: "body.email", Message: "email is already registered"})
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE username = $1`, u.Username).Scan(&n); err != nil {
			return err
		} else if n > 0 {
			fields = append(fields, grimbots.FieldError{Field: "body.username", Message: "username is taken"})
		}
		if len(fields) > 0 {
			return &grimbots.Error{Code: grimbots.ECONFLICT, Message: "account already exists", Fields: fields}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users (email, username, full_name, password_hash, role,
			commission_bps, time_zone, password_changed_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			u.Email, u.Username, u.FullName, u.PasswordHash, string(u.Role), u.CommissionBasisPoints, u.TimeZone,
			u.PasswordChangedAt, u.CreatedAt, u.UpdatedAt).Scan(&u.ID)
		if s.db.dialect.isUniqueViolation(err) {
			return grimbots.Errorf(grimbots.ECONFLICT, "account already exists")
		} else if err != nil {
			return fmt.Errorf("store: inserting user: %w", err)
		}
		for i := range audit {
			if audit[i].TargetUserID == nil {
				audit[i].TargetUserID = &u.ID
			}
			if audit[i].ActorID == nil {
				audit[i].ActorID = &u.ID
			}
		}
		return appendAudit(ctx, tx, audit)
	})
}

// UserByID returns the user with id or ENOTFOUND.
func (s *Store) UserByID(ctx context.Context, id int64) (*grimbots.User, error) {
	var u *grimbots.User
	err := s.db.read(ctx, func(q querier) (err error) {
		u, err = scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id))
		return err
	})
	return u, notFound(err, "user not found")
}

// UserByLogin finds a user by email or username (both stored lower case).
// It reads the primary: a login right after registering must see the user.
func (s *Store) UserByLogin(ctx context.Context, login string) (*grimbots.User, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	u, err := scanUser(s.db.primary.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users u WHERE u.email = $1 OR u.username = $1`, login))
	return u, notFound(err, "user not found")
}

// FindUsers lists users matching f, newest first, with the total count.
func (s *Store) FindUsers(ctx context.Context, f grimbots.UserFilter) ([]*grimbots.User, int, error) {
	where := []string{"1=1"}
	var args []any
	if f.Query != "" {
		args = append(args, "%"+escapeLike(f.Query)+"%")
		op := s.db.dialect.likeOperator()
		p := fmt.Sprintf("$%d", len(args))
		where = append(where, fmt.Sprintf(`(u.email %[1]s %[2]s ESCAPE '\' OR u.username %[1]s %[2]s ESCAPE '\' OR u.full_name %[1]s %[2]s ESCAPE '\')`, op, p))
	}
	if f.Banned != nil {
		if *f.Banned {
			where = append(where, "u.banned_at IS NOT NULL")
		} else {
			where = append(where, "u.banned_at IS NULL")
		}
	}
	cond := strings.Join(where, " AND ")
	limit, offset := pageBounds(f.Limit, f.Offset)
	var users []*grimbots.User
	var total int
	err := s.db.read(ctx, func(q querier) (err error) {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users u WHERE `+cond, args...).Scan(&total); err != nil {
			return err
		}
		users, err = queryAll(ctx, q, `SELECT `+userColumns+` FROM users u WHERE `+cond+
			fmt.Sprintf(` ORDER BY u.id DESC LIMIT $%d OFFSET $%d`, len(args)+1, len(args)+2), append(args[:len(args):len(args)], limit, offset),
			func(rows *sql.Rows) (*grimbots.User, error) { return scanUser(rows) })
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: finding users: %w", err)
	}
	return users, total, nil
}

// CountAdmins returns how many admin accounts exist.
func (s *Store) CountAdmins(ctx context.Context) (int, error) {
	var n int
	err := s.db.primary.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin'`).Scan(&n)
	return n, err
}

// SetPassword stores hash and ends the user's other sessions and resets.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string, keepSessionID int64, now time.Time, audit ...grimbots.AuditEntry) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, `UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3`,
			hash, now, userID); err != nil {
			return notFound(err, "user not found")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, userID, keepSessionID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM password_resets WHERE user_id = $1`, userID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, audit)
	})
}

// SetBanned bans or unbans a user. A ban deletes every session and pending
// password reset so the user is locked out at once; API tokens are kept but
// refused while the ban lasts (authentication checks the ban).
func (s *Store) SetBanned(ctx context.Context, userID int64, banned bool, reason string, now time.Time, audit ...grimbots.AuditEntry) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		var bannedAt any
		if banned {
			bannedAt = now
		} else {
			reason = ""
		}
		if err := updateOne(ctx, tx, `UPDATE users SET banned_at = $1, ban_reason = $2, updated_at = $3 WHERE id = $4`,
			bannedAt, reason, now, userID); err != nil {
			return notFound(err, "user not found")
		}
		if banned {
			for _, q := range []string{`DELETE FROM sessions WHERE user_id = $1`, `DELETE FROM password_resets WHERE user_id = $1`} {
				if _, err := tx.ExecContext(ctx, q, userID); err != nil {
					return err
				}
			}
		}
		return appendAudit(ctx, tx, audit)
	})
}

// SetRole changes a user's role.
func (s *Store) SetRole(ctx context.Context, userID int64, role grimbots.Role, now time.Time, audit ...grimbots.AuditEntry) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, `UPDATE users SET role = $1, updated_at = $2 WHERE id = $3`, string(role), now, userID); err != nil {
			return notFound(err, "user not found")
		}
		return appendAudit(ctx, tx, audit)
	})
}

// RecordLogin creates the session s (setting its ID) and stamps the login.
func (s *Store) RecordLogin(ctx context.Context, userID int64, sess *grimbots.Session, audit ...grimbots.AuditEntry) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, `UPDATE users SET last_login_at = $1 WHERE id = $2`, sess.CreatedAt, userID); err != nil {
			return notFound(err, "user not found")
		}
		sess.UserID = userID
		if err := insertSession(ctx, tx, sess); err != nil {
			return err
		}
		return appendAudit(ctx, tx, audit)
	})
}

// updateOne runs an UPDATE that must match exactly one row; zero rows is
// sql.ErrNoRows.
func updateOne(ctx context.Context, q querier, query string, args ...any) error {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// pageBounds clamps a requested page to sane limits.
func pageBounds(limit, offset int) (int, int) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return limit, max(offset, 0)
}
