-- Telegram bots and the sales funnel: versioned funnel configurations, the
-- update inbox (deduplicated, processed in order per chat), polling leases
-- and offsets, deliveries of access links, and Telegram's media file ids.

ALTER TABLE bots ADD COLUMN config_version    INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bots ADD COLUMN health_failures   INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bots ADD COLUMN health_checked_at TIMESTAMP;
ALTER TABLE bots ADD COLUMN update_offset     INTEGER  NOT NULL DEFAULT 0;
ALTER TABLE bots ADD COLUMN lease_owner       TEXT    NOT NULL DEFAULT '';
ALTER TABLE bots ADD COLUMN lease_until       TIMESTAMP;
ALTER TABLE bots ADD COLUMN webhook_url       TEXT    NOT NULL DEFAULT '';
CREATE INDEX bots_running_idx ON bots (running) WHERE deleted_at IS NULL;

-- Every saved version of a bot's funnel; the bot's config_version is the
-- one in force.
CREATE TABLE bot_configs (
    id         INTEGER PRIMARY KEY,
    seller_id  INTEGER  NOT NULL REFERENCES users (id),
    bot_id     INTEGER  NOT NULL REFERENCES bots (id),
    version    INTEGER NOT NULL,
    document   TEXT    NOT NULL,
    created_by INTEGER  REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (bot_id, version)
);

ALTER TABLE leads ADD COLUMN chat_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN language_code TEXT NOT NULL DEFAULT '';
CREATE INDEX leads_bot_last_idx ON leads (bot_id, last_interaction_at);

-- What a funnel payment bought: offer, bumps, downsell or upsell.
ALTER TABLE payments ADD COLUMN funnel TEXT NOT NULL DEFAULT '';

-- Updates as received (webhook or polling), once per update_id.
CREATE TABLE telegram_updates (
    bot_id       INTEGER NOT NULL REFERENCES bots (id),
    update_id    INTEGER NOT NULL,
    seller_id    INTEGER NOT NULL REFERENCES users (id),
    chat_id      INTEGER NOT NULL,
    body         TEXT   NOT NULL,
    received_at  TIMESTAMP NOT NULL,
    processed_at TIMESTAMP,
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT   NOT NULL DEFAULT '',
    PRIMARY KEY (bot_id, update_id)
);
CREATE INDEX telegram_updates_inbox_idx ON telegram_updates (bot_id, chat_id, update_id) WHERE processed_at IS NULL;
CREATE INDEX telegram_updates_received_idx ON telegram_updates (received_at);

-- One worker at a time per chat, across instances.
CREATE TABLE chat_locks (
    bot_id  INTEGER NOT NULL,
    chat_id INTEGER NOT NULL,
    owner   TEXT   NOT NULL,
    until   TIMESTAMP NOT NULL,
    PRIMARY KEY (bot_id, chat_id)
);

-- The access link's delivery for a paid payment: retried until Telegram
-- accepts it, visible to the seller, resendable.
CREATE TABLE deliveries (
    id         INTEGER PRIMARY KEY,
    seller_id  INTEGER  NOT NULL REFERENCES users (id),
    payment_id INTEGER  NOT NULL UNIQUE REFERENCES payments (id),
    bot_id     INTEGER  NOT NULL REFERENCES bots (id),
    lead_id    INTEGER  NOT NULL REFERENCES leads (id),
    status     TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'revoked')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT    NOT NULL DEFAULT '',
    sent_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX deliveries_seller_idx ON deliveries (seller_id, created_at);

-- Telegram's file_id for media a bot already sent by URL. file ids belong
-- to the Telegram bot (the token's numeric id), not to our bots row.
CREATE TABLE media_files (
    bot_id     INTEGER NOT NULL,
    url        TEXT   NOT NULL,
    file_id    TEXT   NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (bot_id, url)
);
