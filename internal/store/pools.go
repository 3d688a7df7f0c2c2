package store

import (
	"context"
	"database/sql"

	"github.com/grimbots/grimbots/internal/grimbots"
)

const poolColumns = `p.id, p.seller_id, p.name, p.slug, p.strategy, p.active, p.created_at, p.updated_at`

func scanPool(row scanner) (*grimbots.Pool, error) {
	p := &grimbots.Pool{}
	err := row.Scan(&p.ID, &p.SellerID, &p.Name, &p.Slug, &p.Strategy, &p.Active, utc{&p.CreatedAt}, utc{&p.UpdatedAt})
	return p, err
}

func scanPools(rows *sql.Rows) (*grimbots.Pool, error) { return scanPool(rows) }

// Members are listed with their live bots (a deleted bot drops out of its
// pools), preferred first: the order round robin follows.
const poolMemberQuery = `SELECT m.pool_id, m.bot_id, m.weight, m.priority, m.added_at, b.username, b.name, b.running, b.health
	FROM pool_members m JOIN bots b ON b.id = m.bot_id AND b.deleted_at IS NULL`

const poolMemberOrder = ` ORDER BY m.pool_id, m.priority DESC, m.added_at, m.bot_id`

type poolMemberRow struct {
	poolID int64
	m      grimbots.PoolMember
}

func scanPoolMember(rows *sql.Rows) (poolMemberRow, error) {
	var r poolMemberRow
	err := rows.Scan(&r.poolID, &r.m.BotID, &r.m.Weight, &r.m.Priority, utc{&r.m.AddedAt}, &r.m.BotUsername, &r.m.BotName,
		&r.m.BotRunning, &r.m.BotHealth)
	return r, err
}

// attachMembers reads the members of pools with query (its args) and gives
// each pool its own.
func attachMembers(ctx context.Context, q querier, pools []*grimbots.Pool, query string, args ...any) error {
	rows, err := queryAll(ctx, q, poolMemberQuery+query+poolMemberOrder, args, scanPoolMember)
	if err != nil {
		return err
	}
	byID := make(map[int64]*grimbots.Pool, len(pools))
	for _, p := range pools {
		byID[p.ID] = p
	}
	for _, r := range rows {
		if p := byID[r.poolID]; p != nil {
			p.Members = append(p.Members, r.m)
		}
	}
	return nil
}

var errSlugTaken = grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.slug",
	Message: "is already used by another pool on the platform; choose another"})

// CreatePool inserts p without members. A slug used by any pool of the
// platform is refused (EINVALID on body.slug).
func (s *Store) CreatePool(ctx context.Context, p *grimbots.Pool) error {
	err := s.db.primary.QueryRowContext(ctx, `INSERT INTO pools (seller_id, name, slug, strategy, active, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, p.SellerID, p.Name, p.Slug, p.Strategy, p.Active, p.CreatedAt).Scan(&p.ID)
	if s.db.dialect.isUniqueViolation(err) {
		return errSlugTaken
	}
	p.UpdatedAt = p.CreatedAt
	return err
}

// Pools lists the seller's pools with their members, newest first.
func (s *Store) Pools(ctx context.Context, sellerID int64) ([]*grimbots.Pool, error) {
	var out []*grimbots.Pool
	err := s.db.read(ctx, func(q querier) (err error) {
		out, err = queryAll(ctx, q, `SELECT `+poolColumns+` FROM pools p WHERE p.seller_id = $1 ORDER BY p.id DESC`,
			[]any{sellerID}, scanPools)
		if err != nil || len(out) == 0 {
			return err
		}
		return attachMembers(ctx, q, out, ` WHERE m.seller_id = $1`, sellerID)
	})
	return out, err
}

// Pool returns one of the seller's pools with its members.
func (s *Store) Pool(ctx context.Context, sellerID, id int64) (*grimbots.Pool, error) {
	var p *grimbots.Pool
	err := s.db.readFresh(ctx, func(q querier) (err error) {
		p, err = scanPool(q.QueryRowContext(ctx, `SELECT `+poolColumns+` FROM pools p WHERE p.id = $1 AND p.seller_id = $2`, id, sellerID))
		if err != nil {
			return err
		}
		return attachMembers(ctx, q, []*grimbots.Pool{p}, ` WHERE m.pool_id = $1 AND m.seller_id = $2`, id, sellerID)
	})
	return p, notFound(err, "pool not found")
}

// PoolBySlug returns the pool of a public link, active or not, with its
// members and their bots' state. It reads the primary: the answer is
// cached, and a lagging replica would put a stale pool back in the cache
// right after its invalidation.
func (s *Store) PoolBySlug(ctx context.Context, slug string) (*grimbots.Pool, error) {
	p, err := scanPool(s.db.primary.QueryRowContext(ctx, `SELECT `+poolColumns+` FROM pools p WHERE p.slug = $1`, slug))
	if err != nil {
		return nil, notFound(err, "pool not found")
	}
	return p, attachMembers(ctx, s.db.primary, []*grimbots.Pool{p}, ` WHERE m.pool_id = $1`, p.ID)
}

// UpdatePool saves the pool's name, slug, strategy and active flag and
// returns the slug it had before.
func (s *Store) UpdatePool(ctx context.Context, p *grimbots.Pool) (oldSlug string, err error) {
	err = s.db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT slug FROM pools WHERE id = $1 AND seller_id = $2`+s.db.dialect.forUpdate(),
			p.ID, p.SellerID).Scan(&oldSlug)
		if err != nil {
			return notFound(err, "pool not found")
		}
		return updateOne(ctx, tx, `UPDATE pools SET name = $1, slug = $2, strategy = $3, active = $4, updated_at = $5
			WHERE id = $6 AND seller_id = $7`, p.Name, p.Slug, p.Strategy, p.Active, p.UpdatedAt, p.ID, p.SellerID)
	})
	if s.db.dialect.isUniqueViolation(err) {
		return "", errSlugTaken
	}
	return oldSlug, err
}

// DeletePool deletes a pool with its members and counters and returns its
// slug.
func (s *Store) DeletePool(ctx context.Context, sellerID, id int64) (slug string, err error) {
	err = s.db.primary.QueryRowContext(ctx, `DELETE FROM pools WHERE id = $1 AND seller_id = $2 RETURNING slug`, id, sellerID).Scan(&slug)
	return slug, notFound(err, "pool not found")
}

// SetPoolMember adds one of the seller's live bots to one of its pools, or
// changes its weight and priority there. It returns the pool's slug.
func (s *Store) SetPoolMember(ctx context.Context, sellerID, poolID int64, m grimbots.PoolMember) (slug string, err error) {
	err = s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT slug FROM pools WHERE id = $1 AND seller_id = $2`, poolID, sellerID).Scan(&slug); err != nil {
			return notFound(err, "pool not found")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM bots WHERE id = $1 AND seller_id = $2 AND deleted_at IS NULL`,
			m.BotID, sellerID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.bot_id", Message: "is not one of your bots"})
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO pool_members (pool_id, seller_id, bot_id, weight, priority, added_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (pool_id, bot_id) DO UPDATE SET weight = excluded.weight, priority = excluded.priority`,
			poolID, sellerID, m.BotID, m.Weight, m.Priority, m.AddedAt)
		return err
	})
	return slug, err
}

// RemovePoolMember takes a bot out of one of the seller's pools and
// returns the pool's slug. Its counters stay.
func (s *Store) RemovePoolMember(ctx context.Context, sellerID, poolID, botID int64) (slug string, err error) {
	err = s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT slug FROM pools WHERE id = $1 AND seller_id = $2`, poolID, sellerID).Scan(&slug); err != nil {
			return notFound(err, "pool not found")
		}
		return notFound(updateOne(ctx, tx, `DELETE FROM pool_members WHERE pool_id = $1 AND bot_id = $2 AND seller_id = $3`,
			poolID, botID, sellerID), "this bot is not in the pool")
	})
	return slug, err
}

// PoolSlugsOfBot lists the slugs of the pools a bot is in, whoever owns
// it: a change of the bot's state invalidates their cached lookups.
func (s *Store) PoolSlugsOfBot(ctx context.Context, botID int64) ([]string, error) {
	return queryAll(ctx, s.db.primary, `SELECT p.slug FROM pools p JOIN pool_members m ON m.pool_id = p.id
		WHERE m.bot_id = $1 ORDER BY p.slug`, []any{botID}, func(rows *sql.Rows) (string, error) {
		var slug string
		return slug, rows.Scan(&slug)
	})
}

// AddPoolClicks adds batched redirect counts to their daily counters, in
// one transaction. Counts of a pool deleted meanwhile are dropped.
func (s *Store) AddPoolClicks(ctx context.Context, clicks []grimbots.PoolClicks) error {
	if len(clicks) == 0 {
		return nil
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		for _, c := range clicks {
			// The casts type the parameters of a SELECT list on PostgreSQL;
			// the WHERE also tells SQLite's parser that ON CONFLICT belongs
			// to the INSERT.
			if _, err := tx.ExecContext(ctx, `INSERT INTO pool_clicks (pool_id, seller_id, bot_id, day, clicks)
				SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT), CAST($4 AS TEXT), CAST($5 AS BIGINT)
				WHERE EXISTS (SELECT 1 FROM pools WHERE id = $1 AND seller_id = $2)
				ON CONFLICT (pool_id, bot_id, day) DO UPDATE SET clicks = pool_clicks.clicks + excluded.clicks`,
				c.PoolID, c.SellerID, c.BotID, c.Day, c.Clicks); err != nil {
				return err
			}
		}
		return nil
	})
}

// PoolClicks returns the counters of one of the seller's pools for the
// days from..to (YYYY-MM-DD, inclusive), by day then bot.
func (s *Store) PoolClicks(ctx context.Context, sellerID, poolID int64, from, to string) ([]grimbots.PoolClicks, error) {
	var out []grimbots.PoolClicks
	err := s.db.read(ctx, func(q querier) (err error) {
		out, err = queryAll(ctx, q, `SELECT pool_id, seller_id, bot_id, day, clicks FROM pool_clicks
			WHERE pool_id = $1 AND seller_id = $2 AND day >= $3 AND day <= $4 ORDER BY day, bot_id`,
			[]any{poolID, sellerID, from, to}, func(rows *sql.Rows) (grimbots.PoolClicks, error) {
				var c grimbots.PoolClicks
				return c, rows.Scan(&c.PoolID, &c.SellerID, &c.BotID, &c.Day, &c.Clicks)
			})
		return err
	})
	return out, err
}
