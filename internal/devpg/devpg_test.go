package devpg

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestFindBinDir(t *testing.T) {
	dir, err := FindBinDir()
	if err != nil {
		t.Fatalf("FindBinDir: %v", err)
	}
	for _, name := range []string{"initdb", "postgres"} {
		if !isExecutable(filepath.Join(dir, name)) {
			t.Errorf("%s has no executable %s", dir, name)
		}
	}
}

// TestFindBinDirFallbacks hides PATH so that pg_config and then the Debian layout are used.
func TestFindBinDirFallbacks(t *testing.T) {
	pgConfig, err := exec.LookPath("pg_config")
	if err != nil {
		t.Skip("no pg_config on this machine")
	}
	t.Setenv("PATH", filepath.Dir(pgConfig))
	if dir, err := FindBinDir(); err != nil || !hasServerBinaries(dir) {
		t.Errorf("FindBinDir via pg_config = %q, %v", dir, err)
	}

	t.Setenv("PATH", t.TempDir())
	dir, err := FindBinDir()
	if matches, _ := filepath.Glob(debianBinGlob); len(matches) == 0 {
		if !errors.Is(err, ErrNoBinaries) {
			t.Errorf("FindBinDir with nothing installed = %q, %v; want ErrNoBinaries", dir, err)
		}
		return
	}
	if err != nil || !strings.HasPrefix(dir, "/usr/lib/postgresql/") {
		t.Errorf("FindBinDir via %s = %q, %v", debianBinGlob, dir, err)
	}
}

func TestErrNoBinariesNamesBothWaysOut(t *testing.T) {
	for _, want := range []string{"apt-get install postgresql", "DATABASE_URL"} {
		if !strings.Contains(ErrNoBinaries.Error(), want) {
			t.Errorf("ErrNoBinaries = %q, want it to mention %q", ErrNoBinaries, want)
		}
	}
}

func TestVersionOrder(t *testing.T) {
	if got := compareVersions(versionOf("/usr/lib/postgresql/9.6/bin"), versionOf("/usr/lib/postgresql/15/bin")); got >= 0 {
		t.Errorf("9.6 sorted at or above 15 (compare = %d)", got)
	}
}

func TestTempDataDirRemovesStaleDirs(t *testing.T) {
	const prefix = "devpg-stale-test-"
	stale, err := TempDataDir(prefix)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := TempDataDir(prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(fresh) })
	old := time.Now().Add(-2 * staleAfter)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}

	third, err := TempDataDir(prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(third) })
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale dir %s survived (stat: %v)", stale, err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh dir %s removed: %v", fresh, err)
	}
}

func TestQuoteConnValue(t *testing.T) {
	tests := map[string]string{
		"postgres":     "postgres",
		"/tmp/a b":     `'/tmp/a b'`,
		`it's`:         `'it\'s'`,
		"":             "''",
		`C:\dir`:       `'C:\\dir'`,
		"loopdesk_t_1": "loopdesk_t_1",
	}
	for in, want := range tests {
		if got := quoteConnValue(in); got != want {
			t.Errorf("quoteConnValue(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestStartStopAndReuse(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dataDir := newDataDir(t)

	c := start(t, Options{DataDir: dataDir, Fast: true})
	conn := connect(t, c)
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
	// The C.UTF-8 locale must still fold non-ASCII letters, for search in every catalog language.
	var lowered string
	if err := conn.QueryRow(ctx, "SELECT lower('ĐẠI HỌC ÄÖÅ')").Scan(&lowered); err != nil {
		t.Fatal(err)
	}
	if lowered != "đại học äöå" {
		t.Errorf("lower() = %q, want Vietnamese and Finnish letters folded", lowered)
	}
	var listen string
	if err := conn.QueryRow(ctx, "SHOW listen_addresses").Scan(&listen); err != nil || listen != "" {
		t.Errorf("listen_addresses = %q (%v), want none: unix socket only", listen, err)
	}
	var dsm string
	if err := conn.QueryRow(ctx, "SHOW dynamic_shared_memory_type").Scan(&dsm); err != nil || dsm != "mmap" {
		t.Errorf("dynamic_shared_memory_type = %q (%v), want mmap: a killed throwaway cluster must not litter /dev/shm", dsm, err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE survives_restart (id int)"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}

	versionFile := filepath.Join(dataDir, clusterSubdir, "PG_VERSION")
	before, err := os.Stat(versionFile)
	if err != nil {
		t.Fatal(err)
	}
	c = start(t, Options{DataDir: dataDir})
	after, err := os.Stat(versionFile)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("second Start re-ran initdb instead of reusing the cluster")
	}
	conn = connect(t, c)
	if _, err := conn.Exec(ctx, "SELECT FROM survives_restart"); err != nil {
		t.Errorf("table from the first run is gone: %v", err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

func TestStartRemovesStalePostmasterPID(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dataDir := newDataDir(t)
	c := start(t, Options{DataDir: dataDir, Fast: true})
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	// Simulate a crash: a lock file naming a process that no longer exists.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(dataDir, clusterSubdir, pidFileName)
	stale := fmt.Sprintf("%d\n%s\n%d\n%d\n%s\n\n  1234567     12345\nready   \n",
		dead.Process.Pid, filepath.Join(dataDir, clusterSubdir), time.Now().Unix(), socketPort, filepath.Join(dataDir, clusterSubdir))
	if err := os.WriteFile(pidFile, []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}

	c = start(t, Options{DataDir: dataDir, Fast: true})
	if !c.owned {
		t.Fatal("Start attached to a dead postmaster instead of starting a new one")
	}
	connect(t, c)
}

func TestStartAttachesToRunningServer(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dataDir := newDataDir(t)
	first := start(t, Options{DataDir: dataDir, Fast: true})

	second := start(t, Options{DataDir: dataDir, Fast: true})
	if second.owned {
		t.Fatal("second Start on a served data dir claims to own the server")
	}
	if second.pid != first.pid {
		t.Errorf("attached to pid %d, want %d", second.pid, first.pid)
	}
	connect(t, second)
	if err := second.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// The owner's server must have survived the attached cluster's Stop.
	conn := connect(t, first)
	if err := conn.Ping(ctx); err != nil {
		t.Fatalf("server went down with the attached cluster's Stop: %v", err)
	}
}

func TestLongDataDirGetsShortSocketDir(t *testing.T) {
	t.Parallel()
	parent := newDataDir(t)
	if err := os.Chmod(parent, 0o711); err != nil { // reachable, so only the length matters
		t.Fatal(err)
	}
	dataDir := filepath.Join(parent, strings.Repeat("long-directory-name-", 5))
	c := start(t, Options{DataDir: dataDir, Fast: true})
	if !strings.HasPrefix(c.pgData, dataDir) {
		t.Fatalf("cluster at %s, want it inside %s", c.pgData, dataDir)
	}
	if strings.HasPrefix(c.socketDir, dataDir) {
		t.Fatalf("socket dir %s is inside the long data dir", c.socketDir)
	}
	connect(t, c)
	if err := c.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.socketDir); !os.IsNotExist(err) {
		t.Errorf("private socket dir %s not removed after Stop (stat: %v)", c.socketDir, err)
	}
}

func TestUnreachableDataDirFallsBackToTempDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs the server as another user, so only root can meet an unreachable parent")
	}
	t.Parallel()
	ctx := t.Context()
	private := newDataDir(t)
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(private, "data")

	c := start(t, Options{DataDir: dataDir, Fast: true})
	if strings.HasPrefix(c.pgData, private) {
		t.Fatalf("cluster at %s, inside a dir the postgres user cannot traverse", c.pgData)
	}
	if _, err := os.Stat(filepath.Join(dataDir, locationFileName)); err != nil {
		t.Errorf("fallback location not recorded: %v", err)
	}
	connect(t, c)
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(c.pgData)); !os.IsNotExist(err) {
		t.Errorf("throwaway fallback dir %s left behind (stat: %v)", filepath.Dir(c.pgData), err)
	}
}

// newDataDir returns a fresh directory from TempDataDir. Unlike t.TempDir, whose parent is
// 0700, it sits directly in a shared temp dir, where the postgres OS user can reach it.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir, err := TempDataDir("devpg-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove %s: %v", dir, err)
		}
	})
	return dir
}

// start starts a cluster and stops it when the test ends, before its directory is removed.
func start(t *testing.T, opts Options) *Cluster {
	t.Helper()
	opts.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	c, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

func connect(t *testing.T, c *Cluster) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), c.ConnString("postgres"))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// TestSuperviseRestartsAKilledPostmaster kills the postmaster with SIGKILL, as the OOM
// killer would: the supervisor starts it again on the same directories, and the data is there.
func TestSuperviseRestartsAKilledPostmaster(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dataDir := newDataDir(t)
	c := start(t, Options{DataDir: dataDir, Fast: true})
	conn := connect(t, c)
	// (A Fast cluster commits asynchronously: the checkpoint puts the row where a killed
	// server's recovery finds it.)
	for _, sql := range []string{"CREATE TABLE kept (id int)", "INSERT INTO kept VALUES (1)", "CHECKPOINT"} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	gaveUp := make(chan error, 1)
	c.Supervise(func(err error) { gaveUp <- err })
	pidFile := filepath.Join(c.pgData, pidFileName)
	before, err := readPostmasterPID(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(before.pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case err := <-gaveUp:
			t.Fatalf("the supervisor gave up: %v", err)
		default:
		}
		after, err := readPostmasterPID(pidFile)
		if err == nil && after.pid != before.pid && postmasterAlive(after.pid) {
			if conn, err := pgx.Connect(ctx, c.ConnString("postgres")); err == nil {
				var n int
				err := conn.QueryRow(ctx, "SELECT count(*) FROM kept").Scan(&n)
				_ = conn.Close(ctx)
				if err != nil || n != 1 {
					t.Fatalf("after the restart: %d rows, %v", n, err)
				}
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres did not come back after SIGKILL")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Stop still stops the restarted server, and the supervisor with it.
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop after a restart: %v", err)
	}
	if _, err := pgx.Connect(ctx, c.ConnString("postgres")); err == nil {
		t.Fatal("postgres still answers after Stop")
	}
}

// TestSuperviseGivesUpAndSaysSo makes every restart fail: the give-up callback fires, so
// that the program can exit and let its process manager restart it.
func TestSuperviseGivesUpAndSaysSo(t *testing.T) {
	t.Parallel()
	dataDir := newDataDir(t)
	c, err := Start(t.Context(), Options{DataDir: dataDir, Fast: true, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) }) // it exited uncleanly: an error is expected
	c.binDir = t.TempDir()                                 // no postgres here: every restart fails
	gaveUp := make(chan error, 1)
	c.supervise(restartPolicy{backoffMin: time.Millisecond, backoffMax: 10 * time.Millisecond, maxFailures: 3}, func(err error) { gaveUp <- err })
	if err := c.proc.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-gaveUp:
		if !strings.Contains(err.Error(), "after 3 attempts") {
			t.Fatalf("give-up error: %v", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the supervisor neither restarted postgres nor gave up")
	}
}
