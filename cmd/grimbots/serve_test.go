package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestServeRoleFlag(t *testing.T) {
	for _, args := range [][]string{{"serve", "--role", "frontend"}, {"serve", "--role"}, {"serve", "--role=WEB"}} {
		setEnv(t)
		_, _, err := runCmd(t, "", args...)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
	setEnv(t)
	t.Setenv("GRIMBOTS_ROLE", "frontend")
	if _, _, err := runCmd(t, "", "serve"); err == nil || !strings.Contains(err.Error(), "GRIMBOTS_ROLE: must be all, web or worker") {
		t.Fatalf("GRIMBOTS_ROLE=frontend: %v", err)
	}
}

// serve runs `serve args…` on a free port in a fresh data directory and
// returns its base URL once it is ready, the data directory, and stop,
// which cancels it and returns what serve returned (the test fails if it
// takes more than 10s). stop also runs when the test ends.
func serve(t *testing.T, args ...string) (base, dir string, stop func() error) {
	t.Helper()
	dir = setEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("GRIMBOTS_HTTP_ADDR", addr)
	t.Setenv("GRIMBOTS_SHUTDOWN_TIMEOUT", "5s")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		var out, errOut bytes.Buffer
		done <- run(ctx, append([]string{"serve"}, args...), strings.NewReader(""), &out, &errOut)
	}()
	var once sync.Once
	var serveErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case serveErr = <-done:
			case <-time.After(10 * time.Second):
				t.Errorf("serve %v did not stop within 10s of the signal", args)
			}
		})
		return serveErr
	}
	t.Cleanup(func() { _ = stop() })
	base = "http://" + addr
	for deadline := time.Now().Add(20 * time.Second); status(base+"/readyz") != http.StatusOK; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve %v not ready", args)
		}
	}
	return base, dir, stop
}

func status(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestServeRoles(t *testing.T) {
	for _, tt := range []struct {
		args []string
		env  string
		api  int
	}{
		{[]string{"--role", "worker"}, "", http.StatusNotFound},
		{nil, "worker", http.StatusNotFound},
		{[]string{"--role=web"}, "worker", http.StatusOK}, // the flag wins
		{nil, "", http.StatusOK},
	} {
		t.Run(strings.Join(tt.args, " ")+" env="+tt.env, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("GRIMBOTS_ROLE", tt.env)
			}
			base, _, stop := serve(t, tt.args...)
			if got := status(base + "/api/openapi.json"); got != tt.api {
				t.Errorf("GET /api/openapi.json: %d, want %d", got, tt.api)
			}
			for _, path := range []string{"/healthz", "/metrics"} {
				if got := status(base + path); got != http.StatusOK {
					t.Errorf("GET %s: %d", path, got)
				}
			}
			if err := stop(); err != nil {
				t.Fatalf("serve returned %v", err)
			}
		})
	}
}
