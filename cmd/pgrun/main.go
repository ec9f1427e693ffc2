// Command pgrun runs a command against a throwaway Postgres cluster, for `make test`:
// `go run ./cmd/pgrun -- go test ./...` exports TEST_DATABASE_URL unless it is already set.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/loopdesk/loopdesk/internal/devpg"
)

const (
	envTestDatabaseURL = "TEST_DATABASE_URL"
	stopTimeout        = time.Minute
	exitUsage          = 2
	exitCannotRun      = 127 // as a shell reports a command it cannot run
)

func main() {
	code, err := run(context.Background(), os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgrun:", err)
	}
	os.Exit(code)
}

// run starts a Fast devpg cluster in a temporary directory (unless TEST_DATABASE_URL is
// set), runs args with TEST_DATABASE_URL pointing at its postgres database and signals
// forwarded, then stops and removes the cluster. It returns the command's exit code, or
// pgrun's own when err is set.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) (int, error) {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return exitUsage, errors.New("usage: go run ./cmd/pgrun -- COMMAND [ARG...]")
	}

	// Catch signals from the start, so a Ctrl-C during cluster startup still cleans up.
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)

	if getenv(envTestDatabaseURL) != "" {
		return runCommand(args, nil, signals)
	}

	// Startup is reported; after the command nothing is logged unless something fails, so
	// the command's own closing lines (go test's summary) stay last.
	level := new(slog.LevelVar)
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	dir, err := devpg.TempDataDir("loopdesk-pgrun-")
	if err != nil {
		return exitCannotRun, fmt.Errorf("create cluster dir: %w", err)
	}
	defer func() {
		if err := os.RemoveAll(dir); err != nil {
			log.Warn("pgrun: remove cluster dir", "dir", dir, "err", err)
		}
	}()

	cluster, interrupted, err := startCluster(ctx, dir, log, signals)
	if cluster != nil {
		defer func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
			defer cancel()
			if err := cluster.Stop(ctx); err != nil {
				log.Warn("pgrun: stop cluster", "err", err)
			}
		}()
	}
	if interrupted != nil {
		return exitCodeForSignal(interrupted), fmt.Errorf("interrupted by %v before the command started", interrupted)
	}
	if err != nil {
		return exitCannotRun, err
	}

	level.Set(slog.LevelWarn)
	return runCommand(args, []string{envTestDatabaseURL + "=" + cluster.ConnString("postgres")}, signals)
}

// startCluster starts the Fast cluster, cancelling the start on the first signal, which it
// returns so that the caller stops (or never has) the cluster rather than run the command.
func startCluster(ctx context.Context, dir string, log *slog.Logger, signals <-chan os.Signal) (*devpg.Cluster, os.Signal, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	started := make(chan struct{})
	caught := make(chan os.Signal, 1)
	go func() {
		select {
		case sig := <-signals:
			cancel()
			caught <- sig
		case <-started:
			caught <- nil
		}
	}()
	cluster, err := devpg.Start(ctx, devpg.Options{DataDir: dir, Logger: log, Fast: true})
	close(started)
	sig := <-caught
	if err != nil {
		return nil, sig, fmt.Errorf("start throwaway Postgres: %w", err)
	}
	return cluster, sig, nil
}

// runCommand runs args with stdio passed through and extraEnv added, forwarding signals.
func runCommand(args, extraEnv []string, signals <-chan os.Signal) (int, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), extraEnv...)
	if err := cmd.Start(); err != nil {
		return exitCannotRun, fmt.Errorf("run %s: %w", args[0], err)
	}

	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-signals:
				// A terminal's Ctrl-C already reached the command (same process group); a
				// second SIGINT is harmless, and a kill(1) aimed at pgrun alone needs this.
				_ = cmd.Process.Signal(sig)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)

	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exitErr):
		if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			return exitCodeForSignal(status.Signal()), nil
		}
		return exitErr.ExitCode(), nil
	default:
		return exitCannotRun, fmt.Errorf("run %s: %w", args[0], err)
	}
}

// exitCodeForSignal follows the shell convention: 128 + the signal number.
func exitCodeForSignal(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}
