package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

const botColumns = `b.id, b.seller_id, b.telegram_bot_id, b.username, b.name, b.token_ciphertext, b.token_hash,
	b.webhook_secret, b.running, b.health, b.health_failures, b.health_checked_at, b.config_version, b.update_offset,
	b.webhook_url, b.created_at, b.updated_at`

func scanBot(row scanner) (*grimbots.Bot, error) {
	b := &grimbots.Bot{}
	err := row.Scan(&b.ID, &b.SellerID, &b.TelegramBotID, &b.Username, &b.Name, &b.TokenCiphertext, &b.TokenHash,
		&b.WebhookSecret, &b.Running, &b.Health, &b.HealthFailures, nullTime{&b.HealthCheckedAt}, &b.ConfigVersion,
		&b.UpdateOffset, &b.WebhookURL, utc{&b.CreatedAt}, utc{&b.UpdatedAt})
	return b, err
}

func scanBots(rows *sql.Rows) (*grimbots.Bot, error) { return scanBot(rows) }

var errBotTaken = grimbots.Errorf(grimbots.ECONFLICT, "this bot is already registered on the platform")

// CreateBot inserts b with its first funnel configuration (version 1).
func (s *Store) CreateBot(ctx context.Context, b *grimbots.Bot, document string, createdBy *int64) error {
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM bots WHERE token_hash = $1 AND deleted_at IS NULL`, b.TokenHash).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errBotTaken
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO bots (seller_id, telegram_bot_id, username, name, token_ciphertext, token_hash,
			webhook_secret, running, health, config_version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10) RETURNING id`,
			b.SellerID, b.TelegramBotID, b.Username, b.Name, b.TokenCiphertext, b.TokenHash, b.WebhookSecret, b.Running,
			orDefault(b.Health, grimbots.BotUnknown), b.CreatedAt).Scan(&b.ID)
		if err != nil {
			return err
		}
		b.ConfigVersion = 1
		_, err = tx.ExecContext(ctx, `INSERT INTO bot_configs (seller_id, bot_id, version, document, created_by, created_at)
			VALUES ($1, $2, 1, $3, $4, $5)`, b.SellerID, b.ID, document, createdBy, b.CreatedAt)
		return err
	})
	if s.db.dialect.isUniqueViolation(err) {
		return errBotTaken
	}
	return err
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Bots lists a seller's live bots, newest first.
func (s *Store) Bots(ctx context.Context, sellerID int64) ([]*grimbots.Bot, error) {
	var out []*grimbots.Bot
	err := s.db.read(ctx, func(q querier) (err error) {
		out, err = queryAll(ctx, q, `SELECT `+botColumns+` FROM bots b WHERE b.seller_id = $1 AND b.deleted_at IS NULL
			ORDER BY b.id DESC`, []any{sellerID}, scanBots)
		return err
	})
	return out, err
}

// Bot returns one live bot of the seller.
func (s *Store) Bot(ctx context.Context, sellerID, id int64) (*grimbots.Bot, error) {
	var b *grimbots.Bot
	err := s.db.readFresh(ctx, func(q querier) (err error) {
		b, err = scanBot(q.QueryRowContext(ctx, `SELECT `+botColumns+` FROM bots b
			WHERE b.id = $1 AND b.seller_id = $2 AND b.deleted_at IS NULL`, id, sellerID))
		return err
	})
	return b, notFound(err, "bot not found")
}

// BotByID returns a live bot whatever its seller: for the update
// pipeline and background jobs, which carry the bot id they were given.
func (s *Store) BotByID(ctx context.Context, id int64) (*grimbots.Bot, error) {
	var b *grimbots.Bot
	err := s.db.readFresh(ctx, func(q querier) (err error) {
		b, err = scanBot(q.QueryRowContext(ctx, `SELECT `+botColumns+` FROM bots b WHERE b.id = $1 AND b.deleted_at IS NULL`, id))
		return err
	})
	return b, notFound(err, "bot not found")
}

// BotByWebhookSecret resolves a Telegram webhook path to its live bot.
func (s *Store) BotByWebhookSecret(ctx context.Context, secret string) (*grimbots.Bot, error) {
	var b *grimbots.Bot
	err := s.db.readFresh(ctx, func(q querier) (err error) {
		b, err = scanBot(q.QueryRowContext(ctx, `SELECT `+botColumns+` FROM bots b
			WHERE b.webhook_secret = $1 AND b.deleted_at IS NULL`, secret))
		return err
	})
	return b, notFound(err, "bot not found")
}

// RunningBots lists every live, running bot of the platform (pollers,
// health checks).
func (s *Store) RunningBots(ctx context.Context) ([]*grimbots.Bot, error) {
	return queryAll(ctx, s.db.primary, `SELECT `+botColumns+` FROM bots b WHERE b.running AND b.deleted_at IS NULL
		ORDER BY b.id`, nil, scanBots)
}

// RenameBot changes a bot's display name.
func (s *Store) RenameBot(ctx context.Context, sellerID, id int64, name string, now time.Time) error {
	return notFound(updateOne(ctx, s.db.primary, `UPDATE bots SET name = $1, updated_at = $2
		WHERE id = $3 AND seller_id = $4 AND deleted_at IS NULL`, name, now, id, sellerID), "bot not found")
}

// ReplaceBotToken swaps a bot's token (and the Telegram identity it
// names) and its webhook secret, keeping its configuration, leads and
// history.
func (s *Store) ReplaceBotToken(ctx context.Context, b *grimbots.Bot) error {
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM bots WHERE token_hash = $1 AND deleted_at IS NULL AND id <> $2`,
			b.TokenHash, b.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errBotTaken
		}
		return notFound(updateOne(ctx, tx, `UPDATE bots SET telegram_bot_id = $1, username = $2, token_ciphertext = $3,
			token_hash = $4, health = $5, health_failures = 0, update_offset = 0, updated_at = $6, webhook_secret = $7,
			webhook_url = ''
			WHERE id = $8 AND seller_id = $9 AND deleted_at IS NULL`, b.TelegramBotID, b.Username, b.TokenCiphertext,
			b.TokenHash, grimbots.BotUnknown, b.UpdatedAt, b.WebhookSecret, b.ID, b.SellerID), "bot not found")
	})
	if s.db.dialect.isUniqueViolation(err) {
		return errBotTaken
	}
	return err
}

// SetBotRunning starts or stops a bot.
func (s *Store) SetBotRunning(ctx context.Context, sellerID, id int64, running bool, now time.Time) error {
	return notFound(updateOne(ctx, s.db.primary, `UPDATE bots SET running = $1, updated_at = $2
		WHERE id = $3 AND seller_id = $4 AND deleted_at IS NULL`, running, now, id, sellerID), "bot not found")
}

// SetBotHealth records a health observation of a bot.
func (s *Store) SetBotHealth(ctx context.Context, id int64, health string, failures int, now time.Time) error {
	return notFound(updateOne(ctx, s.db.primary, `UPDATE bots SET health = $1, health_failures = $2, health_checked_at = $3
		WHERE id = $4 AND deleted_at IS NULL`, health, failures, now, id), "bot not found")
}

// SetBotWebhook records the webhook URL Telegram was given ("" for polling).
func (s *Store) SetBotWebhook(ctx context.Context, id int64, url string) error {
	return notFound(updateOne(ctx, s.db.primary, `UPDATE bots SET webhook_url = $1 WHERE id = $2 AND deleted_at IS NULL`,
		url, id), "bot not found")
}

// DeleteBot soft-deletes a bot: it stops, its token is free to be added
// again, and its leads and payments stay for the seller's history.
func (s *Store) DeleteBot(ctx context.Context, sellerID, id int64, now time.Time) error {
	return notFound(updateOne(ctx, s.db.primary, `UPDATE bots SET deleted_at = $1, running = FALSE, lease_owner = '',
		lease_until = NULL, updated_at = $1 WHERE id = $2 AND seller_id = $3 AND deleted_at IS NULL`, now, id, sellerID), "bot not found")
}

// ---- funnel configuration versions ----

const botConfigColumns = `c.id, c.seller_id, c.bot_id, c.version, c.document, c.created_by, c.created_at`

func scanBotConfig(row scanner) (*grimbots.BotConfig, error) {
	c := &grimbots.BotConfig{}
	err := row.Scan(&c.ID, &c.SellerID, &c.BotID, &c.Version, &c.Document, &c.CreatedBy, utc{&c.CreatedAt})
	return c, err
}

// SaveBotConfig stores document as the bot's next configuration version
// and puts it in force. When base is not zero, it must be the version in
// force (a save based on an older version is a conflict, not a silent
// overwrite).
func (s *Store) SaveBotConfig(ctx context.Context, sellerID, botID int64, base int, document string, createdBy *int64, now time.Time) (int, error) {
	var version int
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT config_version FROM bots WHERE id = $1 AND seller_id = $2 AND deleted_at IS NULL`+
			s.db.dialect.forUpdate(), botID, sellerID).Scan(&version)
		if err != nil {
			return notFound(err, "bot not found")
		}
		if base != 0 && base != version {
			return grimbots.Errorf(grimbots.ECONFLICT, "the funnel was changed meanwhile (version %d is in force); reload and try again", version)
		}
		version++
		if _, err := tx.ExecContext(ctx, `INSERT INTO bot_configs (seller_id, bot_id, version, document, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, sellerID, botID, version, document, createdBy, now); err != nil {
			return err
		}
		return updateOne(ctx, tx, `UPDATE bots SET config_version = $1, updated_at = $2 WHERE id = $3`, version, now, botID)
	})
	if s.db.dialect.isUniqueViolation(err) {
		return 0, grimbots.Errorf(grimbots.ECONFLICT, "the funnel was changed meanwhile; reload and try again")
	}
	return version, err
}

// BotConfig returns a version of a bot's configuration; version 0 is the
// one in force.
func (s *Store) BotConfig(ctx context.Context, sellerID, botID int64, version int) (*grimbots.BotConfig, error) {
	var c *grimbots.BotConfig
	err := s.db.readFresh(ctx, func(q querier) (err error) {
		c, err = scanBotConfig(q.QueryRowContext(ctx, `SELECT `+botConfigColumns+` FROM bot_configs c
			JOIN bots b ON b.id = c.bot_id AND b.deleted_at IS NULL
			WHERE c.bot_id = $1 AND c.seller_id = $2 AND c.version = CASE WHEN $3 = 0 THEN b.config_version ELSE $3 END`,
			botID, sellerID, version))
		return err
	})
	return c, notFound(err, "configuration not found")
}

// BotConfigs lists a bot's configuration versions, newest first, without
// their documents.
func (s *Store) BotConfigs(ctx context.Context, sellerID, botID int64) ([]*grimbots.BotConfig, error) {
	var out []*grimbots.BotConfig
	err := s.db.read(ctx, func(q querier) (err error) {
		out, err = queryAll(ctx, q, `SELECT c.id, c.seller_id, c.bot_id, c.version, '', c.created_by, c.created_at
			FROM bot_configs c WHERE c.bot_id = $1 AND c.seller_id = $2 ORDER BY c.version DESC`, []any{botID, sellerID},
			func(rows *sql.Rows) (*grimbots.BotConfig, error) { return scanBotConfig(rows) })
		return err
	})
	return out, err
}

// ---- polling lease and offset ----

// AcquireBotLease makes owner the one poller of a running bot until
// now+ttl, if nobody else holds an unexpired lease. Renewing one's own
// lease succeeds.
func (s *Store) AcquireBotLease(ctx context.Context, botID int64, owner string, now time.Time, ttl time.Duration) (bool, error) {
	res, err := s.db.primary.ExecContext(ctx, `UPDATE bots SET lease_owner = $1, lease_until = $2
		WHERE id = $3 AND running AND deleted_at IS NULL AND (lease_owner = $1 OR lease_until IS NULL OR lease_until < $4)`,
		owner, now.Add(ttl), botID, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseBotLease gives up owner's lease so another instance can take over
// at once.
func (s *Store) ReleaseBotLease(ctx context.Context, botID int64, owner string) error {
	_, err := s.db.primary.ExecContext(ctx, `UPDATE bots SET lease_owner = '', lease_until = NULL WHERE id = $1 AND lease_owner = $2`, botID, owner)
	return err
}

// SetUpdateOffset stores the next getUpdates offset, only while owner holds
// the lease (a poller that lost it must not move the offset back).
func (s *Store) SetUpdateOffset(ctx context.Context, botID int64, owner string, offset int64) (bool, error) {
	res, err := s.db.primary.ExecContext(ctx, `UPDATE bots SET update_offset = $1 WHERE id = $2 AND lease_owner = $3 AND update_offset < $1`,
		offset, botID, owner)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ---- update inbox ----

// InsertUpdate stores an update once per (bot, update_id), enqueuing jobs
// in the same transaction only when it is new.
func (s *Store) InsertUpdate(ctx context.Context, u *grimbots.TelegramUpdate, jobs ...grimbots.Job) (bool, error) {
	inserted := false
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO telegram_updates (bot_id, update_id, seller_id, chat_id, body, received_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, u.BotID, u.UpdateID, u.SellerID, u.ChatID, u.Body, u.ReceivedAt)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n == 0 {
			return err
		}
		inserted = true
		return s.insertJobs(ctx, tx, jobs...)
	})
	return inserted, err
}

// NextChatUpdate returns the oldest unprocessed update of a chat.
func (s *Store) NextChatUpdate(ctx context.Context, botID, chatID int64) (*grimbots.TelegramUpdate, error) {
	u := &grimbots.TelegramUpdate{}
	err := s.db.primary.QueryRowContext(ctx, `SELECT bot_id, update_id, seller_id, chat_id, body, received_at, attempts, error
		FROM telegram_updates WHERE bot_id = $1 AND chat_id = $2 AND processed_at IS NULL ORDER BY update_id LIMIT 1`,
		botID, chatID).Scan(&u.BotID, &u.UpdateID, &u.SellerID, &u.ChatID, &u.Body, utc{&u.ReceivedAt}, &u.Attempts, &u.Error)
	return u, notFound(err, "no pending update")
}

// FinishUpdate marks an update processed (errText records a failure that
// will not be retried).
func (s *Store) FinishUpdate(ctx context.Context, botID, updateID int64, errText string, now time.Time) error {
	_, err := s.db.primary.ExecContext(ctx, `UPDATE telegram_updates SET processed_at = $1, error = $2, attempts = attempts + 1
		WHERE bot_id = $3 AND update_id = $4`, now, errText, botID, updateID)
	return err
}

// RetryUpdate counts a failed attempt at an update that stays pending.
func (s *Store) RetryUpdate(ctx context.Context, botID, updateID int64, errText string) (int, error) {
	var attempts int
	err := s.db.primary.QueryRowContext(ctx, `UPDATE telegram_updates SET attempts = attempts + 1, error = $1
		WHERE bot_id = $2 AND update_id = $3 RETURNING attempts`, errText, botID, updateID).Scan(&attempts)
	return attempts, err
}

// StalledChats lists chats with updates still pending since before
// olderThan (their worker died): the sweeper queues them again.
func (s *Store) StalledChats(ctx context.Context, olderThan time.Time, limit int) ([][2]int64, error) {
	return queryAll(ctx, s.db.primary, `SELECT DISTINCT bot_id, chat_id FROM telegram_updates
		WHERE processed_at IS NULL AND received_at < $1 LIMIT $2`, []any{olderThan, limit},
		func(rows *sql.Rows) ([2]int64, error) {
			var v [2]int64
			return v, rows.Scan(&v[0], &v[1])
		})
}

// PurgeUpdates deletes processed updates received before before.
func (s *Store) PurgeUpdates(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.primary.ExecContext(ctx, `DELETE FROM telegram_updates WHERE processed_at IS NOT NULL AND received_at < $1`, before)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// AcquireChatLock makes owner the only processor of a chat until now+ttl.
func (s *Store) AcquireChatLock(ctx context.Context, botID, chatID int64, owner string, now time.Time, ttl time.Duration) (bool, error) {
	res, err := s.db.primary.ExecContext(ctx, `INSERT INTO chat_locks (bot_id, chat_id, owner, until) VALUES ($1, $2, $3, $4)
		ON CONFLICT (bot_id, chat_id) DO UPDATE SET owner = excluded.owner, until = excluded.until
		WHERE chat_locks.owner = excluded.owner OR chat_locks.until < $5`, botID, chatID, owner, now.Add(ttl), now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseChatLock frees a chat held by owner.
func (s *Store) ReleaseChatLock(ctx context.Context, botID, chatID int64, owner string) error {
	_, err := s.db.primary.ExecContext(ctx, `DELETE FROM chat_locks WHERE bot_id = $1 AND chat_id = $2 AND owner = $3`, botID, chatID, owner)
	return err
}

// ---- leads ----

const leadColumns = `l.id, l.seller_id, l.bot_id, l.telegram_user_id, l.chat_id, l.first_name, l.last_name, l.username,
	l.language_code, l.origin, l.blocked_at, l.first_seen_at, l.last_interaction_at`

func scanLead(row scanner, extra ...any) (*grimbots.Lead, error) {
	l := &grimbots.Lead{}
	dest := []any{&l.ID, &l.SellerID, &l.BotID, &l.TelegramUserID, &l.ChatID, &l.FirstName, &l.LastName, &l.Username,
		&l.LanguageCode, &l.Origin, nullTime{&l.BlockedAt}, utc{&l.FirstSeenAt}, utc{&l.LastInteractionAt}}
	err := row.Scan(append(dest, extra...)...)
	return l, err
}

// TouchLead records an interaction of a Telegram user with a bot, creating
// the lead on first contact. The origin is kept from the first /start that
// carried a payload; a message unblocks a lead that had blocked the bot.
func (s *Store) TouchLead(ctx context.Context, l *grimbots.Lead) (*grimbots.Lead, bool, error) {
	var out *grimbots.Lead
	created := false
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		// The bot must be the seller's: a lead of another seller's bot
		// would take that bot's (bot, user) slot and lock its owner out.
		var mine int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM bots WHERE id = $1 AND seller_id = $2`, l.BotID, l.SellerID).Scan(&mine); err != nil {
			return err
		}
		if mine == 0 {
			return sql.ErrNoRows
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO leads (seller_id, bot_id, telegram_user_id, chat_id, first_name, last_name,
			username, language_code, origin, first_seen_at, last_interaction_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) ON CONFLICT (bot_id, telegram_user_id) DO NOTHING`,
			l.SellerID, l.BotID, l.TelegramUserID, l.ChatID, l.FirstName, l.LastName, l.Username, l.LanguageCode, l.Origin,
			l.LastInteractionAt)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		created = n == 1
		if !created {
			if _, err := tx.ExecContext(ctx, `UPDATE leads SET chat_id = $1, first_name = $2, last_name = $3, username = $4,
				language_code = $5, origin = CASE WHEN origin = '' THEN $6 ELSE origin END, blocked_at = NULL,
				last_interaction_at = $7 WHERE bot_id = $8 AND telegram_user_id = $9 AND seller_id = $10`,
				l.ChatID, l.FirstName, l.LastName, l.Username, l.LanguageCode, l.Origin, l.LastInteractionAt, l.BotID,
				l.TelegramUserID, l.SellerID); err != nil {
				return err
			}
		}
		out, err = scanLead(tx.QueryRowContext(ctx, `SELECT `+leadColumns+` FROM leads l WHERE l.bot_id = $1 AND l.telegram_user_id = $2
			AND l.seller_id = $3`, l.BotID, l.TelegramUserID, l.SellerID))
		return err
	})
	return out, created, notFound(err, "bot not found")
}

// Lead returns one lead of the seller.
func (s *Store) Lead(ctx context.Context, sellerID, id int64) (*grimbots.Lead, error) {
	var l *grimbots.Lead
	err := s.db.readFresh(ctx, func(q querier) (err error) {
		l, err = scanLead(q.QueryRowContext(ctx, `SELECT `+leadColumns+` FROM leads l WHERE l.id = $1 AND l.seller_id = $2`, id, sellerID))
		return err
	})
	return l, notFound(err, "lead not found")
}

// Leads lists a bot's leads, most recently active first, with their paid
// purchases.
func (s *Store) Leads(ctx context.Context, sellerID, botID int64, f grimbots.LeadFilter) ([]*grimbots.Lead, int, error) {
	where := `l.seller_id = $1 AND l.bot_id = $2`
	args := []any{sellerID, botID}
	if q := strings.TrimSpace(f.Search); q != "" {
		args = append(args, "%"+escapeLike(strings.ToLower(q))+"%")
		n := len(args)
		text := fmt.Sprintf(`LOWER(l.first_name) LIKE $%[1]d ESCAPE '\' OR LOWER(l.last_name) LIKE $%[1]d ESCAPE '\'
			OR LOWER(l.username) LIKE $%[1]d ESCAPE '\' OR LOWER(l.origin) LIKE $%[1]d ESCAPE '\'`, n)
		// A number is also a Telegram id ("100" finds user 100 and "carla100").
		if id, err := strconv.ParseInt(q, 10, 64); err == nil {
			args = append(args, id)
			text += fmt.Sprintf(` OR l.telegram_user_id = $%d`, len(args))
		}
		where += ` AND (` + text + `)`
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var out []*grimbots.Lead
	var total int
	err := s.db.read(ctx, func(q querier) error {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM leads l WHERE `+where, args...).Scan(&total); err != nil {
			return err
		}
		var err error
		out, err = queryAll(ctx, q, `SELECT `+leadColumns+`, (SELECT COUNT(*) FROM payments p WHERE p.lead_id = l.id
			AND p.seller_id = l.seller_id AND p.status = 'paid') FROM leads l WHERE `+where+
			fmt.Sprintf(` ORDER BY l.last_interaction_at DESC, l.id DESC LIMIT %d OFFSET %d`, f.Limit, max(f.Offset, 0)), args,
			func(rows *sql.Rows) (*grimbots.Lead, error) {
				var l *grimbots.Lead
				var purchases int
				l, err := scanLead(rows, &purchases)
				l.Purchases = purchases
				return l, err
			})
		return err
	})
	return out, total, err
}

// SetLeadBlocked records that a lead blocked the bot (Telegram 403).
func (s *Store) SetLeadBlocked(ctx context.Context, sellerID, leadID int64, at time.Time) error {
	return notFound(updateOne(ctx, s.db.primary, `UPDATE leads SET blocked_at = $1 WHERE id = $2 AND seller_id = $3`,
		at, leadID, sellerID), "lead not found")
}

// ---- deliveries ----

const deliveryColumns = `d.id, d.seller_id, d.payment_id, d.bot_id, d.lead_id, d.status, d.attempts, d.last_error, d.sent_at,
	d.created_at, d.updated_at`

func scanDelivery(row scanner) (*grimbots.Delivery, error) {
	d := &grimbots.Delivery{}
	err := row.Scan(&d.ID, &d.SellerID, &d.PaymentID, &d.BotID, &d.LeadID, &d.Status, &d.Attempts, &d.LastError,
		nullTime{&d.SentAt}, utc{&d.CreatedAt}, utc{&d.UpdatedAt})
	return d, err
}

// EnsureDelivery returns the payment's delivery, creating it pending.
func (s *Store) EnsureDelivery(ctx context.Context, d *grimbots.Delivery) (*grimbots.Delivery, error) {
	// The payment and the lead (on the bot) must be the seller's: a
	// delivery row is unique per payment, so one inserted under another
	// seller's id would hide the payment's delivery from its owner.
	var n int
	if err := s.db.primary.QueryRowContext(ctx, `SELECT COUNT(*) FROM payments p JOIN leads l ON l.id = $1 AND l.seller_id = p.seller_id
		AND l.bot_id = $2 WHERE p.id = $3 AND p.seller_id = $4`, d.LeadID, d.BotID, d.PaymentID, d.SellerID).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, grimbots.Errorf(grimbots.ENOTFOUND, "payment not found")
	}
	if _, err := s.db.primary.ExecContext(ctx, `INSERT INTO deliveries (seller_id, payment_id, bot_id, lead_id, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (payment_id) DO NOTHING`, d.SellerID, d.PaymentID, d.BotID, d.LeadID,
		grimbots.DeliveryPending, d.CreatedAt); err != nil {
		return nil, err
	}
	return s.Delivery(ctx, d.SellerID, d.PaymentID)
}

// Delivery returns the delivery of one of the seller's payments.
func (s *Store) Delivery(ctx context.Context, sellerID, paymentID int64) (*grimbots.Delivery, error) {
	d, err := scanDelivery(s.db.primary.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries d
		WHERE d.payment_id = $1 AND d.seller_id = $2`, paymentID, sellerID))
	return d, notFound(err, "delivery not found")
}

// UpdateDelivery records an attempt's outcome. A delivery revoked by a
// refund is never set back to sent.
func (s *Store) UpdateDelivery(ctx context.Context, d *grimbots.Delivery) error {
	return notFound(updateOne(ctx, s.db.primary, `UPDATE deliveries SET status = $1, attempts = $2, last_error = $3, sent_at = $4,
		updated_at = $5 WHERE id = $6 AND seller_id = $7 AND (status <> 'revoked' OR $1 = 'revoked')`, d.Status, d.Attempts,
		d.LastError, timeArg(d.SentAt), d.UpdatedAt, d.ID, d.SellerID), "delivery not found")
}

// ---- media file ids ----

// MediaFileID returns Telegram's file id for media a bot sent by URL.
func (s *Store) MediaFileID(ctx context.Context, botID int64, url string) (string, error) {
	var id string
	err := s.db.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, `SELECT file_id FROM media_files WHERE bot_id = $1 AND url = $2`, botID, url).Scan(&id)
	})
	return id, notFound(err, "no file id")
}

// PutMediaFileID remembers (or forgets, with "") a bot's file id for a URL.
func (s *Store) PutMediaFileID(ctx context.Context, botID int64, url, fileID string, now time.Time) error {
	if fileID == "" {
		_, err := s.db.primary.ExecContext(ctx, `DELETE FROM media_files WHERE bot_id = $1 AND url = $2`, botID, url)
		return err
	}
	_, err := s.db.primary.ExecContext(ctx, `INSERT INTO media_files (bot_id, url, file_id, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (bot_id, url) DO UPDATE SET file_id = excluded.file_id, updated_at = excluded.updated_at`, botID, url, fileID, now)
	return err
}
