-- Gamification: the sellers' ranking by net revenue per São Paulo calendar
-- period, its daily snapshots, achievements and public profiles. Everything
-- is derived from payments by jobs that run after the payment commits.

-- One row per payment that was ever paid: what it contributes. counted is
-- whether it is in the aggregates now (paid) or not (refunded, charged
-- back); the jobs flip it at most once each way, in the same transaction as
-- the aggregates, so a retried job never counts a sale twice.
CREATE TABLE gamification_sales (
    payment_id   BIGINT PRIMARY KEY REFERENCES payments (id),
    seller_id    BIGINT  NOT NULL REFERENCES users (id),
    lead_id      BIGINT,
    amount_cents BIGINT  NOT NULL CHECK (amount_cents > 0),
    paid_at      TIMESTAMPTZ NOT NULL,
    day          TEXT    NOT NULL,
    night        BOOLEAN NOT NULL DEFAULT FALSE,
    bump         BOOLEAN NOT NULL DEFAULT FALSE,
    downsell     BOOLEAN NOT NULL DEFAULT FALSE,
    upsell       BOOLEAN NOT NULL DEFAULT FALSE,
    counted      BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX gamification_sales_seller_idx ON gamification_sales (seller_id, counted);

-- Net revenue and sales per seller and period: period is day, week, month
-- or all; period_start the São Paulo date it starts on ('' for all).
CREATE TABLE gamification_totals (
    period        TEXT    NOT NULL CHECK (period IN ('day', 'week', 'month', 'all')),
    period_start  TEXT    NOT NULL,
    seller_id     BIGINT  NOT NULL REFERENCES users (id),
    revenue_cents BIGINT  NOT NULL DEFAULT 0,
    sales         BIGINT  NOT NULL DEFAULT 0,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (period, period_start, seller_id)
);
CREATE INDEX gamification_totals_board_idx ON gamification_totals (period, period_start, revenue_cents DESC, sales DESC, seller_id);
CREATE INDEX gamification_totals_seller_idx ON gamification_totals (seller_id, period, period_start);

-- A seller's gamification state: the public profile (anonymous unless
-- public), the league and score last computed. Evaluations lock this row.
CREATE TABLE gamification_sellers (
    seller_id    BIGINT  PRIMARY KEY REFERENCES users (id),
    display_name TEXT    NOT NULL DEFAULT '',
    display_key  TEXT    NOT NULL DEFAULT '',
    public       BOOLEAN NOT NULL DEFAULT FALSE,
    league       TEXT    NOT NULL DEFAULT 'bronze',
    score        BIGINT  NOT NULL DEFAULT 0,
    updated_at   TIMESTAMPTZ NOT NULL
);
-- Two public sellers never show the same name.
CREATE UNIQUE INDEX gamification_sellers_public_name_idx ON gamification_sellers (display_key) WHERE public;

-- Achievements held: at most one row per seller and achievement.
CREATE TABLE gamification_unlocks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id   BIGINT  NOT NULL REFERENCES users (id),
    achievement TEXT    NOT NULL,
    unlocked_at TIMESTAMPTZ NOT NULL,
    UNIQUE (seller_id, achievement)
);

-- Final positions of closed periods (the daily snapshot).
CREATE TABLE gamification_standings (
    period        TEXT    NOT NULL,
    period_start  TEXT    NOT NULL,
    seller_id     BIGINT  NOT NULL REFERENCES users (id),
    position      INTEGER NOT NULL,
    population    INTEGER NOT NULL,
    revenue_cents BIGINT  NOT NULL,
    sales         BIGINT  NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (period, period_start, seller_id)
);
CREATE INDEX gamification_standings_seller_idx ON gamification_standings (seller_id, period, position);
