package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// pageSize is how many leads or sales a list page shows.
const pageSize = 50

func (h *Handler) botsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal, status int, v *view) error {
	list, err := h.bots.Bots(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	v.Data = list
	return h.render(w, r, status, "bots", v)
}

func (h *Handler) showBots(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.botsPage(w, r, p, http.StatusOK, h.newView(w, r, p, "bots.title", "bots"))
}

func (h *Handler) showNewBot(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.render(w, r, http.StatusOK, "bot_new", h.newView(w, r, p, "bots.new.title", "bots"))
}

// addBot is the wizard's first step: the token, checked with Telegram.
// The second is the funnel editor.
func (h *Handler) addBot(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	token, name := strings.TrimSpace(r.PostForm.Get("token")), r.PostForm.Get("name")
	b, err := h.bots.AddBot(r.Context(), actor(r, p), token, name)
	if err != nil {
		v := h.newView(w, r, p, "bots.new.title", "bots")
		v.Form.Set("name", name)
		return h.formPage(w, r, v, "bot_new", err)
	}
	http.Redirect(w, r, "/bots/"+itoa(b.ID)+"/funnel?new=1", http.StatusSeeOther)
	return nil
}

// botAction starts, stops or deletes a bot.
func (h *Handler) botAction(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx, a := r.Context(), actor(r, p)
	var flash string
	switch r.PathValue("action") {
	case "start":
		_, err = h.bots.Start(ctx, a, id)
		flash = "flash.bot_started"
	case "stop":
		_, err = h.bots.Stop(ctx, a, id)
		flash = "flash.bot_stopped"
	case "delete":
		err = h.bots.Delete(ctx, a, id)
		flash = "flash.bot_deleted"
	case "token":
		if err := parseForm(w, r); err != nil {
			return err
		}
		_, err = h.bots.ReplaceToken(ctx, a, id, strings.TrimSpace(r.PostForm.Get("token")))
		flash = "flash.bot_token"
	case "rename":
		if err := parseForm(w, r); err != nil {
			return err
		}
		_, err = h.bots.Rename(ctx, a, id, r.PostForm.Get("name"))
		flash = "flash.bot_renamed"
	case "duplicate":
		// Another Telegram bot (its own token) with a copy of this funnel.
		if err := parseForm(w, r); err != nil {
			return err
		}
		_, err = h.bots.Duplicate(ctx, a, id, strings.TrimSpace(r.PostForm.Get("token")), strings.TrimSpace(r.PostForm.Get("name")))
		flash = "flash.bot_duplicated"
	default:
		return grimbots.Errorf(grimbots.ENOTFOUND, "no such action")
	}
	switch grimbots.ErrorCode(err) {
	case "":
		return h.redirect(w, r, "/bots", flash)
	case grimbots.ECONFLICT, grimbots.EUNAVAILABLE, grimbots.EINVALID:
		// Not ready to sell, token refused, Telegram unreachable: say so on
		// the list, with the way out.
		v := h.newView(w, r, p, "bots.title", "bots")
		v.Alert = errorText(err)
		var e *grimbots.Error
		if grimbots.ErrorCode(err) == grimbots.EINVALID && asError(err, &e) && len(e.Fields) > 0 {
			v.Alert = fieldMessage(e.Fields[0].Message)
		}
		v.Form.Set("failed", itoa(id))
		return h.botsPage(w, r, p, errorStatus[grimbots.ErrorCode(err)], v)
	}
	return err
}

type funnelData struct {
	Bot *grimbots.Bot
	// New is the wizard's second step.
	New bool
	// Labels are the editor's texts, for the script.
	Labels map[string]string
}

func (h *Handler) showFunnel(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	b, err := h.ownBot(r, p)
	if err != nil {
		return err
	}
	v := h.newView(w, r, p, "funnel.title", "bots")
	v.Data = &funnelData{Bot: b, New: r.URL.Query().Get("new") == "1", Labels: messagesWithPrefix("funnel.")}
	return h.render(w, r, http.StatusOK, "funnel", v)
}

func (h *Handler) ownBot(r *http.Request, p *auth.Principal) (*grimbots.Bot, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.bots.Bot(r.Context(), p.User.ID, id)
}

type leadsData struct {
	Bot   *grimbots.Bot
	Leads []*grimbots.Lead
	Total int
	Query string
}

func (h *Handler) showLeads(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	b, err := h.ownBot(r, p)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 100 {
		q = q[:100]
	}
	leads, total, err := h.bots.Leads(r.Context(), p.User.ID, b.ID, grimbots.LeadFilter{Search: q, Limit: pageSize})
	if err != nil {
		return err
	}
	v := h.newView(w, r, p, "leads.title", "bots")
	v.Data = &leadsData{Bot: b, Leads: leads, Total: total, Query: q}
	return h.render(w, r, http.StatusOK, "leads", v)
}

type botSale struct {
	Sale     *grimbots.Sale
	Delivery *grimbots.Delivery
}

type botSalesData struct {
	Bot   *grimbots.Bot
	Sales []botSale
}

// showBotSales lists the bot's latest sales with the delivery of each.
func (h *Handler) showBotSales(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	b, err := h.ownBot(r, p)
	if err != nil {
		return err
	}
	ctx := r.Context()
	sales, err := h.stats.Sales(ctx, p.User.ID, grimbots.SaleFilter{From: time.Unix(0, 0), To: h.cfg.Now().Add(time.Hour),
		BotID: &b.ID, Limit: pageSize})
	if err != nil {
		return err
	}
	d := &botSalesData{Bot: b}
	for _, s := range sales {
		row := botSale{Sale: s}
		row.Delivery, err = h.bots.Delivery(ctx, p.User.ID, s.Payment.ID)
		if err != nil && grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
			return err
		}
		d.Sales = append(d.Sales, row)
	}
	v := h.newView(w, r, p, "botsales.title", "bots")
	v.Data = d
	return h.render(w, r, http.StatusOK, "bot_sales", v)
}

func (h *Handler) resendDelivery(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	b, err := h.ownBot(r, p)
	if err != nil {
		return err
	}
	pid, err := pathID(r, "payment")
	if err != nil {
		return err
	}
	if err := h.bots.ResendDelivery(r.Context(), actor(r, p), pid); err != nil {
		return err
	}
	return h.redirect(w, r, "/bots/"+itoa(b.ID)+"/sales", "flash.delivery_resent")
}
