package store

import (
	"context"
	"time"
)

// CreateSandboxCharge records a charge issued by the sandbox bank.
func (s *Store) CreateSandboxCharge(ctx context.Context, sellerID int64, transactionID, reference string, amountCents int64, now time.Time) error {
	_, err := s.db.primary.ExecContext(ctx, `INSERT INTO sandbox_charges (transaction_id, seller_id, reference, amount_cents, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'pending', $5, $5)`, transactionID, sellerID, reference, amountCents, now)
	return err
}

// SandboxCharge returns a sandbox charge's owner, state and amount.
func (s *Store) SandboxCharge(ctx context.Context, transactionID string) (int64, string, int64, error) {
	var sellerID, amount int64
	var status string
	err := s.db.primary.QueryRowContext(ctx, `SELECT seller_id, status, amount_cents FROM sandbox_charges WHERE transaction_id = $1`,
		transactionID).Scan(&sellerID, &status, &amount)
	return sellerID, status, amount, notFound(err, "sandbox charge not found")
}

// SetSandboxChargeStatus changes a sandbox charge of the seller, as the
// seller playing the bank does.
func (s *Store) SetSandboxChargeStatus(ctx context.Context, sellerID int64, transactionID, status string, now time.Time) error {
	err := updateOne(ctx, s.db.primary, `UPDATE sandbox_charges SET status = $1, updated_at = $2 WHERE transaction_id = $3 AND seller_id = $4`,
		status, now, transactionID, sellerID)
	return notFound(err, "sandbox charge not found")
}
