package payments

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the business metrics of payments.
type Metrics struct {
	charges     *prometheus.CounterVec
	transitions *prometheus.CounterVec
	revenue     *prometheus.CounterVec
	webhooks    *prometheus.CounterVec
}

// NewMetrics registers the metrics on reg (nil: unregistered, for tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		charges: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grimbots_pix_charges_total",
			Help: "PIX charges requested, by gateway and result (created, failed, reused)."}, []string{"gateway", "result"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grimbots_payments_total",
			Help: "Payment state changes, by gateway, new status and source."}, []string{"gateway", "status", "source"}),
		revenue: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grimbots_revenue_cents_total",
			Help: "Paid amounts in centavos (refunds not subtracted), by gateway."}, []string{"gateway"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grimbots_payment_webhooks_total",
			Help: "Gateway webhooks received, by gateway and outcome."}, []string{"gateway", "outcome"}),
	}
	if reg != nil {
		reg.MustRegister(m.charges, m.transitions, m.revenue, m.webhooks)
	}
	return m
}
