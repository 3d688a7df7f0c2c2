package syncpay_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/syncpay"
)

func TestTokenIsCachedAndRefreshed(t *testing.T) {
	f, srv := newFake(t)
	g := newClient(t, srv, time.Second)
	now := time.Date(2025, 11, 20, 14, 0, 0, 0, time.UTC)
	var clock sync.Mutex
	syncpay.SetClock(g, func() time.Time { clock.Lock(); defer clock.Unlock(); return now })
	ctx := context.Background()

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := g.CreateCharge(ctx, chargeReq(1990)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if tokens, calls := f.counts(); tokens != 1 || calls != 8 {
		t.Fatalf("concurrent charges: %d token calls, %d cash-ins; want 1 and 8", tokens, calls)
	}

	// SyncPay revokes the token early: the 401 triggers one refresh.
	f.mu.Lock()
	f.live = map[string]bool{}
	f.mu.Unlock()
	if _, err := g.CreateCharge(ctx, chargeReq(1990)); err != nil {
		t.Fatal(err)
	}
	if tokens, calls := f.counts(); tokens != 2 || calls != 10 {
		t.Fatalf("after revocation: %d token calls, %d cash-ins; want 2 and 10", tokens, calls)
	}
	if auth := f.cashIns[9].Header.Get("Authorization"); auth != "Bearer tok-2" {
		t.Errorf("retry used %q", auth)
	}

	// Expiry: 3600 s minus the 60 s margin.
	clock.Lock()
	now = now.Add(3539 * time.Second)
	clock.Unlock()
	if _, err := g.CreateCharge(ctx, chargeReq(1990)); err != nil {
		t.Fatal(err)
	}
	if tokens, _ := f.counts(); tokens != 2 {
		t.Errorf("token refreshed before expiry: %d calls", tokens)
	}
	clock.Lock()
	now = now.Add(2 * time.Second)
	clock.Unlock()
	if _, err := g.CreateCharge(ctx, chargeReq(1990)); err != nil {
		t.Fatal(err)
	}
	if tokens, _ := f.counts(); tokens != 3 {
		t.Errorf("token not refreshed after expiry: %d calls", tokens)
	}

	// A token refused twice in a row is a credentials problem, not a loop.
	f.mu.Lock()
	f.cashCode, f.cashBody, f.live = 0, "", map[string]bool{}
	f.tokenCode, f.tokenBody = 200, `{"access_token":"dead","expires_in":3600}`
	f.mu.Unlock()
	_, err := g.CreateCharge(ctx, chargeReq(1990))
	if !errors.Is(err, gateway.ErrInvalidCredentials) {
		t.Errorf("err = %v", err)
	}
	if tokens, _ := f.counts(); tokens != 4 {
		t.Errorf("%d token calls, want exactly one refresh", tokens)
	}
}

func TestVerifyCredentials(t *testing.T) {
	f, srv := newFake(t)
	g := newClient(t, srv, time.Second)
	if err := g.VerifyCredentials(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := g.VerifyCredentials(context.Background()); err != nil {
		t.Fatal(err)
	}
	if tokens, _ := f.counts(); tokens != 2 {
		t.Errorf("verify used a cached token: %d token calls", tokens)
	}
	f.tokenCode, f.tokenBody = http.StatusUnauthorized, `{"message":"Invalid credentials"}`
	if err := g.VerifyCredentials(context.Background()); !errors.Is(err, gateway.ErrInvalidCredentials) {
		t.Errorf("err = %v", err)
	}
}
