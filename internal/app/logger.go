package app

import (
	"io"
	"log/slog"
	"strings"

	"github.com/grimbots/grimbots/internal/config"
)

// redactedKeys are attribute names whose values never reach the log, as a
// last line of defence should a secret be passed to a logger by mistake.
var redactedKeys = map[string]bool{
	"password": true, "secret": true, "token": true, "authorization": true, "cookie": true,
	"api_key": true, "dsn": true, "credentials": true,
}

// NewLogger builds the process logger from the configuration.
func NewLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if redactedKeys[strings.ToLower(a.Key)] {
			return slog.String(a.Key, "REDACTED")
		}
		return a
	}}
	var h slog.Handler
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(h).With("service", "grimbots")
}
