package pools

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// member is a pool member as a redirect needs it (the cached form).
type member struct {
	BotID     int64  `json:"bot"`
	Username  string `json:"username"`
	Weight    int    `json:"weight"`
	Priority  int    `json:"priority"`
	Available bool   `json:"available"`
}

// choose picks one of candidates (available members, in the pool's order:
// higher priority first) by strategy. intn returns a uniform int in [0, n).
func choose(ctx context.Context, c Counters, strategy string, poolID int64, candidates []member, intn func(int) int) (int, error) {
	switch n := len(candidates); {
	case n == 0:
		return 0, fmt.Errorf("pools: no candidates")
	case n == 1:
		if strategy == grimbots.StrategyLeastConnections {
			// Still counted, so the bot's load is known when others return.
			return c.Least(ctx, []int64{candidates[0].BotID})
		}
		return 0, nil
	}
	switch strategy {
	case grimbots.StrategyRoundRobin:
		t, err := c.Next(ctx, poolID)
		if err != nil {
			return 0, err
		}
		return int((t - 1) % uint64(len(candidates))), nil
	case grimbots.StrategyLeastConnections:
		ids := make([]int64, len(candidates))
		for i, m := range candidates {
			ids[i] = m.BotID
		}
		return c.Least(ctx, ids)
	case grimbots.StrategyWeighted:
		return weighted(candidates, intn), nil
	case grimbots.StrategyPriority:
		// Members come highest priority first: the top tier is a prefix.
		top := 1
		for top < len(candidates) && candidates[top].Priority == candidates[0].Priority {
			top++
		}
		return weighted(candidates[:top], intn), nil
	default: // random
		return intn(len(candidates)), nil
	}
}

// weighted picks an index with probability weight / Σ weights.
func weighted(candidates []member, intn func(int) int) int {
	total := 0
	for _, m := range candidates {
		total += max(1, m.Weight)
	}
	r := intn(total)
	for i, m := range candidates {
		if r -= max(1, m.Weight); r < 0 {
			return i
		}
	}
	return len(candidates) - 1
}

// randomIntN is the production source of choose's randomness.
func randomIntN(n int) int { return rand.IntN(n) }
