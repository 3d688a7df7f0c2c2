package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// variable declares one environment variable.
type variable struct {
	name   string
	def    string
	secret bool // redacted when printed
	file   bool // NAME_FILE accepted
	isURL  bool // secret URL(s): printed without credentials instead of fully redacted
	doc    string
	set    func(c *Config, raw string) error
	get    func(c *Config) string
}

var vars = []variable{
	{name: "GRIMBOTS_ENV", def: Development, doc: "`development` or `production`. Production requires strong secrets, an https `PUBLIC_URL`, and logs JSON.",
		set: func(c *Config, s string) error { c.Env = s; return nil }, get: func(c *Config) string { return c.Env }},
	{name: "GRIMBOTS_HTTP_ADDR", def: ":8080", doc: "Address the HTTP server listens on.",
		set: func(c *Config, s string) error { c.HTTPAddr = s; return nil }, get: func(c *Config) string { return c.HTTPAddr }},
	{name: "PUBLIC_URL", def: "http://localhost:8080", doc: "Base URL users and Telegram reach the platform at (links in emails, webhooks).",
		set: setPublicURL, get: func(c *Config) string { return c.PublicURL.String() }},
	{name: "GRIMBOTS_DATA_DIR", def: "./data", doc: "Directory for the SQLite database, generated development secrets and backups.",
		set: func(c *Config, s string) error { c.DataDir = s; return nil }, get: func(c *Config) string { return c.DataDir }},
	{name: "DATABASE_URL", secret: true, file: true, isURL: true, doc: "`postgres://…` for PostgreSQL, or `sqlite:PATH`. Default: SQLite at `$GRIMBOTS_DATA_DIR/grimbots.db`.",
		set: func(c *Config, s string) error { c.DatabaseURL = s; return nil }, get: func(c *Config) string { return c.DatabaseURL }},
	{name: "DATABASE_REPLICA_URLS", secret: true, file: true, isURL: true, doc: "Comma-separated PostgreSQL read replicas; reads fall back to the primary when a replica is down.",
		set: func(c *Config, s string) error { c.DatabaseReplicaURLs = splitList(s); return nil },
		get: func(c *Config) string { return strings.Join(c.DatabaseReplicaURLs, ",") }},
	{name: "DATABASE_MAX_OPEN_CONNS", def: "20", doc: "Connection pool size per PostgreSQL server (SQLite always uses one writer).",
		set: func(c *Config, s string) (err error) { c.DatabaseMaxOpenConns, err = positiveInt(s); return },
		get: func(c *Config) string { return strconv.Itoa(c.DatabaseMaxOpenConns) }},
	{name: "GRIMBOTS_AUTO_MIGRATE", doc: "Apply pending migrations at start. Default: true in development, false in production (run `grimbots migrate up`).",
		set: func(c *Config, s string) (err error) {
			if s == "" {
				return nil
			}
			c.AutoMigrate, err = strconv.ParseBool(s)
			return err
		}, get: func(c *Config) string { return strconv.FormatBool(c.AutoMigrate) }},
	{name: "REDIS_URL", secret: true, file: true, isURL: true, doc: "`redis://…`. When set, rate limits (and later cache, locks and live events) are shared through Redis; otherwise in-process.",
		set: setRedisURL, get: func(c *Config) string { return c.RedisURL }},
	{name: "GRIMBOTS_SECRET_KEY", secret: true, file: true, doc: "Base64 of ≥32 random bytes; keys the hashes of session, API and reset tokens. Generated into the data dir in development.",
		set: func(c *Config, s string) (err error) {
			if s == "" {
				return nil
			}
			c.SecretKey, err = decodeKey(s)
			return err
		}, get: func(c *Config) string { return encodeKey(c.SecretKey) }},
	{name: "GRIMBOTS_ENCRYPTION_KEYS", secret: true, file: true, doc: "`id:base64key,…` (32-byte AES-256 keys). The first encrypts; all decrypt, so rotation adds a key in front. Generated in development.",
		set: setEncryptionKeys, get: func(c *Config) string { return formatKeys(c.EncryptionKeys) }},
	{name: "TRUSTED_PROXIES", doc: "Comma-separated CIDRs of reverse proxies whose `X-Forwarded-For` is believed (e.g. `10.0.0.0/8`). Empty: the peer address is the client.",
		set: setTrustedProxies, get: func(c *Config) string {
			parts := make([]string, len(c.TrustedProxies))
			for i, p := range c.TrustedProxies {
				parts[i] = p.String()
			}
			return strings.Join(parts, ",")
		}},
	{name: "GRIMBOTS_SESSION_TTL", def: "720h", doc: "How long a login session lasts.",
		set: func(c *Config, s string) (err error) { c.SessionTTL, err = positiveDuration(s); return },
		get: func(c *Config) string { return c.SessionTTL.String() }},
	{name: "EVENTS_HEARTBEAT", def: "15s", doc: "How often a live event stream (`/api/v1/events`) sends a heartbeat and checks its session or token again (a logout ends the stream within this time).",
		set: func(c *Config, s string) (err error) { c.EventsHeartbeat, err = positiveDuration(s); return },
		get: func(c *Config) string { return c.EventsHeartbeat.String() }},
	{name: "SMTP_HOST", doc: "Outgoing mail server. Empty: emails (password resets) are written to the log instead.",
		set: func(c *Config, s string) error { c.SMTP.Host = s; return nil }, get: func(c *Config) string { return c.SMTP.Host }},
	{name: "SMTP_PORT", def: "587", doc: "SMTP port (STARTTLS is used when the server offers it).",
		set: func(c *Config, s string) (err error) { c.SMTP.Port, err = positiveInt(s); return },
		get: func(c *Config) string { return strconv.Itoa(c.SMTP.Port) }},
	{name: "SMTP_USERNAME", doc: "SMTP user.", set: func(c *Config, s string) error { c.SMTP.Username = s; return nil },
		get: func(c *Config) string { return c.SMTP.Username }},
	{name: "SMTP_PASSWORD", secret: true, file: true, doc: "SMTP password.",
		set: func(c *Config, s string) error { c.SMTP.Password = s; return nil }, get: func(c *Config) string { return c.SMTP.Password }},
	{name: "SMTP_FROM", doc: "Sender address, e.g. `grimbots <no-reply@example.com>`.",
		set: func(c *Config, s string) error { c.SMTP.From = s; return nil }, get: func(c *Config) string { return c.SMTP.From }},
	{name: "SENTRY_DSN", secret: true, file: true, isURL: true, doc: "Error reporting DSN (Sentry or compatible). Empty: disabled.",
		set: func(c *Config, s string) error {
			if s != "" {
				if u, err := url.Parse(s); err != nil || u.Host == "" {
					return errors.New("not a valid DSN URL")
				}
			}
			c.SentryDSN = s
			return nil
		}, get: func(c *Config) string { return c.SentryDSN }},
	{name: "LOG_LEVEL", def: "info", doc: "`debug`, `info`, `warn` or `error`.",
		set: func(c *Config, s string) error {
			switch s {
			case "debug", "info", "warn", "error":
				c.LogLevel = s
				return nil
			}
			return fmt.Errorf("must be debug, info, warn or error, got %q", s)
		}, get: func(c *Config) string { return c.LogLevel }},
	{name: "LOG_FORMAT", doc: "`text` or `json`. Default: text in development, json in production.",
		set: func(c *Config, s string) error {
			if s != "" && s != "text" && s != "json" {
				return fmt.Errorf("must be text or json, got %q", s)
			}
			c.LogFormat = s
			return nil
		}, get: func(c *Config) string { return c.LogFormat }},
	{name: "GRIMBOTS_SHUTDOWN_TIMEOUT", def: "20s", doc: "Upper bound for a graceful shutdown (HTTP drain, workers, database).",
		set: func(c *Config, s string) (err error) { c.ShutdownTimeout, err = positiveDuration(s); return },
		get: func(c *Config) string { return c.ShutdownTimeout.String() }},
	{name: "GATEWAY_BASE_URLS", doc: "`kind=url,…` overrides of gateway API roots (a provider's sandbox, a proxy), e.g. `pushinpay=https://api-sandbox.pushinpay.com.br`.",
		set: func(c *Config, s string) (err error) { c.GatewayBaseURLs, err = parsePairs(s, true); return },
		get: func(c *Config) string { return formatPairs(c.GatewayBaseURLs) }},
	{name: "GATEWAY_SPLIT_ACCOUNTS", doc: "`kind=account,…`: the platform's receiving account per gateway for gateway-side commission splits (only gateways that support splits). Empty: the commission is only booked in the ledger.",
		set: func(c *Config, s string) (err error) { c.GatewaySplitAccounts, err = parsePairs(s, false); return },
		get: func(c *Config) string { return formatPairs(c.GatewaySplitAccounts) }},
	{name: "PIX_CHARGE_TTL", def: "30m", doc: "How long a PIX charge stays payable.",
		set: func(c *Config, s string) (err error) { c.PixChargeTTL, err = positiveDuration(s); return },
		get: func(c *Config) string { return c.PixChargeTTL.String() }},
	{name: "PIX_REUSE_WINDOW", def: "10m", doc: "A buyer asking again for the same offer within this window gets the same pending PIX.",
		set: func(c *Config, s string) (err error) { c.PixReuseWindow, err = positiveDuration(s); return },
		get: func(c *Config) string { return c.PixReuseWindow.String() }},
	{name: "STATS_CACHE_TTL", def: "5m", doc: "How long a cached dashboard statistic lives. Every sale, charge and new lead invalidates its seller's at once; the TTL only bounds what an invalidation cannot reach (the in-process cache of another instance, when there is no Redis).",
		set: func(c *Config, s string) (err error) { c.StatsCacheTTL, err = positiveDuration(s); return },
		get: func(c *Config) string { return c.StatsCacheTTL.String() }},
	{name: "TELEGRAM_API_URL", def: "https://api.telegram.org", doc: "Telegram Bot API server (a local `telegram-bot-api` server, or a fake in tests).",
		set: func(c *Config, s string) error {
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("must be an http(s) URL, got %q", s)
			}
			c.TelegramAPIURL = strings.TrimRight(s, "/")
			return nil
		}, get: func(c *Config) string { return c.TelegramAPIURL }},
	{name: "TELEGRAM_UPDATES", def: "auto", doc: "How bots receive updates: `webhook` (Telegram calls `PUBLIC_URL/tg/…`), `polling` (one long-polling loop per bot across all instances) or `auto` (webhook when `PUBLIC_URL` is https).",
		set: func(c *Config, s string) error {
			switch s {
			case "auto", "webhook", "polling":
				c.TelegramUpdates = s
				return nil
			}
			return fmt.Errorf("must be auto, webhook or polling, got %q", s)
		}, get: func(c *Config) string { return c.TelegramUpdates }},
	rateVar("RATE_LOGIN_PER_IP", "20/10m", "Login attempts per client IP.", func(c *Config) *Rate { return &c.RateLoginPerIP }),
	rateVar("RATE_LOGIN_PER_ACCOUNT", "10/15m", "Failed login attempts per account.", func(c *Config) *Rate { return &c.RateLoginPerAccount }),
	rateVar("RATE_REGISTER_PER_IP", "5/1h", "Sign-ups per client IP.", func(c *Config) *Rate { return &c.RateRegisterPerIP }),
	rateVar("RATE_RESET_PER_IP", "10/1h", "Password reset requests per client IP.", func(c *Config) *Rate { return &c.RateResetPerIP }),
	rateVar("RATE_RESET_PER_ACCOUNT", "3/1h", "Password reset emails per account.", func(c *Config) *Rate { return &c.RateResetPerAccount }),
	rateVar("RATE_GO_PER_IP", "600/1m", "Visits of pool links (`/go/{slug}`) per client IP; generous, as mobile carriers put many buyers behind one address.",
		func(c *Config) *Rate { return &c.RateGoPerIP }),
	{name: "GRIMBOTS_ROLE", def: RoleAll, doc: "What `serve` runs: `all` (HTTP and background work), `web` (API and webhooks; jobs are only inserted) or `worker` (jobs, periodic jobs and bot polling; over HTTP only `/healthz`, `/readyz`, `/metrics`). `serve --role` overrides it.",
		set: func(c *Config, s string) (err error) { c.Role, err = ParseRole(s); return }, get: func(c *Config) string { return c.Role }},
	{name: "BACKUP_DIR", doc: "Where `grimbots backup` and the daily backup write. Default: `$GRIMBOTS_DATA_DIR/backups`.",
		set: func(c *Config, s string) error { c.BackupDir = s; return nil }, get: func(c *Config) string { return c.BackupDir }},
	{name: "BACKUP_KEEP", def: "7", doc: "How many backups are kept; older ones are deleted after each backup.",
		set: func(c *Config, s string) (err error) { c.BackupKeep, err = positiveInt(s); return },
		get: func(c *Config) string { return strconv.Itoa(c.BackupKeep) }},
	{name: "BACKUP_HOUR", def: "6", doc: "UTC hour (0–23) of the daily backup job, or `off` (then only `grimbots backup` makes backups). SQLite: an online copy; PostgreSQL: `pg_dump`, which must be on the worker's PATH.",
		set: func(c *Config, s string) (err error) { c.BackupHour, err = parseBackupHour(s); return },
		get: func(c *Config) string { return formatBackupHour(c.BackupHour) }},
	{name: "RETENTION_WEBHOOKS", def: "90d", doc: "How long raw gateway webhooks are kept (days like `90d`, or a duration).",
		set: func(c *Config, s string) (err error) { c.RetentionWebhooks, err = parseRetention(s); return },
		get: func(c *Config) string { return formatRetention(c.RetentionWebhooks) }},
	{name: "RETENTION_UPDATES", def: "7d", doc: "How long processed Telegram updates are kept.",
		set: func(c *Config, s string) (err error) { c.RetentionUpdates, err = parseRetention(s); return },
		get: func(c *Config) string { return formatRetention(c.RetentionUpdates) }},
	{name: "RETENTION_JOBS", def: "7d", doc: "How long finished background jobs (completed, cancelled, discarded) stay in the job tables.",
		set: func(c *Config, s string) (err error) { c.RetentionJobs, err = parseRetention(s); return },
		get: func(c *Config) string { return formatRetention(c.RetentionJobs) }},
}

func rateVar(name, def, doc string, field func(*Config) *Rate) variable {
	return variable{name: name, def: def, doc: doc + " Format `N/duration`.",
		set: func(c *Config, s string) error {
			r, err := ParseRate(s)
			*field(c) = r
			return err
		}, get: func(c *Config) string { return field(c).String() }}
}

// parsePairs reads "k=v,k=v"; with urls, each value must be an http(s) URL.
func parsePairs(s string, urls bool) (map[string]string, error) {
	out := map[string]string{}
	for _, item := range splitList(s) {
		k, v, ok := strings.Cut(item, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("want kind=value pairs separated by commas, got %q", item)
		}
		if urls {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, fmt.Errorf("%s: %q is not an http(s) URL", k, v)
			}
		}
		out[k] = v
	}
	return out, nil
}

func formatPairs(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}

// ParseRate parses "N/duration", e.g. "10/1m".
func ParseRate(s string) (Rate, error) {
	n, d, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, fmt.Errorf("want N/duration (e.g. 10/1m), got %q", s)
	}
	count, err := positiveInt(n)
	if err != nil {
		return Rate{}, err
	}
	period, err := positiveDuration(d)
	if err != nil {
		return Rate{}, err
	}
	return Rate{N: count, Period: period}, nil
}

func setPublicURL(c *Config, s string) error {
	u, err := url.Parse(strings.TrimSuffix(s, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("must be an absolute http(s) URL, got %q", s)
	}
	c.PublicURL = u
	return nil
}

func setRedisURL(c *Config, s string) error {
	if s != "" && !strings.HasPrefix(s, "redis://") && !strings.HasPrefix(s, "rediss://") {
		return errors.New("must start with redis:// or rediss://")
	}
	c.RedisURL = s
	return nil
}

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

func setEncryptionKeys(c *Config, s string) error {
	c.EncryptionKeys = nil
	for _, item := range splitList(s) {
		id, enc, ok := strings.Cut(item, ":")
		if !ok || !keyIDPattern.MatchString(id) {
			return errors.New("want id:base64key entries separated by commas, ids of letters, digits, - and _")
		}
		b, err := decodeKey(enc)
		if err != nil {
			return fmt.Errorf("key %q: %w", id, err)
		}
		c.EncryptionKeys = append(c.EncryptionKeys, Key{ID: id, Secret: b})
	}
	return nil
}

func formatKeys(keys []Key) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.ID + ":" + encodeKey(k.Secret)
	}
	return strings.Join(parts, ",")
}

func setTrustedProxies(c *Config, s string) error {
	c.TrustedProxies = nil
	for _, item := range splitList(s) {
		p, err := netip.ParsePrefix(item)
		if err != nil {
			a, aerr := netip.ParseAddr(item)
			if aerr != nil {
				return fmt.Errorf("%q is not a CIDR or IP address", item)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}
	return nil
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not valid base64")
}

func encodeKey(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func positiveInt(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("must be a positive integer, got %q", s)
	}
	return n, nil
}

func positiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("must be a positive duration like 30s or 15m, got %q", s)
	}
	return d, nil
}
