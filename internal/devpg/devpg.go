// Package devpg runs a private PostgreSQL cluster for `make run` and the tests.
// It needs only the server binaries, listens on a unix socket alone and works as root.
package devpg

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// socketPort only names the socket file (.s.PGSQL.5432): the server listens on no TCP
	// address, so clusters in different directories never clash.
	socketPort = 5432
	// superuser is the role initdb creates; with trust auth on a private socket it needs no password.
	superuser = "postgres"

	readyTimeout = 30 * time.Second
	stopTimeout  = 30 * time.Second
	quitTimeout  = 5 * time.Second

	// maxSocketPath keeps the socket path inside sun_path (108 bytes on Linux, 104 on BSDs).
	maxSocketPath = 100

	clusterSubdir    = "pg"
	logFileName      = "postgres.log"
	pidFileName      = "postmaster.pid"
	lockFileName     = "devpg.lock"
	locationFileName = "pg-location" // records a fallback cluster directory, see clusterBase
)

// Options configure Start.
type Options struct {
	// DataDir holds the cluster (in DataDir/pg) and, unless its path is too long, the socket.
	// It is created if missing. Required.
	DataDir string
	// Logger receives lifecycle events; nil means slog.Default().
	Logger *slog.Logger
	// Fast trades durability for speed, for throwaway test clusters: fsync, synchronous_commit
	// and full_page_writes are off, max_connections is raised for parallel test binaries, and
	// dynamic shared memory lives in the data dir.
	Fast bool
}

// Cluster is a running postmaster reachable over a unix socket.
type Cluster struct {
	pgData    string
	socketDir string
	port      int
	pid       int
	log       *slog.Logger

	// owned is false when Start found a postmaster already serving the directory: Stop then
	// leaves it alone, since someone else relies on it.
	owned   bool
	proc    *os.Process   // signalled through os.Process, which never hits a reused pid
	exited  chan struct{} // closed once the postmaster we started has exited
	waitErr error         // the postmaster's exit status; read only after exited is closed

	removeAfterStop []string // private socket dir, throwaway fallback cluster

	// What a restart needs (supervise.go). Only the supervisor changes owned, pid, proc,
	// exited and waitErr once it runs, and Stop reads them only after the supervisor ended.
	dataDir string
	binDir  string
	acct    *account
	fast    bool

	mu         sync.Mutex    // guards supervised
	stopping   chan struct{} // closed by Stop: the supervisor ends
	supervised chan struct{} // closed when the supervisor has ended; nil when none runs

	stopOnce sync.Once
	stopErr  error
}

// Start initialises a cluster in opts.DataDir on first use and starts postgres on it, or
// attaches to a postmaster that already serves it. It returns once the server accepts
// connections, or with an error that quotes the end of the server log.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.DataDir == "" {
		return nil, errors.New("devpg: Options.DataDir is required")
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("devpg: resolve data dir: %w", err)
	}
	binDir, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	acct, err := lookupServerAccount()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("devpg: create data dir: %w", err)
	}
	// Two processes starting the same directory at once would race on initdb and on the
	// postmaster lock; the loser of this lock simply finds the winner's server and reuses it.
	unlock, err := lockDir(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	defer unlock()

	base, throwaway, err := clusterBase(dataDir, acct, opts.Fast, log)
	if err != nil {
		return nil, err
	}
	pgData := filepath.Join(base, clusterSubdir)

	c, err := attachRunning(ctx, pgData, log)
	if err != nil {
		return nil, err
	}
	if c == nil {
		if err := initCluster(ctx, binDir, base, acct, opts.Fast, log); err != nil {
			return nil, err
		}
		if err := acct.chownTree(pgData); err != nil {
			return nil, err
		}
		if c, err = startPostmaster(ctx, binDir, pgData, acct, opts.Fast, log); err != nil {
			return nil, err
		}
		if throwaway {
			c.removeAfterStop = append(c.removeAfterStop, base, filepath.Join(dataDir, locationFileName))
		}
	}
	c.dataDir, c.binDir, c.acct, c.fast = dataDir, binDir, acct, opts.Fast
	c.stopping = make(chan struct{})
	return c, nil
}

// ConnString returns a pgx connection string for dbname over the cluster's unix socket,
// as the superuser.
func (c *Cluster) ConnString(dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		quoteConnValue(c.socketDir), c.port, superuser, quoteConnValue(dbname))
}

// Stop shuts down a postmaster that Start launched: a fast shutdown (SIGINT) that rolls back
// open transactions, then an immediate one (SIGQUIT) if that takes too long or ctx ends.
// A postmaster that Start merely attached to is left running. Stop is idempotent.
func (c *Cluster) Stop(ctx context.Context) error {
	c.stopOnce.Do(func() {
		if c.stopping != nil {
			close(c.stopping)
		}
		c.mu.Lock()
		supervised := c.supervised
		c.mu.Unlock()
		if supervised != nil {
			<-supervised // no restart may race the shutdown
		}
		c.stopErr = c.stop(ctx)
	})
	return c.stopErr
}

func (c *Cluster) stop(ctx context.Context) error {
	if !c.owned {
		c.log.Info("devpg: leaving postgres running: this process did not start it",
			"pid", c.pid, "data_dir", c.pgData)
		return nil
	}
	defer func() {
		for _, dir := range c.removeAfterStop {
			if err := os.RemoveAll(dir); err != nil {
				c.log.Warn("devpg: could not remove", "path", dir, "err", err)
			}
		}
	}()

	start := time.Now()
	_ = c.signal(syscall.SIGINT) // fails only if it has already exited, which the select sees
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-c.exited:
		c.log.Info("devpg: postgres stopped", "pid", c.pid, "duration", time.Since(start).Round(time.Millisecond))
		return c.exitError()
	case <-timer.C:
	case <-ctx.Done():
	}

	c.log.Warn("devpg: postgres did not finish a fast shutdown; sending SIGQUIT", "pid", c.pid, "waited", time.Since(start).Round(time.Millisecond))
	_ = c.signal(syscall.SIGQUIT)
	select {
	case <-c.exited:
		return fmt.Errorf("devpg: postgres needed an immediate shutdown (SIGQUIT)")
	case <-time.After(quitTimeout):
	}
	_ = c.signal(syscall.SIGKILL)
	<-c.exited
	return fmt.Errorf("devpg: postgres ignored SIGINT and SIGQUIT and was killed; see %s", filepath.Join(c.pgData, logFileName))
}

func (c *Cluster) signal(sig os.Signal) error {
	return c.proc.Signal(sig)
}

func (c *Cluster) exitError() error {
	if c.waitErr != nil {
		return fmt.Errorf("devpg: postgres exited uncleanly: %w\n%s", c.waitErr, c.logTail())
	}
	return nil
}

// lockDir takes an exclusive flock on dir/devpg.lock, polling so that ctx can cancel the wait.
func lockDir(ctx context.Context, dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFileName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("devpg: open lock file: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = f.Close() }, nil // closing the file releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			_ = f.Close()
			return nil, fmt.Errorf("devpg: lock %s: %w", dir, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("devpg: wait for another process starting %s: %w", dir, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// clusterBase returns the directory that holds pg/: normally dataDir, but a private
// temporary directory when the server's OS user cannot traverse a parent of dataDir (such as
// /root, mode 0700). The fallback is recorded in dataDir so a later Start finds it again;
// throwaway reports that Stop should delete it (for Fast clusters nobody else can find).
func clusterBase(dataDir string, acct *account, fast bool, log *slog.Logger) (base string, throwaway bool, err error) {
	locFile := filepath.Join(dataDir, locationFileName)
	if b, err := os.ReadFile(locFile); err == nil {
		prev := strings.TrimSpace(string(b))
		if _, err := os.Stat(filepath.Join(prev, clusterSubdir, "PG_VERSION")); err == nil {
			log.Info("devpg: using the cluster kept in the fallback directory", "data_dir", dataDir, "cluster_dir", prev)
			return prev, fast, nil
		}
		_ = os.Remove(locFile) // it points at a cluster that is gone, e.g. /tmp was cleaned
	}
	if acct == nil {
		return dataDir, false, nil
	}

	// dataDir itself is ours to manage: let the server's user search it (not list it).
	ok, err := acct.canTraverse(dataDir)
	if err != nil {
		return "", false, fmt.Errorf("devpg: check data dir: %w", err)
	}
	if !ok {
		fi, err := os.Stat(dataDir)
		if err != nil {
			return "", false, fmt.Errorf("devpg: check data dir: %w", err)
		}
		if err := os.Chmod(dataDir, fi.Mode().Perm()|0o011); err != nil {
			return "", false, fmt.Errorf("devpg: let %s traverse %s: %w", acct.name, dataDir, err)
		}
	}

	blocked, err := acct.firstBlockedAncestor(dataDir)
	if err != nil || blocked == "" {
		return dataDir, false, err
	}
	fallback, err := os.MkdirTemp("", "loopdesk-devpg-")
	if err != nil {
		return "", false, fmt.Errorf("devpg: create fallback dir: %w", err)
	}
	if err := os.Chmod(fallback, 0o711); err != nil {
		return "", false, errors.Join(fmt.Errorf("devpg: chmod fallback dir: %w", err), os.Remove(fallback))
	}
	if b, err := acct.firstBlockedAncestor(filepath.Join(fallback, clusterSubdir)); err != nil || b != "" {
		_ = os.Remove(fallback)
		if err == nil {
			err = fmt.Errorf("devpg: OS user %q can reach neither %s (blocked at %s) nor the temporary directory %s (blocked at %s): "+
				"choose a data dir it can traverse or set TMPDIR", acct.name, dataDir, blocked, fallback, b)
		}
		return "", false, err
	}
	if err := os.WriteFile(locFile, []byte(fallback+"\n"), 0o600); err != nil {
		return "", false, errors.Join(fmt.Errorf("devpg: record fallback dir: %w", err), os.Remove(fallback))
	}
	log.Warn("devpg: the OS user that runs postgres cannot reach the data dir, so the cluster lives in a private temporary directory instead",
		"user", acct.name, "blocked_at", blocked, "data_dir", dataDir, "cluster_dir", fallback, "throwaway", fast)
	return fallback, fast, nil
}

// attachRunning inspects postmaster.pid. For a live postmaster it returns an unowned Cluster
// once that server accepts connections; a file left by a dead one is removed. It returns
// (nil, nil) when no server runs.
func attachRunning(ctx context.Context, pgData string, log *slog.Logger) (*Cluster, error) {
	pidFile := filepath.Join(pgData, pidFileName)
	info, err := readPostmasterPID(pidFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !postmasterAlive(info.pid) {
		log.Warn("devpg: removing a stale postmaster.pid left by a server that is gone", "pid", info.pid, "data_dir", pgData)
		if err := os.Remove(pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("devpg: remove stale %s: %w", pidFile, err)
		}
		return nil, nil
	}
	if info.socketDir == "" || info.port == 0 {
		return nil, fmt.Errorf("devpg: postgres (pid %d) already runs on %s without a unix socket; stop it first", info.pid, pgData)
	}
	c := &Cluster{pgData: pgData, socketDir: info.socketDir, port: info.port, pid: info.pid, log: log}
	if err := c.waitReady(ctx); err != nil {
		return nil, fmt.Errorf("devpg: postgres (pid %d) already runs on %s but does not accept connections: %w", info.pid, pgData, err)
	}
	log.Info("devpg: reusing a running postgres; this process did not start it, so Stop will leave it running",
		"pid", info.pid, "data_dir", pgData, "socket_dir", info.socketDir)
	return c, nil
}

type postmasterInfo struct {
	pid       int
	port      int
	socketDir string
}

// readPostmasterPID parses the lock file postgres keeps in its data directory: pid, data
// directory, start time, port, first socket directory, listen address, shmem key, status.
func readPostmasterPID(path string) (postmasterInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return postmasterInfo{}, err
	}
	lines := strings.Split(string(b), "\n")
	line := func(i int) string {
		if i < len(lines) {
			return strings.TrimSpace(lines[i])
		}
		return ""
	}
	pid, err := strconv.Atoi(line(0))
	if err != nil {
		return postmasterInfo{}, fmt.Errorf("devpg: parse %s: %w", path, err)
	}
	port, _ := strconv.Atoi(line(3)) // missing while the postmaster is still writing the file
	return postmasterInfo{pid: max(pid, -pid), port: port, socketDir: line(4)}, nil
}

// postmasterAlive reports whether pid is a live postgres process. After a reboot or in a
// fresh container the pid may belong to something else, which postgres would mistake for
// itself and refuse to start, so the process name is checked as well.
func postmasterAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no /proc to look at: trust kill
	}
	// The format is "pid (comm) state ...", and comm may itself contain spaces or parentheses.
	s := string(stat)
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || closing < open {
		return true
	}
	comm, rest := s[open+1:closing], strings.Fields(s[closing+1:])
	if len(rest) > 0 && rest[0] == "Z" {
		return false // a zombie: dead, only not yet reaped
	}
	return comm == "postgres" || comm == "postmaster"
}

// initCluster runs initdb into base/pg unless a cluster is already there. It initialises a
// sibling temporary directory and renames it, so an interrupted initdb never leaves a
// half-made pg/ that the next run would trip over.
func initCluster(ctx context.Context, binDir, base string, acct *account, fast bool, log *slog.Logger) error {
	pgData := filepath.Join(base, clusterSubdir)
	if _, err := os.Stat(filepath.Join(pgData, "PG_VERSION")); err == nil {
		return nil
	}
	leftovers, _ := filepath.Glob(filepath.Join(base, clusterSubdir+".initdb-*"))
	for _, dir := range leftovers {
		_ = os.RemoveAll(dir)
	}
	if err := os.Remove(pgData); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("devpg: %s exists but holds no cluster (no PG_VERSION); move it away: %w", pgData, err)
	}

	start := time.Now()
	tmp, err := os.MkdirTemp(base, clusterSubdir+".initdb-")
	if err != nil {
		return fmt.Errorf("devpg: create initdb dir: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	if err := acct.chown(tmp); err != nil {
		return err
	}
	args := []string{
		"-D", tmp, "-U", superuser, "-A", "trust",
		// C.UTF-8 gives byte-order collation (fast, stable) while lower(), upper() and
		// ILIKE still know Vietnamese, Finnish and other non-ASCII letters.
		"--encoding=UTF8", "--locale=C.UTF-8",
		"--no-instructions",
	}
	if fast {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "initdb"), args...)
	cmd.SysProcAttr = acct.sysProcAttr()
	// On cancellation kill initdb's whole process group: its bootstrap postgres too.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Dir = "/" // our working directory may be unreadable to the server's user
	cmd.Env = serverEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("devpg: initdb for %s: %w\n%s", pgData, err, lastLines(string(out), 20))
	}
	if err := os.Rename(tmp, pgData); err != nil {
		return fmt.Errorf("devpg: move initialised cluster into place: %w", err)
	}
	log.Info("devpg: initialised a new cluster", "data_dir", pgData, "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// serverEnv is the environment for initdb and postgres. The caller's PG* variables
// (PGDATA, PGPORT, PGOPTIONS...) must not leak into a private cluster.
func serverEnv() []string {
	env := []string{"PATH=" + os.Getenv("PATH")}
	if tz, ok := os.LookupEnv("TZ"); ok {
		env = append(env, "TZ="+tz)
	}
	return env
}

func startPostmaster(ctx context.Context, binDir, pgData string, acct *account, fast bool, log *slog.Logger) (*Cluster, error) {
	socketDir, privateSocketDir, err := chooseSocketDir(pgData, acct, log)
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		pgData:    pgData,
		socketDir: socketDir,
		port:      socketPort,
		log:       log,
		owned:     true,
	}
	if privateSocketDir {
		c.removeAfterStop = append(c.removeAfterStop, socketDir)
	}
	start := time.Now()
	if err := c.launch(binDir, acct, fast); err != nil {
		if privateSocketDir {
			_ = os.RemoveAll(socketDir)
		}
		return nil, fmt.Errorf("devpg: start postgres: %w", err)
	}
	if err := c.waitReady(ctx); err != nil {
		_ = c.Stop(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("devpg: start postgres on %s: %w", pgData, err)
	}
	log.Info("devpg: postgres started", "pid", c.pid, "data_dir", pgData, "socket_dir", socketDir,
		"fast", fast, "duration", time.Since(start).Round(time.Millisecond))
	return c, nil
}

// launch starts a postmaster on c's data and socket directories and makes it c's, without
// waiting for it to accept connections. The caller holds c.mu or is the only user of c.
func (c *Cluster) launch(binDir string, acct *account, fast bool) error {
	logPath := filepath.Join(c.pgData, logFileName)
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("devpg: open server log: %w", err)
	}
	defer logFile.Close() // the child keeps its own descriptor
	if err := acct.chown(logPath); err != nil {
		return err
	}

	args := []string{
		"-D", c.pgData,
		"-p", strconv.Itoa(socketPort),
		"-k", c.socketDir,
		"-c", "listen_addresses=",
		// With trust auth, whoever can open the socket is superuser: only our own user (or root).
		"-c", "unix_socket_permissions=0700",
		"-c", "logging_collector=off",
	}
	if fast {
		args = append(args,
			"-c", "fsync=off",
			"-c", "synchronous_commit=off",
			"-c", "full_page_writes=off",
			"-c", "max_connections=300",
			// Dynamic shared memory as files in the data dir rather than in /dev/shm, so a
			// throwaway cluster killed with its parent leaves nothing outside its directory.
			"-c", "dynamic_shared_memory_type=mmap",
		)
	}
	cmd := exec.Command(filepath.Join(binDir, "postgres"), args...)
	cmd.Dir = "/"
	cmd.Env = serverEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = acct.sysProcAttr()
	// If this process dies without Stop, a throwaway cluster goes down at once; a dev
	// cluster gets a fast shutdown, which checkpoints.
	deathSig := syscall.SIGINT
	if fast {
		deathSig = syscall.SIGQUIT
	}
	setParentDeathSignal(cmd.SysProcAttr, deathSig)
	c.exited = make(chan struct{})
	c.owned = true
	if err := c.spawn(cmd); err != nil {
		c.waitErr = err
		close(c.exited) // nothing runs: Stop must not wait for it
		return err
	}
	return nil
}

// spawn starts cmd on a goroutine locked to its OS thread for the postmaster's whole life:
// the kernel sends the parent-death signal when the thread that forked the child exits,
// and the Go runtime may retire an unlocked thread at any time.
func (c *Cluster) spawn(cmd *exec.Cmd) error {
	started := make(chan error, 1)
	exited := c.exited
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		c.proc, c.pid = cmd.Process, cmd.Process.Pid
		started <- nil
		// A restart replaces exited and waitErr only after this close.
		c.waitErr = cmd.Wait()
		close(exited)
	}()
	return <-started
}

// chooseSocketDir puts the socket in the data directory unless that path would overflow
// sun_path, in which case it uses a short private temporary directory.
func chooseSocketDir(pgData string, acct *account, log *slog.Logger) (dir string, private bool, err error) {
	if len(socketPath(pgData)) < maxSocketPath {
		return pgData, false, nil
	}
	const pattern = "loopdesk-pgsock-"
	for _, parent := range []string{os.TempDir(), "/tmp"} {
		// MkdirTemp appends at most 10 digits.
		if len(socketPath(filepath.Join(parent, pattern+"0123456789"))) >= maxSocketPath {
			continue
		}
		dir, err := os.MkdirTemp(parent, pattern)
		if err != nil {
			return "", false, fmt.Errorf("devpg: create socket dir: %w", err)
		}
		if err := acct.chown(dir); err != nil {
			return "", false, errors.Join(err, os.Remove(dir))
		}
		log.Info("devpg: the data dir path is too long for a unix socket; using a short private socket dir",
			"data_dir", pgData, "socket_dir", dir)
		return dir, true, nil
	}
	return "", false, fmt.Errorf("devpg: no directory short enough for a unix socket (limit %d bytes): shorten the data dir or TMPDIR", maxSocketPath)
}

func socketPath(dir string) string {
	return filepath.Join(dir, ".s.PGSQL."+strconv.Itoa(socketPort))
}

// waitReady polls until the server accepts connections, for at most readyTimeout.
func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	connString := c.ConnString("postgres")
	for {
		attemptCtx, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgconn.Connect(attemptCtx, connString)
		cancelAttempt()
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-c.exited: // nil for an attached server: never ready to receive
			return fmt.Errorf("postgres exited during startup (%v)\n%s", c.waitErr, c.logTail())
		case <-ctx.Done():
			return fmt.Errorf("not accepting connections within %s (%w); last attempt: %v\n%s",
				readyTimeout, ctx.Err(), err, c.logTail())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// logTail returns the end of the server log for error messages.
func (c *Cluster) logTail() string {
	path := filepath.Join(c.pgData, logFileName)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(no server log: %v)", err)
	}
	defer f.Close()
	const maxTail = 4096
	buf := make([]byte, maxTail)
	off := int64(0)
	if fi, err := f.Stat(); err == nil && fi.Size() > maxTail {
		off = fi.Size() - maxTail
	}
	n, _ := f.ReadAt(buf, off)
	return "--- end of " + path + " ---\n" + lastLines(string(buf[:n]), 15)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// quoteConnValue quotes a keyword/value connection string value when it needs it.
func quoteConnValue(v string) string {
	if v != "" && !strings.ContainsAny(v, ` '\`) {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(v) + "'"
}
