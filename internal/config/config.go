// Package config reads grimbots' configuration from the environment into one
// typed struct, validates it, and prints it with secrets redacted.
//
// Every variable is declared once in vars (config_vars.go) with its default,
// whether it is secret, and its documentation; `grimbots config` prints the
// effective values and `grimbots config --markdown` the reference table.
package config

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Environment names.
const (
	Development = "development"
	Production  = "production"
)

// Config is the whole configuration. Zero values are never used directly:
// Load fills every field from the environment or its default.
type Config struct {
	Env       string
	HTTPAddr  string
	PublicURL *url.URL
	DataDir   string

	DatabaseURL          string
	DatabaseReplicaURLs  []string
	DatabaseMaxOpenConns int
	AutoMigrate          bool
	RedisURL             string

	// SecretKey keys the hashes of session, API and reset tokens.
	SecretKey []byte
	// EncryptionKeys encrypts secrets at rest; the first is used to encrypt,
	// all are tried to decrypt (rotation).
	EncryptionKeys []Key

	TrustedProxies []netip.Prefix
	SessionTTL     time.Duration
	// EventsHeartbeat is how often live event streams send a heartbeat
	// and check their credentials again.
	EventsHeartbeat time.Duration

	SMTP SMTPConfig

	SentryDSN string
	LogLevel  string
	LogFormat string

	ShutdownTimeout time.Duration

	// TelegramAPIURL is the Bot API server.
	TelegramAPIURL string
	// TelegramUpdates is auto, webhook or polling.
	TelegramUpdates string
	// GatewayBaseURLs override gateway API roots, by kind.
	GatewayBaseURLs map[string]string
	// GatewaySplitAccounts are the platform's receiving accounts for
	// gateway-side commission splits, by kind.
	GatewaySplitAccounts map[string]string
	PixChargeTTL         time.Duration
	PixReuseWindow       time.Duration
	// StatsCacheTTL is how long a cached dashboard statistic lives when no
	// write invalidates it first.
	StatsCacheTTL time.Duration

	RateLoginPerIP      Rate
	RateLoginPerAccount Rate
	RateRegisterPerIP   Rate
	RateResetPerIP      Rate
	RateResetPerAccount Rate
	// RateGoPerIP limits visits of pool links (/go/{slug}) per client IP.
	RateGoPerIP Rate

	// Role is what serve runs: RoleAll, RoleWeb or RoleWorker.
	Role string
	// BackupDir receives backups; BackupKeep of them are kept. BackupHour
	// is the UTC hour of the daily backup, -1 for none.
	BackupDir  string
	BackupKeep int
	BackupHour int
	// How long raw gateway webhooks, processed Telegram updates and
	// finished jobs are kept.
	RetentionWebhooks time.Duration
	RetentionUpdates  time.Duration
	RetentionJobs     time.Duration

	// sources records where each variable's value came from, for printing.
	sources map[string]string
}

// SMTPConfig is the outgoing mail server. Host empty means mail is logged.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
}

// Key is one encryption key with its id.
type Key struct {
	ID     string
	Secret []byte
}

// Rate is "N events per Period".
type Rate struct {
	N      int
	Period time.Duration
}

func (r Rate) String() string { return fmt.Sprintf("%d/%s", r.N, r.Period) }

// Production reports whether the environment is production.
func (c *Config) Production() bool { return c.Env == Production }

// CookieSecure reports whether cookies get the Secure attribute.
func (c *Config) CookieSecure() bool {
	return c.Production() || c.PublicURL.Scheme == "https"
}

// Lookup is os.LookupEnv's signature, so tests can pass a map.
type Lookup func(string) (string, bool)

// MapLookup adapts a map for Load.
func MapLookup(m map[string]string) Lookup {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// Load reads the configuration. Variables marked file-capable may instead be
// given as NAME_FILE pointing at a file whose trimmed content is the value.
// In development, missing secrets are generated once and kept in the data
// directory; in production they are required and checked for strength.
func Load(env Lookup) (*Config, error) {
	c := &Config{sources: map[string]string{}}
	var errs []error
	for _, v := range vars {
		raw, source, err := resolve(env, v)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.sources[v.name] = source
		if err := v.set(c, raw); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", v.name, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := c.fillDerived(); err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func resolve(env Lookup, v variable) (string, string, error) {
	if val, ok := env(v.name); ok && val != "" {
		return val, "env", nil
	}
	if v.file {
		if path, ok := env(v.name + "_FILE"); ok && path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				return "", "", fmt.Errorf("%s_FILE: %w", v.name, err)
			}
			return strings.TrimSpace(string(b)), "file", nil
		}
	}
	return v.def, "default", nil
}

// fillDerived computes defaults that depend on other values.
func (c *Config) fillDerived() error {
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite:" + strings.TrimSuffix(c.DataDir, "/") + "/grimbots.db"
		c.sources["DATABASE_URL"] = "default"
	}
	if c.BackupDir == "" {
		c.BackupDir = filepath.Join(c.DataDir, "backups")
		c.sources["BACKUP_DIR"] = "default"
	}
	if c.sources["GRIMBOTS_AUTO_MIGRATE"] == "default" {
		// The zero-configuration default migrates itself; a production
		// deployment migrates as a deliberate step unless told otherwise.
		c.AutoMigrate = !c.Production()
	}
	if c.LogFormat == "" {
		c.LogFormat = "text"
		if c.Production() {
			c.LogFormat = "json"
		}
	}
	if len(c.SecretKey) == 0 || len(c.EncryptionKeys) == 0 {
		if c.Production() {
			var missing []string
			if len(c.SecretKey) == 0 {
				missing = append(missing, "GRIMBOTS_SECRET_KEY")
			}
			if len(c.EncryptionKeys) == 0 {
				missing = append(missing, "GRIMBOTS_ENCRYPTION_KEYS")
			}
			return fmt.Errorf("%s required in production: generate values with `grimbots keys generate`",
				strings.Join(missing, " and ")+pluralVerb(len(missing)))
		}
		if err := c.loadDevSecrets(); err != nil {
			return err
		}
	}
	return nil
}

func pluralVerb(n int) string {
	if n > 1 {
		return " are"
	}
	return " is"
}

func (c *Config) validate() error {
	var errs []error
	if c.Env != Development && c.Env != Production {
		errs = append(errs, fmt.Errorf("GRIMBOTS_ENV: must be %q or %q, got %q", Development, Production, c.Env))
	}
	if err := checkKeyStrength("GRIMBOTS_SECRET_KEY", c.SecretKey); err != nil {
		errs = append(errs, err)
	}
	seen := map[string]bool{}
	for _, k := range c.EncryptionKeys {
		if seen[k.ID] {
			errs = append(errs, fmt.Errorf("GRIMBOTS_ENCRYPTION_KEYS: key id %q appears twice", k.ID))
		}
		seen[k.ID] = true
		if err := checkKeyStrength("GRIMBOTS_ENCRYPTION_KEYS["+k.ID+"]", k.Secret); err != nil {
			errs = append(errs, err)
		} else if len(k.Secret) != 32 {
			errs = append(errs, fmt.Errorf("GRIMBOTS_ENCRYPTION_KEYS[%s]: must be exactly 32 bytes (AES-256), got %d", k.ID, len(k.Secret)))
		}
	}
	if c.Production() {
		if c.PublicURL.Scheme != "https" {
			errs = append(errs, errors.New("PUBLIC_URL: must be https in production (cookies are Secure, webhooks need TLS)"))
		}
	}
	if c.SMTP.Host != "" && c.SMTP.From == "" {
		errs = append(errs, errors.New("SMTP_FROM: required when SMTP_HOST is set"))
	}
	return errors.Join(errs...)
}

// checkKeyStrength refuses short or low-entropy keys: at least 32 bytes and
// at least 16 distinct byte values (a random 32-byte key has about 30).
func checkKeyStrength(name string, b []byte) error {
	if len(b) < 32 {
		return fmt.Errorf("%s: too short (%d bytes, need at least 32 random bytes); generate one with `grimbots keys generate`", name, len(b))
	}
	distinct := map[byte]bool{}
	for _, x := range b {
		distinct[x] = true
	}
	if len(distinct) < 16 {
		return fmt.Errorf("%s: too weak (looks like a repeated or typed value); generate one with `grimbots keys generate`", name)
	}
	return nil
}
