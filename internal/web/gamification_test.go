package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/app/apptest"
)

// paidSale makes a sale of the seller and counts it in the ranking at once
// (its job would, soon after; counting is idempotent).
func (w *world) paidSale(t *testing.T, seller *apptest.Account, cents int64) {
	t.Helper()
	p := w.sale(t, seller, nil, nil, cents, "Venda")
	if err := w.h.App.Gamification.RecordPayment(t.Context(), seller.ID, p.ID); err != nil {
		t.Fatal(err)
	}
}

// rankingRows are the texts of the ranking table's rows, in order.
func rankingRows(d *doc) []string {
	var rows []string
	for _, tr := range d.all("#ranking tbody tr") {
		if attr(tr, "class") != "gap" {
			rows = append(rows, text(tr))
		}
	}
	return rows
}

func TestRankingAndProfile(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apptest.SQLite)
	ana, bia, caio := w.h.RegisterSeller("ana_rank"), w.h.RegisterSeller("bia_rank"), w.h.RegisterSeller("caio_rank")
	w.paidSale(t, ana, 5000)
	w.paidSale(t, bia, 2000)

	d := get(t, ana.Client, "/ranking", http.StatusOK)
	d.one("nav.period a[href=/ranking?period=month][aria-current=true]")
	for _, p := range []string{"today", "week", "all"} {
		d.one("nav.period a[href=/ranking?period=" + p + "]")
	}
	rows := rankingRows(d)
	if len(rows) != 2 {
		t.Fatalf("ranking rows %q", rows)
	}
	// Anonymous by default: no username anywhere in the board.
	for _, row := range rows {
		if !strings.Contains(row, "Vendedor #") || strings.Contains(row, "_rank") {
			t.Errorf("row %q shows more than an alias", row)
		}
	}
	if me := text(d.one("tr#my-row.me")); !strings.HasPrefix(me, "1º") || !strings.Contains(me, "você") ||
		!strings.Contains(me, "R$ 50,00") || !strings.Contains(me, "Bronze") {
		t.Errorf("ana's row %q", me)
	}
	d.requireText("Você está em 1º lugar de 2, com R$ 50,00 em 1 vendas.")
	d.one("#my-place a[href=/profile#public-profile]")

	d = get(t, bia.Client, "/ranking?period=today", http.StatusOK)
	d.one("nav.period a[href=/ranking?period=today][aria-current=true]")
	d.requireText("Faltam R$ 30,00 para alcançar")
	if me := text(d.one("tr#my-row")); !strings.HasPrefix(me, "2º") || !strings.Contains(me, "R$ 20,00") {
		t.Errorf("bia's row %q", me)
	}
	d = get(t, caio.Client, "/ranking?period=all", http.StatusOK)
	d.requireText("Você ainda não aparece neste período")
	if len(d.all("tr#my-row")) != 0 || len(rankingRows(d)) != 2 {
		t.Error("caio, without sales, has a row")
	}

	// A name is shown only by choice: kept private, it stays out.
	requireRedirect(t, post(t, ana.Client, "/profile", form("display_name", "Ana Secreta")), "/profile")
	get(t, bia.Client, "/ranking", http.StatusOK).requireNoText("Ana Secreta")
	// Invalid names are refused inline, with what was typed.
	res := post(t, bia.Client, "/profile", form("display_name", "B#", "public", "1"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	d = parse(t, res)
	d.requireText("Use de 3 a 30 caracteres.")
	d.one("#public-profile .has-error input[name=display_name][value=B#]")
	d.one("#public-profile input[name=public][checked]")
	requireRedirect(t, post(t, bia.Client, "/profile", form("display_name", "Bia Vendas", "public", "1")), "/profile")
	d = get(t, bia.Client, "/profile", http.StatusOK)
	d.requireText("Nome no ranking salvo.")
	if got := text(d.one("#shown-as")); got != "Bia Vendas" {
		t.Errorf("bia is shown as %q", got)
	}
	d = get(t, ana.Client, "/ranking", http.StatusOK)
	if rows := rankingRows(d); len(rows) != 2 || !strings.Contains(rows[1], "Bia Vendas") {
		t.Errorf("rows after bia opted in: %q", rows)
	}
	d.requireNoText("Ana Secreta")
	// Public names are unique, ignoring case and accents.
	res = post(t, caio.Client, "/profile", form("display_name", "bia vendás", "public", "1"))
	res.RequireStatus(t, http.StatusConflict)
	parse(t, res).requireText("Outro vendedor já mostra este nome.")

	// The profile: league, points, achievements with their progress.
	d = get(t, ana.Client, "/profile", http.StatusOK)
	if got := text(d.one("#stat-league")); !strings.Contains(got, "Bronze") || !strings.Contains(got, "50 pontos") ||
		!strings.Contains(got, "Próxima liga: Prata, com 10.000 pontos") {
		t.Errorf("league card %q", got)
	}
	if v := attr(d.one("input[name=display_name]"), "value"); v != "Ana Secreta" {
		t.Errorf("display name %q", v)
	}
	if len(d.all("input[name=public][checked]")) != 0 {
		t.Error("ana did not opt in")
	}
	first := d.one("li#achievement-first_sale_bronze.unlocked")
	if got := text(first); !strings.Contains(got, "Primeira Venda") || !strings.Contains(got, "conquistada em") {
		t.Errorf("first sale %q", got)
	}
	ten := d.one("li#achievement-sales_10_bronze")
	if got := text(ten); !strings.Contains(got, "Vendas: 1 / 10") || !strings.Contains(got, "10%") {
		t.Errorf("ten sales %q", got)
	}
	d.one("li#achievement-sales_10_bronze progress[value=10][max=100]")
	d.one("li#achievement-revenue_1k_bronze progress[value=5]")
	d.requireText("Faturamento: R$ 50,00 / R$ 1.000,00", "???")
	d.requireNoText("Jackpot") // a secret until unlocked
}

// The viewer's own row shows under the list when outside it.
func TestRankingShowsTheViewerOutsideTheTop(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apptest.SQLite)
	for i := range 20 {
		w.paidSale(t, w.h.RegisterSeller(""), int64(10_000+i))
	}
	last := w.h.RegisterSeller("lanterna")
	w.paidSale(t, last, 1_000)
	d := get(t, last.Client, "/ranking", http.StatusOK)
	if rows := rankingRows(d); len(rows) != 21 {
		t.Fatalf("%d rows, want the top 20 and the viewer's", len(rows))
	}
	d.one("#ranking tr.gap")
	if me := text(d.one("tr#my-row.me")); !strings.HasPrefix(me, "21º") || !strings.Contains(me, "R$ 10,00") {
		t.Errorf("own row %q", me)
	}
	d.requireText("Você está em 21º lugar de 21")
}
