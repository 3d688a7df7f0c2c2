package gamification

import (
	"context"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// Profile is how a seller appears in rankings.
type Profile struct {
	DisplayName string
	Public      bool
	// ShownAs is the name others see: the display name when public, else
	// the anonymous one.
	ShownAs string
}

// PublicProfile returns the seller's profile.
func (s *Service) PublicProfile(ctx context.Context, sellerID int64) (*Profile, error) {
	p, err := s.store.PublicProfile(ctx, sellerID)
	if err != nil {
		return nil, err
	}
	return &Profile{DisplayName: p.DisplayName, Public: p.Public, ShownAs: s.shownName(sellerID, p.DisplayName, p.Public)}, nil
}

// SetPublicProfile sets the seller's display name and whether rankings
// show it. Showing it needs a name; an empty name is anonymous. EINVALID
// for a bad name, ECONFLICT when another public seller shows the same
// name (ignoring case and accents).
func (s *Service) SetPublicProfile(ctx context.Context, sellerID int64, displayName string, public bool) (*Profile, error) {
	name, key := "", ""
	if displayName != "" || public {
		var err error
		if name, err = cleanName(displayName); err != nil {
			return nil, err
		}
		key = nameKey(name)
	}
	now := s.now()
	if err := s.store.SetPublicProfile(ctx, &grimbots.PublicProfile{SellerID: sellerID, DisplayName: name, Public: public,
		UpdatedAt: now}, key); err != nil {
		return nil, err
	}
	s.invalidateBoards(ctx, currentKeys(now)...)
	return s.PublicProfile(ctx, sellerID)
}
