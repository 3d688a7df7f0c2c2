package grimbots

import (
	"testing"
	"time"
)

func TestRoleValid(t *testing.T) {
	t.Parallel()
	for _, r := range []Role{RoleSeller, RoleAdmin} {
		if !r.Valid() {
			t.Errorf("%q not valid", r)
		}
	}
	for _, r := range []Role{"", "Admin", "owner", "seller "} {
		if r.Valid() {
			t.Errorf("%q valid", r)
		}
	}
}

func TestUserBannedAndAdmin(t *testing.T) {
	t.Parallel()
	u := &User{Role: RoleSeller}
	if u.Banned() || u.IsAdmin() {
		t.Fatal("a fresh seller is banned or admin")
	}
	now := Now()
	u.BannedAt, u.Role = &now, RoleAdmin
	if !u.Banned() || !u.IsAdmin() {
		t.Fatal("banned admin not reported")
	}
}

func TestNowIsUTCMicroseconds(t *testing.T) {
	t.Parallel()
	n := Now()
	if n.Location() != time.UTC {
		t.Errorf("Now() location = %v", n.Location())
	}
	if n.Nanosecond()%1000 != 0 {
		t.Errorf("Now() = %v has sub-microsecond precision", n)
	}
	if d := time.Since(n); d < 0 || d > time.Minute {
		t.Errorf("Now() is %v away from the clock", d)
	}
}
