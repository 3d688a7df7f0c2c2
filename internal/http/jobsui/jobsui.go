// Package jobsui serves the admins' job dashboard: River UI (queues, jobs by
// state, errors, retry/cancel/delete, queue pause/resume) mounted under a
// path prefix of the main server.
//
// River UI works on both of our engines: it runs its queries through the
// River client's own driver (riversqlite on SQLite, riverdatabasesql on
// PostgreSQL), so it needs no pool of its own. This package adds what the
// platform requires around it; authentication (admins only) is the caller's
// middleware:
//
//   - every successful change made through it (retry, cancel, delete, queue
//     pause/resume/update) is reported to Config.Audit with the job ids or
//     queue name;
//   - its pages and API answers are not cached (its content-hashed assets
//     may be).
//
// It keeps the server's strict Content-Security-Policy: River UI's page loads
// only its own script and style files (its configuration is an inert JSON
// block), so it works unchanged. What the policy blocks is cosmetic and
// reported in the browser console only: the <style> elements that its toast
// library (enter/exit animations) and theme switcher (turning transitions
// off while switching) create, and a probe of eval by its validation
// library, which then does without.
package jobsui

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/riverqueue/river"
	"riverqueue.com/riverui"
)

// Audit actions of changes made through the dashboard.
const (
	AuditJobRetry    = "jobs.retry"
	AuditJobCancel   = "jobs.cancel"
	AuditJobDelete   = "jobs.delete"
	AuditQueuePause  = "jobs.queue_pause"
	AuditQueueResume = "jobs.queue_resume"
	AuditQueueUpdate = "jobs.queue_update"
	// AuditOther records a change this package does not know by name (a
	// newer River UI's), with its method and path.
	AuditOther = "jobs.change"
)

// maxBody bounds the body of a change (River UI sends at most 1000 job ids).
const maxBody = 64 << 10

// Config configures the dashboard.
type Config struct {
	// Client is the application's River client (an insert-only one is
	// enough: the dashboard reads and changes rows, it works no jobs).
	Client *river.Client[*sql.Tx]
	// Prefix is where the dashboard is mounted, such as "/admin/jobs".
	Prefix string
	Logger *slog.Logger
	// Audit records a successful change; the request's context carries the
	// caller authenticated by the guarding middleware.
	Audit func(ctx context.Context, action string, details map[string]any)
}

// Handler serves the dashboard and its API under Config.Prefix.
type Handler struct {
	ui     *riverui.Handler
	prefix string
	audit  func(ctx context.Context, action string, details map[string]any)
}

// New builds the dashboard.
//
// River UI's background refresh of exact job counts (Handler.Start) is not
// run: it would query every instance's database every few seconds whether or
// not anyone looks. Counts are computed when the dashboard asks, bounded at
// 10,000 per state; beyond that it shows the database's estimate.
func New(cfg Config) (*Handler, error) {
	if cfg.Client == nil || cfg.Logger == nil || cfg.Audit == nil {
		return nil, errors.New("jobsui: client, logger and audit are required")
	}
	prefix := riverui.NormalizePathPrefix(cfg.Prefix)
	ui, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(cfg.Client, nil),
		// Arguments can be personal data (email addresses): an admin opens
		// a job to see them.
		JobListHideArgsByDefault: true,
		Logger:                   cfg.Logger.With("component", "jobsui"),
		Prefix:                   prefix,
	})
	if err != nil {
		return nil, fmt.Errorf("jobsui: %w", err)
	}
	return &Handler{ui: ui, prefix: prefix, audit: cfg.Audit}, nil
}

// ServeHTTP serves a request under the prefix.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rel := strings.TrimPrefix(r.URL.Path, h.prefix)
	isAPI := strings.HasPrefix(rel, "/api/")
	if !strings.HasPrefix(rel, "/assets/") { // content-hashed files may be cached
		w.Header().Set("Cache-Control", "no-store")
	}
	if !isAPI || r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
		h.ui.ServeHTTP(w, r)
		return
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read the request body", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sw := &statusWriter{ResponseWriter: w}
	h.ui.ServeHTTP(sw, r)
	if sw.status != 0 && (sw.status < 200 || sw.status > 299) { // 0: an implicit 200
		return
	}
	action, details := describeChange(r.Method, rel, body)
	h.audit(r.Context(), action, details)
}

// describeChange names a successful change for the audit log.
func describeChange(method, rel string, body []byte) (string, map[string]any) {
	switch {
	case method == http.MethodPost && rel == "/api/jobs/retry":
		return AuditJobRetry, map[string]any{"job_ids": jobIDs(body)}
	case method == http.MethodPost && rel == "/api/jobs/cancel":
		return AuditJobCancel, map[string]any{"job_ids": jobIDs(body)}
	case method == http.MethodPost && rel == "/api/jobs/delete":
		return AuditJobDelete, map[string]any{"job_ids": jobIDs(body)}
	case strings.HasPrefix(rel, "/api/queues/"):
		name := strings.TrimPrefix(rel, "/api/queues/")
		switch {
		case method == http.MethodPut && strings.HasSuffix(name, "/pause"):
			return AuditQueuePause, map[string]any{"queue": strings.TrimSuffix(name, "/pause")}
		case method == http.MethodPut && strings.HasSuffix(name, "/resume"):
			return AuditQueueResume, map[string]any{"queue": strings.TrimSuffix(name, "/resume")}
		case method == http.MethodPatch && !strings.Contains(name, "/"):
			return AuditQueueUpdate, map[string]any{"queue": name}
		}
	}
	return AuditOther, map[string]any{"method": method, "path": rel}
}

// jobIDs reads the ids of a job change ({"ids": ["12", 13]}) as strings,
// as River UI sends them (int64 beyond JavaScript's safe integers).
func jobIDs(body []byte) []string {
	var req struct {
		IDs []json.RawMessage `json:"ids"`
	}
	if json.Unmarshal(body, &req) != nil {
		return nil
	}
	out := make([]string, 0, len(req.IDs))
	for _, id := range req.IDs {
		out = append(out, strings.Trim(string(id), `"`))
	}
	return out
}

// statusWriter records the status River UI answers with (0 until it
// writes a header: a body alone is a 200).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
