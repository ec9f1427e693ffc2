package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// runningServer is a Loopdesk server the bench drives over loopback.
type runningServer struct {
	pid     int
	baseURL string
	how     string
	logPath string // warnings and errors (the server runs at LOOPDESK_LOG_LEVEL=warn)
	stop    func(context.Context) error
	kill    func() error // SIGKILL, as a crash would: no shutdown at all
}

// logSummary counts the server's logged errors and warnings, quotes the
// first errors (a panic by its innermost Loopdesk frames) and, when there
// were errors, keeps a copy of the log.
func (s *runningServer) logSummary() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return "server log unreadable: " + err.Error()
	}
	var errs, warns int
	var first []string
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.Contains(line, "level=ERROR"):
			errs++
			if len(first) < 3 {
				first = append(first, "    "+errorLine(line))
			}
		case strings.Contains(line, "level=WARN"):
			warns++
		}
	}
	out := fmt.Sprintf("Server log: %d errors, %d warnings", errs, warns)
	if errs > 0 {
		keep := filepath.Join(os.TempDir(), fmt.Sprintf("loopdesk-loadbench-server-%d.log", os.Getpid()))
		if err := os.WriteFile(keep, b, 0o600); err == nil {
			out += " (kept in " + keep + ")"
		}
		out += "\n" + strings.Join(first, "\n")
	}
	return out
}

// errorLine shortens a logged error: a panic's stack becomes its first
// frames in Loopdesk code below the recoverer.
func errorLine(line string) string {
	i := strings.Index(line, ` stack="`)
	if i < 0 {
		return truncate(line, 400)
	}
	stack := strings.Split(strings.NewReplacer(`\n`, "\n", `\t`, "").Replace(line[i+len(` stack="`):]), "\n")
	var frames []string
	for k := 0; k+1 < len(stack) && len(frames) < 3; k++ {
		fn := stack[k]
		if !strings.Contains(fn, "loopdesk/loopdesk/") || strings.Contains(fn, ".go:") {
			continue
		}
		plumbing := false
		for _, p := range []string{"recoverer", ".routes.", "withLocale", "loadUser", ".require.", ".observe", "withRequestID", "crossOriginProtection", "securityHeaders"} {
			plumbing = plumbing || strings.Contains(fn, p)
		}
		if !plumbing {
			file := strings.TrimSpace(stack[k+1])
			if j := strings.LastIndex(file, " +0x"); j > 0 {
				file = file[:j]
			}
			frames = append(frames, file)
		}
	}
	return truncate(line[:i], 300) + " at " + strings.Join(frames, " <- ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

const (
	readyTimeout = time.Minute
	stopGrace    = 20 * time.Second
)

// serverBuild is `go build` of cmd/server running in the background (it
// overlaps the data load).
type serverBuild struct {
	done chan struct{}
	dir  string
	bin  string
	took time.Duration
	err  error
}

func buildServer(ctx context.Context) *serverBuild {
	b := &serverBuild{done: make(chan struct{})}
	go func() {
		defer close(b.done)
		start := time.Now()
		if b.dir, b.err = os.MkdirTemp("", "loopdesk-loadbench-bin-"); b.err != nil {
			return
		}
		b.bin = filepath.Join(b.dir, "loopdesk")
		build := exec.CommandContext(ctx, goTool(), "build", "-o", b.bin, "github.com/loopdesk/loopdesk/cmd/server")
		if out, err := build.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("build the server: %w\n%s", err, out)
		}
		b.took = time.Since(start)
	}()
	return b
}

// wait returns the built binary.
func (b *serverBuild) wait(ctx context.Context) (string, error) {
	select {
	case <-b.done:
		return b.bin, b.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// cleanup removes the binary once the build has finished.
func (b *serverBuild) cleanup() {
	<-b.done
	if b.dir != "" {
		_ = os.RemoveAll(b.dir)
	}
}

// startServer runs the real server, cmd/server (bin), in its own process
// against databaseURL on a free 127.0.0.1 port. A separate process keeps the
// bench's own work out of the server's Go runtime, and the bench never
// imports the web layer. env is added to the server's environment.
func startServer(ctx context.Context, databaseURL, bin string, env ...string) (*runningServer, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	return startServerAt(ctx, databaseURL, bin, addr, env)
}

// startServerAt is startServer on addr, with env added to the server's
// environment.
func startServerAt(ctx context.Context, databaseURL, bin, addr string, env []string) (*runningServer, error) {
	dir, err := os.MkdirTemp("", "loopdesk-loadbench-server-")
	if err != nil {
		return nil, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		cleanup()
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(serverEnv(),
		"DATABASE_URL="+databaseURL,
		"LOOPDESK_ADDR="+addr,
		"LOOPDESK_BASE_URL=http://"+addr,
		"LOOPDESK_DATA_DIR="+filepath.Join(dir, "data"),
		"LOOPDESK_SECRET="+randomHex(32),
		"LOOPDESK_LOG_LEVEL=warn",
	)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
	// The parent-death signal fires when the thread that forked the child
	// exits, so that thread stays locked to the goroutine that waits.
	started, exited := make(chan error, 1), make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		logFile.Close()
		cleanup()
		return nil, fmt.Errorf("start the server: %w", err)
	}
	stop := func(ctx context.Context) error {
		defer cleanup()
		defer logFile.Close()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			return nil
		case <-time.After(stopGrace):
		case <-ctx.Done():
		}
		_ = cmd.Process.Kill()
		<-exited
		return errors.New("the server did not stop within the grace period and was killed")
	}
	kill := func() error {
		defer cleanup()
		defer logFile.Close()
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
			return err
		}
		<-exited
		return nil
	}
	s := &runningServer{pid: cmd.Process.Pid, baseURL: "http://" + addr, how: "cmd/server process (pid " + fmt.Sprint(cmd.Process.Pid) + ")", stop: stop, kill: kill}
	s.logPath = logFile.Name()
	if err := waitReady(ctx, s.baseURL, exited); err != nil {
		tail, _ := os.ReadFile(s.logPath)
		_ = stop(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("%w\n--- server log ---\n%s", err, lastLines(string(tail), 20))
	}
	return s, nil
}

// serverEnv is our environment without the settings we pass ourselves.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "LOOPDESK_") || strings.HasPrefix(kv, "DATABASE_URL=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func waitReady(ctx context.Context, baseURL string, exited <-chan error) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/readyz", nil)
		if resp, err := c.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("the server exited before it was ready: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("the server was not ready within %s", readyTimeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
