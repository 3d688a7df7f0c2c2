// Package payments is checkout, confirmation and the commission ledger: it
// creates PIX charges through a seller's gateways (primary, then fallbacks),
// and moves each payment through its states exactly once, whichever of the
// three confirmation paths (gateway webhook, the buyer's "I paid" button,
// the periodic reconciler) gets there first.
package payments

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/secretbox"
)

// Store is what the service needs from persistence.
type Store interface {
	grimbots.PaymentStore
	UserByID(ctx context.Context, id int64) (*grimbots.User, error)
	AppendAudit(ctx context.Context, entries ...grimbots.AuditEntry) error
}

// Config tunes the service. Zero durations take the defaults noted.
type Config struct {
	// PublicURL is where gateways send webhooks.
	PublicURL *url.URL
	Keys      *secretbox.Keyring
	// HTTPClient is used for every provider call (default: 15 s timeout).
	HTTPClient *http.Client
	// BaseURLs override providers' API roots (sandboxes, proxies, tests).
	BaseURLs map[gateway.Kind]string
	// SplitAccounts are the platform's receiving accounts per provider, for
	// gateway-side commission splits. Absent: no split for that provider.
	SplitAccounts map[gateway.Kind]string
	// ReuseWindow: a lead asking again for the same offer within it gets the
	// same pending charge (default 10 min).
	ReuseWindow time.Duration
	// ChargeTTL is how long a PIX stays payable (default 30 min).
	ChargeTTL time.Duration
	// CheckInterval is the least time between two status queries of one
	// payment (default 60 s; PushinPay allows one a minute).
	CheckInterval time.Duration
	// ReconcileWindow: pending payments older than this are no longer
	// polled (default 48 h).
	ReconcileWindow time.Duration
	// ExpiryGrace is how long after its expiry a charge that no status
	// query can confirm is declared expired (default 15 min).
	ExpiryGrace time.Duration
	// OnPaid and OnReversed return the jobs later features need when a
	// payment is paid or reversed (delivery, upsells, ranking...). They are
	// inserted in the same transaction as the change.
	OnPaid     func(p *grimbots.Payment) []grimbots.Job
	OnReversed func(p *grimbots.Payment) []grimbots.Job
	// OnSale is called by the sale's own job, after the sale committed
	// (live feeds). It must not fail the job: errors are its own to log.
	OnSale func(ctx context.Context, p *grimbots.Payment)
	// AfterChange is called, in the process that made it, after a change
	// to a payment committed: a charge created (whatever its outcome) or a
	// status changed. It keeps caches of the seller's statistics true; it
	// must be quick and not fail.
	AfterChange func(ctx context.Context, p *grimbots.Payment)
}

// Service implements payments.
type Service struct {
	store   Store
	drivers map[gateway.Kind]gateway.Driver
	order   []gateway.Kind
	cfg     Config
	now     grimbots.Clock
	logger  *slog.Logger
	metrics *Metrics
}

// New returns the service for the given drivers (the sandbox included).
func New(store Store, drivers []gateway.Driver, cfg Config, now grimbots.Clock, logger *slog.Logger, metrics *Metrics) *Service {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: gateway.DefaultTimeout}
	}
	cfg.ReuseWindow = orDefault(cfg.ReuseWindow, 10*time.Minute)
	cfg.ChargeTTL = orDefault(cfg.ChargeTTL, 30*time.Minute)
	cfg.CheckInterval = orDefault(cfg.CheckInterval, time.Minute)
	cfg.ReconcileWindow = orDefault(cfg.ReconcileWindow, 48*time.Hour)
	cfg.ExpiryGrace = orDefault(cfg.ExpiryGrace, 15*time.Minute)
	if now == nil {
		now = grimbots.Now
	}
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	s := &Service{store: store, drivers: map[gateway.Kind]gateway.Driver{}, cfg: cfg, now: now, logger: logger, metrics: metrics}
	for _, d := range drivers {
		s.drivers[d.Kind] = d
		s.order = append(s.order, d.Kind)
	}
	return s
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Drivers lists the available gateways in registration order.
func (s *Service) Drivers() []gateway.Driver {
	out := make([]gateway.Driver, len(s.order))
	for i, k := range s.order {
		out[i] = s.drivers[k]
	}
	return out
}

// Driver returns the driver of a kind.
func (s *Service) Driver(kind string) (gateway.Driver, bool) {
	d, ok := s.drivers[gateway.Kind(kind)]
	return d, ok
}

// credentialsAD binds a gateway row's ciphertext to the row.
func credentialsAD(g *grimbots.GatewayAccount) string {
	return grimbots.GatewayCredentialsAD(g.SellerID, g.Kind)
}

func (s *Service) sealCredentials(g *grimbots.GatewayAccount, creds gateway.Credentials) error {
	raw, err := json.Marshal(creds)
	if err != nil {
		return err
	}
	g.CredentialsCiphertext, err = s.cfg.Keys.Encrypt(raw, credentialsAD(g))
	return err
}

func (s *Service) openCredentials(g *grimbots.GatewayAccount) (gateway.Credentials, error) {
	raw, err := s.cfg.Keys.Decrypt(g.CredentialsCiphertext, credentialsAD(g))
	if err != nil {
		return nil, fmt.Errorf("payments: opening credentials of gateway %d: %w", g.ID, err)
	}
	var creds gateway.Credentials
	if err := json.Unmarshal(raw, &creds); err != nil {
		return nil, fmt.Errorf("payments: decoding credentials of gateway %d: %w", g.ID, err)
	}
	return creds, nil
}

// client builds a provider client for a seller's gateway account.
func (s *Service) client(g *grimbots.GatewayAccount) (gateway.Driver, gateway.Gateway, gateway.Credentials, error) {
	d, ok := s.drivers[gateway.Kind(g.Kind)]
	if !ok {
		return d, nil, nil, fmt.Errorf("payments: gateway kind %q is not available", g.Kind)
	}
	creds, err := s.openCredentials(g)
	if err != nil {
		return d, nil, nil, err
	}
	c, err := d.New(gateway.Config{BaseURL: s.cfg.BaseURLs[d.Kind], Credentials: creds, HTTPClient: s.cfg.HTTPClient, SellerID: g.SellerID})
	if err != nil {
		return d, nil, nil, fmt.Errorf("payments: building %s client: %w", g.Kind, err)
	}
	return d, c, creds, nil
}

// WebhookURL is the URL a seller gives a gateway for notifications.
func (s *Service) WebhookURL(g *grimbots.GatewayAccount) string {
	u := *s.cfg.PublicURL
	u.Path += "/webhooks/" + g.Kind + "/" + g.WebhookToken
	return u.String()
}

// changed runs the AfterChange hook.
func (s *Service) changed(ctx context.Context, p *grimbots.Payment) {
	if s.cfg.AfterChange != nil {
		s.cfg.AfterChange(ctx, p)
	}
}
