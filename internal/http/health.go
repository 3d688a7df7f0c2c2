package http

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Check is one readiness probe: nil means ready. Detail, if set, is a short
// safe note (such as a schema version) shown in the answer.
type Check struct {
	Name     string
	Optional bool // reported but does not make the instance unready
	Run      func(ctx context.Context) (detail string, err error)
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

type checkResult struct {
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// readyz runs every check in parallel with a timeout. Failures are logged in
// full and reported to the caller only as "fail".
func readyz(checks []Check, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		results := make(map[string]checkResult, len(checks))
		ready := true
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, c := range checks {
			wg.Go(func() {
				detail, err := c.Run(ctx)
				res := checkResult{Status: "ok", Detail: detail}
				if err != nil {
					logger.WarnContext(ctx, "readiness check failed", "check", c.Name, "err", err)
					res = checkResult{Status: "fail"}
				}
				mu.Lock()
				defer mu.Unlock()
				results[c.Name] = res
				if err != nil && !c.Optional {
					ready = false
				}
			})
		}
		wg.Wait()
		status := http.StatusOK
		overall := "ready"
		if !ready {
			status, overall = http.StatusServiceUnavailable, "unready"
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": overall, "checks": results})
	})
}
