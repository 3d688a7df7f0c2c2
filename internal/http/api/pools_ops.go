package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/pools"
)

// Pool is a redirect pool: one public link that spreads visitors over the
// seller's bots.
type Pool struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Slug     string `json:"slug" example:"promo-verao"`
	Path     string `json:"path" example:"/go/promo-verao" doc:"The public link, on the platform's address."`
	Strategy string `json:"strategy" enum:"round_robin,least_connections,random,weighted,priority"`
	Active   bool   `json:"active" doc:"An inactive pool's link answers 404."`
	// Available counts the members that can take visitors now.
	Available int          `json:"available" doc:"Members that can take visitors now (running, not offline or revoked)."`
	Members   []PoolMember `json:"members"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// PoolMember is a bot of a pool.
type PoolMember struct {
	BotID     int64     `json:"bot_id"`
	Username  string    `json:"username"`
	Name      string    `json:"name"`
	Status    string    `json:"status" enum:"online,offline,revoked,stopped,unknown" doc:"The bot's status (see the bots)."`
	Available bool      `json:"available" doc:"The pool sends visitors to it now."`
	Weight    int       `json:"weight"`
	Priority  int       `json:"priority"`
	AddedAt   time.Time `json:"added_at"`
}

func poolView(p *grimbots.Pool) Pool {
	v := Pool{ID: p.ID, Name: p.Name, Slug: p.Slug, Path: "/go/" + p.Slug, Strategy: p.Strategy, Active: p.Active,
		Members: make([]PoolMember, len(p.Members)), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	for i, m := range p.Members {
		status := botView(&grimbots.Bot{Running: m.BotRunning, Health: m.BotHealth}).Status
		v.Members[i] = PoolMember{BotID: m.BotID, Username: m.BotUsername, Name: m.BotName, Status: status,
			Available: m.Available(), Weight: m.Weight, Priority: m.Priority, AddedAt: m.AddedAt}
		if m.Available() {
			v.Available++
		}
	}
	return v
}

// PoolBody wraps one pool.
type PoolBody struct {
	Body struct {
		Pool Pool `json:"pool"`
	}
}

func onePool(p *grimbots.Pool, err error) (*PoolBody, error) {
	if err != nil {
		return nil, err
	}
	out := &PoolBody{}
	out.Body.Pool = poolView(p)
	return out, nil
}

// PoolsOutput lists pools.
type PoolsOutput struct {
	Body struct {
		Pools []Pool `json:"pools"`
	}
}

// CreatePoolInput creates a pool.
type CreatePoolInput struct {
	Body struct {
		Name     string `json:"name" minLength:"1" maxLength:"100"`
		Slug     string `json:"slug,omitempty" pattern:"^[A-Za-z0-9][A-Za-z0-9_-]{2,49}$" patternDescription:"3 to 50 letters, digits, _ or -" doc:"3 to 50 letters, digits, _ or -, unique on the platform; stored lowercased. Absent: an unguessable one."`
		Strategy string `json:"strategy,omitempty" enum:"round_robin,least_connections,random,weighted,priority" default:"round_robin" doc:"round_robin: in turn; least_connections: the bot with the fewest visitors in the last 5 minutes; random; weighted: in proportion to the weights; priority: the highest priority bots (by weight among equals), the next priority only when none of those is available."`
		Active   *bool  `json:"active,omitempty" doc:"Default true."`
	}
}

// UpdatePoolInput changes a pool; absent fields stay.
type UpdatePoolInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Name     *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
		Slug     *string `json:"slug,omitempty" pattern:"^[A-Za-z0-9][A-Za-z0-9_-]{2,49}$" patternDescription:"3 to 50 letters, digits, _ or -" doc:"The old link stops working at once."`
		Strategy *string `json:"strategy,omitempty" enum:"round_robin,least_connections,random,weighted,priority"`
		Active   *bool   `json:"active,omitempty"`
	}
}

// PoolMemberInput names a bot of a pool.
type PoolMemberInput struct {
	ID    int64 `path:"id" minimum:"1"`
	BotID int64 `path:"bot_id" minimum:"1"`
}

// SetPoolMemberInput adds a bot to a pool or changes its weight and
// priority.
type SetPoolMemberInput struct {
	PoolMemberInput
	Body struct {
		Weight   int `json:"weight,omitempty" minimum:"1" maximum:"1000" default:"1" doc:"Share under weighted (and among equals under priority)."`
		Priority int `json:"priority,omitempty" minimum:"-1000" maximum:"1000" doc:"Higher first under priority; default 0."`
	}
}

// PoolStatsInput asks for a pool's redirects.
type PoolStatsInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Days int   `query:"days" minimum:"1" maximum:"90" default:"30" doc:"Days back, today included (America/Sao_Paulo)."`
}

// BotClicks is a bot's share of a pool's redirects.
type BotClicks struct {
	BotID    int64  `json:"bot_id"`
	Username string `json:"username,omitempty" doc:"Empty for a bot no longer in the pool."`
	Clicks   int64  `json:"clicks"`
}

// DayClicks are one day's redirects.
type DayClicks struct {
	Day   string      `json:"day" format:"date"`
	Total int64       `json:"total"`
	Bots  []BotClicks `json:"bots"`
}

// PoolStatsOutput are a pool's redirects per bot and per day.
type PoolStatsOutput struct {
	Body struct {
		From  string      `json:"from" format:"date"`
		To    string      `json:"to" format:"date"`
		Total int64       `json:"total"`
		Bots  []BotClicks `json:"bots" doc:"Per bot over the period, most first."`
		Days  []DayClicks `json:"days" doc:"Every day of the period, oldest first."`
	}
}

func poolStatsView(st *pools.Stats) *PoolStatsOutput {
	out := &PoolStatsOutput{}
	b := &out.Body
	b.From, b.To, b.Total = st.From, st.To, st.Total
	names := map[int64]string{}
	b.Bots = make([]BotClicks, len(st.ByBot))
	for i, c := range st.ByBot {
		b.Bots[i] = BotClicks{BotID: c.BotID, Username: c.Username, Clicks: c.Clicks}
		names[c.BotID] = c.Username
	}
	b.Days = make([]DayClicks, len(st.Days))
	for i, d := range st.Days {
		day := DayClicks{Day: d.Day, Total: d.Total, Bots: []BotClicks{}}
		for _, c := range st.ByBot { // in the period's order
			if n := d.ByBot[c.BotID]; n > 0 {
				day.Bots = append(day.Bots, BotClicks{BotID: c.BotID, Username: names[c.BotID], Clicks: n})
			}
		}
		b.Days[i] = day
	}
	return out
}

func (a *API) registerPools() {
	tags := []string{"Pools"}
	notFound := []int{http.StatusNotFound}
	register(a, huma.Operation{OperationID: "list-pools", Method: http.MethodGet, Path: "/api/v1/pools",
		Summary: "The seller's redirect pools", Tags: tags}, authAny,
		func(ctx context.Context, _ *struct{}) (*PoolsOutput, error) {
			list, err := a.pools.Pools(ctx, principal(ctx).User.ID)
			if err != nil {
				return nil, err
			}
			out := &PoolsOutput{}
			out.Body.Pools = make([]Pool, len(list))
			for i, p := range list {
				out.Body.Pools[i] = poolView(p)
			}
			return out, nil
		})
	register(a, huma.Operation{OperationID: "create-pool", Method: http.MethodPost, Path: "/api/v1/pools",
		Summary: "Create a redirect pool", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Its link, `GET /go/{slug}`, sends each visitor to one of the pool's available bots by the " +
			"strategy, as `https://t.me/{bot}?start=p…`. Add bots with the member operation."}, authAny,
		func(ctx context.Context, in *CreatePoolInput) (*PoolBody, error) {
			b := in.Body
			p := pools.PoolParams{Name: &b.Name, Strategy: &b.Strategy, Active: b.Active}
			if b.Slug != "" {
				p.Slug = &b.Slug
			}
			return onePool(a.pools.Create(ctx, a.actor(ctx), p))
		})
	register(a, huma.Operation{OperationID: "get-pool", Method: http.MethodGet, Path: "/api/v1/pools/{id}",
		Summary: "One redirect pool", Tags: tags, Errors: notFound}, authAny,
		func(ctx context.Context, in *IDPath) (*PoolBody, error) {
			return onePool(a.pools.Pool(ctx, principal(ctx).User.ID, in.ID))
		})
	register(a, huma.Operation{OperationID: "update-pool", Method: http.MethodPatch, Path: "/api/v1/pools/{id}",
		Summary: "Change a redirect pool", Tags: tags, Errors: notFound,
		Description: "Takes effect on the next visit of the link."}, authAny,
		func(ctx context.Context, in *UpdatePoolInput) (*PoolBody, error) {
			b := in.Body
			return onePool(a.pools.Update(ctx, a.actor(ctx), in.ID,
				pools.PoolParams{Name: b.Name, Slug: b.Slug, Strategy: b.Strategy, Active: b.Active}))
		})
	register(a, huma.Operation{OperationID: "delete-pool", Method: http.MethodDelete, Path: "/api/v1/pools/{id}",
		Summary: "Delete a redirect pool", Tags: tags, DefaultStatus: http.StatusNoContent, Errors: notFound,
		Description: "Its link answers 404 from now on; its statistics are deleted with it."}, authAny,
		func(ctx context.Context, in *IDPath) (*struct{}, error) {
			return nil, a.pools.Delete(ctx, a.actor(ctx), in.ID)
		})
	register(a, huma.Operation{OperationID: "set-pool-member", Method: http.MethodPut, Path: "/api/v1/pools/{id}/members/{bot_id}",
		Summary: "Add a bot to a pool, or change its weight and priority", Tags: tags, Errors: notFound}, authAny,
		func(ctx context.Context, in *SetPoolMemberInput) (*PoolBody, error) {
			return onePool(a.pools.SetMember(ctx, a.actor(ctx), in.ID, in.BotID,
				pools.MemberParams{Weight: in.Body.Weight, Priority: in.Body.Priority}))
		})
	register(a, huma.Operation{OperationID: "remove-pool-member", Method: http.MethodDelete, Path: "/api/v1/pools/{id}/members/{bot_id}",
		Summary: "Take a bot out of a pool", Tags: tags, DefaultStatus: http.StatusNoContent, Errors: notFound,
		Description: "Its redirects so far stay in the statistics."}, authAny,
		func(ctx context.Context, in *PoolMemberInput) (*struct{}, error) {
			return nil, a.pools.RemoveMember(ctx, a.actor(ctx), in.ID, in.BotID)
		})
	register(a, huma.Operation{OperationID: "get-pool-stats", Method: http.MethodGet, Path: "/api/v1/pools/{id}/stats",
		Summary: "A pool's redirects per bot and per day", Tags: tags, Errors: notFound,
		Description: "Counted in memory and written every second: the last second may be missing."}, authAny,
		func(ctx context.Context, in *PoolStatsInput) (*PoolStatsOutput, error) {
			st, err := a.pools.Stats(ctx, principal(ctx).User.ID, in.ID, in.Days)
			if err != nil {
				return nil, err
			}
			return poolStatsView(st), nil
		})
}
