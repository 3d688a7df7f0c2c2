package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/grimbots/grimbots/internal/jobs"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/testenv"
)

type echoArgs struct {
	Message string `json:"message"`
}

func (echoArgs) Kind() string { return "test_echo" }

type echoWorker struct {
	river.WorkerDefaults[echoArgs]
	mu   sync.Mutex
	seen []string
	done chan string
}

func (w *echoWorker) Work(_ context.Context, job *river.Job[echoArgs]) error {
	w.mu.Lock()
	w.seen = append(w.seen, job.Args.Message)
	w.mu.Unlock()
	w.done <- job.Args.Message
	return nil
}

func engines(t *testing.T) map[string]func(t testing.TB) string {
	return map[string]func(t testing.TB) string{"sqlite": testenv.SQLiteURL, "postgres": testenv.PostgresURL}
}

func TestJobsInsertedInATransactionRunOnlyIfItCommits(t *testing.T) {
	for engine, url := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			u := url(t)
			db, err := store.Open(ctx, store.Config{URL: u})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.MigrateUp(ctx); err != nil {
				t.Fatal(err)
			}
			worker := &echoWorker{done: make(chan string, 10)}
			workers := river.NewWorkers()
			river.AddWorker(workers, worker)
			listen := ""
			if engine == "postgres" {
				listen = u
			}
			q, err := jobs.New(ctx, jobs.Config{Engine: db.Engine(), DB: db.Primary(), PostgresURL: listen, Workers: workers,
				FetchPollInterval: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(q.Close)
			if err := q.CheckSchema(ctx); err == nil {
				t.Fatal("CheckSchema passed before River's migrations ran")
			}
			if err := q.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := q.CheckSchema(ctx); err != nil {
				t.Fatalf("CheckSchema after migrating: %v", err)
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}

			insert := func(msg string, commit bool) {
				tx, err := db.Primary().BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer func() { _ = tx.Rollback() }()
				if err := q.InsertTx(ctx, tx, echoArgs{Message: msg}); err != nil {
					t.Fatal(err)
				}
				if commit {
					if err := tx.Commit(); err != nil {
						t.Fatal(err)
					}
				}
			}
			insert("rolled back", false)
			insert("committed", true)
			select {
			case got := <-worker.done:
				if got != "committed" {
					t.Fatalf("worked %q first", got)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("committed job not worked within 15s")
			}
			stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := q.Stop(stopCtx); err != nil && !errors.Is(err, sql.ErrConnDone) {
				t.Fatalf("Stop: %v", err)
			}
			worker.mu.Lock()
			defer worker.mu.Unlock()
			if len(worker.seen) != 1 {
				t.Fatalf("worked %v, want only the committed job", worker.seen)
			}
		})
	}
}
