package bench

// In-process benchmark of GET /api/v1/me through the full middleware chain on
// SQLite, without sockets or a load generator competing for the cores. It
// complements bench/run.sh: use it to profile where a request's time goes.
//
//	go test ./bench -run '^$' -bench Me -benchtime 5s -cpuprofile cpu.out
//	go tool pprof -top -nodecount 40 bench.test cpu.out

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/app"
	"github.com/grimbots/grimbots/internal/config"
)

func BenchmarkMe(b *testing.B) {
	cfg, err := config.Load(config.MapLookup(map[string]string{
		"GRIMBOTS_DATA_DIR":    b.TempDir(),
		"LOG_LEVEL":            "warn",
		"RATE_REGISTER_PER_IP": "100000/1m",
	}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	a, err := app.New(ctx, cfg, app.NewLogger(cfg, io.Discard), app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(a.Close)
	h := a.Server.Handler()

	reg := httptest.NewRequest(http.MethodPost, "/api/v1/auth/register", strings.NewReader(
		`{"email":"profile@example.com","username":"profile_user","password":"bench-password-123"}`))
	reg.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, reg)
	if rec.Code/100 != 2 {
		b.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	var cookie *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if strings.HasSuffix(c.Name, "grimbots_session") {
			cookie = c
		}
	}
	if cookie == nil {
		b.Fatal("register: no session cookie")
	}

	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
			req.AddCookie(cookie)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("GET /api/v1/me: %d %s", rec.Code, rec.Body)
				return
			}
		}
	})
}
