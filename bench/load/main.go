// Command load is a small, bounded HTTP load generator for grimbots.
//
// It registers a fresh user through the JSON API, keeps the session cookie,
// then sends GET /api/v1/me from -c workers over keep-alive connections for
// -d (or until -max-requests), and prints throughput and latency percentiles.
// It only targets loopback addresses. bench/run.sh drives it.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

const sessionCookie = "grimbots_session"

func main() {
	target := flag.String("url", "http://127.0.0.1:18080", "base URL of the server (loopback only)")
	conc := flag.Int("c", 64, "concurrent workers (one keep-alive connection each)")
	dur := flag.Duration("d", 10*time.Second, "how long to send requests")
	maxReq := flag.Int64("max-requests", 5_000_000, "safety cap on the total number of requests")
	timeout := flag.Duration("timeout", 10*time.Second, "per-request timeout")
	flag.Parse()

	if err := run(*target, *conc, *dur, *maxReq, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(target string, conc int, dur time.Duration, maxReq int64, timeout time.Duration) error {
	switch {
	case conc < 1 || conc > 4096:
		return fmt.Errorf("-c must be between 1 and 4096, got %d", conc)
	case dur <= 0 || dur > 10*time.Minute:
		return fmt.Errorf("-d must be in (0, 10m], got %s", dur)
	case maxReq < 1:
		return fmt.Errorf("-max-requests must be positive, got %d", maxReq)
	}
	base, err := url.Parse(target)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return fmt.Errorf("-url %q is not an http(s) URL", target)
	}
	if err := checkLoopback(base.Hostname()); err != nil {
		return err
	}

	transport := &http.Transport{
		Proxy:               nil, // never through a proxy: loopback only
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conc * 2,
		MaxIdleConnsPerHost: conc * 2,
		MaxConnsPerHost:     conc,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	defer transport.CloseIdleConnections()
	// No cookie jar: its mutex would serialise the workers. The session
	// cookie is set on each request by hand.
	client := &http.Client{Transport: transport, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	user, cookie, err := register(ctx, client, base)
	if err != nil {
		return err
	}
	meURL := base.JoinPath("/api/v1/me").String()
	if err := warmUp(ctx, client, meURL, cookie); err != nil {
		return err
	}
	fmt.Printf("target:      %s (user %s)\n", meURL, user)
	fmt.Printf("load:        %d workers, %s, at most %d requests\n", conc, dur, maxReq)

	var (
		issued   atomic.Int64
		errCount atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
	)
	latencies := make([][]time.Duration, conc)
	runCtx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	start := time.Now()
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<16)
			for runCtx.Err() == nil && issued.Add(1) <= maxReq {
				t0 := time.Now()
				status, err := get(runCtx, client, meURL, cookie)
				if runCtx.Err() != nil {
					break // the deadline cut this request short: not counted
				}
				lat = append(lat, time.Since(t0))
				if err != nil || status != http.StatusOK {
					errCount.Add(1)
					if err == nil {
						err = fmt.Errorf("status %d", status)
					}
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
			latencies[w] = lat
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	all := slices.Concat(latencies...)
	slices.Sort(all)
	n := len(all)
	fmt.Printf("duration:    %.2fs\n", elapsed.Seconds())
	fmt.Printf("requests:    %d\n", n)
	fmt.Printf("errors:      %d (non-200 or transport)\n", errCount.Load())
	if e, ok := firstErr.Load().(string); ok {
		fmt.Printf("first error: %s\n", e)
	}
	if n == 0 {
		return errors.New("no request completed")
	}
	fmt.Printf("throughput:  %.0f req/s\n", float64(n)/elapsed.Seconds())
	fmt.Printf("latency:     p50 %s  p95 %s  p99 %s  max %s\n",
		pct(all, 50), pct(all, 95), pct(all, 99), all[n-1].Round(time.Microsecond))
	return nil
}

// checkLoopback refuses any target that is not this machine.
func checkLoopback(host string) error {
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing non-loopback target %q: use 127.0.0.1, [::1] or localhost", host)
	}
	return nil
}

func register(ctx context.Context, client *http.Client, base *url.URL) (user string, cookie *http.Cookie, err error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "bench_" + hex.EncodeToString(b)
	body, _ := json.Marshal(map[string]string{
		"email": name + "@example.com", "username": name, "password": "bench-password-123",
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base.JoinPath("/api/v1/auth/register").String(), bytes.NewReader(body))
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("registering: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return "", nil, fmt.Errorf("registering: status %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	for _, c := range resp.Cookies() {
		if (c.Name == sessionCookie || c.Name == "__Host-"+sessionCookie) && c.Value != "" {
			return name, &http.Cookie{Name: c.Name, Value: c.Value}, nil
		}
	}
	return "", nil, fmt.Errorf("registering: no %s cookie in the response", sessionCookie)
}

func warmUp(ctx context.Context, client *http.Client, meURL string, cookie *http.Cookie) error {
	status, err := get(ctx, client, meURL, cookie)
	if err != nil {
		return fmt.Errorf("GET /api/v1/me: %w", err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("GET /api/v1/me: status %d with the new session", status)
	}
	return nil
}

func get(ctx context.Context, client *http.Client, u string, cookie *http.Cookie) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	req.AddCookie(cookie)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	// Drain so the connection goes back to the pool.
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// pct returns the p-th percentile (nearest rank) of sorted durations.
func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p+99)/100 - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i].Round(time.Microsecond)
}
