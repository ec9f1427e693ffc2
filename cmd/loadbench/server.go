package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	baseURL string
	how     string
	stop    func(context.Context) error
}

const (
	readyTimeout = 2 * time.Minute // a cold `go build` of the server is included
	stopGrace    = 20 * time.Second
)

// startServer runs the real server, cmd/server (built with `go build`, or
// serverBin), in its own process against databaseURL on a free 127.0.0.1
// port. A separate process keeps the bench's own work out of the server's
// Go runtime and lets the bench never import the web layer.
func startServer(ctx context.Context, databaseURL, serverBin string, log *slog.Logger) (*runningServer, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	return startProcess(ctx, databaseURL, addr, serverBin, log)
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

func startProcess(ctx context.Context, databaseURL, addr, bin string, log *slog.Logger) (*runningServer, error) {
	dir, err := os.MkdirTemp("", "loopdesk-loadbench-server-")
	if err != nil {
		return nil, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	if bin == "" {
		bin = filepath.Join(dir, "loopdesk")
		t := time.Now()
		build := exec.CommandContext(ctx, goTool(), "build", "-o", bin, "github.com/loopdesk/loopdesk/cmd/server")
		if out, err := build.CombinedOutput(); err != nil {
			cleanup()
			return nil, fmt.Errorf("build the server: %w\n%s", err, out)
		}
		log.Info("loadbench: built the server", "took", time.Since(t).Round(time.Millisecond))
	}
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
	s := &runningServer{baseURL: "http://" + addr, how: "cmd/server process (pid " + fmt.Sprint(cmd.Process.Pid) + ")", stop: stop}
	if err := waitReady(ctx, s.baseURL, exited); err != nil {
		_ = stop(context.WithoutCancel(ctx))
		tail, _ := os.ReadFile(logFile.Name())
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
