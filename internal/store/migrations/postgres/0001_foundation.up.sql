-- Accounts, sessions, API tokens, password resets and the audit log, plus the
-- core of the sales domain that later migrations extend. Money is INTEGER
-- centavos; timestamps are UTC, written by the application.

CREATE TABLE users (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email               TEXT    NOT NULL UNIQUE,
    username            TEXT    NOT NULL UNIQUE,
    full_name           TEXT    NOT NULL DEFAULT '',
    password_hash       TEXT    NOT NULL,
    role                TEXT    NOT NULL DEFAULT 'seller' CHECK (role IN ('seller', 'admin')),
    commission_bps      INTEGER NOT NULL DEFAULT 400 CHECK (commission_bps BETWEEN 0 AND 10000),
    time_zone           TEXT    NOT NULL DEFAULT 'America/Sao_Paulo',
    banned_at           TIMESTAMPTZ,
    ban_reason          TEXT    NOT NULL DEFAULT '',
    password_changed_at TIMESTAMPTZ NOT NULL,
    last_login_at       TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT    NOT NULL UNIQUE,
    ip           TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

CREATE TABLE password_resets (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT    NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX password_resets_user_id_idx ON password_resets (user_id);

CREATE TABLE audit_log (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id       BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    target_user_id BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    action         TEXT    NOT NULL,
    ip             TEXT    NOT NULL DEFAULT '',
    user_agent     TEXT    NOT NULL DEFAULT '',
    details        JSONB   NOT NULL DEFAULT '{}',
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_log_created_at_idx ON audit_log (created_at);
CREATE INDEX audit_log_actor_id_idx ON audit_log (actor_id);
CREATE INDEX audit_log_target_user_id_idx ON audit_log (target_user_id);
CREATE INDEX audit_log_action_idx ON audit_log (action);

-- A seller's Telegram bot. The token is encrypted (key id + AES-256-GCM);
-- token_hash is a keyed hash used to refuse the same token twice.
CREATE TABLE bots (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id        BIGINT  NOT NULL REFERENCES users (id),
    telegram_bot_id  BIGINT  NOT NULL,
    username         TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    token_ciphertext TEXT    NOT NULL,
    token_hash       TEXT    NOT NULL,
    webhook_secret   TEXT    NOT NULL UNIQUE,
    running          BOOLEAN NOT NULL DEFAULT FALSE,
    health           TEXT    NOT NULL DEFAULT 'unknown' CHECK (health IN ('unknown', 'online', 'offline', 'revoked')),
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    deleted_at       TIMESTAMPTZ
);
CREATE INDEX bots_seller_id_idx ON bots (seller_id);
CREATE UNIQUE INDEX bots_token_hash_live_idx ON bots (token_hash) WHERE deleted_at IS NULL;

-- A buyer who talked to a bot.
CREATE TABLE leads (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id           BIGINT  NOT NULL REFERENCES users (id),
    bot_id              BIGINT  NOT NULL REFERENCES bots (id),
    telegram_user_id    BIGINT  NOT NULL,
    first_name          TEXT    NOT NULL DEFAULT '',
    last_name           TEXT    NOT NULL DEFAULT '',
    username            TEXT    NOT NULL DEFAULT '',
    origin              TEXT    NOT NULL DEFAULT '',
    blocked_at          TIMESTAMPTZ,
    first_seen_at       TIMESTAMPTZ NOT NULL,
    last_interaction_at TIMESTAMPTZ NOT NULL,
    UNIQUE (bot_id, telegram_user_id)
);
CREATE INDEX leads_seller_id_idx ON leads (seller_id);

-- A seller's PIX gateway account; credentials encrypted as one JSON document.
CREATE TABLE gateways (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id              BIGINT  NOT NULL REFERENCES users (id),
    kind                   TEXT    NOT NULL,
    credentials_ciphertext TEXT    NOT NULL,
    webhook_token          TEXT    NOT NULL UNIQUE,
    priority               INTEGER NOT NULL DEFAULT 0,
    active                 BOOLEAN NOT NULL DEFAULT FALSE,
    verified_at            TIMESTAMPTZ,
    last_error             TEXT    NOT NULL DEFAULT '',
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL,
    UNIQUE (seller_id, kind)
);

-- A PIX charge. reference is ours and unguessable; the gateway's id is unique
-- per gateway kind so a webhook matches exactly one payment.
CREATE TABLE payments (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id              BIGINT  NOT NULL REFERENCES users (id),
    bot_id                 BIGINT  REFERENCES bots (id),
    lead_id                BIGINT  REFERENCES leads (id),
    gateway_id             BIGINT  REFERENCES gateways (id),
    gateway_kind           TEXT    NOT NULL,
    reference              TEXT    NOT NULL UNIQUE,
    gateway_transaction_id TEXT,
    amount_cents           BIGINT  NOT NULL CHECK (amount_cents > 0),
    status                 TEXT    NOT NULL DEFAULT 'pending'
                           CHECK (status IN ('pending', 'paid', 'expired', 'failed', 'refunded', 'chargeback')),
    description            TEXT    NOT NULL DEFAULT '',
    pix_code               TEXT    NOT NULL DEFAULT '',
    expires_at             TIMESTAMPTZ,
    paid_at                TIMESTAMPTZ,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL,
    UNIQUE (gateway_kind, gateway_transaction_id)
);
CREATE INDEX payments_seller_created_idx ON payments (seller_id, created_at);
CREATE INDEX payments_status_idx ON payments (status);

-- Append-only platform fee ledger: one charge per paid payment and at most
-- one reversal.
CREATE TABLE commissions (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id         BIGINT  NOT NULL REFERENCES users (id),
    payment_id        BIGINT  NOT NULL REFERENCES payments (id),
    kind              TEXT    NOT NULL CHECK (kind IN ('charge', 'reversal')),
    sale_amount_cents BIGINT  NOT NULL,
    rate_bps          INTEGER NOT NULL,
    amount_cents      BIGINT  NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (payment_id, kind)
);
CREATE INDEX commissions_seller_created_idx ON commissions (seller_id, created_at);
