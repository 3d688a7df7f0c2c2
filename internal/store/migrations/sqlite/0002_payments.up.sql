-- Payments: gateway settings lifecycle, charge details, every state change,
-- every raw webhook, and the sandbox bank's ledger.

ALTER TABLE gateways ADD COLUMN deleted_at TIMESTAMP;

ALTER TABLE payments ADD COLUMN gateway_hash TEXT;
ALTER TABLE payments ADD COLUMN qr_code TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN offer_key TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN commission_bps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN failure_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN checked_at TIMESTAMP;
ALTER TABLE payments ADD COLUMN refunded_at TIMESTAMP;
CREATE INDEX payments_reuse_idx ON payments (seller_id, lead_id, offer_key, status);
CREATE INDEX payments_pending_idx ON payments (status, created_at);
CREATE INDEX payments_gateway_hash_idx ON payments (gateway_kind, gateway_hash);

-- One row per status change of a payment, with what caused it.
CREATE TABLE payment_events (
    id          INTEGER PRIMARY KEY,
    seller_id   INTEGER NOT NULL REFERENCES users (id),
    payment_id  INTEGER NOT NULL REFERENCES payments (id),
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    raw_status  TEXT    NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX payment_events_payment_idx ON payment_events (payment_id);

-- Every webhook as received, whatever became of it (audit and replay).
CREATE TABLE webhook_events (
    id             INTEGER PRIMARY KEY,
    seller_id      INTEGER REFERENCES users (id),
    gateway_id     INTEGER REFERENCES gateways (id),
    gateway_kind   TEXT    NOT NULL,
    remote_ip      TEXT    NOT NULL DEFAULT '',
    headers        TEXT    NOT NULL DEFAULT '{}',
    body           TEXT    NOT NULL,
    outcome        TEXT    NOT NULL,
    detail         TEXT    NOT NULL DEFAULT '',
    transaction_id TEXT    NOT NULL DEFAULT '',
    parsed_status  TEXT    NOT NULL DEFAULT '',
    payment_id     INTEGER REFERENCES payments (id),
    received_at    TIMESTAMP NOT NULL
);
CREATE INDEX webhook_events_seller_idx ON webhook_events (seller_id, received_at);
CREATE INDEX webhook_events_received_idx ON webhook_events (received_at);

-- The sandbox gateway's "bank": the charges it issued and their state.
CREATE TABLE sandbox_charges (
    transaction_id TEXT    PRIMARY KEY,
    seller_id      INTEGER NOT NULL REFERENCES users (id),
    reference      TEXT    NOT NULL,
    amount_cents   INTEGER NOT NULL,
    status         TEXT    NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX sandbox_charges_seller_idx ON sandbox_charges (seller_id);
