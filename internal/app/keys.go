package app

import (
	"context"
	"fmt"

	"github.com/grimbots/grimbots/internal/store"
)

// Rotation reports what key rotation did with one kind of secret.
type Rotation struct {
	Kind string
	// Total values seen; Rotated re-encrypted now; Current already under
	// the active key; Raced changed by a concurrent edit (which sealed
	// them under the active key: nothing is left behind).
	Total, Rotated, Current, Raced int
	// Failed lists rows whose value no configured key opens.
	Failed []int64
}

// RotateKeys re-encrypts every secret at rest that is not sealed with the
// active key (the first of GRIMBOTS_ENCRYPTION_KEYS). It runs beside live
// instances: each value is swapped only if unchanged since it was read, and
// every instance configured with the same keys reads both old and new
// ciphertexts, so there is no downtime. Once it reports no failures, the
// old keys can be removed from the configuration.
func (a *App) RotateKeys(ctx context.Context) ([]Rotation, error) {
	var out []Rotation
	for _, kind := range store.SealedKinds() {
		values, err := a.Store.SealedValues(ctx, kind)
		if err != nil {
			return out, fmt.Errorf("rotating %s: %w", kind, err)
		}
		r := Rotation{Kind: kind, Total: len(values)}
		for _, v := range values {
			if !a.Keys.NeedsRotation(v.Value) {
				r.Current++
				continue
			}
			plain, err := a.Keys.Decrypt(v.Value, v.AD)
			if err != nil {
				r.Failed = append(r.Failed, v.ID)
				continue
			}
			sealed, err := a.Keys.Encrypt(plain, v.AD)
			clear(plain)
			if err != nil {
				return out, fmt.Errorf("rotating %s %d: %w", kind, v.ID, err)
			}
			swapped, err := a.Store.ReplaceSealed(ctx, kind, v.ID, v.Value, sealed)
			if err != nil {
				return out, fmt.Errorf("rotating %s %d: %w", kind, v.ID, err)
			}
			if swapped {
				r.Rotated++
			} else {
				r.Raced++
			}
		}
		out = append(out, r)
	}
	return out, nil
}
