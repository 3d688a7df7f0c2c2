package ops

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDailyAtNext(t *testing.T) {
	d := dailyAt{6, 0}
	tests := []struct{ now, want string }{
		{"2025-11-20T05:59:59Z", "2025-11-20T06:00:00Z"},
		{"2025-11-20T06:00:00Z", "2025-11-21T06:00:00Z"}, // strictly after
		{"2025-11-20T23:30:00Z", "2025-11-21T06:00:00Z"},
		{"2025-12-31T07:00:00Z", "2026-01-01T06:00:00Z"},
		{"2025-11-20T02:30:00-03:00", "2025-11-20T06:00:00Z"}, // any zone in, UTC out
	}
	for _, tt := range tests {
		now, _ := time.Parse(time.RFC3339, tt.now)
		if got := d.Next(now).Format(time.RFC3339); got != tt.want {
			t.Errorf("Next(%s) = %s, want %s", tt.now, got, tt.want)
		}
	}
}

func TestPreviousDayIsBrazilian(t *testing.T) {
	// 00:05 in Brazil is 03:05 UTC: the day that just ended there.
	at := time.Date(2025, 11, 21, 3, 5, 0, 0, time.UTC)
	if got := previousDay(at).Format(time.RFC3339); got != "2025-11-20T00:00:00-03:00" {
		t.Fatalf("previousDay = %s", got)
	}
	// 02:00 UTC is still the 20th in Brazil.
	if got := previousDay(time.Date(2025, 11, 21, 2, 0, 0, 0, time.UTC)).Format(time.DateOnly); got != "2025-11-19" {
		t.Fatalf("previousDay = %s", got)
	}
	if next := snapshotSchedule.Next(time.Date(2025, 11, 20, 12, 0, 0, 0, time.UTC)).In(brt); next.Hour() != 0 || next.Minute() != 5 {
		t.Fatalf("the snapshot runs at %s in Brazil, want 00:05", next.Format("15:04"))
	}
}

func TestRankingSnapshotHooks(t *testing.T) {
	ctx := context.Background()
	s := New(nil, Config{}, nil, nil)
	day := time.Date(2025, 11, 20, 0, 0, 0, 0, brt)
	if err := s.RankingSnapshot(ctx, day); err != nil {
		t.Fatalf("with no hook: %v", err)
	}
	var got []string
	s.RankingHooks().Add("ranking", func(_ context.Context, d time.Time) error {
		got = append(got, "ranking "+d.Format(time.DateOnly))
		return nil
	})
	s.RankingHooks().Add("broken", func(context.Context, time.Time) error { return errors.New("boom") })
	s.RankingHooks().Add("badges", func(_ context.Context, d time.Time) error {
		got = append(got, "badges "+d.Format(time.DateOnly))
		return nil
	})
	err := s.RankingSnapshot(ctx, day)
	if err == nil || !strings.Contains(err.Error(), "ranking snapshot broken: boom") {
		t.Fatalf("err = %v, want the broken hook's error", err)
	}
	if want := []string{"ranking 2025-11-20", "badges 2025-11-20"}; !slices.Equal(got, want) {
		t.Fatalf("hooks called: %v, want %v (a failing hook does not stop the others)", got, want)
	}
	if names := s.RankingHooks().Names(); !slices.Equal(names, []string{"ranking", "broken", "badges"}) {
		t.Fatalf("Names = %v", names)
	}
}

func TestPeriodicJobs(t *testing.T) {
	if n := len(PeriodicJobs(6)); n != 3 {
		t.Fatalf("%d periodic jobs with a backup hour, want 3", n)
	}
	if n := len(PeriodicJobs(-1)); n != 2 {
		t.Fatalf("%d periodic jobs with backups off, want 2", n)
	}
}

func TestPGDumpArgs(t *testing.T) {
	args, env, err := pgDumpArgs("postgres://app:s3cr%40t@db.internal:5433/grimbots?sslmode=require&search_path=t_1,extra" +
		"&pool_max_conns=10&default_query_exec_mode=exec&application_name=grimbots")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"--schema=extra", "--schema=t_1",
		"--dbname=postgres://app@db.internal:5433/grimbots?application_name=grimbots&sslmode=require"}
	if !slices.Equal(args, want) {
		t.Fatalf("args:\n got %q\nwant %q", args, want)
	}
	if !slices.Equal(env, []string{"PGPASSWORD=s3cr@t"}) {
		t.Fatalf("env = %q", env)
	}
	for _, a := range args {
		if strings.Contains(a, "s3cr") {
			t.Fatalf("the password is on the command line: %q", a)
		}
	}
	args, env, err = pgDumpArgs("postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	if err != nil || len(env) != 0 || !slices.Equal(args, []string{"--dbname=postgres://postgres@127.0.0.1:5432/test?sslmode=disable"}) {
		t.Fatalf("plain URL: %q %q %v", args, env, err)
	}
}
