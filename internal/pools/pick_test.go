package pools

import (
	"context"
	"math"
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/grimbots/grimbots/internal/grimbots"
)

func members(specs ...[2]int) []member {
	out := make([]member, len(specs))
	for i, s := range specs {
		out[i] = member{BotID: int64(i + 1), Weight: s[0], Priority: s[1], Available: true}
	}
	return out
}

// picks runs n picks and counts them by bot id.
func picks(t *testing.T, strategy string, candidates []member, n int) map[int64]int {
	t.Helper()
	c := NewMemoryCounters(nil)
	rng := rand.New(rand.NewPCG(7, 11))
	got := map[int64]int{}
	for range n {
		i, err := choose(context.Background(), c, strategy, 1, candidates, rng.IntN)
		if err != nil {
			t.Fatal(err)
		}
		got[candidates[i].BotID]++
	}
	return got
}

func TestWeightedDistribution(t *testing.T) {
	t.Parallel()
	const n = 10_000
	got := picks(t, grimbots.StrategyWeighted, members([2]int{1, 0}, [2]int{3, 0}), n)
	share := float64(got[1]) / n
	if math.Abs(share-0.25) > 0.02 {
		t.Fatalf("weight 1 of 1:3 got %.2f%% of %d picks, want 25%% ± 2%%", 100*share, n)
	}
	// Three bots 1:2:7.
	got = picks(t, grimbots.StrategyWeighted, members([2]int{1, 0}, [2]int{2, 0}, [2]int{7, 0}), n)
	for id, want := range map[int64]float64{1: 0.1, 2: 0.2, 3: 0.7} {
		if share := float64(got[id]) / n; math.Abs(share-want) > 0.02 {
			t.Errorf("bot %d: %.2f%%, want %.0f%% ± 2%%", id, 100*share, 100*want)
		}
	}
}

func TestRoundRobinExactCycle(t *testing.T) {
	t.Parallel()
	c := NewMemoryCounters(nil)
	cands := members([2]int{1, 0}, [2]int{5, 0}, [2]int{1, 0})
	var seq []int64
	for range 7 {
		i, err := choose(context.Background(), c, grimbots.StrategyRoundRobin, 9, cands, nil)
		if err != nil {
			t.Fatal(err)
		}
		seq = append(seq, cands[i].BotID)
	}
	want := []int64{1, 2, 3, 1, 2, 3, 1}
	for i := range want {
		if seq[i] != want[i] {
			t.Fatalf("round robin sequence %v, want %v", seq, want)
		}
	}
}

func TestRandomCoversAll(t *testing.T) {
	t.Parallel()
	got := picks(t, grimbots.StrategyRandom, members([2]int{1, 0}, [2]int{1, 0}, [2]int{1, 0}, [2]int{100, 0}), 4000)
	for id := int64(1); id <= 4; id++ {
		// Uniform whatever the weights: 1000 each, give or take.
		if got[id] < 850 || got[id] > 1150 {
			t.Errorf("bot %d picked %d times of 4000, want about 1000", id, got[id])
		}
	}
}

func TestPriorityTakesTheTopTier(t *testing.T) {
	t.Parallel()
	// Sorted as the store lists them: priority 10 (weights 1:1), then 5.
	cands := members([2]int{1, 10}, [2]int{1, 10}, [2]int{9, 5})
	got := picks(t, grimbots.StrategyPriority, cands, 2000)
	if got[3] != 0 || got[1] < 850 || got[2] < 850 {
		t.Fatalf("priority picks %v, want only bots 1 and 2, evenly", got)
	}
	// The top tier gone (offline: not a candidate), the next one takes all.
	got = picks(t, grimbots.StrategyPriority, cands[2:], 100)
	if got[3] != 100 {
		t.Fatalf("after failover %v, want all on bot 3", got)
	}
}

func TestLeastConnectionsBalances(t *testing.T) {
	t.Parallel()
	got := picks(t, grimbots.StrategyLeastConnections, members([2]int{1, 0}, [2]int{9, 0}, [2]int{1, 0}), 300)
	for id := int64(1); id <= 3; id++ {
		if got[id] != 100 {
			t.Fatalf("least connections %v, want 100 each", got)
		}
	}
}

func TestPayload(t *testing.T) {
	t.Parallel()
	valid := regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	for _, c := range []struct {
		pool  int64
		click uint64
		want  string
	}{
		{1, 0, "p1_0"},
		{62, 61, "p10_z"},
		{math.MaxInt64, math.MaxUint64, "pAzL8n0Y58m7_LygHa16AHYF"},
	} {
		got := Payload(c.pool, c.click)
		if got != c.want || !valid.MatchString(got) || len(got) > 24 {
			t.Errorf("Payload(%d, %d) = %q, want %q", c.pool, c.click, got, c.want)
		}
	}
}

func TestNormalizeSlug(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{"Promo-Verao_1": true, "abc": true, "ab": false, "-abc": false, "a b c": false,
		"ação": false, "x" + string(make([]byte, 50)): false} {
		if _, ok := NormalizeSlug(in); ok != want {
			t.Errorf("NormalizeSlug(%q) ok=%v, want %v", in, ok, want)
		}
	}
	if s, _ := NormalizeSlug("Promo-Verao"); s != "promo-verao" {
		t.Errorf("not lowercased: %q", s)
	}
}
