package bots

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/telegram"
)

func TestNextHealth(t *testing.T) {
	serverError := &telegram.APIError{Method: "getMe", Code: http.StatusInternalServerError, Description: "Internal Server Error"}
	network := fmt.Errorf("telegram: getMe: %w", telegram.ErrTemporary)
	revoked := &telegram.APIError{Method: "getMe", Code: http.StatusUnauthorized, Description: "Unauthorized"}
	throttled := &telegram.RetryAfterError{Method: "getMe", After: 3 * time.Second}
	tests := []struct {
		name         string
		health       string
		failures     int
		err          error
		wantHealth   string
		wantFailures int
		wantResult   string
	}{
		{"success", grimbots.BotUnknown, 0, nil, grimbots.BotOnline, 0, healthOK},
		{"success resets failures", grimbots.BotOnline, 2, nil, grimbots.BotOnline, 0, healthOK},
		{"recovery", grimbots.BotOffline, 7, nil, grimbots.BotOnline, 0, healthOK},
		{"first failure", grimbots.BotOnline, 0, serverError, grimbots.BotOnline, 1, healthFailed},
		{"second failure", grimbots.BotOnline, 1, network, grimbots.BotOnline, 2, healthFailed},
		{"third failure", grimbots.BotOnline, 2, serverError, grimbots.BotOffline, 3, healthFailed},
		{"deadline", grimbots.BotOnline, 2, context.DeadlineExceeded, grimbots.BotOffline, 3, healthFailed},
		{"still offline", grimbots.BotOffline, 3, serverError, grimbots.BotOffline, 4, healthFailed},
		{"unknown stays unknown", grimbots.BotUnknown, 0, serverError, grimbots.BotUnknown, 1, healthFailed},
		{"revoked", grimbots.BotOnline, 1, revoked, grimbots.BotRevoked, 1, healthRevoked},
		{"throttled: no verdict", grimbots.BotOnline, 1, throttled, grimbots.BotOnline, 1, healthThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, f, r := nextHealth(tt.health, tt.failures, tt.err)
			if h != tt.wantHealth || f != tt.wantFailures || r != tt.wantResult {
				t.Fatalf("nextHealth(%s, %d, %v) = %s, %d, %s; want %s, %d, %s", tt.health, tt.failures, tt.err,
					h, f, r, tt.wantHealth, tt.wantFailures, tt.wantResult)
			}
		})
	}
}
