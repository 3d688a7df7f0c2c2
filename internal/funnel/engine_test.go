package funnel

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/payments"
)

// recorder is a Messenger that writes a transcript.
type recorder struct {
	mu  sync.Mutex
	out strings.Builder
}

func (r *recorder) Send(_ context.Context, chatID int64, m Outgoing) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(&r.out, "→ chat %d", chatID)
	if m.Media != nil {
		fmt.Fprintf(&r.out, " [%s %s]", m.Media.Kind, m.Media.URL)
	}
	if len(m.Image) > 0 {
		fmt.Fprintf(&r.out, " [image %d bytes]", len(m.Image))
	}
	fmt.Fprintf(&r.out, "\n%s\n", m.Text)
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.URL != "" {
				fmt.Fprintf(&r.out, "  [%s] → %s\n", b.Text, b.URL)
			} else {
				fmt.Fprintf(&r.out, "  [%s] data=%s\n", b.Text, b.Data)
			}
		}
	}
	r.out.WriteString("\n")
	return nil
}

func (r *recorder) Answer(_ context.Context, id, text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(&r.out, "✓ answer %s %q\n\n", id, text)
	return nil
}

func (r *recorder) take() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.out.String()
	r.out.Reset()
	return s
}

// fakes of the engine's store, payments and scheduler.
type fakes struct {
	mu       sync.Mutex
	doc      string
	payments map[string]*grimbots.Payment
	jobs     []grimbots.Job
	checked  int
}

func (f *fakes) BotConfig(_ context.Context, sellerID, botID int64, version int) (*grimbots.BotConfig, error) {
	return &grimbots.BotConfig{SellerID: sellerID, BotID: botID, Version: 3, Document: f.doc}, nil
}

func (f *fakes) TouchLead(_ context.Context, l *grimbots.Lead) (*grimbots.Lead, bool, error) {
	out := *l
	out.ID = l.TelegramUserID * 10
	return &out, true, nil
}

func (f *fakes) PaymentByReference(_ context.Context, sellerID int64, ref string) (*grimbots.Payment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.payments[ref]; ok && p.SellerID == sellerID {
		return p, nil
	}
	return nil, grimbots.Errorf(grimbots.ENOTFOUND, "payment not found")
}

func (f *fakes) Checkout(_ context.Context, p payments.CheckoutParams) (*grimbots.Payment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ref := fmt.Sprintf("ref%d", len(f.payments)+1)
	pay := &grimbots.Payment{ID: int64(len(f.payments) + 1), SellerID: p.SellerID, BotID: p.BotID, LeadID: p.LeadID,
		Reference: ref, AmountCents: p.AmountCents, Status: grimbots.PaymentPending, Description: p.Description,
		OfferKey: p.OfferKey, Funnel: p.Funnel, PixCode: "00020126PIXCODE" + ref, QRCode: "data:image/png;base64,iVBORw0KGgo=",
		CreatedAt: engineNow()}
	f.payments[ref] = pay
	return pay, nil
}

func (f *fakes) Check(_ context.Context, sellerID, id int64) (*grimbots.Payment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checked++
	for _, p := range f.payments {
		if p.ID == id && p.SellerID == sellerID {
			return p, nil
		}
	}
	return nil, grimbots.Errorf(grimbots.ENOTFOUND, "payment not found")
}

func (f *fakes) Insert(_ context.Context, jobs ...grimbots.Job) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs = append(f.jobs, jobs...)
	return nil
}

func engineNow() time.Time { return time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC) }

func engineConfig(t *testing.T) string {
	t.Helper()
	cfg := Default("Loja da Ana")
	cfg.Welcome.Text = "Olá, <b>{nome}</b>! Escolha:"
	cfg.Offers = []Offer{{ID: "vip", Button: "Quero o VIP", Name: "Acesso VIP", PriceCents: 1990,
		Delivery: Delivery{AccessLink: "https://t.me/+grupoVIP"},
		Bumps: []Bump{
			{ID: "bonus", Name: "Bônus", Message: Message{Text: "Leve o {produto} por {valor}? Total: {total}"}, PriceCents: 990,
				Delivery: &Delivery{AccessLink: "https://t.me/+bonus", Message: "Seu bônus, {nome}: {link}"}},
			{ID: "ebook", Name: "E-book", Message: Message{Text: "E o {produto}?", Media: &Media{Kind: MediaPhoto, URL: "https://cdn.example.com/e.jpg"}},
				PriceCents: 500, Accept: "Sim, por {valor}"},
		}}}
	cfg.URLButtons = []URLButton{{Text: "Suporte", URL: "https://t.me/suporte"}}
	cfg.Texts.Confirmed = "Pago! Seu acesso chegou aqui no chat."
	cfg.Downsells = []Downsell{{ID: "ds1", AfterMinutes: 10, Message: Message{Text: "{produto} de {valor_original} por {valor}"}, PercentOff: 15}}
	cfg.Upsells = []Upsell{{ID: "up1", AfterMinutes: 5, Name: "Mentoria", Message: Message{Text: "{nome}, a {produto} por {valor}?"},
		PriceCents: 4990, Delivery: Delivery{AccessLink: "https://t.me/+mentoria"}}}
	raw, err := Export(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// TestEngineTranscript drives a whole conversation and compares every
// message and answer with a golden transcript.
func TestEngineTranscript(t *testing.T) {
	f := &fakes{doc: engineConfig(t), payments: map[string]*grimbots.Payment{}}
	e := NewEngine(f, f, f, engineNow)
	m := &recorder{}
	bot := Bot{ID: 7, SellerID: 3}
	ctx := t.Context()
	user := Event{ChatID: 55, UserID: 55, FirstName: "Ana <script>"}
	step := func(title string, ev Event) string {
		t.Helper()
		if _, err := e.Handle(ctx, bot, m, ev); err != nil {
			t.Fatalf("%s: %v", title, err)
		}
		return "## " + title + "\n" + m.take()
	}
	with := func(mod func(*Event)) Event { ev := user; mod(&ev); return ev }
	var b strings.Builder
	b.WriteString(step("/start promo", with(func(e *Event) { e.Start, e.Payload = true, "promo" })))
	b.WriteString(step("buy vip", with(func(e *Event) { e.CallbackID, e.Data = "c1", BuyCallback("vip") })))
	b.WriteString(step("accept bonus", with(func(e *Event) { e.CallbackID, e.Data = "c2", BumpCallback("vip", "bonus", "y") })))
	b.WriteString(step("decline ebook", with(func(e *Event) { e.CallbackID, e.Data = "c3", BumpCallback("vip", "ebook", "yn") })))
	b.WriteString(step("I paid (pending)", with(func(e *Event) { e.CallbackID, e.Data = "c4", PaidCallback("ref1") })))
	b.WriteString(step("tampered callback", with(func(e *Event) { e.CallbackID, e.Data = "c5", "o:vip:1" })))
	b.WriteString(step("stale bump", with(func(e *Event) { e.CallbackID, e.Data = "c6", BumpCallback("vip", "ebook", "y") })))
	b.WriteString(step("any text", with(func(e *Event) { e.Text = "quanto custa?" })))

	// The charge is paid: deliveries and the upsell.
	p := f.payments["ref1"]
	if p.AmountCents != 2980 || p.OfferKey != "o:vip:bonus" {
		t.Fatalf("payment %+v", p)
	}
	p.Status = grimbots.PaymentPaid
	lead := &grimbots.Lead{ID: 550, FirstName: "Ana <script>"}
	msgs, err := e.Delivery(ctx, bot, p, lead)
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString("## delivery\n")
	for _, msg := range msgs {
		_ = m.Send(ctx, 55, msg)
	}
	b.WriteString(m.take())
	b.WriteString(step("I paid (paid)", with(func(e *Event) { e.CallbackID, e.Data = "c7", PaidCallback("ref1") })))

	// Follow-ups scheduled: one downsell with the PIX.
	if len(f.jobs) != 1 {
		t.Fatalf("jobs %+v", f.jobs)
	}
	ds := f.jobs[0].(DownsellJob)
	if !ds.RunAt.Equal(engineNow().Add(10*time.Minute)) || ds.Offer != "vip" || ds.PaymentID != p.ID {
		t.Fatalf("downsell job %+v", ds)
	}
	out, ok, err := e.DownsellMessage(ctx, bot, ds, lead)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	b.WriteString("## downsell\n")
	_ = m.Send(ctx, 55, out)
	b.WriteString(m.take())
	b.WriteString(step("buy downsell", with(func(e *Event) { e.CallbackID, e.Data = "c8", DownsellCallback("ds1", "vip") })))
	if got := f.payments["ref2"]; got == nil || got.AmountCents != 1692 {
		t.Fatalf("downsell payment %+v (15%% off 1990, half-up: 1692)", got)
	}
	ups, err := e.UpsellJobs(ctx, bot, p, engineNow())
	if err != nil || len(ups) != 1 {
		t.Fatalf("upsells %+v %v", ups, err)
	}
	out, ok, err = e.UpsellMessage(ctx, bot, ups[0].(UpsellJob), lead)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	b.WriteString("## upsell\n")
	_ = m.Send(ctx, 55, out)
	b.WriteString(m.take())
	b.WriteString(step("buy upsell", with(func(e *Event) { e.CallbackID, e.Data = "c9", UpsellCallback("up1") })))
	if got := f.payments["ref3"]; got == nil || got.AmountCents != 4990 {
		t.Fatalf("upsell payment %+v", got)
	}
	// Another seller's reference is unknown to this bot.
	b.WriteString(step("foreign reference", with(func(e *Event) { e.CallbackID, e.Data = "c10", PaidCallback("nope") })))
	golden(t, "engine.golden.txt", []byte(b.String()))
}
