// Package bots runs sellers' Telegram bots: their settings (token, funnel
// configuration, start and stop), the intake of updates (webhook or one
// long-polling loop per bot across all instances), the ordered processing
// of each chat's updates through the funnel engine, and the funnel's
// follow-up jobs (delivery, downsells, upsells).
package bots

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/grimbots/grimbots/internal/funnel"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/ratelimit"
	"github.com/grimbots/grimbots/internal/secretbox"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/telegram"
)

// Update intake modes.
const (
	ModeAuto    = "auto"    // webhook when PUBLIC_URL is https, else polling
	ModeWebhook = "webhook" // setWebhook to PUBLIC_URL/tg/{secret}
	ModePolling = "polling" // getUpdates, one poller per bot in the cluster
)

// Config configures the service.
type Config struct {
	// PublicURL is where Telegram reaches webhooks.
	PublicURL *url.URL
	// Mode is ModeAuto, ModeWebhook or ModePolling.
	Mode string
	// TelegramAPIURL is the Bot API server (tests: a fake).
	TelegramAPIURL string
	// SecretKey keys the hash that refuses a token registered twice.
	SecretKey []byte
	Keys      *secretbox.Keyring
	// Limiter and Pauser pace sends (shared through Redis when configured).
	Limiter ratelimit.Limiter
	Pauser  telegram.Pauser
	// HTTPClient calls Telegram (default: one with sane timeouts).
	HTTPClient *http.Client
	// Instance names this process in leases and locks.
	Instance string
	// PollTimeout is getUpdates' long-poll timeout (default 25s).
	PollTimeout time.Duration
	// LeaseTTL is how long a poller's lease lasts without renewal
	// (default 30s); another instance takes over after it.
	LeaseTTL time.Duration
	// Metrics counts Telegram calls.
	Metrics *telegram.Metrics
	// Health counts health checks (nil: not counted).
	Health *HealthMetrics
	// OnChange, when set, is told after a bot starts, stops, is deleted,
	// gets a new token, is found revoked or changes health (the redirect
	// pools drop their cached view of it).
	OnChange func(ctx context.Context, botID int64)
}

// Service manages bots and handles their updates.
type Service struct {
	store  *store.Store
	engine *funnel.Engine
	jobs   Queue
	cfg    Config
	now    grimbots.Clock
	logger *slog.Logger
	files  telegram.FileIDCache

	mu      sync.Mutex
	clients map[int64]*cachedClient

	// inline bounds the chats processed right away on intake; inflight
	// tracks them for shutdown.
	inline   chan struct{}
	inflight sync.WaitGroup
	drains   atomic.Uint64
}

// Queue enqueues jobs outside a transaction.
type Queue interface {
	Insert(ctx context.Context, jobs ...grimbots.Job) error
}

type cachedClient struct {
	cipher string
	client *telegram.Client
}

// New returns the service.
func New(st *store.Store, engine *funnel.Engine, jobs Queue, cfg Config, now grimbots.Clock, logger *slog.Logger) *Service {
	if now == nil {
		now = grimbots.Now
	}
	if cfg.Mode == "" {
		cfg.Mode = ModeAuto
	}
	if cfg.Mode == ModeAuto {
		cfg.Mode = ModePolling
		if cfg.PublicURL != nil && cfg.PublicURL.Scheme == "https" {
			cfg.Mode = ModeWebhook
		}
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 25 * time.Second
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 30 * time.Second
	}
	if cfg.Instance == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		cfg.Instance = hex.EncodeToString(b)
	}
	if cfg.HTTPClient == nil {
		// Every bot talks to the same host: keep enough connections to
		// it open for all the sends in flight (the default keeps 2, and
		// a campaign would dial one per message).
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 1024, 1024
		cfg.HTTPClient = &http.Client{Timeout: cfg.PollTimeout + 30*time.Second, Transport: tr}
	}
	return &Service{store: st, engine: engine, jobs: jobs, cfg: cfg, now: now, logger: logger,
		files: storeFileIDs{st, now}, clients: map[int64]*cachedClient{}, inline: make(chan struct{}, 64)}
}

// changed tells OnChange that a bot's state changed.
func (s *Service) changed(ctx context.Context, botID int64) {
	if s.cfg.OnChange != nil {
		s.cfg.OnChange(context.WithoutCancel(ctx), botID)
	}
}

// Instance names this process in leases and locks.
func (s *Service) Instance() string { return s.cfg.Instance }

// Mode is the intake mode in force (webhook or polling).
func (s *Service) Mode() string { return s.cfg.Mode }

// tokenHash is the keyed hash that finds a token already registered.
func (s *Service) tokenHash(token string) string {
	m := hmac.New(sha256.New, s.cfg.SecretKey)
	m.Write([]byte("telegram-bot-token:" + token))
	return hex.EncodeToString(m.Sum(nil))
}

func newSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newClient builds a client for a token (nothing is called).
func (s *Service) newClient(token string) (*telegram.Client, error) {
	return telegram.New(token, telegram.Options{APIURL: s.cfg.TelegramAPIURL, HTTPClient: s.cfg.HTTPClient,
		Limiter: s.cfg.Limiter, Pauser: s.cfg.Pauser, FileIDCache: s.files, Metrics: s.cfg.Metrics, Logger: s.logger})
}

// client returns the bot's Telegram client, opening its token once per
// token version.
func (s *Service) client(b *grimbots.Bot) (*telegram.Client, error) {
	s.mu.Lock()
	c, ok := s.clients[b.ID]
	s.mu.Unlock()
	if ok && c.cipher == b.TokenCiphertext {
		return c.client, nil
	}
	raw, err := s.cfg.Keys.Decrypt(b.TokenCiphertext, grimbots.BotTokenAD(b.SellerID, b.TelegramBotID))
	if err != nil {
		return nil, err
	}
	tc, err := s.newClient(string(raw))
	clear(raw)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.clients[b.ID] = &cachedClient{cipher: b.TokenCiphertext, client: tc}
	s.mu.Unlock()
	return tc, nil
}

// storeFileIDs keeps Telegram file ids in the database, so every instance
// re-sends media by id.
type storeFileIDs struct {
	st  *store.Store
	now grimbots.Clock
}

func (f storeFileIDs) Get(ctx context.Context, botID int64, url string) (string, bool) {
	id, err := f.st.MediaFileID(ctx, botID, url)
	return id, err == nil && id != ""
}

func (f storeFileIDs) Put(ctx context.Context, botID int64, url, fileID string) {
	_ = f.st.PutMediaFileID(ctx, botID, url, fileID, f.now())
}

// messenger adapts a bot's client to the funnel engine.
type messenger struct{ c *telegram.Client }

func keyboard(rows [][]funnel.Button) telegram.Keyboard {
	var k telegram.Keyboard
	for _, row := range rows {
		var r []telegram.Button
		for _, b := range row {
			if b.URL != "" {
				r = append(r, telegram.URLButton(b.Text, b.URL))
			} else {
				r = append(r, telegram.CallbackButton(b.Text, b.Data))
			}
		}
		k = append(k, r)
	}
	return k
}

// maxCaption keeps a caption safely under Telegram's 1024 characters
// (counted after the HTML is parsed).
const maxCaption = 900

func (m messenger) Send(ctx context.Context, chatID int64, out funnel.Outgoing) error {
	if len(out.Image) > 0 {
		// The QR code: one photo with the text as its caption when it fits,
		// else the photo and then the text.
		p := telegram.PhotoUpload{ChatID: chatID, Filename: "pix.png", Data: out.Image}
		if utf8.RuneCountInString(out.Text) <= maxCaption {
			p.Caption, p.Keyboard = out.Text, keyboard(out.Buttons)
			_, err := m.c.SendPhotoUpload(ctx, p)
			return err
		}
		if _, err := m.c.SendPhotoUpload(ctx, p); err != nil {
			return err
		}
		out.Image = nil
	}
	if out.Media != nil {
		_, err := m.c.SendMedia(ctx, telegram.MediaParams{ChatID: chatID, Kind: telegram.MediaKind(out.Media.Kind),
			URL: out.Media.URL, Caption: out.Text, Keyboard: keyboard(out.Buttons)})
		return err
	}
	_, err := m.c.SendMessage(ctx, telegram.MessageParams{ChatID: chatID, Text: out.Text, Keyboard: keyboard(out.Buttons),
		NoLinkPreview: true})
	return err
}

func (m messenger) Answer(ctx context.Context, callbackID, text string) error {
	err := m.c.AnswerCallbackQuery(ctx, telegram.CallbackAnswer{QueryID: callbackID, Text: text})
	if errors.Is(err, telegram.ErrBadRequest) {
		return nil // the query expired (answered late): nothing to do
	}
	return err
}

// Messenger returns the funnel messenger of a bot.
func (s *Service) Messenger(b *grimbots.Bot) (funnel.Messenger, error) {
	c, err := s.client(b)
	if err != nil {
		return nil, err
	}
	return messenger{c}, nil
}
