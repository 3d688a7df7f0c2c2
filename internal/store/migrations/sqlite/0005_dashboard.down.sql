DROP INDEX leads_seller_first_seen_idx;
DROP INDEX payments_seller_paid_idx;
ALTER TABLE sessions DROP COLUMN impersonator_id;
