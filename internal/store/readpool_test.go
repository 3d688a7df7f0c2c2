package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/store"
	"github.com/grimbots/grimbots/internal/store/storetest"
	"github.com/grimbots/grimbots/internal/testenv"
)

// deadReplica is a PostgreSQL URL nothing listens on.
const deadReplica = "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=1"

func TestSQLiteReadsUseTheReaderPool(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openMigrated(t, testenv.SQLiteURL(t))
	s := store.New(db)
	pools := db.Pools()
	writer, readers := pools["primary"], pools["readers"]
	if writer == nil || readers == nil || len(pools) != 2 {
		t.Fatalf("pools = %v", pools)
	}
	if n := writer.Stats().MaxOpenConnections; n != 1 {
		t.Fatalf("the SQLite writer pool allows %d connections, want 1", n)
	}
	if n := readers.Stats().OpenConnections; n != 0 {
		t.Fatalf("the reader pool has %d connections before any read", n)
	}

	// Every read right after a write sees it.
	for i := range 25 {
		u := storetest.NewUser(t, s, fmt.Sprintf("rw%d", i))
		got, err := s.UserByID(ctx, u.ID)
		storetest.Must(t, err)
		storetest.SameUser(t, got, u)
		sess := storetest.NewSession(t, s, u.ID, fmt.Sprintf("session-%d", i), storetest.Epoch.Add(time.Hour))
		if _, _, err := s.SessionByTokenHash(ctx, sess.TokenHash, storetest.Epoch); err != nil {
			t.Fatalf("session %d not seen right after login: %v", i, err)
		}
		storetest.Must(t, s.SetRole(ctx, u.ID, grimbots.RoleAdmin, storetest.Epoch))
		if got, err := s.UserByID(ctx, u.ID); err != nil || got.Role != grimbots.RoleAdmin {
			t.Fatalf("role change not seen right after the write: %v, %v", got, err)
		}
	}
	if n := readers.Stats().OpenConnections; n == 0 {
		t.Fatal("reads did not use the reader pool")
	}

	// The reader pool is read-only: a write through it fails.
	if _, err := readers.ExecContext(ctx, `UPDATE users SET full_name = 'x'`); err == nil {
		t.Fatal("the reader pool accepted a write")
	}
	for _, st := range db.PingReaders(ctx) {
		if st.Name != "readers" || st.Err != nil {
			t.Errorf("PingReaders: %+v", st)
		}
	}
}

func TestPostgresReplicaSameDatabase(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := testenv.PostgresURL(t)
	openMigrated(t, url)
	db := openDB(t, store.Config{URL: url, ReplicaURLs: []string{url, url}})
	s := store.New(db)
	pools := db.Pools()
	if len(pools) != 3 || pools["replica1"] == nil || pools["replica2"] == nil {
		t.Fatalf("pools = %v", pools)
	}
	u := storetest.NewUser(t, s, "maria")
	sess := storetest.NewSession(t, s, u.ID, "sess", storetest.Epoch.Add(time.Hour))
	for range 6 { // round-robin over both replicas
		got, err := s.UserByID(ctx, u.ID)
		storetest.Must(t, err)
		if got.Email != u.Email {
			t.Fatalf("UserByID through a replica = %+v", got)
		}
		if _, _, err := s.SessionByTokenHash(ctx, sess.TokenHash, storetest.Epoch); err != nil {
			t.Fatal(err)
		}
		if _, total, err := s.FindUsers(ctx, grimbots.UserFilter{}); err != nil || total != 1 {
			t.Fatalf("FindUsers through a replica = %d, %v", total, err)
		}
	}
	for _, name := range []string{"replica1", "replica2"} {
		if pools[name].Stats().OpenConnections == 0 {
			t.Errorf("%s was never used", name)
		}
	}
	for _, st := range db.PingReaders(ctx) {
		if st.Err != nil {
			t.Errorf("PingReaders: %s: %v", st.Name, st.Err)
		}
	}
	// A missing row is reported as such, not retried into an error.
	_, err := s.UserByID(ctx, 999)
	storetest.WantCode(t, err, grimbots.ENOTFOUND)
}

func TestPostgresDeadReplicaFallsBackToPrimary(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := testenv.PostgresURL(t)
	openMigrated(t, url)
	for _, replicas := range [][]string{{deadReplica}, {deadReplica, url}} {
		t.Run(fmt.Sprintf("%d replicas", len(replicas)), func(t *testing.T) {
			db := openDB(t, store.Config{URL: url, ReplicaURLs: replicas})
			s := store.New(db)
			u := storetest.NewUser(t, s, fmt.Sprintf("maria%d", len(replicas)))
			tok := storetest.NewAPIToken(t, s, u.ID, fmt.Sprintf("tok%d", len(replicas)), nil)
			sess := storetest.NewSession(t, s, u.ID, fmt.Sprintf("sess%d", len(replicas)), storetest.Epoch.Add(time.Hour))
			for range 4 {
				got, err := s.UserByID(ctx, u.ID)
				if err != nil || got.ID != u.ID {
					t.Fatalf("UserByID with a dead replica = %v, %v", got, err)
				}
				if _, _, err := s.SessionByTokenHash(ctx, sess.TokenHash, storetest.Epoch); err != nil {
					t.Fatalf("SessionByTokenHash with a dead replica: %v", err)
				}
				if _, _, err := s.APITokenByHash(ctx, tok.TokenHash, storetest.Epoch); err != nil {
					t.Fatalf("APITokenByHash with a dead replica: %v", err)
				}
				if list, err := s.ListSessions(ctx, u.ID, storetest.Epoch); err != nil || len(list) != 1 {
					t.Fatalf("ListSessions with a dead replica = %d, %v", len(list), err)
				}
				if list, err := s.ListAPITokens(ctx, u.ID); err != nil || len(list) != 1 {
					t.Fatalf("ListAPITokens with a dead replica = %d, %v", len(list), err)
				}
				if _, _, err := s.FindUsers(ctx, grimbots.UserFilter{}); err != nil {
					t.Fatalf("FindUsers with a dead replica: %v", err)
				}
				if _, _, err := s.ListAudit(ctx, grimbots.AuditFilter{}); err != nil {
					t.Fatalf("ListAudit with a dead replica: %v", err)
				}
				_, err = s.UserByID(ctx, 999)
				storetest.WantCode(t, err, grimbots.ENOTFOUND)
			}
			pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			statuses := db.PingReaders(pingCtx)
			if len(statuses) != len(replicas) {
				t.Fatalf("PingReaders = %+v", statuses)
			}
			if statuses[0].Name != "replica1" || statuses[0].Err == nil {
				t.Errorf("dead replica status = %+v, want replica1 with an error", statuses[0])
			}
			if len(statuses) > 1 && (statuses[1].Name != "replica2" || statuses[1].Err != nil) {
				t.Errorf("live replica status = %+v", statuses[1])
			}
			// The primary itself is fine.
			storetest.Must(t, db.Ping(ctx))
		})
	}
}

func TestOpenRejectsBadReplicaURL(t *testing.T) {
	t.Parallel()
	_, err := store.Open(context.Background(), store.Config{URL: "postgres://postgres@127.0.0.1:1/x?connect_timeout=1",
		ReplicaURLs: []string{"mysql://nope"}})
	if err == nil {
		t.Fatal("Open accepted a non-postgres replica URL")
	}
}
