package paradise

import (
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// SetBackoff replaces the retry delays of a client made by New.
func SetBackoff(g gateway.Gateway, delays ...time.Duration) { g.(*client).backoff = delays }
