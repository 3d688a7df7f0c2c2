package web_test

// Browser tests: Debian's chromium, driven by chromedp, goes through the
// dashboard's main journey against a whole instance (SQLite, fake Telegram,
// sandbox gateway). They skip with a message when chromium is missing,
// except under GRIMBOTS_TEST_REQUIRE_SERVICES=1 (CI installs it).

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/telegram/telegramtest"
	"github.com/grimbots/grimbots/internal/testenv"
)

// chromiumPath finds the browser: GRIMBOTS_CHROMIUM, then Debian's names.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("GRIMBOTS_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "browser tests skipped: chromium not found (apt-get install chromium, or set GRIMBOTS_CHROMIUM)"
	if os.Getenv(testenv.RequireServicesEnv) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one headless chromium with its own profile (cookies).
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	name string
}

func newBrowser(t *testing.T, base, name string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		// Containers (CI runs as root) have no user namespaces for the
		// sandbox; the pages are our own.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 1000),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx, base: base, name: name}
}

// run performs actions; on failure it saves a screenshot and fails.
func (b *browser) run(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %s: %v (screenshot: %s)", b.name, step, err, b.screenshot(step))
	}
}

// screenshot saves the page to GRIMBOTS_ARTIFACTS_DIR (or the test's
// temporary directory) and returns the file's path.
func (b *browser) screenshot(step string) string {
	dir := os.Getenv("GRIMBOTS_ARTIFACTS_DIR")
	if dir == "" {
		dir = b.t.TempDir()
	}
	_ = os.MkdirAll(dir, 0o755)
	name := strings.NewReplacer(" ", "-", "/", "-").Replace(b.t.Name() + "-" + b.name + "-" + step)
	path := filepath.Join(dir, name+".png")
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return "none: " + err.Error()
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "none: " + err.Error()
	}
	b.t.Logf("screenshot of %s saved to %s", step, path)
	return path
}

// snap saves a screenshot when GRIMBOTS_SCREENSHOTS=1 (for looking at the
// pages; failures always save one).
func (b *browser) snap(step string) {
	if os.Getenv("GRIMBOTS_SCREENSHOTS") == "1" {
		b.screenshot(step)
	}
}

func (b *browser) open(path string) chromedp.Action[chromedp.Void] {
	return chromedp.Navigate(b.base + path)
}

// textOf reads the visible text of the element sel.
func (b *browser) textOf(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("%s: reading %s: %v (screenshot: %s)", b.name, sel, err, b.screenshot("read"))
	}
	return s
}

// waitText waits until the element sel shows want.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var s string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		cancel()
		s = got
		if err == nil && strings.Contains(s, want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("%s: %q never showed %q (it shows %q; screenshot: %s)", b.name, sel, want, s, b.screenshot("wait-"+want))
}

// typeInto replaces an input's value; chromedp fires the input and change
// events a person's typing would, so the page's listeners run.
func typeInto(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.SetValue(chromedp.CSS(sel), value)
}

// has reports whether an element matches sel now.
func (b *browser) has(sel string) bool {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.querySelector("+strconv.Quote(sel)+") !== null"))
	if err != nil {
		b.t.Fatalf("%s: looking for %s: %v", b.name, sel, err)
	}
	return n
}

func (b *browser) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("%s: location: %v", b.name, err)
	}
	return strings.TrimPrefix(loc, b.base)
}

// The seller's first day: register, add a bot, write the funnel (meeting a
// validation error), see the sandbox gateway, sell, and get banned.
func TestBrowserSellerJourney(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	w := newWorld(t, apptest.SQLite)
	h := w.h
	admin := h.CreateAdmin("root")
	b := newBrowser(t, h.URL, "seller")

	// Register.
	b.run("register",
		b.open("/register"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=full_name]`), "Paula Vendas"),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "paula"),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "paula@example.com"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), apptest.DefaultPassword),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#first-steps`)),
	)
	seller, err := h.App.Store.UserByLogin(t.Context(), "paula")
	if err != nil {
		t.Fatal(err)
	}

	// Add a bot: the wizard goes on to the funnel editor, which the script
	// fills from the API.
	tgBot := w.tg.AddBot("7300:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "loja_paula_bot")
	b.run("add bot",
		b.open("/bots/new"),
		chromedp.SendKeys(chromedp.CSS(`input[name=token]`), "7300:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "Loja da Paula"),
		chromedp.Click(chromedp.CSS(`form[action="/bots"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#funnel-form [data-path="offers[0].price_cents"]`)),
	)
	b.waitText("#editor-status", "versão 1")
	if got := b.textOf(`[data-field="welcome.text"] label`); got != "Texto" {
		t.Errorf("welcome text field label %q", got)
	}

	// A price below the minimum: the server's error shows at the field.
	price := `[data-path="offers[0].price_cents"]`
	b.run("invalid price", typeInto(price, "0,10"), chromedp.Click(chromedp.CSS(`#funnel-save`)))
	b.waitText(`[data-field="offers[0].price_cents"] .field-error`, "mínimo")
	b.waitText("#editor-errors", "corrija os campos marcados")
	b.snap("funnel-error")

	// Fixed, with a real access link: saved as version 2.
	b.run("valid funnel",
		typeInto(price, "29,90"),
		typeInto(`[data-path="offers[0].delivery.access_link"]`, "https://t.me/+grupoPaula"),
		typeInto(`[data-path="offers[0].name"]`, "Acesso VIP Paula"),
		chromedp.Click(chromedp.CSS(`#funnel-save`)),
	)
	b.waitText("#save-status", "Versão 2 salva")
	b.waitText("#versions", "Versão 2")

	// Start the bot from the editor.
	b.run("start bot", chromedp.Click(chromedp.CSS(`form[action$="/start"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#bots-list`)))
	b.waitText("#bots-list", "online")

	// The sandbox gateway is there, active, with its webhook URL.
	b.run("gateways", b.open("/gateways"), chromedp.WaitVisible(chromedp.CSS(`code.webhook-url`)))
	b.waitText("section.gateway", "Sandbox")
	b.waitText("section.gateway", "ativo")

	// The dashboard before the sale.
	b.run("dashboard", b.open("/dashboard"), chromedp.WaitVisible(chromedp.CSS(`#recent-sales`)))
	b.waitText("#recent-sales", "Nenhuma venda")
	if b.has("#live-badge") {
		b.waitText("#live-badge", "ao vivo") // connected before the sale happens
	}

	// A buyer goes through the bot and gets a PIX; the seller, from the
	// gateways page on another device, plays the sandbox bank and marks it
	// paid while this dashboard is open.
	ref := buyThroughBot(t, w, tgBot)
	p, err := h.App.Store.PaymentByReference(t.Context(), seller.ID, ref)
	if err != nil {
		t.Fatal(err)
	}
	phone := h.Login("paula", apptest.DefaultPassword)
	get(t, phone, "/gateways", http.StatusOK).one(fmt.Sprintf("#pending-%d form[action=/gateways/sandbox/%d/paid]", p.ID, p.ID))
	requireRedirect(t, post(t, phone, fmt.Sprintf("/gateways/sandbox/%d/paid", p.ID), nil), "/gateways")

	// The sale shows on the dashboard: live when the platform streams
	// events, else after the refresh button.
	if b.has("#live-badge") {
		t.Log("the sale is expected live (server-sent events)")
	} else {
		t.Log("no live stream: the sale is expected after a refresh")
		b.run("refresh", chromedp.Click(chromedp.CSS(`#recent-sales a.btn`)), chromedp.WaitVisible(chromedp.CSS(`#sales-table`)))
	}
	b.waitText("#sales-table", "R$ 29,90")
	b.waitText("#stat-revenue", "R$ 29,90")
	b.snap("dashboard-sale")

	// The admin bans the seller: the seller's next page is the login.
	res := post(t, admin.Client, fmt.Sprintf("/admin/users/%d/ban", seller.ID), form("reason", "Fraude"))
	requireRedirect(t, res, "/admin/users/")
	b.run("after ban", b.open("/dashboard"), chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	if loc := b.location(); !strings.HasPrefix(loc, "/login") {
		t.Fatalf("banned seller is at %s", loc)
	}
}

// buyThroughBot plays a buyer: /start, the offer button, and returns the
// PIX charge's reference from its "I paid" button.
func buyThroughBot(t *testing.T, w *world, tgBot int64) string {
	t.Helper()
	const buyer = 4242
	msgs := telegramtest.All(telegramtest.Method("sendMessage", "sendPhoto"), telegramtest.ToChat(buyer), telegramtest.Succeeded())
	w.tg.Inject(tgBot, telegramtest.Start(buyer, ""))
	welcome := w.tg.WaitCalls(t, 1, msgs)[0]
	w.tg.Inject(tgBot, telegramtest.Callback(buyer, welcome.MessageID, "o:vip"))
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, c := range w.tg.Calls(msgs) {
			if c.ReplyMarkup == nil {
				continue
			}
			for _, row := range c.ReplyMarkup.InlineKeyboard {
				for _, btn := range row {
					if ref, ok := strings.CutPrefix(btn.CallbackData, "p:"); ok {
						return ref
					}
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the bot never sent the PIX")
	return ""
}
