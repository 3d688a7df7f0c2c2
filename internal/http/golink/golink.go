// Package golink serves the public links of redirect pools, GET /go/{slug}:
// a 302 to the bot the pool picked, or a short page in Portuguese when the
// link is unknown, no bot is available or the visitor is over the rate
// limit. The page uses only our stylesheet (no inline script or style), so
// it keeps the strict Content-Security-Policy.
package golink

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/http/reqctx"
	"github.com/grimbots/grimbots/internal/pools"
	"github.com/grimbots/grimbots/internal/ratelimit"
)

var (
	//go:embed page.html
	pageHTML string
	//go:embed page.css
	pageCSS []byte

	page    = template.Must(template.New("page").Parse(pageHTML))
	cssHash = func() string { h := sha256.Sum256(pageCSS); return hex.EncodeToString(h[:6]) }()
)

// CSSPath is where the page's stylesheet is served.
const CSSPath = "/go/page.css"

// Redirector picks the target of a visit (the pools service).
type Redirector interface {
	Redirect(ctx context.Context, slug string) (pools.Target, error)
}

// Config configures the handler.
type Config struct {
	// Limiter and PerIP limit visits per client IP. A limiter failure lets
	// the visit through.
	Limiter ratelimit.Limiter
	PerIP   ratelimit.Rate
	Logger  *slog.Logger
}

// Handler answers GET /go/{slug}.
func Handler(r Redirector, cfg Config) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := req.Context()
		info := reqctx.From(ctx)
		if cfg.Limiter != nil && cfg.PerIP.N > 0 {
			res, err := cfg.Limiter.Take(ctx, "go:ip:"+info.ClientIP, cfg.PerIP)
			if err != nil {
				cfg.Logger.WarnContext(ctx, "pool link rate limit unavailable; visit allowed", "err", err)
			} else if !res.Allowed {
				w.Header().Set("Retry-After", strconv.Itoa(max(1, int(res.RetryAfter.Seconds()+0.5))))
				render(w, req, http.StatusTooManyRequests, "⏳", "Muitas tentativas",
					"Você abriu este link muitas vezes em pouco tempo. Aguarde um instante e tente de novo.", false)
				return
			}
		}
		t, err := r.Redirect(ctx, req.PathValue("slug"))
		switch grimbots.ErrorCode(err) {
		case "":
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Referrer-Policy", "no-referrer")
			http.Redirect(w, req, t.URL, http.StatusFound)
		case grimbots.ENOTFOUND:
			render(w, req, http.StatusNotFound, "🔍", "Link não encontrado",
				"Este link não existe ou foi desativado. Confira o endereço com quem o enviou.", false)
		case grimbots.EUNAVAILABLE:
			w.Header().Set("Retry-After", "30")
			render(w, req, http.StatusServiceUnavailable, "🤖", "Nenhum atendente disponível agora",
				"Todos os bots deste link estão fora do ar no momento. Tente de novo em alguns minutos.", true)
		default:
			cfg.Logger.ErrorContext(ctx, "pool link failed", "slug", req.PathValue("slug"), "err", err)
			render(w, req, http.StatusInternalServerError, "⚠️", "Algo deu errado",
				"Não conseguimos abrir este link agora. Tente de novo em alguns instantes.", true)
		}
	})
}

type pageData struct {
	Icon, Title, Message, CSS, Retry, RequestID string
}

func render(w http.ResponseWriter, req *http.Request, status int, icon, title, message string, retry bool) {
	d := pageData{Icon: icon, Title: title, Message: message, CSS: CSSPath + "?v=" + cssHash}
	if retry {
		d.Retry = req.URL.Path
	}
	if status >= 500 {
		d.RequestID = reqctx.From(req.Context()).RequestID
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = page.Execute(w, d)
}

// CSS serves the page's stylesheet (its URL carries its hash: cached long).
func CSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(pageCSS)
}
