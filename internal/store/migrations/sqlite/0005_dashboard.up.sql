-- Dashboard: admin impersonation sessions, and indexes for the seller's
-- statistics (sales by payment time, new leads by first contact).

-- The admin who opened this session as its user ("log in as"); NULL for
-- the user's own logins. No foreign key, so that the down migration can
-- drop the column on SQLite; the session is deleted when impersonation
-- stops and the authentication re-checks the admin on every request.
ALTER TABLE sessions ADD COLUMN impersonator_id INTEGER;

CREATE INDEX payments_seller_paid_idx ON payments (seller_id, paid_at);
CREATE INDEX leads_seller_first_seen_idx ON leads (seller_id, first_seen_at);
