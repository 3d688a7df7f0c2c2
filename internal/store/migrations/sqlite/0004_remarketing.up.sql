-- Remarketing campaigns: a message broadcast to a segment of the leads of
-- one or more of a seller's bots, one row per recipient so that each lead
-- is messaged at most once per campaign, whatever crashes.

CREATE TABLE campaigns (
    id             INTEGER PRIMARY KEY,
    seller_id      INTEGER  NOT NULL REFERENCES users (id),
    name           TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'done', 'cancelled')),
    segment        TEXT    NOT NULL,
    segment_offer  TEXT    NOT NULL DEFAULT '',
    inactive_days  INTEGER NOT NULL DEFAULT 0,
    message        TEXT    NOT NULL,
    cooldown_hours INTEGER NOT NULL DEFAULT 24,
    scheduled_at   TIMESTAMP,
    started_at     TIMESTAMP,
    finished_at    TIMESTAMP,
    deleted_at     TIMESTAMP,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX campaigns_seller_idx ON campaigns (seller_id, id);
CREATE INDEX campaigns_active_idx ON campaigns (status) WHERE status IN ('scheduled', 'sending');

-- The bots a campaign sends through, and how far each bot's audience was
-- built (keyset cursor over the bot's leads).
CREATE TABLE campaign_bots (
    campaign_id     INTEGER  NOT NULL REFERENCES campaigns (id),
    bot_id          INTEGER  NOT NULL REFERENCES bots (id),
    seller_id       INTEGER  NOT NULL REFERENCES users (id),
    audience_cursor INTEGER  NOT NULL DEFAULT 0,
    audience_done   BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (campaign_id, bot_id)
);

-- One row per lead of a campaign's audience. A send is claimed
-- (queued → sending, by run_id) before Telegram is called and settled
-- after; a row left in sending by a dead run is never sent again.
CREATE TABLE campaign_recipients (
    campaign_id     INTEGER  NOT NULL REFERENCES campaigns (id),
    lead_id         INTEGER  NOT NULL REFERENCES leads (id),
    seller_id       INTEGER  NOT NULL,
    bot_id          INTEGER  NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'blocked', 'skipped')),
    reason          TEXT    NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    error           TEXT    NOT NULL DEFAULT '',
    run_id          INTEGER  NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP,
    sent_at         TIMESTAMP,
    clicks          INTEGER NOT NULL DEFAULT 0,
    last_press      TEXT    NOT NULL DEFAULT '',
    clicked_at      TIMESTAMP,
    PRIMARY KEY (campaign_id, lead_id)
);
CREATE INDEX campaign_recipients_queue_idx ON campaign_recipients (campaign_id, bot_id, lead_id) WHERE status = 'queued';
CREATE INDEX campaign_recipients_lead_idx ON campaign_recipients (lead_id, sent_at);

-- Audiences are built bot by bot in lead id order.
CREATE INDEX leads_bot_id_idx ON leads (bot_id, id);
