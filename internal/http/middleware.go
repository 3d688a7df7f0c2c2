package http

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/grimbots/grimbots/internal/http/reqctx"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// requestInfo assigns the request id (keeping a well-formed incoming
// X-Request-ID), resolves the client address, and echoes the id.
func requestInfo(next http.Handler, trusted []netip.Prefix) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !requestIDPattern.MatchString(id) {
			id = newRequestID()
		}
		ua := r.UserAgent()
		if len(ua) > 512 {
			ua = ua[:512]
		}
		info := &reqctx.Info{RequestID: id, ClientIP: ClientIP(r, trusted), UserAgent: strings.ToValidUTF8(ua, "")}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(reqctx.With(r.Context(), info)))
	})
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// routeInfo is filled by routeRecorder with the matched mux pattern.
type routeKey struct{}

type routeHolder struct{ pattern string }

// routeRecorder runs the mux and records which pattern matched, for metrics
// and logs (bounded label values, unlike raw paths).
func routeRecorder(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if h, ok := r.Context().Value(routeKey{}).(*routeHolder); ok {
			h.pattern = r.Pattern
		}
	})
}

// observe writes the access log line and the HTTP metrics.
func observe(next http.Handler, logger *slog.Logger, m *metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		holder := &routeHolder{}
		sw := &statusWriter{ResponseWriter: w}
		m.inflight.Inc()
		defer m.inflight.Dec()
		ctx := r.Context()
		next.ServeHTTP(sw, r.WithContext(contextWithRoute(ctx, holder)))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		route := holder.pattern
		if route == "" || route == "/" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		m.observe(route, r.Method, sw.status, elapsed)
		level := slog.LevelInfo
		if route == "GET /healthz" || route == "GET /readyz" || route == "GET /metrics" {
			level = slog.LevelDebug
		}
		if sw.status >= 500 {
			level = slog.LevelError
		}
		info := reqctx.From(ctx)
		attrs := []slog.Attr{
			slog.String("request_id", info.RequestID), slog.String("method", r.Method), slog.String("route", route),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000), slog.String("ip", info.ClientIP),
		}
		if uid := info.UserID.Load(); uid != 0 {
			attrs = append(attrs, slog.Int64("user_id", uid))
		}
		logger.LogAttrs(ctx, level, "http request", attrs...)
	})
}

// recoverer turns a panic into a logged, reported 500 with no detail.
func recoverer(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v) // the server's own signal to drop the connection
			}
			ctx := r.Context()
			logger.ErrorContext(ctx, "panic serving request", "request_id", reqctx.From(ctx).RequestID,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if hub := sentry.GetHubFromContext(ctx); hub != nil {
				hub.RecoverWithContext(ctx, v)
				hub.Flush(2 * time.Second)
			}
			writeProblem(w, r, http.StatusInternalServerError, "internal", "Internal error. Quote the request id when contacting support.")
		}()
		next.ServeHTTP(w, r)
	})
}

// sentryHub gives each request its own Sentry hub carrying the request.
func sentryHub(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hub := sentry.CurrentHub().Clone()
		hub.Scope().SetRequest(r)
		hub.Scope().SetTag("request_id", reqctx.From(r.Context()).RequestID)
		next.ServeHTTP(w, r.WithContext(sentry.SetHubOnContext(r.Context(), hub)))
	})
}

// contentSecurityPolicy allows only our own resources: no inline script or
// style, no framing, no plugins.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(next http.Handler, production bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if production {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if strings.HasPrefix(r.URL.Path, "/api/v1/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

func crossSiteRefused(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, http.StatusForbidden, "cross_site_refused",
		"Cross-site request refused: state-changing requests must come from this site.")
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, http.StatusNotFound, "not_found", "No such resource.")
}

// writeProblem writes an RFC 9457 body for errors raised outside the API.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"title":%q,"status":%d,"code":%q,"detail":%q,"request_id":%q}`+"\n",
		http.StatusText(status), status, code, detail, reqctx.From(r.Context()).RequestID)
}
