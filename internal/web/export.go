package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/auth"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// exportSales downloads the period's sales as CSV, for spreadsheets in
// Brazil: semicolon-separated (the comma is the decimal separator), UTF-8
// with a byte order mark, times in the seller's zone.
func (h *Handler) exportSales(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	loc := userLocation(p.User)
	per, _ := parsePeriod(r.URL.Query(), loc, h.cfg.Now())
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="vendas-%s-a-%s.csv"`, per.FromDate, per.ToDate))
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if _, err := w.Write([]byte("\uFEFF")); err != nil {
		return nil //nolint:nilerr // the client has gone
	}
	header := []string{T("csv.paid_at"), T("csv.reference"), T("csv.bot"), T("csv.buyer"), T("csv.description"),
		T("csv.amount"), T("csv.gateway"), T("csv.created_at")}
	if err := cw.Write(header); err != nil {
		return nil //nolint:nilerr // the client has gone
	}
	for offset := 0; ; offset += grimbots.MaxSalesPage {
		sales, err := h.stats.Sales(r.Context(), p.User.ID, grimbots.SaleFilter{From: per.From, To: per.To,
			Limit: grimbots.MaxSalesPage, Offset: offset})
		if err != nil {
			if offset == 0 {
				return err
			}
			// Headers are gone: cut the file short rather than pass it off
			// as complete.
			h.logger.ErrorContext(r.Context(), "exporting sales", "err", err)
			panic(http.ErrAbortHandler)
		}
		for _, s := range sales {
			if err := cw.Write(saleRecord(s, loc)); err != nil {
				return nil //nolint:nilerr // the client has gone
			}
		}
		if len(sales) < grimbots.MaxSalesPage {
			break
		}
	}
	cw.Flush()
	return nil
}

func saleRecord(s *grimbots.Sale, loc *time.Location) []string {
	p := s.Payment
	paid := ""
	if p.PaidAt != nil {
		paid = p.PaidAt.In(loc).Format("02/01/2006 15:04:05")
	}
	return []string{paid, p.Reference, cell(s.BotName), cell(s.Buyer), cell(p.Description), decimalReais(p.AmountCents),
		p.GatewayKind, p.CreatedAt.In(loc).Format("02/01/2006 15:04:05")}
}

// cell neutralises spreadsheet formulas in text that buyers and sellers
// typed (a Telegram name like "=HYPERLINK(…)"): a cell starting with = + -
// @ (or a tab or carriage return, which some programs skip) gets a leading
// apostrophe. Quoting is the CSV writer's job.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// decimalReais formats centavos as "1234,56" (no currency sign, no
// thousands separator), which Brazilian spreadsheets read as a number.
func decimalReais(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return sign + strconv.FormatInt(cents/100, 10) + "," + fmt.Sprintf("%02d", cents%100)
}
