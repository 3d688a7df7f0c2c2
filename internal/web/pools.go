package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/pools"
)

// Redirect pools: one public link that spreads visitors over several of the
// seller's bots. The pages call the pools service; every read and write
// there is filtered on the seller, so another seller's pool is a 404.

// poolStatsDays are the periods a pool's statistics can cover; the first
// is the default.
var poolStatsDays = []int{7, 30}

type poolRow struct {
	Pool *grimbots.Pool
	Link string
	// Today and Week are the link's visits today and in the last 7 days.
	Today, Week int64
}

type poolsData struct {
	Pools      []poolRow
	Strategies []string
}

// poolLink is a pool's public address.
func (h *Handler) poolLink(slug string) string {
	if h.cfg.PublicURL == nil {
		return "/go/" + slug
	}
	return h.cfg.PublicURL.JoinPath("go", slug).String()
}

func (h *Handler) poolsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal, status int, v *view) error {
	ctx := r.Context()
	list, err := h.pools.Pools(ctx, p.User.ID)
	if err != nil {
		return err
	}
	d := &poolsData{Strategies: grimbots.PoolStrategies}
	for _, pool := range list {
		st, err := h.pools.Stats(ctx, p.User.ID, pool.ID, 7)
		if err != nil {
			return err
		}
		d.Pools = append(d.Pools, poolRow{Pool: pool, Link: h.poolLink(pool.Slug), Today: st.Days[len(st.Days)-1].Total,
			Week: st.Total})
	}
	if v.Form.Get("strategy") == "" {
		v.Form.Set("strategy", grimbots.StrategyRoundRobin)
	}
	v.Data = d
	return h.render(w, r, status, "pools", v)
}

func (h *Handler) showPools(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.poolsPage(w, r, p, http.StatusOK, h.newView(w, r, p, "pools.title", "pools"))
}

// createPool adds a pool without members and goes on to its page, where
// bots are added.
func (h *Handler) createPool(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	name, strategy := f.Get("name"), f.Get("strategy")
	params := pools.PoolParams{Name: &name, Strategy: &strategy}
	if slug := strings.TrimSpace(f.Get("slug")); slug != "" {
		params.Slug = &slug
	}
	pool, err := h.pools.Create(r.Context(), actor(r, p), params)
	if err == nil {
		return h.redirect(w, r, "/pools/"+itoa(pool.ID), "flash.pool_created")
	}
	v := h.newView(w, r, p, "pools.title", "pools")
	keepForm(v, f)
	status, ok := formFailure(v, err)
	if !ok {
		return err
	}
	return h.poolsPage(w, r, p, status, v)
}

type poolData struct {
	Pool       *grimbots.Pool
	Link       string
	Strategies []string
	// Candidates are the seller's bots not in the pool yet.
	Candidates []*grimbots.Bot
	Stats      *pools.Stats
	Days       int
	DayOptions []int
	ClickDays  []clickDay
	// Busiest is the most visits of a day: the bars' scale.
	Busiest int64
}

// clickDay is one day of a pool's statistics.
type clickDay struct {
	Label string
	Total int64
	// ByBot are the bots visited that day, in the period's order.
	ByBot []pools.BotClicks
}

func (h *Handler) showPool(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return h.poolPage(w, r, p, http.StatusOK, h.newView(w, r, p, "pools.title", "pools"), id)
}

// poolPage shows a pool: its settings, members and statistics. The forms
// show the pool as it is, except the one just submitted (v.Form "form"),
// shown as it was sent.
func (h *Handler) poolPage(w http.ResponseWriter, r *http.Request, p *auth.Principal, status int, v *view, id int64) error {
	ctx := r.Context()
	pool, err := h.pools.Pool(ctx, p.User.ID, id)
	if err != nil {
		return err
	}
	days := poolStatsDays[0]
	if n, err := strconv.Atoi(r.URL.Query().Get("days")); err == nil && slices.Contains(poolStatsDays, n) {
		days = n
	}
	st, err := h.pools.Stats(ctx, p.User.ID, id, days)
	if err != nil {
		return err
	}
	bots, err := h.bots.Bots(ctx, p.User.ID)
	if err != nil {
		return err
	}
	d := &poolData{Pool: pool, Link: h.poolLink(pool.Slug), Strategies: grimbots.PoolStrategies, Stats: st, Days: days,
		DayOptions: poolStatsDays}
	for _, b := range bots {
		if !slices.ContainsFunc(pool.Members, func(m grimbots.PoolMember) bool { return m.BotID == b.ID }) {
			d.Candidates = append(d.Candidates, b)
		}
	}
	for i := len(st.Days) - 1; i >= 0; i-- { // newest first
		day := st.Days[i]
		row := clickDay{Label: day.Day, Total: day.Total}
		if t, err := time.Parse(time.DateOnly, day.Day); err == nil {
			row.Label = t.Format("02/01")
		}
		for _, b := range st.ByBot {
			if n := day.ByBot[b.BotID]; n > 0 {
				row.ByBot = append(row.ByBot, pools.BotClicks{BotID: b.BotID, Username: b.Username, Clicks: n})
			}
		}
		d.ClickDays = append(d.ClickDays, row)
		d.Busiest = max(d.Busiest, day.Total)
	}
	if v.Form.Get("form") != "settings" {
		v.Form.Set("name", pool.Name)
		v.Form.Set("slug", pool.Slug)
		v.Form.Set("strategy", pool.Strategy)
		if pool.Active {
			v.Form.Set("active", "1")
		}
	}
	v.Data = d
	return h.render(w, r, status, "pool", v)
}

// poolAction saves a pool's settings, adds a bot to it or changes one's
// weight and priority (members), or deletes it.
func (h *Handler) poolAction(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx, a, f := r.Context(), actor(r, p), r.PostForm
	var flash string
	switch r.PathValue("action") {
	case "settings":
		name, slug, strategy, active := f.Get("name"), strings.TrimSpace(f.Get("slug")), f.Get("strategy"), f.Get("active") != ""
		_, err = h.pools.Update(ctx, a, id, pools.PoolParams{Name: &name, Slug: &slug, Strategy: &strategy, Active: &active})
		flash = "flash.saved"
	case "members":
		botID, m, perr := memberParams(f)
		if err = perr; err == nil {
			_, err = h.pools.SetMember(ctx, a, id, botID, m)
		}
		flash = "flash.pool_member_saved"
	case "delete":
		if err = h.pools.Delete(ctx, a, id); err == nil {
			return h.redirect(w, r, "/pools", "flash.pool_deleted")
		}
	default:
		return grimbots.Errorf(grimbots.ENOTFOUND, "no such action")
	}
	if err == nil {
		return h.redirect(w, r, "/pools/"+itoa(id), flash)
	}
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
		return err // not the seller's pool: the 404 page
	}
	v := h.newView(w, r, p, "pools.title", "pools")
	keepForm(v, f)
	status, ok := formFailure(v, err)
	if !ok {
		return err
	}
	return h.poolPage(w, r, p, status, v, id)
}

// memberParams reads a member form: the bot, its weight (default 1) and
// priority (default 0).
func memberParams(f url.Values) (int64, pools.MemberParams, error) {
	var fields []grimbots.FieldError
	botID, err := strconv.ParseInt(f.Get("bot_id"), 10, 64)
	if err != nil || botID <= 0 {
		fields = append(fields, grimbots.FieldError{Field: "body.bot_id", Message: "is required"})
	}
	m := pools.MemberParams{Weight: wholeNumber(f, "weight", 1, &fields), Priority: wholeNumber(f, "priority", 0, &fields)}
	if len(fields) > 0 {
		return 0, m, grimbots.Invalid("validation failed", fields...)
	}
	return botID, m, nil
}

func (h *Handler) removePoolMember(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	botID, err := pathID(r, "bot")
	if err != nil {
		return err
	}
	if err := h.pools.RemoveMember(r.Context(), actor(r, p), id, botID); err != nil {
		return err
	}
	return h.redirect(w, r, "/pools/"+itoa(id), "flash.pool_member_removed")
}
