-- Redirect pools: one public link (/go/{slug}) that sends each visitor to
-- one of the seller's bots, and the redirects counted per bot and per day.

CREATE TABLE pools (
    id         INTEGER PRIMARY KEY,
    seller_id  INTEGER NOT NULL REFERENCES users (id),
    name       TEXT    NOT NULL,
    slug       TEXT    NOT NULL UNIQUE,
    strategy   TEXT    NOT NULL CHECK (strategy IN ('round_robin', 'least_connections', 'random', 'weighted', 'priority')),
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX pools_seller_idx ON pools (seller_id);

CREATE TABLE pool_members (
    pool_id   INTEGER NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    seller_id INTEGER NOT NULL REFERENCES users (id),
    bot_id    INTEGER NOT NULL REFERENCES bots (id),
    weight    INTEGER NOT NULL DEFAULT 1 CHECK (weight >= 1),
    priority  INTEGER NOT NULL DEFAULT 0,
    added_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (pool_id, bot_id)
);
CREATE INDEX pool_members_bot_idx ON pool_members (bot_id);

-- Redirects per pool, bot and calendar day (America/Sao_Paulo, YYYY-MM-DD),
-- added in batches by each instance.
CREATE TABLE pool_clicks (
    pool_id   INTEGER NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    seller_id INTEGER NOT NULL REFERENCES users (id),
    bot_id    INTEGER NOT NULL REFERENCES bots (id),
    day       TEXT    NOT NULL,
    clicks    INTEGER NOT NULL,
    PRIMARY KEY (pool_id, bot_id, day)
);
CREATE INDEX pool_clicks_seller_day_idx ON pool_clicks (seller_id, day);
