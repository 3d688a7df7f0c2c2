package ops

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNoPGDump means pg_dump was not found, so a PostgreSQL database cannot
// be backed up from this machine.
var ErrNoPGDump = errors.New("backup: pg_dump not found on PATH: install the PostgreSQL client tools " +
	"(Debian: postgresql-client) of the server's major version or newer")

// backupName matches the files Backup writes (and only those are pruned).
var backupName = regexp.MustCompile(`^grimbots-\d{8}-\d{6}(-\d+)?\.(db|dump)$`)

// Backup writes a consistent backup of the database into the backup
// directory, then deletes the oldest backups beyond BackupKeep. SQLite is
// copied online with VACUUM INTO (grimbots-YYYYMMDD-HHMMSS.db); PostgreSQL
// is dumped with pg_dump --format=custom (….dump, restored with
// pg_restore), which must be on PATH (ErrNoPGDump otherwise). The file is
// written under a temporary name and renamed once complete, readable by
// the owner only. It returns the backup's path.
func (s *Service) Backup(ctx context.Context) (string, error) {
	if err := os.MkdirAll(s.cfg.BackupDir, 0o700); err != nil {
		return "", fmt.Errorf("backup: creating %s: %w", s.cfg.BackupDir, err)
	}
	ext := ".db"
	if s.store.DB().Engine() == "postgres" {
		ext = ".dump"
	}
	path := s.newBackupPath(ext)
	tmp := path + ".tmp"
	started := time.Now()
	var err error
	if ext == ".db" {
		err = s.store.DB().VacuumInto(ctx, tmp)
	} else {
		err = s.pgDump(ctx, tmp)
	}
	if err == nil {
		err = finish(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", err
	}
	info, _ := os.Stat(path)
	var size int64
	if info != nil {
		size = info.Size()
	}
	s.logger.InfoContext(ctx, "backup written", "path", path, "bytes", size, "took", time.Since(started).Round(time.Millisecond).String())
	removed, err := s.pruneBackups()
	if len(removed) > 0 {
		s.logger.InfoContext(ctx, "old backups deleted", "files", removed, "keep", s.cfg.BackupKeep)
	}
	if err != nil {
		return path, fmt.Errorf("backup: written to %s, but pruning old backups failed: %w", path, err)
	}
	return path, nil
}

// newBackupPath names a backup after the current UTC time, with a suffix
// if a backup of the same second exists.
func (s *Service) newBackupPath(ext string) string {
	base := filepath.Join(s.cfg.BackupDir, "grimbots-"+s.now().UTC().Format("20060102-150405"))
	path := base + ext
	for i := 2; exists(path) || exists(path+".tmp"); i++ {
		path = base + "-" + strconv.Itoa(i) + ext
	}
	return path
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// finish makes tmp private and durable, then renames it to path.
func finish(tmp, path string) error {
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f, err := os.Open(tmp)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	err = f.Sync()
	_ = f.Close()
	if err != nil {
		return fmt.Errorf("backup: syncing: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// pruneBackups deletes the oldest backups beyond BackupKeep, and temporary
// files left for more than a day by a backup that crashed.
func (s *Service) pruneBackups() ([]string, error) {
	entries, err := os.ReadDir(s.cfg.BackupDir)
	if err != nil {
		return nil, err
	}
	var names []string
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if stem, ok := strings.CutSuffix(name, ".tmp"); ok && backupName.MatchString(stem) {
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > 24*time.Hour {
				errs = append(errs, os.Remove(filepath.Join(s.cfg.BackupDir, name)))
			}
			continue
		}
		if e.Type().IsRegular() && backupName.MatchString(name) {
			names = append(names, name)
		}
	}
	// The names sort by time; a same-second suffix sorts after its base.
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(a[:len("grimbots-YYYYMMDD-HHMMSS")], b[:len("grimbots-YYYYMMDD-HHMMSS")]),
			cmp.Compare(suffix(a), suffix(b)))
	})
	var removed []string
	for len(names) > s.cfg.BackupKeep {
		if err := os.Remove(filepath.Join(s.cfg.BackupDir, names[0])); err != nil {
			errs = append(errs, err)
		} else {
			removed = append(removed, names[0])
		}
		names = names[1:]
	}
	return removed, errors.Join(errs...)
}

// suffix is the same-second counter of a backup name (1 without one).
func suffix(name string) int {
	stem := strings.TrimSuffix(strings.TrimSuffix(name, ".db"), ".dump")
	if len(stem) > len("grimbots-YYYYMMDD-HHMMSS-") {
		n, _ := strconv.Atoi(stem[len("grimbots-YYYYMMDD-HHMMSS-"):])
		return n
	}
	return 1
}

// pgDump dumps the PostgreSQL database into path.
func (s *Service) pgDump(ctx context.Context, path string) error {
	bin, err := exec.LookPath(cmp.Or(s.cfg.PGDump, "pg_dump"))
	if err != nil {
		return ErrNoPGDump
	}
	args, env, err := pgDumpArgs(s.cfg.DatabaseURL)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"--format=custom", "--file=" + path}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + "…"
		}
		return fmt.Errorf("backup: pg_dump: %w: %s", err, msg)
	}
	return nil
}

// libpqParams are the URL parameters pg_dump (libpq) understands; the
// others in DATABASE_URL are pgx's, which libpq would refuse.
var libpqParams = map[string]bool{
	"application_name": true, "channel_binding": true, "connect_timeout": true, "gssencmode": true,
	"keepalives": true, "keepalives_idle": true, "keepalives_interval": true, "keepalives_count": true,
	"krbsrvname": true, "options": true, "passfile": true, "service": true, "sslcert": true, "sslcrl": true,
	"sslkey": true, "sslmode": true, "sslpassword": true, "sslrootcert": true, "sslsni": true,
	"ssl_min_protocol_version": true, "target_session_attrs": true, "tcp_user_timeout": true,
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true,
}

// pgDumpArgs turns DATABASE_URL into pg_dump arguments and environment:
// the password travels in PGPASSWORD (never on the command line, which
// other users of the machine can read), parameters libpq does not know
// are dropped, and a search_path limits the dump to those schemas.
func pgDumpArgs(raw string) (args, env []string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, nil, errors.New("backup: DATABASE_URL is not a valid URL")
	}
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	for k, vs := range q {
		if k == "search_path" {
			for _, schema := range strings.Split(vs[0], ",") {
				if schema = strings.TrimSpace(schema); schema != "" {
					args = append(args, "--schema="+schema)
				}
			}
		}
		if !libpqParams[k] {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	slices.Sort(args)
	return append(args, "--dbname="+u.String()), env, nil
}
