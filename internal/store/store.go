package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// Store implements the domain's store interfaces on a DB.
type Store struct {
	db   *DB
	jobs JobInserter
}

// JobInserter enqueues jobs inside a transaction (the job queue).
type JobInserter interface {
	InsertTx(ctx context.Context, tx *sql.Tx, jobs ...grimbots.Job) error
}

// Option configures a Store.
type Option func(*Store)

// WithJobs lets the store enqueue the jobs that state changes cause.
func WithJobs(j JobInserter) Option { return func(s *Store) { s.jobs = j } }

// New returns a Store on db.
func New(db *DB, opts ...Option) *Store {
	s := &Store{db: db}
	for _, o := range opts {
		o(s)
	}
	return s
}

// insertJobs enqueues the non-nil jobs in tx.
func (s *Store) insertJobs(ctx context.Context, tx *sql.Tx, jobs ...grimbots.Job) error {
	var list []grimbots.Job
	for _, j := range jobs {
		if j != nil {
			list = append(list, j)
		}
	}
	if len(list) == 0 {
		return nil
	}
	if s.jobs == nil {
		return errors.New("store: jobs to enqueue but no job queue configured")
	}
	return s.jobs.InsertTx(ctx, tx, list...)
}

// DB returns the underlying pools.
func (s *Store) DB() *DB { return s.db }

var _ grimbots.AccountStore = (*Store)(nil)

func isAppError(err error) bool {
	var e *grimbots.Error
	return errors.As(err, &e)
}

// notFound converts sql.ErrNoRows into ENOTFOUND with msg.
func notFound(err error, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return grimbots.Errorf(grimbots.ENOTFOUND, "%s", msg)
	}
	return err
}

// nullTime scans a nullable timestamp.
type nullTime struct{ t **time.Time }

func (n nullTime) Scan(v any) error {
	var nt sql.NullTime
	if err := nt.Scan(v); err != nil {
		return err
	}
	if nt.Valid {
		t := nt.Time.UTC()
		*n.t = &t
	} else {
		*n.t = nil
	}
	return nil
}

// utc scans a timestamp and normalises it to UTC.
type utc struct{ t *time.Time }

func (u utc) Scan(v any) error {
	var nt sql.NullTime
	if err := nt.Scan(v); err != nil {
		return err
	}
	*u.t = nt.Time.UTC()
	return nil
}

// timeArg turns an optional time into a driver value.
func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}
