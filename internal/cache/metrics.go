package cache

import "github.com/prometheus/client_golang/prometheus"

// Metrics counts cache traffic by cache name. A nil *Metrics counts nothing.
type Metrics struct {
	hits   *prometheus.CounterVec
	misses *prometheus.CounterVec
	loads  *prometheus.CounterVec
	errors *prometheus.CounterVec
}

// NewMetrics registers the cache collectors on reg (once per registry; every
// cache of the process shares them).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		hits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grimbots_cache_hits_total", Help: "Cache reads answered from the cache.",
		}, []string{"cache"}),
		misses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grimbots_cache_misses_total", Help: "Cache reads that found nothing.",
		}, []string{"cache"}),
		loads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grimbots_cache_loads_total", Help: "Values loaded from the source after a miss (one per single flight).",
		}, []string{"cache"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grimbots_cache_errors_total",
			Help: "Cache failures by operation: get, set, delete, lock (the backend failed) and load (the source failed).",
		}, []string{"cache", "op"}),
	}
	reg.MustRegister(m.hits, m.misses, m.loads, m.errors)
	return m
}

func (m *Metrics) hit(name string) {
	if m != nil {
		m.hits.WithLabelValues(name).Inc()
	}
}

func (m *Metrics) miss(name string) {
	if m != nil {
		m.misses.WithLabelValues(name).Inc()
	}
}

func (m *Metrics) load(name string) {
	if m != nil {
		m.loads.WithLabelValues(name).Inc()
	}
}

func (m *Metrics) fail(name, op string) {
	if m != nil {
		m.errors.WithLabelValues(name, op).Inc()
	}
}
