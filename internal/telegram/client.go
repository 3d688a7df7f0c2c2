package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/grimbots/grimbots/internal/ratelimit"
)

// DefaultAPIURL is the cloud Bot API server.
const DefaultAPIURL = "https://api.telegram.org"

// Default send rates. Each is a burst of one, so sends are evenly spaced and
// no sliding second (or minute) ever holds more than Telegram's documented
// limit: 30 messages/s per bot, 1/s per chat, 20/min per group.
var (
	DefaultBotRate   = ratelimit.Rate{N: 1, Period: time.Second/30 + time.Microsecond}
	DefaultChatRate  = ratelimit.Rate{N: 1, Period: time.Second}
	DefaultGroupRate = ratelimit.Rate{N: 1, Period: 3 * time.Second}
)

// Options configure a Client. The zero value is usable: cloud API, default
// HTTP client, in-process limiter, pauser and file_id cache.
type Options struct {
	// APIURL is the Bot API server: DefaultAPIURL, a local
	// telegram-bot-api server, or a test fake.
	APIURL string
	// HTTPClient makes the requests. Its Timeout, if any, must exceed the
	// longest getUpdates poll; per-call deadlines come from RequestTimeout.
	HTTPClient *http.Client
	// RequestTimeout bounds each call (default 15s); getUpdates gets its
	// poll timeout on top.
	RequestTimeout time.Duration
	// Limiter paces sends. Share one Redis limiter across instances so a
	// bot's budget is global; keys embed the bot id.
	Limiter ratelimit.Limiter
	// Pauser holds the pause set when Telegram answers 429. Share it like
	// the Limiter.
	Pauser Pauser
	// FileIDCache remembers file_ids of media sent by URL. Share one across
	// the clients of a process.
	FileIDCache FileIDCache
	// BotRate, ChatRate and GroupRate default to DefaultBotRate,
	// DefaultChatRate and DefaultGroupRate. GroupRate applies on top of
	// ChatRate to group and channel chats (negative ids).
	BotRate, ChatRate, GroupRate ratelimit.Rate
	// MaxWait is the longest a send waits for its turn (default 30s). A
	// longer wait is not made: the send fails at once with a
	// *RetryAfterError so the caller can reschedule it.
	MaxWait time.Duration
	// Metrics, when set, counts calls and waits.
	Metrics *Metrics
	// Logger receives warnings (limiter failures, file_id fallbacks). Tokens
	// never reach it.
	Logger *slog.Logger
	// Sleep waits d or until ctx is done; tests replace it to run on a fake
	// clock. The default uses a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client calls the Bot API for one bot. It is safe for concurrent use and
// cheap to build: construction validates the token's shape but makes no
// request. All methods take the context first and return the errors
// described in errors.go; no error text ever contains the token.
//
// The client wraps github.com/go-telegram/bot for the methods it offers.
// getUpdates is private in that library (only reachable through its own
// polling loop, which we do not want: the offset, leadership and dispatch
// are ours), so GetUpdates speaks HTTP directly through the same transport.
type Client struct {
	id int64
	// endpoint returns a method's URL; a closure, so that no field a
	// printer can reach holds the token.
	endpoint func(method string) string
	api      *bot.Bot
	tr       *transport
	opts     Options
	log      *slog.Logger
}

// ErrMalformedToken is returned by New for a token that is not
// "<bot id>:<secret>".
var ErrMalformedToken = errors.New("telegram: malformed bot token")

// New returns a client for the bot with this token. It calls nothing.
func New(token string, opts Options) (*Client, error) {
	id, err := BotIDFromToken(token)
	if err != nil {
		return nil, err
	}
	base, err := apiBase(opts.APIURL)
	if err != nil {
		return nil, err
	}
	opts = withDefaults(opts)
	c := &Client{id: id, opts: opts, log: opts.Logger.With("bot_id", id),
		endpoint: func(method string) string { return base + "/bot" + token + "/" + method }}
	c.tr = &transport{client: opts.HTTPClient, scrub: scrubber(token)}
	c.api, err = bot.New(token,
		bot.WithSkipGetMe(),
		bot.WithServerURL(base),
		bot.WithHTTPClient(opts.RequestTimeout, c.tr),
		bot.WithErrorsHandler(func(err error) { c.log.Debug("telegram library", "err", c.tr.scrub(err.Error())) }),
		bot.WithDefaultHandler(func(context.Context, *bot.Bot, *models.Update) {}),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram: building client for bot %d: %s", id, c.tr.scrub(err.Error()))
	}
	return c, nil
}

// BotIDFromToken returns the bot id a token starts with.
func BotIDFromToken(token string) (int64, error) {
	idPart, secret, ok := strings.Cut(token, ":")
	id, err := strconv.ParseInt(idPart, 10, 64)
	if !ok || err != nil || id <= 0 || secret == "" || strings.ContainsAny(secret, " \t\r\n/?#%") {
		return 0, ErrMalformedToken
	}
	return id, nil
}

func apiBase(raw string) (string, error) {
	if raw == "" {
		return DefaultAPIURL, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("telegram: API URL %q: want http(s)://host[/path]", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

func withDefaults(o Options) Options {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 15 * time.Second
	}
	if o.Limiter == nil {
		o.Limiter = ratelimit.NewMemory(nil)
	}
	if o.Pauser == nil {
		o.Pauser = NewMemoryPauser(nil)
	}
	if o.FileIDCache == nil {
		o.FileIDCache = NewMemoryFileIDCache(256)
	}
	if o.BotRate.N <= 0 {
		o.BotRate = DefaultBotRate
	}
	if o.ChatRate.N <= 0 {
		o.ChatRate = DefaultChatRate
	}
	if o.GroupRate.N <= 0 {
		o.GroupRate = DefaultGroupRate
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	return o
}

// BotID returns the id of the client's bot (the token's prefix).
func (c *Client) BotID() int64 { return c.id }

// String names the client without its token, so printing one is safe.
func (c *Client) String() string { return fmt.Sprintf("telegram.Client(bot %d)", c.id) }

// LogValue makes slog print the bot id only.
func (c *Client) LogValue() slog.Value { return slog.Int64Value(c.id) }

// callCtx bounds one call by RequestTimeout plus extra.
func (c *Client) callCtx(ctx context.Context, extra time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.opts.RequestTimeout+extra)
}

// done turns what the library returned for method into our error (nil
// stays nil), pauses the bot on 429 and counts the call.
func (c *Client) done(ctx context.Context, method string, err error) error {
	if err != nil {
		var cr *carried
		if errors.As(err, &cr) {
			err = cr.err
		} else {
			// Built by the library (a form it could not encode, a result
			// it could not decode): keep the text, scrubbed, not the chain.
			err = fmt.Errorf("telegram: %s: %s", method, c.tr.scrub(err.Error()))
		}
		var ra *RetryAfterError
		if errors.As(err, &ra) {
			c.pause(ctx, ra.After)
		}
	}
	c.opts.Metrics.call(method, err)
	return err
}

// GetMe returns the bot's identity; it is the cheap way to validate a token
// (ErrUnauthorized when revoked).
func (c *Client) GetMe(ctx context.Context) (BotInfo, error) {
	ctx, cancel := c.callCtx(ctx, 0)
	defer cancel()
	u, err := c.api.GetMe(ctx)
	if err = c.done(ctx, "getMe", err); err != nil {
		return BotInfo{}, err
	}
	return BotInfo{ID: u.ID, Username: u.Username, FirstName: u.FirstName}, nil
}

// BotInfo is what getMe tells about a bot.
type BotInfo struct {
	ID        int64
	Username  string
	FirstName string
}
