package syncpay

import (
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// SetClock replaces the token cache's clock of a client made by New.
func SetClock(g gateway.Gateway, now func() time.Time) { g.(*client).tokens.now = now }
