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

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web"
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

// startServer runs Loopdesk against databaseURL on a free 127.0.0.1 port:
// the real cmd/server binary (built with `go build`, or serverBin) in its own
// process, or, with inproc, the same parts wired in this process.
func startServer(ctx context.Context, databaseURL string, inproc bool, serverBin string, log *slog.Logger) (*runningServer, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	if inproc {
		return startInProcess(ctx, databaseURL, addr, log)
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

// startInProcess wires the server as cmd/server's serve does (pool,
// migrations, stores, escalation with River's SLA and default queues, the web
// handler) and serves it on addr from this process.
func startInProcess(ctx context.Context, databaseURL, addr string, log *slog.Logger) (*runningServer, error) {
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	pool, err := postgres.Open(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	if err := postgres.Migrate(ctx, pool, quiet); err != nil {
		pool.Close()
		return nil, err
	}
	cat, err := i18n.Load()
	if err != nil {
		pool.Close()
		return nil, err
	}
	baseURL := "http://" + addr
	staffStore := staff.NewStore(pool, time.Now)
	ticketStore := tickets.NewStore(pool, time.Now, baseURL)
	esc := escalation.NewService(pool, ticketStore, nil, time.Now, quiet, escalation.Config{FollowUpHours: 4})
	workers := river.NewWorkers()
	river.AddWorker(workers, escalation.NewSLAWorker(esc))
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues: map[string]river.QueueConfig{
			river.QueueDefault:   {MaxWorkers: 10},
			escalation.QueueSLA: {MaxWorkers: 20},
		},
		Workers: workers,
		Logger:  quiet,
	})
	if err != nil {
		pool.Close()
		return nil, err
	}
	esc.SetJobs(jobs)
	if err := jobs.Start(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if _, err := esc.CatchUp(ctx); err != nil {
		_ = jobs.Stop(context.WithoutCancel(ctx))
		pool.Close()
		return nil, err
	}
	h, err := web.New(web.Deps{Log: quiet, DB: pool, Catalog: cat, Staff: staffStore, Tickets: ticketStore, Esc: esc, BaseURL: baseURL, Now: time.Now})
	if err != nil {
		_ = jobs.Stop(context.WithoutCancel(ctx))
		pool.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = jobs.Stop(context.WithoutCancel(ctx))
		pool.Close()
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	stop := func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, stopGrace)
		defer cancel()
		err := srv.Shutdown(ctx)
		<-served
		err = errors.Join(err, jobs.Stop(ctx))
		pool.Close()
		return err
	}
	s := &runningServer{baseURL: baseURL, how: "in-process", stop: stop}
	if err := waitReady(ctx, baseURL, nil); err != nil {
		_ = stop(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

