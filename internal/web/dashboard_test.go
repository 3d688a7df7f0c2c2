package web_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/app/apptest"
)

func TestDashboardFirstRun(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apptest.SQLite)
	seller := w.h.RegisterSeller("nova")
	d := get(t, seller.Client, "/dashboard", http.StatusOK)
	d.one("#first-steps")
	d.one("#first-steps a[href=/bots/new]")
	d.requireText("Nenhuma venda no período.", "Você ainda não tem bots.", "R$ 0,00")
	d.one("svg#revenue-chart")
	// Live sales over the platform's event stream when it has one; a
	// refresh link otherwise.
	if box := d.one("#recent-sales"); attr(box, "data-events") != "" {
		if attr(box, "data-events") != "/api/v1/events" || attr(box, "data-tz") != "America/Sao_Paulo" {
			t.Errorf("live sales attributes %v", box.Attr)
		}
		d.one("#live-badge")
	} else {
		d.requireText("Atualizar")
	}
}

// Two sellers with bots and sales: each dashboard (and export) shows only
// its own, on both engines.
func TestDashboardShowsOnlyTheSellersOwnData(t *testing.T) {
	t.Parallel()
	for _, engine := range apptest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, engine)
			ana, beto := w.h.RegisterSeller("ana"), w.h.RegisterSeller("beto")
			botA := w.addBot(t, ana, "loja_ana_bot", "Loja da Ana")
			botB := w.addBot(t, beto, "loja_beto_bot", "Loja do Beto")
			leadA := w.lead(t, ana, botA.ID, 501, "Carla")
			leadB := w.lead(t, beto, botB.ID, 502, "Diego")
			w.sale(t, ana, &botA.ID, &leadA.ID, 1990, "Curso da Ana")
			w.sale(t, ana, nil, nil, 1000, "Venda avulsa da Ana")
			w.sale(t, beto, &botB.ID, &leadB.ID, 4700, "Mentoria do Beto")

			d := get(t, ana.Client, "/dashboard", http.StatusOK)
			d.requireText("Loja da Ana", "Curso da Ana", "Carla", "Venda avulsa da Ana", "R$ 29,90")
			d.requireNoText("Loja do Beto", "Mentoria do Beto", "Diego", "R$ 47,00")
			if got := text(d.one("#stat-sales")); !strings.Contains(got, "2") {
				t.Errorf("sales card %q", got)
			}
			if got := text(d.one("#stat-pix")); !strings.Contains(got, "2 / 2") {
				t.Errorf("PIX card %q", got)
			}
			if got := text(d.one("#stat-conversion")); !strings.Contains(got, "100%") {
				t.Errorf("conversion card %q", got)
			}
			if n := len(d.all("svg#revenue-chart")); n != 1 {
				t.Fatal("no chart")
			}
			if bars := d.all("rect.bar"); len(bars) != 7 {
				t.Errorf("%d bars for 7 days", len(bars))
			}

			d = get(t, beto.Client, "/dashboard?period=30d", http.StatusOK)
			d.requireText("Loja do Beto", "Mentoria do Beto", "Diego", "R$ 47,00")
			d.requireNoText("Loja da Ana", "Curso da Ana", "Carla", "R$ 29,90")
			if bars := d.all("rect.bar"); len(bars) != 30 {
				t.Errorf("%d bars for 30 days", len(bars))
			}

			rows := exportCSV(t, ana.Client, "/dashboard/sales.csv?period=today")
			if len(rows) != 3 {
				t.Fatalf("export of ana: %d rows, want header and 2 sales: %q", len(rows), rows)
			}
			all := strings.Join(append(rows[1], rows[2]...), "|")
			if strings.Contains(all, "Beto") || !strings.Contains(all, "Curso da Ana") || !strings.Contains(all, "19,90") {
				t.Errorf("export of ana: %q", rows)
			}
		})
	}
}

func exportCSV(t *testing.T, c *apptest.Client, path string) [][]string {
	t.Helper()
	res := c.Do("GET", path, nil)
	res.RequireStatus(t, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("export Content-Type %q", ct)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(res.Body), "\uFEFF")))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, res.Body)
	}
	return rows
}

// Cells that a spreadsheet would run as formulas are neutralised, and
// separators and quotes are quoted.
func TestSalesExportEscapesFormulasAndQuotes(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apptest.SQLite)
	seller := w.h.RegisterSeller("eva")
	bot := w.addBot(t, seller, "eva_bot", "=Bot; \"da\" Eva")
	lead := w.lead(t, seller, bot.ID, 601, "=HYPERLINK(\"http://evil\")")
	w.sale(t, seller, &bot.ID, &lead.ID, 990, "+cmd|' /C calc'!A0")
	w.sale(t, seller, nil, nil, 1234567, "@SUM(1;2)")
	w.sale(t, seller, nil, nil, 500, "-2+3")

	rows := exportCSV(t, seller.Client, "/dashboard/sales.csv")
	if len(rows) != 4 {
		t.Fatalf("%d rows: %q", len(rows), rows)
	}
	byDesc := map[string][]string{}
	for _, r := range rows[1:] {
		byDesc[r[4]] = r
	}
	want := map[string][2]string{ // description → (buyer, amount)
		"'+cmd|' /C calc'!A0": {"'=HYPERLINK(\"http://evil\")", "9,90"},
		"'@SUM(1;2)":          {"", "12345,67"},
		"'-2+3":               {"", "5,00"},
	}
	for desc, wv := range want {
		r, ok := byDesc[desc]
		if !ok {
			t.Errorf("no row with description %q: %q", desc, rows)
			continue
		}
		if r[3] != wv[0] || r[5] != wv[1] {
			t.Errorf("row %q: buyer %q amount %q, want %q %q", desc, r[3], r[5], wv[0], wv[1])
		}
	}
	if r := byDesc["'+cmd|' /C calc'!A0"]; r[2] != "'=Bot; \"da\" Eva" {
		t.Errorf("bot cell %q", r[2])
	}
	res := seller.Client.Do("GET", "/dashboard/sales.csv", nil)
	if !strings.Contains(string(res.Body), `"'=Bot; ""da"" Eva"`) {
		t.Errorf("separator and quotes not quoted:\n%s", res.Body)
	}
}
