// Command server runs Loopdesk: serve (default), migrate, demo, user add, mailin.
// It only wires: configuration, Postgres (or the embedded one), migrations, HTTP.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	_ "time/tzdata" // SLA calendars need every IANA zone, even in a bare image
)

func main() {
	runtime.MemProfileRate = memProfileRate(os.Getenv(pprofEnv), os.Getenv("GODEBUG"))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loopdesk:", err)
		var ee *exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		os.Exit(1)
	}
}

// memProfileRate is how often the runtime samples allocations for heap
// profiles: as it does by default while the profile listener (pprofAddr)
// serves them, never otherwise. Each sample keeps its call stack for the
// life of the process: 4 MB of an idle server's 21 MB of heap and runtime
// memory after a busy spell (measured with loadbench), kept for a profile
// nobody can read. GODEBUG=memprofilerate=N still decides when set.
func memProfileRate(pprofAddr, godebug string) int {
	if pprofAddr != "" || strings.Contains(godebug, "memprofilerate=") {
		return runtime.MemProfileRate
	}
	return 0
}

const usage = `Usage: loopdesk [command] [flags]

Commands:
  serve      run the web server (default)
  migrate    apply database migrations and exit
  demo       load demo staff and tickets (idempotent)
  user add   add a staff account
  mailin     file one customer email read from stdin (loopdesk mailin < message.eml)

Run "loopdesk <command> -h" for the flags of a command. Every flag can also be
set with the environment variable shown in its help.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, getenv, stdout)
	case "migrate":
		return runMigrate(ctx, args, getenv, stdout)
	case "demo":
		return runDemo(ctx, args, getenv, stdout)
	case "user":
		if len(args) == 0 || args[0] != "add" {
			return fmt.Errorf("unknown user command; use: loopdesk user add")
		}
		return runUserAdd(ctx, args[1:], getenv, stdin, stdout)
	case "mailin":
		return runMailIn(ctx, args, getenv, stdin, stdout)
	case "help", "-h", "--help":
		_, err := io.WriteString(stdout, usage)
		return err
	default:
		return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
}
