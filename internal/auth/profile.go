package auth

import (
	"context"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// ProfileParams are the account details a user edits themself.
type ProfileParams struct {
	FullName string
	// TimeZone is an IANA name ("America/Sao_Paulo"); dashboards count days
	// in it.
	TimeZone string
}

// UpdateProfile changes the caller's full name and time zone.
func (s *Service) UpdateProfile(ctx context.Context, p *Principal, params ProfileParams, m Meta) (*grimbots.User, error) {
	name := strings.TrimSpace(params.FullName)
	tz := strings.TrimSpace(params.TimeZone)
	var fields []grimbots.FieldError
	if len([]rune(name)) > 120 {
		fields = append(fields, grimbots.FieldError{Field: "body.full_name", Message: "must be at most 120 characters"})
	}
	// Local is what LoadLocation returns for "" and "Local": the server's
	// zone, which is not a seller's choice.
	if loc, err := time.LoadLocation(tz); err != nil || tz == "" || loc == time.Local || len(tz) > 64 {
		fields = append(fields, grimbots.FieldError{Field: "body.time_zone", Message: "must be a known time zone", Value: tz})
	}
	if len(fields) > 0 {
		return nil, grimbots.Invalid("validation failed", fields...)
	}
	if err := s.store.UpdateProfile(ctx, p.User.ID, name, tz, s.now(),
		s.audit(grimbots.AuditProfileUpdate, &p.User.ID, &p.User.ID, m, map[string]any{"time_zone": tz})); err != nil {
		return nil, err
	}
	return s.store.UserByID(ctx, p.User.ID)
}
