package telegram

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts Bot API calls and limiter waits. One Metrics serves every
// Client of a process; labels carry no bot id to keep cardinality bounded.
// A nil *Metrics records nothing.
type Metrics struct {
	calls *prometheus.CounterVec
	waits prometheus.Histogram
}

// NewMetrics registers the collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grimbots_telegram_calls_total",
			Help: "Bot API calls by method and outcome (ok, retry_after, blocked, unauthorized, bad_request, conflict, temporary, canceled, error).",
		}, []string{"method", "outcome"}),
		waits: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "grimbots_telegram_limiter_wait_seconds",
			Help:    "Time sends waited for their turn (rate limits and 429 pauses).",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2, 5, 10, 30},
		}),
	}
	reg.MustRegister(m.calls, m.waits)
	return m
}

func (m *Metrics) call(method string, err error) {
	if m != nil {
		m.calls.WithLabelValues(method, outcome(err)).Inc()
	}
}

func (m *Metrics) waited(d time.Duration) {
	if m != nil {
		m.waits.Observe(d.Seconds())
	}
}
