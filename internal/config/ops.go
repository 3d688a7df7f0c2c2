package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Instance roles (GRIMBOTS_ROLE, serve --role).
const (
	// RoleAll serves HTTP and runs the background work: the default, and
	// all a single-instance deployment needs.
	RoleAll = "all"
	// RoleWeb serves the API and webhooks and only inserts jobs.
	RoleWeb = "web"
	// RoleWorker runs jobs, periodic jobs and the bots' polling; over HTTP
	// it answers /healthz, /readyz and /metrics only.
	RoleWorker = "worker"
)

// ParseRole checks an instance role.
func ParseRole(s string) (string, error) {
	switch s {
	case RoleAll, RoleWeb, RoleWorker:
		return s, nil
	}
	return "", fmt.Errorf("must be all, web or worker, got %q", s)
}

// ServesWeb reports whether the instance serves the API and webhooks.
func (c *Config) ServesWeb() bool { return c.Role != RoleWorker }

// RunsWorkers reports whether the instance works jobs, periodic jobs and
// the bots' polling.
func (c *Config) RunsWorkers() bool { return c.Role != RoleWeb }

// parseRetention reads a retention period: a number of days ("90d") or a
// Go duration ("36h").
func parseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("must be a positive number of days like 90d, or a duration like 36h, got %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("must be a positive number of days like 90d, or a duration like 36h, got %q", s)
	}
	return d, nil
}

// formatRetention prints whole days as "Nd".
func formatRetention(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.String()
}

// parseBackupHour reads the UTC hour of the daily backup, or "off" (-1).
func parseBackupHour(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return -1, nil
	}
	h, err := strconv.Atoi(s)
	if err != nil || h < 0 || h > 23 {
		return 0, fmt.Errorf("must be an hour from 0 to 23 (UTC) or off, got %q", s)
	}
	return h, nil
}

func formatBackupHour(h int) string {
	if h < 0 {
		return "off"
	}
	return strconv.Itoa(h)
}
