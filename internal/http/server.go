// Package http is the HTTP adapter: the server, its middleware (request ids,
// access logs, metrics, panic recovery, security headers, cross-site request
// refusal) and the operational endpoints. The JSON API lives in api/.
package http

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Config configures the server.
type Config struct {
	Addr           string
	TrustedProxies []netip.Prefix
	// Production adds HSTS.
	Production bool
	// Sentry enables per-request error reporting hubs.
	Sentry   bool
	Logger   *slog.Logger
	Registry *prometheus.Registry
	// Checks are run by /readyz.
	Checks []Check
	// NotFoundPage answers unknown paths asked for by browsers (Accept:
	// text/html, outside /api/); nil, or any other client, gets the JSON
	// problem.
	NotFoundPage http.Handler
}

// Server is the platform's HTTP server.
type Server struct {
	srv     *http.Server
	handler http.Handler
	logger  *slog.Logger
}

// New builds the server. mount registers the application's routes (API,
// pages, webhooks) on the mux; the operational routes are added here.
func New(cfg Config, mount func(mux *http.ServeMux, cop *http.CrossOriginProtection)) *Server {
	mux := http.NewServeMux()
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(crossSiteRefused))
	mux.HandleFunc("GET /healthz", healthz)
	mux.Handle("GET /readyz", readyz(cfg.Checks, cfg.Logger))
	m := newMetrics(cfg.Registry)
	mux.Handle("GET /metrics", m.handler(cfg.Registry))
	mount(mux, cop)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if cfg.NotFoundPage != nil && !strings.HasPrefix(r.URL.Path, "/api/") &&
			strings.Contains(r.Header.Get("Accept"), "text/html") {
			cfg.NotFoundPage.ServeHTTP(w, r)
			return
		}
		notFound(w, r)
	})

	h := routeRecorder(mux)
	h = cop.Handler(h)
	h = securityHeaders(h, cfg.Production)
	h = recoverer(h, cfg.Logger)
	if cfg.Sentry {
		h = sentryHub(h)
	}
	h = observe(h, cfg.Logger, m)
	h = requestInfo(h, cfg.TrustedProxies)

	return &Server{
		handler: h,
		logger:  cfg.Logger,
		srv: &http.Server{
			Addr:              cfg.Addr,
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			IdleTimeout:       120 * time.Second,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
		},
	}
}

// Handler returns the full middleware chain, for tests.
func (s *Server) Handler() http.Handler { return s.handler }

// Listen opens the listening socket (so the caller learns a bad address
// before anything else starts).
func (s *Server) Listen(ctx context.Context) (net.Listener, error) {
	var lc net.ListenConfig
	return lc.Listen(ctx, "tcp", s.srv.Addr)
}

// Serve serves on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits for in-flight requests
// until ctx ends, then closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
	}
	return err
}
