// Package storetest is the conformance suite of the SQL store, in the style
// of River's riverdrivertest: the same behaviours are asserted against every
// engine (SQLite and PostgreSQL), so the engines cannot drift apart.
//
// Every subtest opens its own freshly migrated store through the open
// function it is given (a new SQLite file or a new PostgreSQL schema), so the
// subtests are independent and run in parallel.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
)

// Epoch is the fixed "now" of the suite. It has microsecond precision, the
// precision both engines keep, so values read back must equal it exactly.
var Epoch = time.Date(2026, time.March, 14, 15, 9, 26, 535897000, time.UTC)

// brt is a non-UTC zone used to check that the engines compare instants,
// not the text of local times.
var brt = time.FixedZone("BRT", -3*60*60)

type testCase struct {
	name string
	fn   func(t *testing.T, s *store.Store)
}

// Run runs the conformance suite. open must return a migrated store that no
// other test uses; it is called once per subtest.
func Run(t *testing.T, open func(t *testing.T) *store.Store) {
	t.Helper()
	for _, c := range slices.Concat(cases, paymentCases, botCases, poolCases, campaignCases, gamificationCases) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, open(t))
		})
	}
}

var cases = []testCase{
	{"DB/Engine", testDBEngine},

	{"CreateUser/SetsIDAndRoundTrips", testCreateUserRoundTrip},
	{"CreateUser/DuplicateEmail", testCreateUserDuplicateEmail},
	{"CreateUser/DuplicateUsername", testCreateUserDuplicateUsername},
	{"CreateUser/DuplicateBoth", testCreateUserDuplicateBoth},
	{"CreateUser/AuditDefaultsToNewUser", testCreateUserAudit},
	{"CreateUser/ConcurrentDistinct", testCreateUserConcurrentDistinct},
	{"CreateUser/ConcurrentSameEmail", testCreateUserConcurrentSameEmail},

	{"UserByID/NotFound", testUserByIDNotFound},
	{"UserByLogin/EmailAndUsername", testUserByLogin},

	{"FindUsers/Query", testFindUsersQuery},
	{"FindUsers/LikeWildcardsAreLiteral", testFindUsersWildcards},
	{"FindUsers/BannedFilter", testFindUsersBanned},
	{"FindUsers/Pagination", testFindUsersPagination},

	{"CountAdmins", testCountAdmins},

	{"SetPassword/KeepsOneSession", testSetPasswordKeepsSession},
	{"SetPassword/KeepNone", testSetPasswordKeepNone},
	{"SetPassword/NotFound", testSetPasswordNotFound},

	{"SetBanned/BanAndUnban", testSetBanned},
	{"SetBanned/NotFound", testSetBannedNotFound},

	{"SetRole", testSetRole},

	{"RecordLogin", testRecordLogin},
	{"RecordLogin/NotFound", testRecordLoginNotFound},

	{"SessionByTokenHash", testSessionByTokenHash},
	{"SessionByTokenHash/Expired", testSessionByTokenHashExpired},
	{"SessionByTokenHash/NonUTCNow", testSessionNonUTCTimes},
	{"TouchSession", testTouchSession},
	{"DeleteSession", testDeleteSession},
	{"DeleteSessions", testDeleteSessions},
	{"ListSessions", testListSessions},
	{"DeleteExpiredSessions", testDeleteExpiredSessions},

	{"APIToken/CreateAndByHash", testAPITokenCreate},
	{"APIToken/Expired", testAPITokenExpired},
	{"APIToken/Touch", testAPITokenTouch},
	{"APIToken/ListAndDelete", testAPITokenListDelete},

	{"PasswordReset/Use", testPasswordResetUse},
	{"PasswordReset/SingleUse", testPasswordResetSingleUse},
	{"PasswordReset/Expired", testPasswordResetExpired},
	{"PasswordReset/Unknown", testPasswordResetUnknown},
	{"PasswordReset/ConcurrentUse", testPasswordResetConcurrent},

	{"Audit/AppendAndList", testAuditAppendList},
	{"Audit/Filters", testAuditFilters},
	{"Audit/Pagination", testAuditPagination},
	{"Audit/DetailsRoundTrip", testAuditDetails},
	{"Audit/UserAgentTruncated", testAuditUserAgent},
	{"Audit/AtomicWithMutation", testAuditAtomic},
}

// ---------------------------------------------------------------------------
// Fixtures (exported for the tenancy tests of package store).

// NewUser creates a seller named name (email name@example.com) with every
// timestamp at Epoch. mods adjust the user before it is inserted.
func NewUser(t testing.TB, s *store.Store, name string, mods ...func(*grimbots.User)) *grimbots.User {
	t.Helper()
	u := &grimbots.User{
		Email:                 name + "@example.com",
		Username:              name,
		FullName:              "User " + name,
		PasswordHash:          "hash-" + name,
		Role:                  grimbots.RoleSeller,
		CommissionBasisPoints: grimbots.DefaultCommissionBasisPoints,
		TimeZone:              grimbots.DefaultTimeZone,
		PasswordChangedAt:     Epoch,
		CreatedAt:             Epoch,
		UpdatedAt:             Epoch,
	}
	for _, m := range mods {
		m(u)
	}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

// NewSession logs userID in with a session whose token hash is hash, created
// at Epoch and expiring at expires.
func NewSession(t testing.TB, s *store.Store, userID int64, hash string, expires time.Time) *grimbots.Session {
	t.Helper()
	sess := &grimbots.Session{TokenHash: hash, IP: "203.0.113.7", UserAgent: "test-agent/" + hash,
		CreatedAt: Epoch, LastSeenAt: Epoch, ExpiresAt: expires}
	if err := s.RecordLogin(context.Background(), userID, sess); err != nil {
		t.Fatalf("RecordLogin(%d, %s): %v", userID, hash, err)
	}
	return sess
}

// NewAPIToken creates an API token of userID with the given hash; expires
// may be nil for a token that never expires.
func NewAPIToken(t testing.TB, s *store.Store, userID int64, hash string, expires *time.Time) *grimbots.APIToken {
	t.Helper()
	tok := &grimbots.APIToken{UserID: userID, Name: "token " + hash, TokenHash: hash, Prefix: "gb_" + hash[:min(4, len(hash))],
		CreatedAt: Epoch, ExpiresAt: expires}
	if err := s.CreateAPIToken(context.Background(), tok); err != nil {
		t.Fatalf("CreateAPIToken(%d, %s): %v", userID, hash, err)
	}
	return tok
}

// NewPasswordReset creates a reset ticket of userID expiring at expires.
func NewPasswordReset(t testing.TB, s *store.Store, userID int64, hash string, expires time.Time) *grimbots.PasswordReset {
	t.Helper()
	r := &grimbots.PasswordReset{UserID: userID, TokenHash: hash, CreatedAt: Epoch, ExpiresAt: expires}
	if err := s.CreatePasswordReset(context.Background(), r, nil); err != nil {
		t.Fatalf("CreatePasswordReset(%d, %s): %v", userID, hash, err)
	}
	return r
}

// Ptr returns a pointer to v.
func Ptr[T any](v T) *T { return &v }

// ---------------------------------------------------------------------------
// Assertions (exported for the tests of package store).

// Must fails the test on a non-nil error.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// WantCode fails the test unless err carries the grimbots error code.
func WantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := grimbots.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (err: %v), want %q", got, err, code)
	}
}

// WantTime fails unless got is the instant want, in UTC.
func WantTime(t testing.TB, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("%s = %v, want %v in UTC", what, got, want.UTC())
	}
}

// WantTimePtr is WantTime for optional timestamps.
func WantTimePtr(t testing.TB, what string, got, want *time.Time) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %v, want %v", what, fmtTimePtr(got), fmtTimePtr(want))
	default:
		WantTime(t, what, *got, *want)
	}
}

func fmtTimePtr(p *time.Time) string {
	if p == nil {
		return "<nil>"
	}
	return p.String()
}

// SameUser compares every field of two users (timestamps as UTC instants).
func SameUser(t testing.TB, got, want *grimbots.User) {
	t.Helper()
	if got == nil || want == nil {
		t.Fatalf("SameUser: got %v, want %v", got, want)
	}
	if got.ID != want.ID || got.Email != want.Email || got.Username != want.Username || got.FullName != want.FullName ||
		got.PasswordHash != want.PasswordHash || got.Role != want.Role || got.CommissionBasisPoints != want.CommissionBasisPoints ||
		got.TimeZone != want.TimeZone || got.BanReason != want.BanReason {
		t.Errorf("user mismatch:\n got %+v\nwant %+v", *got, *want)
	}
	WantTimePtr(t, "BannedAt", got.BannedAt, want.BannedAt)
	WantTime(t, "PasswordChangedAt", got.PasswordChangedAt, want.PasswordChangedAt)
	WantTimePtr(t, "LastLoginAt", got.LastLoginAt, want.LastLoginAt)
	WantTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	WantTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

// SameSession compares every field of two sessions.
func SameSession(t testing.TB, got, want *grimbots.Session) {
	t.Helper()
	if got.ID != want.ID || got.UserID != want.UserID || got.TokenHash != want.TokenHash || got.IP != want.IP ||
		got.UserAgent != want.UserAgent {
		t.Errorf("session mismatch:\n got %+v\nwant %+v", *got, *want)
	}
	WantTime(t, "session CreatedAt", got.CreatedAt, want.CreatedAt)
	WantTime(t, "session LastSeenAt", got.LastSeenAt, want.LastSeenAt)
	WantTime(t, "session ExpiresAt", got.ExpiresAt, want.ExpiresAt)
}

// SameAPIToken compares every field of two API tokens.
func SameAPIToken(t testing.TB, got, want *grimbots.APIToken) {
	t.Helper()
	if got.ID != want.ID || got.UserID != want.UserID || got.Name != want.Name || got.TokenHash != want.TokenHash ||
		got.Prefix != want.Prefix {
		t.Errorf("api token mismatch:\n got %+v\nwant %+v", *got, *want)
	}
	WantTime(t, "token CreatedAt", got.CreatedAt, want.CreatedAt)
	WantTimePtr(t, "token LastUsedAt", got.LastUsedAt, want.LastUsedAt)
	WantTimePtr(t, "token ExpiresAt", got.ExpiresAt, want.ExpiresAt)
}

// SessionIDs returns the ids of sessions in order.
func SessionIDs(ss []*grimbots.Session) []int64 {
	out := make([]int64, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

// APITokenIDs returns the ids of tokens in order.
func APITokenIDs(ts []*grimbots.APIToken) []int64 {
	out := make([]int64, len(ts))
	for i, x := range ts {
		out[i] = x.ID
	}
	return out
}

func userIDs(us []*grimbots.User) []int64 {
	out := make([]int64, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}

func auditActions(es []*grimbots.AuditEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Action
	}
	return out
}

func wantIDs(t testing.TB, what string, got, want []int64) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// auditCount returns how many audit entries have action.
func auditCount(t testing.TB, s *store.Store, action string) int {
	t.Helper()
	_, n, err := s.ListAudit(context.Background(), grimbots.AuditFilter{Action: action})
	Must(t, err)
	return n
}

func entry(action string, actor, target *int64, at time.Time) grimbots.AuditEntry {
	return grimbots.AuditEntry{ActorID: actor, TargetUserID: target, Action: action, IP: "198.51.100.1",
		UserAgent: "ua", CreatedAt: at}
}

// ---------------------------------------------------------------------------
// DB

func testDBEngine(t *testing.T, s *store.Store) {
	db := s.DB()
	if db == nil {
		t.Fatal("DB() = nil")
	}
	if e := db.Engine(); e != "sqlite" && e != "postgres" {
		t.Fatalf("Engine() = %q", e)
	}
	Must(t, db.CheckSchema(t.Context()))
	Must(t, db.Ping(t.Context()))
}

// ---------------------------------------------------------------------------
// Users

func testCreateUserRoundTrip(t *testing.T, s *store.Store) {
	ctx := t.Context()
	banned := Epoch.Add(-time.Hour)
	u := &grimbots.User{Email: "maria@example.com", Username: "maria_vendas", FullName: "Maria José da Silva",
		PasswordHash: "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA", Role: grimbots.RoleAdmin, CommissionBasisPoints: 250,
		TimeZone: "America/Manaus", PasswordChangedAt: Epoch.Add(-time.Minute), CreatedAt: Epoch.Add(-2 * time.Minute),
		UpdatedAt: Epoch, BannedAt: &banned, BanReason: "ignored on create"}
	Must(t, s.CreateUser(ctx, u))
	if u.ID <= 0 {
		t.Fatalf("CreateUser set ID %d", u.ID)
	}
	got, err := s.UserByID(ctx, u.ID)
	Must(t, err)
	// CreateUser does not ban: banned_at and ban_reason are not inserted.
	want := *u
	want.BannedAt, want.BanReason = nil, ""
	SameUser(t, got, &want)

	v := NewUser(t, s, "second")
	if v.ID == u.ID {
		t.Fatalf("two users with id %d", u.ID)
	}
}

func testCreateUserDuplicateEmail(t *testing.T, s *store.Store) {
	NewUser(t, s, "ana")
	err := s.CreateUser(t.Context(), &grimbots.User{Email: "ana@example.com", Username: "other", PasswordHash: "h",
		Role: grimbots.RoleSeller, TimeZone: grimbots.DefaultTimeZone, PasswordChangedAt: Epoch, CreatedAt: Epoch, UpdatedAt: Epoch})
	wantConflict(t, err, "body.email")
	_, n, err := s.FindUsers(t.Context(), grimbots.UserFilter{})
	Must(t, err)
	if n != 1 {
		t.Fatalf("%d users after a refused duplicate, want 1", n)
	}
}

func testCreateUserDuplicateUsername(t *testing.T, s *store.Store) {
	NewUser(t, s, "ana")
	err := s.CreateUser(t.Context(), &grimbots.User{Email: "other@example.com", Username: "ana", PasswordHash: "h",
		Role: grimbots.RoleSeller, TimeZone: grimbots.DefaultTimeZone, PasswordChangedAt: Epoch, CreatedAt: Epoch, UpdatedAt: Epoch})
	wantConflict(t, err, "body.username")
}

func testCreateUserDuplicateBoth(t *testing.T, s *store.Store) {
	NewUser(t, s, "ana")
	u := &grimbots.User{Email: "ana@example.com", Username: "ana", PasswordHash: "h",
		Role: grimbots.RoleSeller, TimeZone: grimbots.DefaultTimeZone, PasswordChangedAt: Epoch, CreatedAt: Epoch, UpdatedAt: Epoch}
	err := s.CreateUser(t.Context(), u, entry("test.dup", nil, nil, Epoch))
	wantConflict(t, err, "body.email", "body.username")
	if u.ID != 0 {
		t.Errorf("refused CreateUser set ID %d", u.ID)
	}
	if n := auditCount(t, s, "test.dup"); n != 0 {
		t.Errorf("refused CreateUser wrote %d audit entries", n)
	}
}

func wantConflict(t testing.TB, err error, fields ...string) {
	t.Helper()
	WantCode(t, err, grimbots.ECONFLICT)
	var e *grimbots.Error
	if !errors.As(err, &e) {
		t.Fatalf("%v is not a *grimbots.Error", err)
	}
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Field)
		if f.Message == "" {
			t.Errorf("field error %s has no message", f.Field)
		}
	}
	if !slices.Equal(got, fields) {
		t.Fatalf("conflict fields = %v, want %v", got, fields)
	}
}

func testCreateUserAudit(t *testing.T, s *store.Store) {
	ctx := t.Context()
	admin := NewUser(t, s, "admin")
	// No actor or target: both default to the new user (self-registration).
	u := &grimbots.User{Email: "self@example.com", Username: "self", PasswordHash: "h", Role: grimbots.RoleSeller,
		TimeZone: grimbots.DefaultTimeZone, PasswordChangedAt: Epoch, CreatedAt: Epoch, UpdatedAt: Epoch}
	Must(t, s.CreateUser(ctx, u, entry(grimbots.AuditRegister, nil, nil, Epoch)))
	// An explicit actor is kept (an admin creating an account).
	v := &grimbots.User{Email: "made@example.com", Username: "made", PasswordHash: "h", Role: grimbots.RoleSeller,
		TimeZone: grimbots.DefaultTimeZone, PasswordChangedAt: Epoch, CreatedAt: Epoch, UpdatedAt: Epoch}
	Must(t, s.CreateUser(ctx, v, entry(grimbots.AuditAdminCreate, &admin.ID, nil, Epoch)))

	es, n, err := s.ListAudit(ctx, grimbots.AuditFilter{})
	Must(t, err)
	if n != 2 || len(es) != 2 {
		t.Fatalf("ListAudit = %d entries (total %d), want 2", len(es), n)
	}
	// Newest first.
	if es[0].Action != grimbots.AuditAdminCreate || *es[0].ActorID != admin.ID || *es[0].TargetUserID != v.ID {
		t.Errorf("admin create entry = %+v", es[0])
	}
	if es[1].Action != grimbots.AuditRegister || *es[1].ActorID != u.ID || *es[1].TargetUserID != u.ID {
		t.Errorf("register entry = %+v", es[1])
	}
}

func testCreateUserConcurrentDistinct(t *testing.T, s *store.Store) {
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	ids := make(chan int64, n)
	for i := range n {
		wg.Go(func() {
			u := &grimbots.User{Email: fmt.Sprintf("user%d@example.com", i), Username: fmt.Sprintf("user%d", i),
				PasswordHash: "h", Role: grimbots.RoleSeller, TimeZone: grimbots.DefaultTimeZone,
				PasswordChangedAt: Epoch, CreatedAt: Epoch, UpdatedAt: Epoch}
			if err := s.CreateUser(context.Background(), u, entry(grimbots.AuditRegister, nil, nil, Epoch)); err != nil {
				errs <- fmt.Errorf("user %d: %w", i, err)
				return
			}
			// The new user is readable at once, through the read pool too.
			if _, err := s.UserByID(context.Background(), u.ID); err != nil {
				errs <- fmt.Errorf("reading user %d: %w", i, err)
				return
			}
			ids <- u.ID
		})
	}
	wg.Wait()
	close(errs)
	close(ids)
	for err := range errs {
		t.Error(err)
	}
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("id %d given twice", id)
		}
		seen[id] = true
	}
	_, total, err := s.FindUsers(t.Context(), grimbots.UserFilter{})
	Must(t, err)
	if total != n || len(seen) != n {
		t.Fatalf("%d users (%d ids), want %d", total, len(seen), n)
	}
	if c := auditCount(t, s, grimbots.AuditRegister); c != n {
		t.Fatalf("%d audit entries, want %d", c, n)
	}
}

func testCreateUserConcurrentSameEmail(t *testing.T, s *store.Store) {
	const n = 10
	var wg sync.WaitGroup
	codes := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			u := &grimbots.User{Email: "same@example.com", Username: fmt.Sprintf("same%d", i), PasswordHash: "h",
				Role: grimbots.RoleSeller, TimeZone: grimbots.DefaultTimeZone, PasswordChangedAt: Epoch, CreatedAt: Epoch, UpdatedAt: Epoch}
			codes <- grimbots.ErrorCode(s.CreateUser(context.Background(), u))
		})
	}
	wg.Wait()
	close(codes)
	count := map[string]int{}
	for c := range codes {
		count[c]++
	}
	if count[""] != 1 || count[grimbots.ECONFLICT] != n-1 {
		t.Fatalf("outcomes = %v, want exactly one success and %d conflicts", count, n-1)
	}
}

func testUserByIDNotFound(t *testing.T, s *store.Store) {
	_, err := s.UserByID(t.Context(), 12345)
	WantCode(t, err, grimbots.ENOTFOUND)
}

func testUserByLogin(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "joana")
	NewUser(t, s, "other")
	for _, login := range []string{"joana@example.com", "joana", "JOANA@Example.COM", "  Joana  ", "\tjoana@example.com\n"} {
		got, err := s.UserByLogin(ctx, login)
		if err != nil {
			t.Errorf("UserByLogin(%q): %v", login, err)
			continue
		}
		SameUser(t, got, u)
	}
	for _, login := range []string{"", "joan", "joana@example", "nobody@example.com", "%", "joana%"} {
		_, err := s.UserByLogin(ctx, login)
		if grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
			t.Errorf("UserByLogin(%q) = %v, want ENOTFOUND", login, err)
		}
	}
}

func testFindUsersQuery(t *testing.T, s *store.Store) {
	ctx := t.Context()
	ana := NewUser(t, s, "ana", func(u *grimbots.User) { u.FullName = "Ana Souza" })
	bruno := NewUser(t, s, "bruno", func(u *grimbots.User) { u.FullName = "Bruno Lima"; u.Email = "b.lima@loja.com.br" })
	carla := NewUser(t, s, "carla", func(u *grimbots.User) { u.FullName = "Carla Mariana" })
	tests := []struct {
		q    string
		want []int64
	}{
		{"", []int64{carla.ID, bruno.ID, ana.ID}},
		{"ana", []int64{carla.ID, ana.ID}},          // username ana, full name "Mariana"
		{"SOUZA", []int64{ana.ID}},                  // full name, case-insensitive
		{"loja.com", []int64{bruno.ID}},             // email
		{"@example.com", []int64{carla.ID, ana.ID}}, // email suffix
		{"runo", []int64{bruno.ID}},                 // username substring
		{"nobody", nil},
	}
	for _, tt := range tests {
		users, total, err := s.FindUsers(ctx, grimbots.UserFilter{Query: tt.q})
		Must(t, err)
		wantIDs(t, fmt.Sprintf("FindUsers(%q)", tt.q), userIDs(users), tt.want)
		if total != len(tt.want) {
			t.Errorf("FindUsers(%q) total = %d, want %d", tt.q, total, len(tt.want))
		}
	}
	users, _, err := s.FindUsers(ctx, grimbots.UserFilter{Query: "souza"})
	Must(t, err)
	if len(users) == 1 {
		SameUser(t, users[0], ana)
	}
}

func testFindUsersWildcards(t *testing.T, s *store.Store) {
	ctx := t.Context()
	under := NewUser(t, s, "x_y")
	NewUser(t, s, "xzy")
	pct := NewUser(t, s, "pct", func(u *grimbots.User) { u.FullName = "100% real" })
	NewUser(t, s, "plain", func(u *grimbots.User) { u.FullName = "1000 real" })
	back := NewUser(t, s, "back", func(u *grimbots.User) { u.FullName = `a\b` })
	tests := []struct {
		q    string
		want []int64
	}{
		{"x_y", []int64{under.ID}},
		{"_", []int64{under.ID}},
		{"%", []int64{pct.ID}},
		{"0% r", []int64{pct.ID}},
		{"%%", nil},
		{`\`, []int64{back.ID}},
		{`a\b`, []int64{back.ID}},
		{`\%`, nil},
	}
	for _, tt := range tests {
		users, total, err := s.FindUsers(ctx, grimbots.UserFilter{Query: tt.q})
		Must(t, err)
		wantIDs(t, fmt.Sprintf("FindUsers(%q)", tt.q), userIDs(users), tt.want)
		if total != len(tt.want) {
			t.Errorf("FindUsers(%q) total = %d, want %d", tt.q, total, len(tt.want))
		}
	}
}

func testFindUsersBanned(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := NewUser(t, s, "alpha")
	b := NewUser(t, s, "bravo")
	c := NewUser(t, s, "charlie")
	Must(t, s.SetBanned(ctx, b.ID, true, "fraude", Epoch))
	for _, tt := range []struct {
		banned *bool
		q      string
		want   []int64
	}{
		{nil, "", []int64{c.ID, b.ID, a.ID}},
		{Ptr(true), "", []int64{b.ID}},
		{Ptr(false), "", []int64{c.ID, a.ID}},
		{Ptr(false), "bravo", nil},
		{Ptr(true), "bravo", []int64{b.ID}},
	} {
		users, total, err := s.FindUsers(ctx, grimbots.UserFilter{Banned: tt.banned, Query: tt.q})
		Must(t, err)
		wantIDs(t, fmt.Sprintf("FindUsers(banned=%v, q=%q)", fmtBool(tt.banned), tt.q), userIDs(users), tt.want)
		if total != len(tt.want) {
			t.Errorf("total = %d, want %d", total, len(tt.want))
		}
	}
}

func fmtBool(b *bool) string {
	if b == nil {
		return "nil"
	}
	return fmt.Sprint(*b)
}

func testFindUsersPagination(t *testing.T, s *store.Store) {
	ctx := t.Context()
	var ids []int64
	for i := range 7 {
		ids = append(ids, NewUser(t, s, fmt.Sprintf("page%d", i)).ID)
	}
	slices.Reverse(ids) // newest first
	for _, tt := range []struct {
		limit, offset int
		want          []int64
	}{
		{3, 0, ids[0:3]},
		{3, 3, ids[3:6]},
		{3, 6, ids[6:]},
		{3, 7, nil},
		{0, 0, ids},    // default limit
		{1000, 0, ids}, // clamped
		{2, -5, ids[0:2]},
	} {
		users, total, err := s.FindUsers(ctx, grimbots.UserFilter{Limit: tt.limit, Offset: tt.offset})
		Must(t, err)
		wantIDs(t, fmt.Sprintf("FindUsers(limit=%d, offset=%d)", tt.limit, tt.offset), userIDs(users), tt.want)
		if total != 7 {
			t.Errorf("total = %d, want 7", total)
		}
	}
	users, total, err := s.FindUsers(ctx, grimbots.UserFilter{Query: "page", Limit: 2, Offset: 1})
	Must(t, err)
	wantIDs(t, "FindUsers(page, 2, 1)", userIDs(users), ids[1:3])
	if total != 7 {
		t.Errorf("filtered total = %d, want 7", total)
	}
}

func testCountAdmins(t *testing.T, s *store.Store) {
	ctx := t.Context()
	n, err := s.CountAdmins(ctx)
	Must(t, err)
	if n != 0 {
		t.Fatalf("CountAdmins on an empty store = %d", n)
	}
	NewUser(t, s, "root", func(u *grimbots.User) { u.Role = grimbots.RoleAdmin })
	seller := NewUser(t, s, "seller")
	Must(t, s.SetRole(ctx, seller.ID, grimbots.RoleAdmin, Epoch))
	if n, err = s.CountAdmins(ctx); err != nil || n != 2 {
		t.Fatalf("CountAdmins = %d, %v; want 2", n, err)
	}
	Must(t, s.SetRole(ctx, seller.ID, grimbots.RoleSeller, Epoch))
	if n, err = s.CountAdmins(ctx); err != nil || n != 1 {
		t.Fatalf("CountAdmins = %d, %v; want 1", n, err)
	}
}

// ---------------------------------------------------------------------------
// Password, ban, role, login

func testSetPasswordKeepsSession(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	other := NewUser(t, s, "other")
	exp := Epoch.Add(24 * time.Hour)
	NewSession(t, s, u.ID, "s1", exp)
	keep := NewSession(t, s, u.ID, "s2", exp)
	NewSession(t, s, u.ID, "s3", exp)
	otherSess := NewSession(t, s, other.ID, "o1", exp)
	NewPasswordReset(t, s, u.ID, "r1", exp)
	NewPasswordReset(t, s, other.ID, "ro", exp)
	tok := NewAPIToken(t, s, u.ID, "tok1", nil)

	now := Epoch.Add(time.Hour)
	Must(t, s.SetPassword(ctx, u.ID, "new-hash", keep.ID, now, entry(grimbots.AuditPasswordChange, &u.ID, &u.ID, now)))

	got, err := s.UserByID(ctx, u.ID)
	Must(t, err)
	want := *u
	want.PasswordHash, want.PasswordChangedAt, want.UpdatedAt = "new-hash", now, now
	want.LastLoginAt = &Epoch
	SameUser(t, got, &want)

	sessions, err := s.ListSessions(ctx, u.ID, now)
	Must(t, err)
	wantIDs(t, "sessions after SetPassword", SessionIDs(sessions), []int64{keep.ID})
	if _, _, err := s.SessionByTokenHash(ctx, "s1", now); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
		t.Errorf("deleted session still found: %v", err)
	}
	// Outstanding resets are gone.
	_, err = s.UsePasswordReset(ctx, "r1", "x", now)
	WantCode(t, err, grimbots.EGONE)
	// API tokens are not sessions: they stay.
	if _, _, err := s.APITokenByHash(ctx, tok.TokenHash, now); err != nil {
		t.Errorf("API token after SetPassword: %v", err)
	}
	// Nothing of another user changed.
	others, err := s.ListSessions(ctx, other.ID, now)
	Must(t, err)
	wantIDs(t, "other user's sessions", SessionIDs(others), []int64{otherSess.ID})
	if _, err := s.UsePasswordReset(ctx, "ro", "other-hash", now); err != nil {
		t.Errorf("other user's reset: %v", err)
	}
	if n := auditCount(t, s, grimbots.AuditPasswordChange); n != 1 {
		t.Errorf("%d audit entries, want 1", n)
	}
}

func testSetPasswordKeepNone(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	exp := Epoch.Add(24 * time.Hour)
	NewSession(t, s, u.ID, "s1", exp)
	NewSession(t, s, u.ID, "s2", exp)
	Must(t, s.SetPassword(ctx, u.ID, "new-hash", 0, Epoch))
	sessions, err := s.ListSessions(ctx, u.ID, Epoch)
	Must(t, err)
	if len(sessions) != 0 {
		t.Fatalf("%d sessions left, want 0", len(sessions))
	}
}

func testSetPasswordNotFound(t *testing.T, s *store.Store) {
	err := s.SetPassword(t.Context(), 999, "h", 0, Epoch, entry("test.setpassword", nil, nil, Epoch))
	WantCode(t, err, grimbots.ENOTFOUND)
	if n := auditCount(t, s, "test.setpassword"); n != 0 {
		t.Errorf("failed SetPassword wrote %d audit entries", n)
	}
}

func testSetBanned(t *testing.T, s *store.Store) {
	ctx := t.Context()
	admin := NewUser(t, s, "admin", func(u *grimbots.User) { u.Role = grimbots.RoleAdmin })
	u := NewUser(t, s, "maria")
	other := NewUser(t, s, "other")
	exp := Epoch.Add(24 * time.Hour)
	NewSession(t, s, u.ID, "s1", exp)
	NewSession(t, s, u.ID, "s2", exp)
	otherSess := NewSession(t, s, other.ID, "o1", exp)
	NewPasswordReset(t, s, u.ID, "r1", exp)
	tok := NewAPIToken(t, s, u.ID, "tok1", nil)

	now := Epoch.Add(time.Hour)
	Must(t, s.SetBanned(ctx, u.ID, true, "chargebacks", now, entry(grimbots.AuditUserBan, &admin.ID, &u.ID, now)))
	got, err := s.UserByID(ctx, u.ID)
	Must(t, err)
	if !got.Banned() || got.BanReason != "chargebacks" {
		t.Fatalf("after ban: banned=%v reason=%q", got.Banned(), got.BanReason)
	}
	WantTimePtr(t, "BannedAt", got.BannedAt, &now)
	WantTime(t, "UpdatedAt", got.UpdatedAt, now)

	sessions, err := s.ListSessions(ctx, u.ID, now)
	Must(t, err)
	if len(sessions) != 0 {
		t.Errorf("banned user keeps %d sessions", len(sessions))
	}
	_, err = s.UsePasswordReset(ctx, "r1", "x", now)
	WantCode(t, err, grimbots.EGONE)
	// API tokens are kept but their owner is reported banned, so
	// authentication refuses them while the ban lasts.
	_, owner, err := s.APITokenByHash(ctx, tok.TokenHash, now)
	Must(t, err)
	if !owner.Banned() {
		t.Error("APITokenByHash returned the owner as not banned")
	}
	others, err := s.ListSessions(ctx, other.ID, now)
	Must(t, err)
	wantIDs(t, "other user's sessions", SessionIDs(others), []int64{otherSess.ID})

	later := now.Add(time.Hour)
	Must(t, s.SetBanned(ctx, u.ID, false, "reason ignored on unban", later, entry(grimbots.AuditUserUnban, &admin.ID, &u.ID, later)))
	got, err = s.UserByID(ctx, u.ID)
	Must(t, err)
	if got.Banned() || got.BannedAt != nil || got.BanReason != "" {
		t.Fatalf("after unban: banned_at=%v reason=%q", got.BannedAt, got.BanReason)
	}
	WantTime(t, "UpdatedAt", got.UpdatedAt, later)
	if auditCount(t, s, grimbots.AuditUserBan) != 1 || auditCount(t, s, grimbots.AuditUserUnban) != 1 {
		t.Error("ban/unban audit entries missing")
	}
}

func testSetBannedNotFound(t *testing.T, s *store.Store) {
	for _, banned := range []bool{true, false} {
		err := s.SetBanned(t.Context(), 999, banned, "x", Epoch, entry("test.ban", nil, nil, Epoch))
		WantCode(t, err, grimbots.ENOTFOUND)
	}
	if n := auditCount(t, s, "test.ban"); n != 0 {
		t.Errorf("failed SetBanned wrote %d audit entries", n)
	}
}

func testSetRole(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	now := Epoch.Add(time.Minute)
	Must(t, s.SetRole(ctx, u.ID, grimbots.RoleAdmin, now, entry(grimbots.AuditUserRole, nil, &u.ID, now)))
	got, err := s.UserByID(ctx, u.ID)
	Must(t, err)
	if got.Role != grimbots.RoleAdmin || !got.IsAdmin() {
		t.Fatalf("role = %q", got.Role)
	}
	WantTime(t, "UpdatedAt", got.UpdatedAt, now)
	err = s.SetRole(ctx, 999, grimbots.RoleAdmin, now, entry("test.role", nil, nil, now))
	WantCode(t, err, grimbots.ENOTFOUND)
	if auditCount(t, s, "test.role") != 0 || auditCount(t, s, grimbots.AuditUserRole) != 1 {
		t.Error("wrong audit entries for SetRole")
	}
	// The schema refuses unknown roles.
	if err := s.SetRole(ctx, u.ID, grimbots.Role("owner"), now); err == nil {
		t.Error("SetRole accepted an unknown role")
	}
}

func testRecordLogin(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	if u.LastLoginAt != nil {
		t.Fatal("new user has a last login")
	}
	at := Epoch.Add(90 * time.Second)
	sess := &grimbots.Session{UserID: 424242, TokenHash: "hash-1", IP: "2001:db8::1", UserAgent: "Mozilla/5.0 (X11)",
		CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(30 * 24 * time.Hour)}
	Must(t, s.RecordLogin(ctx, u.ID, sess, entry(grimbots.AuditLogin, &u.ID, &u.ID, at)))
	if sess.ID <= 0 || sess.UserID != u.ID {
		t.Fatalf("session id=%d user=%d", sess.ID, sess.UserID)
	}
	got, err := s.UserByID(ctx, u.ID)
	Must(t, err)
	WantTimePtr(t, "LastLoginAt", got.LastLoginAt, &at)
	gs, gu, err := s.SessionByTokenHash(ctx, "hash-1", at)
	Must(t, err)
	SameSession(t, gs, sess)
	SameUser(t, gu, got)
	if auditCount(t, s, grimbots.AuditLogin) != 1 {
		t.Error("login audit entry missing")
	}
	// A duplicate token hash is refused and changes nothing.
	dup := &grimbots.Session{TokenHash: "hash-1", CreatedAt: at.Add(time.Hour), LastSeenAt: at, ExpiresAt: at.Add(time.Hour)}
	if err := s.RecordLogin(ctx, u.ID, dup, entry("test.dup_login", &u.ID, &u.ID, at)); err == nil {
		t.Fatal("RecordLogin accepted a duplicate token hash")
	}
	got, err = s.UserByID(ctx, u.ID)
	Must(t, err)
	WantTimePtr(t, "LastLoginAt after failed login", got.LastLoginAt, &at)
	if auditCount(t, s, "test.dup_login") != 0 {
		t.Error("failed RecordLogin wrote an audit entry")
	}
}

func testRecordLoginNotFound(t *testing.T, s *store.Store) {
	sess := &grimbots.Session{TokenHash: "h", CreatedAt: Epoch, LastSeenAt: Epoch, ExpiresAt: Epoch.Add(time.Hour)}
	err := s.RecordLogin(t.Context(), 999, sess, entry("test.login", nil, nil, Epoch))
	WantCode(t, err, grimbots.ENOTFOUND)
	if _, _, err := s.SessionByTokenHash(t.Context(), "h", Epoch); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
		t.Errorf("session of a failed login exists: %v", err)
	}
	if auditCount(t, s, "test.login") != 0 {
		t.Error("failed RecordLogin wrote an audit entry")
	}
}

// ---------------------------------------------------------------------------
// Sessions

func testSessionByTokenHash(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	su := NewSession(t, s, u.ID, "su", Epoch.Add(time.Hour))
	sv := NewSession(t, s, v.ID, "sv", Epoch.Add(time.Hour))
	for _, c := range []struct {
		sess *grimbots.Session
		user *grimbots.User
	}{{su, u}, {sv, v}} {
		gs, gu, err := s.SessionByTokenHash(ctx, c.sess.TokenHash, Epoch)
		Must(t, err)
		SameSession(t, gs, c.sess)
		want := *c.user
		want.LastLoginAt = &Epoch
		SameUser(t, gu, &want)
	}
	_, _, err := s.SessionByTokenHash(ctx, "unknown", Epoch)
	WantCode(t, err, grimbots.ENOTFOUND)
}

func testSessionByTokenHashExpired(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	exp := Epoch.Add(time.Hour)
	NewSession(t, s, u.ID, "s", exp)
	if _, _, err := s.SessionByTokenHash(ctx, "s", exp.Add(-time.Microsecond)); err != nil {
		t.Fatalf("a microsecond before expiry: %v", err)
	}
	for _, now := range []time.Time{exp, exp.Add(time.Microsecond), exp.Add(time.Hour)} {
		_, _, err := s.SessionByTokenHash(ctx, "s", now)
		WantCode(t, err, grimbots.ENOTFOUND)
	}
}

// testSessionNonUTCTimes checks that times given in another zone are compared
// as instants: an engine storing local times as text would get these wrong.
func testSessionNonUTCTimes(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	exp := Epoch.Add(time.Hour)
	sess := &grimbots.Session{TokenHash: "brt", CreatedAt: Epoch.In(brt), LastSeenAt: Epoch.In(brt), ExpiresAt: exp.In(brt)}
	Must(t, s.RecordLogin(ctx, u.ID, sess))
	NewSession(t, s, u.ID, "utc", exp)

	gs, _, err := s.SessionByTokenHash(ctx, "brt", Epoch)
	Must(t, err)
	WantTime(t, "ExpiresAt", gs.ExpiresAt, exp)
	WantTime(t, "CreatedAt", gs.CreatedAt, Epoch)

	for _, hash := range []string{"brt", "utc"} {
		if _, _, err := s.SessionByTokenHash(ctx, hash, exp.Add(-time.Minute).In(brt)); err != nil {
			t.Errorf("%s session before expiry (now in BRT): %v", hash, err)
		}
		if _, _, err := s.SessionByTokenHash(ctx, hash, exp.Add(2*time.Hour).In(brt)); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
			t.Errorf("%s session after expiry (now in BRT): %v, want ENOTFOUND", hash, err)
		}
		if _, _, err := s.SessionByTokenHash(ctx, hash, exp.Add(2*time.Hour)); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
			t.Errorf("%s session after expiry (now in UTC): %v, want ENOTFOUND", hash, err)
		}
	}
	n, err := s.DeleteExpiredSessions(ctx, exp.Add(2*time.Hour).In(brt))
	Must(t, err)
	if n != 2 {
		t.Errorf("DeleteExpiredSessions (now in BRT) = %d, want 2", n)
	}
}

func testTouchSession(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	exp := Epoch.Add(24 * time.Hour)
	a := NewSession(t, s, u.ID, "a", exp)
	b := NewSession(t, s, u.ID, "b", exp)
	// Equal last_seen_at: newest id first.
	list, err := s.ListSessions(ctx, u.ID, Epoch)
	Must(t, err)
	wantIDs(t, "sessions", SessionIDs(list), []int64{b.ID, a.ID})

	seen := Epoch.Add(10 * time.Minute)
	Must(t, s.TouchSession(ctx, a.ID, seen))
	gs, _, err := s.SessionByTokenHash(ctx, "a", seen)
	Must(t, err)
	WantTime(t, "LastSeenAt", gs.LastSeenAt, seen)
	WantTime(t, "ExpiresAt unchanged", gs.ExpiresAt, exp)
	list, err = s.ListSessions(ctx, u.ID, seen)
	Must(t, err)
	wantIDs(t, "sessions after touch", SessionIDs(list), []int64{a.ID, b.ID})
	// Touching a session that does not exist is not an error.
	Must(t, s.TouchSession(ctx, 999, seen))
}

func testDeleteSession(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	exp := Epoch.Add(time.Hour)
	a := NewSession(t, s, u.ID, "a", exp)
	b := NewSession(t, s, u.ID, "b", exp)
	Must(t, s.DeleteSession(ctx, u.ID, a.ID, entry(grimbots.AuditSessionRevoke, &u.ID, &u.ID, Epoch)))
	list, err := s.ListSessions(ctx, u.ID, Epoch)
	Must(t, err)
	wantIDs(t, "sessions", SessionIDs(list), []int64{b.ID})
	if _, _, err := s.SessionByTokenHash(ctx, "a", Epoch); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
		t.Errorf("deleted session found: %v", err)
	}
	err = s.DeleteSession(ctx, u.ID, a.ID, entry("test.revoke_again", &u.ID, &u.ID, Epoch))
	WantCode(t, err, grimbots.ENOTFOUND)
	if auditCount(t, s, grimbots.AuditSessionRevoke) != 1 || auditCount(t, s, "test.revoke_again") != 0 {
		t.Error("wrong audit entries for DeleteSession")
	}
}

func testDeleteSessions(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	exp := Epoch.Add(time.Hour)
	NewSession(t, s, u.ID, "a", exp)
	NewSession(t, s, u.ID, "b", exp)
	NewSession(t, s, u.ID, "expired", Epoch.Add(-time.Hour))
	vs := NewSession(t, s, v.ID, "v", exp)
	n, err := s.DeleteSessions(ctx, u.ID, entry(grimbots.AuditLogoutAll, &u.ID, &u.ID, Epoch))
	Must(t, err)
	if n != 3 {
		t.Errorf("DeleteSessions = %d, want 3", n)
	}
	list, err := s.ListSessions(ctx, u.ID, Epoch.Add(-2*time.Hour))
	Must(t, err)
	if len(list) != 0 {
		t.Errorf("%d sessions left", len(list))
	}
	list, err = s.ListSessions(ctx, v.ID, Epoch)
	Must(t, err)
	wantIDs(t, "other user's sessions", SessionIDs(list), []int64{vs.ID})
	if n, err = s.DeleteSessions(ctx, u.ID); err != nil || n != 0 {
		t.Errorf("second DeleteSessions = %d, %v; want 0", n, err)
	}
	if auditCount(t, s, grimbots.AuditLogoutAll) != 1 {
		t.Error("logout-all audit entry missing")
	}
}

func testListSessions(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	old := NewSession(t, s, u.ID, "old", Epoch.Add(time.Hour))
	mid := &grimbots.Session{TokenHash: "mid", IP: "192.0.2.1", UserAgent: "curl/8", CreatedAt: Epoch,
		LastSeenAt: Epoch.Add(time.Minute), ExpiresAt: Epoch.Add(2 * time.Hour)}
	Must(t, s.RecordLogin(ctx, u.ID, mid))
	NewSession(t, s, u.ID, "expired", Epoch)
	list, err := s.ListSessions(ctx, u.ID, Epoch)
	Must(t, err)
	wantIDs(t, "live sessions", SessionIDs(list), []int64{mid.ID, old.ID})
	if len(list) == 2 {
		SameSession(t, list[0], mid)
		SameSession(t, list[1], old)
	}
	list, err = s.ListSessions(ctx, u.ID, Epoch.Add(90*time.Minute))
	Must(t, err)
	wantIDs(t, "sessions later", SessionIDs(list), []int64{mid.ID})
	list, err = s.ListSessions(ctx, 999, Epoch)
	Must(t, err)
	if len(list) != 0 {
		t.Errorf("sessions of an unknown user: %d", len(list))
	}
}

func testDeleteExpiredSessions(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	now := Epoch.Add(time.Hour)
	NewSession(t, s, u.ID, "e1", Epoch)
	NewSession(t, s, u.ID, "e2", now) // expires exactly now: expired
	live := NewSession(t, s, u.ID, "live", now.Add(time.Microsecond))
	NewPasswordReset(t, s, u.ID, "re", Epoch.Add(time.Minute))
	NewPasswordReset(t, s, u.ID, "rl", now.Add(time.Hour))
	n, err := s.DeleteExpiredSessions(ctx, now)
	Must(t, err)
	if n != 3 {
		t.Errorf("DeleteExpiredSessions = %d, want 3", n)
	}
	list, err := s.ListSessions(ctx, u.ID, Epoch.Add(-time.Hour))
	Must(t, err)
	wantIDs(t, "sessions left", SessionIDs(list), []int64{live.ID})
	if _, err := s.UsePasswordReset(ctx, "rl", "h", now); err != nil {
		t.Errorf("live reset after cleanup: %v", err)
	}
	if n, err = s.DeleteExpiredSessions(ctx, now); err != nil || n != 0 {
		t.Errorf("second DeleteExpiredSessions = %d, %v", n, err)
	}
}

// ---------------------------------------------------------------------------
// API tokens

func testAPITokenCreate(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	exp := Epoch.Add(90 * 24 * time.Hour)
	details := map[string]any{"name": "ci"}
	tok := &grimbots.APIToken{UserID: u.ID, Name: "CI deploy", TokenHash: "hash-ci", Prefix: "gb_AbCd", CreatedAt: Epoch, ExpiresAt: &exp}
	ae := entry(grimbots.AuditAPITokenCreate, &u.ID, &u.ID, Epoch)
	ae.Details = details
	Must(t, s.CreateAPIToken(ctx, tok, ae))
	if tok.ID <= 0 {
		t.Fatalf("token id %d", tok.ID)
	}
	forever := NewAPIToken(t, s, u.ID, "hash-forever", nil)

	gt, gu, err := s.APITokenByHash(ctx, "hash-ci", Epoch)
	Must(t, err)
	SameAPIToken(t, gt, tok)
	SameUser(t, gu, u)
	gt, _, err = s.APITokenByHash(ctx, "hash-forever", Epoch.Add(100*365*24*time.Hour))
	Must(t, err)
	SameAPIToken(t, gt, forever)
	_, _, err = s.APITokenByHash(ctx, "unknown", Epoch)
	WantCode(t, err, grimbots.ENOTFOUND)

	es, _, err := s.ListAudit(ctx, grimbots.AuditFilter{Action: grimbots.AuditAPITokenCreate})
	Must(t, err)
	if len(es) != 1 {
		t.Fatalf("%d token audit entries", len(es))
	}
	// The token id is added to the details; JSON numbers decode as float64.
	if es[0].Details["token_id"] != float64(tok.ID) || es[0].Details["name"] != "ci" {
		t.Errorf("audit details = %v", es[0].Details)
	}
	// A duplicate hash is refused.
	if err := s.CreateAPIToken(ctx, &grimbots.APIToken{UserID: u.ID, Name: "dup", TokenHash: "hash-ci", Prefix: "x", CreatedAt: Epoch}); err == nil {
		t.Error("duplicate token hash accepted")
	}
}

func testAPITokenExpired(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	exp := Epoch.Add(time.Hour)
	NewAPIToken(t, s, u.ID, "tok", &exp)
	if _, _, err := s.APITokenByHash(ctx, "tok", exp.Add(-time.Microsecond)); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	for _, now := range []time.Time{exp, exp.Add(time.Second), exp.Add(time.Hour).In(brt)} {
		_, _, err := s.APITokenByHash(ctx, "tok", now)
		WantCode(t, err, grimbots.ENOTFOUND)
	}
	// Expired tokens are still listed, so their owner sees and removes them.
	list, err := s.ListAPITokens(ctx, u.ID)
	Must(t, err)
	if len(list) != 1 {
		t.Errorf("ListAPITokens = %d tokens, want 1", len(list))
	}
}

func testAPITokenTouch(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	tok := NewAPIToken(t, s, u.ID, "tok", nil)
	if tok.LastUsedAt != nil {
		t.Fatal("new token has LastUsedAt")
	}
	used := Epoch.Add(5 * time.Minute)
	Must(t, s.TouchAPIToken(ctx, tok.ID, used))
	gt, _, err := s.APITokenByHash(ctx, "tok", used)
	Must(t, err)
	WantTimePtr(t, "LastUsedAt", gt.LastUsedAt, &used)
	list, err := s.ListAPITokens(ctx, u.ID)
	Must(t, err)
	if len(list) == 1 {
		WantTimePtr(t, "listed LastUsedAt", list[0].LastUsedAt, &used)
	}
	Must(t, s.TouchAPIToken(ctx, 999, used))
}

func testAPITokenListDelete(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	a := NewAPIToken(t, s, u.ID, "a", nil)
	b := NewAPIToken(t, s, u.ID, "b", Ptr(Epoch.Add(time.Hour)))
	c := NewAPIToken(t, s, u.ID, "c", nil)
	vt := NewAPIToken(t, s, v.ID, "v", nil)
	list, err := s.ListAPITokens(ctx, u.ID)
	Must(t, err)
	wantIDs(t, "tokens", APITokenIDs(list), []int64{c.ID, b.ID, a.ID})
	if len(list) == 3 {
		SameAPIToken(t, list[1], b)
	}
	Must(t, s.DeleteAPIToken(ctx, u.ID, b.ID, entry(grimbots.AuditAPITokenRevoke, &u.ID, &u.ID, Epoch)))
	list, err = s.ListAPITokens(ctx, u.ID)
	Must(t, err)
	wantIDs(t, "tokens after delete", APITokenIDs(list), []int64{c.ID, a.ID})
	if _, _, err := s.APITokenByHash(ctx, "b", Epoch); grimbots.ErrorCode(err) != grimbots.ENOTFOUND {
		t.Errorf("deleted token found: %v", err)
	}
	err = s.DeleteAPIToken(ctx, u.ID, b.ID, entry("test.revoke_again", &u.ID, &u.ID, Epoch))
	WantCode(t, err, grimbots.ENOTFOUND)
	if auditCount(t, s, grimbots.AuditAPITokenRevoke) != 1 || auditCount(t, s, "test.revoke_again") != 0 {
		t.Error("wrong audit entries for DeleteAPIToken")
	}
	list, err = s.ListAPITokens(ctx, v.ID)
	Must(t, err)
	wantIDs(t, "other user's tokens", APITokenIDs(list), []int64{vt.ID})
	list, err = s.ListAPITokens(ctx, 999)
	Must(t, err)
	if len(list) != 0 {
		t.Errorf("tokens of an unknown user: %d", len(list))
	}
}

// ---------------------------------------------------------------------------
// Password resets

func testPasswordResetUse(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	v := NewUser(t, s, "other")
	exp := Epoch.Add(time.Hour)
	NewSession(t, s, u.ID, "s1", exp.Add(time.Hour))
	NewSession(t, s, u.ID, "s2", exp.Add(time.Hour))
	vs := NewSession(t, s, v.ID, "vs", exp.Add(time.Hour))
	r := NewPasswordReset(t, s, u.ID, "reset-1", exp)
	if r.ID <= 0 {
		t.Fatalf("reset id %d", r.ID)
	}
	NewPasswordReset(t, s, u.ID, "reset-2", exp)
	NewPasswordReset(t, s, v.ID, "reset-v", exp)

	now := Epoch.Add(10 * time.Minute)
	got, err := s.UsePasswordReset(ctx, "reset-1", "new-hash", now, entry(grimbots.AuditPasswordReset, nil, nil, now))
	Must(t, err)
	want := *u
	want.PasswordHash, want.PasswordChangedAt, want.UpdatedAt, want.LastLoginAt = "new-hash", now, now, &Epoch
	SameUser(t, got, &want)
	stored, err := s.UserByID(ctx, u.ID)
	Must(t, err)
	SameUser(t, stored, &want)

	list, err := s.ListSessions(ctx, u.ID, now)
	Must(t, err)
	if len(list) != 0 {
		t.Errorf("%d sessions survive a password reset", len(list))
	}
	// Other tickets of the user are void; another user's are untouched.
	_, err = s.UsePasswordReset(ctx, "reset-2", "x", now)
	WantCode(t, err, grimbots.EGONE)
	list, err = s.ListSessions(ctx, v.ID, now)
	Must(t, err)
	wantIDs(t, "other user's sessions", SessionIDs(list), []int64{vs.ID})
	if _, err := s.UsePasswordReset(ctx, "reset-v", "v-hash", now); err != nil {
		t.Errorf("other user's reset: %v", err)
	}

	es, _, err := s.ListAudit(ctx, grimbots.AuditFilter{Action: grimbots.AuditPasswordReset})
	Must(t, err)
	if len(es) != 1 || es[0].ActorID == nil || *es[0].ActorID != u.ID || es[0].TargetUserID == nil || *es[0].TargetUserID != u.ID {
		t.Errorf("reset audit entries = %+v", es)
	}
}

func testPasswordResetSingleUse(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	NewPasswordReset(t, s, u.ID, "r", Epoch.Add(time.Hour))
	_, err := s.UsePasswordReset(ctx, "r", "first", Epoch)
	Must(t, err)
	_, err = s.UsePasswordReset(ctx, "r", "second", Epoch, entry("test.reset_again", nil, nil, Epoch))
	WantCode(t, err, grimbots.EGONE)
	got, err := s.UserByID(ctx, u.ID)
	Must(t, err)
	if got.PasswordHash != "first" {
		t.Errorf("password hash = %q after a refused second use", got.PasswordHash)
	}
	if auditCount(t, s, "test.reset_again") != 0 {
		t.Error("refused reset wrote an audit entry")
	}
}

func testPasswordResetExpired(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	exp := Epoch.Add(time.Hour)
	NewPasswordReset(t, s, u.ID, "r", exp)
	NewSession(t, s, u.ID, "s", exp.Add(time.Hour))
	for _, now := range []time.Time{exp, exp.Add(time.Minute), exp.Add(time.Hour).In(brt)} {
		_, err := s.UsePasswordReset(ctx, "r", "new", now)
		WantCode(t, err, grimbots.EGONE)
	}
	got, err := s.UserByID(ctx, u.ID)
	Must(t, err)
	if got.PasswordHash != u.PasswordHash {
		t.Error("expired reset changed the password")
	}
	if list, _ := s.ListSessions(ctx, u.ID, Epoch); len(list) != 1 {
		t.Error("expired reset ended sessions")
	}
	// Still usable just before expiry.
	if _, err := s.UsePasswordReset(ctx, "r", "new", exp.Add(-time.Microsecond)); err != nil {
		t.Errorf("a microsecond before expiry: %v", err)
	}
}

func testPasswordResetUnknown(t *testing.T, s *store.Store) {
	_, err := s.UsePasswordReset(t.Context(), "nope", "h", Epoch)
	WantCode(t, err, grimbots.EGONE)
}

func testPasswordResetConcurrent(t *testing.T, s *store.Store) {
	u := NewUser(t, s, "maria")
	NewPasswordReset(t, s, u.ID, "race", Epoch.Add(time.Hour))
	const n = 10
	var wg sync.WaitGroup
	results := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := s.UsePasswordReset(context.Background(), "race", fmt.Sprintf("hash-%d", i), Epoch,
				entry(grimbots.AuditPasswordReset, nil, nil, Epoch))
			results <- err
		})
	}
	wg.Wait()
	close(results)
	ok, gone := 0, 0
	for err := range results {
		switch grimbots.ErrorCode(err) {
		case "":
			ok++
		case grimbots.EGONE:
			gone++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || gone != n-1 {
		t.Fatalf("%d successes and %d EGONE, want 1 and %d", ok, gone, n-1)
	}
	if c := auditCount(t, s, grimbots.AuditPasswordReset); c != 1 {
		t.Errorf("%d reset audit entries, want 1", c)
	}
}

// ---------------------------------------------------------------------------
// Audit

func testAuditAppendList(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	es, n, err := s.ListAudit(ctx, grimbots.AuditFilter{})
	Must(t, err)
	if n != 0 || len(es) != 0 {
		t.Fatalf("empty log has %d entries", n)
	}
	first := grimbots.AuditEntry{Action: grimbots.AuditLoginFailed, IP: "203.0.113.9", UserAgent: "bot/1",
		CreatedAt: Epoch, Details: map[string]any{"login": "maria"}}
	second := grimbots.AuditEntry{ActorID: &u.ID, TargetUserID: &u.ID, Action: grimbots.AuditLogin,
		CreatedAt: Epoch.Add(time.Second)}
	Must(t, s.AppendAudit(ctx, first, second))
	Must(t, s.AppendAudit(ctx)) // nothing to append
	es, n, err = s.ListAudit(ctx, grimbots.AuditFilter{})
	Must(t, err)
	if n != 2 || len(es) != 2 {
		t.Fatalf("ListAudit = %d entries, total %d", len(es), n)
	}
	g2, g1 := es[0], es[1] // newest first
	if g1.ID <= 0 || g2.ID <= g1.ID {
		t.Errorf("ids %d, %d", g1.ID, g2.ID)
	}
	if g1.ActorID != nil || g1.TargetUserID != nil || g1.Action != first.Action || g1.IP != first.IP ||
		g1.UserAgent != first.UserAgent || !reflect.DeepEqual(g1.Details, first.Details) {
		t.Errorf("first entry = %+v", *g1)
	}
	WantTime(t, "first CreatedAt", g1.CreatedAt, Epoch)
	if g2.ActorID == nil || *g2.ActorID != u.ID || g2.TargetUserID == nil || *g2.TargetUserID != u.ID ||
		g2.Action != grimbots.AuditLogin || g2.IP != "" || len(g2.Details) != 0 {
		t.Errorf("second entry = %+v", *g2)
	}
	WantTime(t, "second CreatedAt", g2.CreatedAt, Epoch.Add(time.Second))
	// A non-UTC time is stored as the same instant.
	Must(t, s.AppendAudit(ctx, grimbots.AuditEntry{Action: "test.brt", CreatedAt: Epoch.In(brt)}))
	es, _, err = s.ListAudit(ctx, grimbots.AuditFilter{Action: "test.brt"})
	Must(t, err)
	if len(es) == 1 {
		WantTime(t, "BRT CreatedAt", es[0].CreatedAt, Epoch)
	}
}

func testAuditFilters(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := NewUser(t, s, "alpha")
	b := NewUser(t, s, "bravo")
	c := NewUser(t, s, "charlie")
	Must(t, s.AppendAudit(ctx,
		entry("e1.login", &a.ID, &a.ID, Epoch),
		entry("e2.ban", &b.ID, &a.ID, Epoch),   // a is the target
		entry("e3.ban", &a.ID, &c.ID, Epoch),   // a is the actor
		entry("e4.login", &b.ID, &b.ID, Epoch), // not a
		entry("e5.anon", nil, nil, Epoch),      // nobody
		entry("e6.login", nil, &a.ID, Epoch),   // a is the target, no actor
		entry("e7.login", &c.ID, nil, Epoch),   // c, no target
	))
	tests := []struct {
		f    grimbots.AuditFilter
		want []string
	}{
		{grimbots.AuditFilter{}, []string{"e7.login", "e6.login", "e5.anon", "e4.login", "e3.ban", "e2.ban", "e1.login"}},
		{grimbots.AuditFilter{UserID: &a.ID}, []string{"e6.login", "e3.ban", "e2.ban", "e1.login"}},
		{grimbots.AuditFilter{UserID: &b.ID}, []string{"e4.login", "e2.ban"}},
		{grimbots.AuditFilter{UserID: &c.ID}, []string{"e7.login", "e3.ban"}},
		{grimbots.AuditFilter{Action: "e3.ban"}, []string{"e3.ban"}},
		{grimbots.AuditFilter{UserID: &a.ID, Action: "e2.ban"}, []string{"e2.ban"}},
		{grimbots.AuditFilter{UserID: &b.ID, Action: "e1.login"}, nil},
		{grimbots.AuditFilter{UserID: Ptr(int64(999))}, nil},
		{grimbots.AuditFilter{Action: "e%"}, nil},
	}
	for _, tt := range tests {
		es, n, err := s.ListAudit(ctx, tt.f)
		Must(t, err)
		if got := auditActions(es); !slices.Equal(got, tt.want) || n != len(tt.want) {
			t.Errorf("ListAudit(user=%v, action=%q) = %v (total %d), want %v", ptrStr(tt.f.UserID), tt.f.Action, got, n, tt.want)
		}
	}
}

func ptrStr(p *int64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func testAuditPagination(t *testing.T, s *store.Store) {
	ctx := t.Context()
	var all []string
	for i := range 6 {
		a := fmt.Sprintf("page.%d", i)
		all = append([]string{a}, all...)
		Must(t, s.AppendAudit(ctx, entry(a, nil, nil, Epoch.Add(time.Duration(i)*time.Second))))
	}
	for _, tt := range []struct {
		limit, offset int
		want          []string
	}{
		{2, 0, all[:2]}, {2, 2, all[2:4]}, {4, 4, all[4:]}, {2, 6, nil}, {0, 0, all}, {500, 1, all[1:]},
	} {
		es, n, err := s.ListAudit(ctx, grimbots.AuditFilter{Limit: tt.limit, Offset: tt.offset})
		Must(t, err)
		if got := auditActions(es); !slices.Equal(got, tt.want) || n != 6 {
			t.Errorf("ListAudit(limit=%d, offset=%d) = %v (total %d), want %v (total 6)", tt.limit, tt.offset, got, n, tt.want)
		}
	}
}

func testAuditDetails(t *testing.T, s *store.Store) {
	ctx := t.Context()
	details := map[string]any{
		"string":  "olá, mundo — ção",
		"number":  float64(1234.5),
		"int":     float64(42),
		"bool":    true,
		"null":    nil,
		"list":    []any{"a", float64(1), false},
		"nested":  map[string]any{"k": "v", "deeper": map[string]any{"n": float64(-1)}},
		"quote":   `he said "hi" \ bye`,
		"empty":   "",
		"unicode": "🤖",
	}
	Must(t, s.AppendAudit(ctx, grimbots.AuditEntry{Action: "test.details", Details: details, CreatedAt: Epoch}))
	es, _, err := s.ListAudit(ctx, grimbots.AuditFilter{Action: "test.details"})
	Must(t, err)
	if len(es) != 1 {
		t.Fatalf("%d entries", len(es))
	}
	if !reflect.DeepEqual(es[0].Details, details) {
		t.Errorf("details round trip:\n got %#v\nwant %#v", es[0].Details, details)
	}
	// Values that JSON cannot encode are refused, and nothing is written.
	err = s.AppendAudit(ctx, grimbots.AuditEntry{Action: "test.bad_details", Details: map[string]any{"f": func() {}}, CreatedAt: Epoch})
	if err == nil {
		t.Error("unencodable details accepted")
	}
	if auditCount(t, s, "test.bad_details") != 0 {
		t.Error("entry with unencodable details written")
	}
}

func testAuditUserAgent(t *testing.T, s *store.Store) {
	ctx := t.Context()
	long := strings.Repeat("a", 511) + "çççç"
	Must(t, s.AppendAudit(ctx, grimbots.AuditEntry{Action: "test.ua", UserAgent: long, CreatedAt: Epoch}))
	Must(t, s.AppendAudit(ctx, grimbots.AuditEntry{Action: "test.ua_invalid", UserAgent: "bad \xff\xfe utf8", CreatedAt: Epoch}))
	es, _, err := s.ListAudit(ctx, grimbots.AuditFilter{Action: "test.ua"})
	Must(t, err)
	if len(es) != 1 || es[0].UserAgent != strings.Repeat("a", 511) {
		t.Errorf("truncated user agent = %q (%d bytes)", es[0].UserAgent, len(es[0].UserAgent))
	}
	es, _, err = s.ListAudit(ctx, grimbots.AuditFilter{Action: "test.ua_invalid"})
	Must(t, err)
	if len(es) != 1 || es[0].UserAgent != "bad \uFFFD utf8" {
		t.Errorf("invalid UTF-8 user agent stored as %q", es[0].UserAgent)
	}
}

// testAuditAtomic checks that the audit entries given to a mutating method
// are written in its transaction: when the mutation fails, no entry appears.
func testAuditAtomic(t *testing.T, s *store.Store) {
	ctx := t.Context()
	u := NewUser(t, s, "maria")
	other := NewUser(t, s, "other")
	otherSess := NewSession(t, s, other.ID, "other-session", Epoch.Add(time.Hour))
	otherTok := NewAPIToken(t, s, other.ID, "other-token", nil)
	e := func(action string) grimbots.AuditEntry { return entry(action, &u.ID, &u.ID, Epoch) }
	fails := map[string]func() error{
		"CreateUser": func() error {
			return s.CreateUser(ctx, &grimbots.User{Email: u.Email, Username: "new", PasswordHash: "h", Role: grimbots.RoleSeller,
				TimeZone: grimbots.DefaultTimeZone, PasswordChangedAt: Epoch, CreatedAt: Epoch, UpdatedAt: Epoch}, e("atomic.create_user"))
		},
		"SetPassword": func() error { return s.SetPassword(ctx, 999, "h", 0, Epoch, e("atomic.set_password")) },
		"SetBanned":   func() error { return s.SetBanned(ctx, 999, true, "r", Epoch, e("atomic.set_banned")) },
		"SetRole":     func() error { return s.SetRole(ctx, 999, grimbots.RoleAdmin, Epoch, e("atomic.set_role")) },
		"RecordLogin": func() error {
			return s.RecordLogin(ctx, 999, &grimbots.Session{TokenHash: "x", CreatedAt: Epoch, LastSeenAt: Epoch, ExpiresAt: Epoch},
				e("atomic.record_login"))
		},
		"DeleteSession":  func() error { return s.DeleteSession(ctx, u.ID, otherSess.ID, e("atomic.delete_session")) },
		"DeleteAPIToken": func() error { return s.DeleteAPIToken(ctx, u.ID, otherTok.ID, e("atomic.delete_api_token")) },
		"CreateAPIToken": func() error {
			// Duplicate hash.
			return s.CreateAPIToken(ctx, &grimbots.APIToken{UserID: u.ID, Name: "dup", TokenHash: otherTok.TokenHash, Prefix: "x",
				CreatedAt: Epoch}, e("atomic.create_api_token"))
		},
		"CreatePasswordReset": func() error {
			return s.CreatePasswordReset(ctx, &grimbots.PasswordReset{UserID: 999, TokenHash: "r", CreatedAt: Epoch, ExpiresAt: Epoch}, nil,
				e("atomic.create_password_reset"))
		},
		"UsePasswordReset": func() error {
			_, err := s.UsePasswordReset(ctx, "unknown", "h", Epoch, e("atomic.use_password_reset"))
			return err
		},
		// The mutation succeeds but a later audit entry fails (unknown actor,
		// a foreign-key violation): the whole transaction rolls back.
		"DeleteSessions": func() error {
			NewSession(t, s, u.ID, "mine", Epoch.Add(time.Hour))
			_, err := s.DeleteSessions(ctx, u.ID, e("atomic.delete_sessions"),
				entry("atomic.delete_sessions_bad", Ptr(int64(999)), nil, Epoch))
			return err
		},
	}
	for name, f := range fails {
		if err := f(); err == nil {
			t.Errorf("%s: expected a failure", name)
		}
	}
	es, _, err := s.ListAudit(ctx, grimbots.AuditFilter{Limit: 200})
	Must(t, err)
	for _, e := range es {
		if strings.HasPrefix(e.Action, "atomic.") {
			t.Errorf("audit entry %q written by a failed mutation", e.Action)
		}
	}
	// The rolled-back DeleteSessions deleted nothing.
	list, err := s.ListSessions(ctx, u.ID, Epoch)
	Must(t, err)
	if len(list) != 1 {
		t.Errorf("%d sessions after a rolled-back DeleteSessions, want 1", len(list))
	}
	// The other user's rows are untouched.
	if _, _, err := s.SessionByTokenHash(ctx, otherSess.TokenHash, Epoch); err != nil {
		t.Errorf("other session: %v", err)
	}
	if _, _, err := s.APITokenByHash(ctx, otherTok.TokenHash, Epoch); err != nil {
		t.Errorf("other token: %v", err)
	}
}
