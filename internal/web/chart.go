package web

import (
	"strconv"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// A chart is a bar chart of daily revenue, drawn by the template as SVG:
// every coordinate is computed here, so the page needs no script.
type chart struct {
	Width, Height int
	// Left and Bottom are the plot area's edges (the axes).
	Left, Bottom int
	Bars         []chartBar
	Ticks        []chartTick
	Labels       []chartLabel
	Empty        bool
	// Summary describes the chart for screen readers.
	Summary string
}

type chartBar struct {
	X, Y, W, H string
	Title      string
}

type chartTick struct {
	Y     string
	Label string
}

type chartLabel struct {
	X     string
	Label string
}

const (
	chartWidth  = 720
	chartHeight = 240
	chartLeft   = 84
	chartTop    = 12
	chartBottom = 212
)

// dailyRevenue groups buckets into the period's days in loc.
func dailyRevenue(p period, buckets []grimbots.RevenueBucket, loc *time.Location) (days []time.Time, cents, sales []int64) {
	days = p.Days()
	index := map[string]int{}
	for i, d := range days {
		index[d.Format(dateLayout)] = i
	}
	cents, sales = make([]int64, len(days)), make([]int64, len(days))
	for _, b := range buckets {
		if i, ok := index[b.Start.In(loc).Format(dateLayout)]; ok {
			cents[i] += b.RevenueCents
			sales[i] += b.Sales
		}
	}
	return days, cents, sales
}

// newChart lays out the bars of daily revenue.
func newChart(days []time.Time, cents, sales []int64) chart {
	c := chart{Width: chartWidth, Height: chartHeight, Left: chartLeft, Bottom: chartBottom, Empty: true}
	var top, total int64
	for _, v := range cents {
		top = max(top, v)
		total += v
	}
	c.Empty = total == 0
	c.Summary = T("chart.summary", len(days), grimbots.Cents(total).String())
	scale := niceCeiling(top)
	plotH := float64(chartBottom - chartTop)
	for i := 0; i <= 4; i++ {
		v := scale * int64(i) / 4
		y := float64(chartBottom) - plotH*float64(i)/4
		c.Ticks = append(c.Ticks, chartTick{Y: num(y), Label: grimbots.Cents(v).String()})
	}
	n := len(days)
	if n == 0 {
		return c
	}
	slot := float64(chartWidth-chartLeft-8) / float64(n)
	every := (n + 9) / 10 // at most about ten date labels
	for i, d := range days {
		h := plotH * float64(cents[i]) / float64(scale)
		x := float64(chartLeft) + slot*float64(i) + slot*0.15
		c.Bars = append(c.Bars, chartBar{X: num(x), Y: num(float64(chartBottom) - h), W: num(slot * 0.7), H: num(h),
			Title: T("chart.bar", d.Format("02/01"), grimbots.Cents(cents[i]).String(), sales[i])})
		if i%every == 0 {
			c.Labels = append(c.Labels, chartLabel{X: num(x + slot*0.35), Label: d.Format("02/01")})
		}
	}
	return c
}

// niceCeiling rounds v up to 1, 2 or 5 times a power of ten (in centavos,
// at least R$ 10,00), so the axis has round values.
func niceCeiling(v int64) int64 {
	step := int64(1000)
	for {
		for _, m := range []int64{1, 2, 5} {
			if step*m >= v {
				return step * m
			}
		}
		step *= 10
	}
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
