package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/pprof"
	"strconv"
	"time"
)

// pprofEnv names the opt-in profiling listener: unset (the default) means
// none. It is for measuring the server (cmd/loadbench -profile), never part
// of the public router, and it only listens on a loopback address.
const pprofEnv = "LOOPDESK_PPROF_ADDR"

// startPprof serves Go's profiles (/debug/pprof/...) on addr, a loopback
// host:port, on a listener of its own. Empty addr: nothing.
func startPprof(addr string, log *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%s %q: want a loopback host:port, e.g. 127.0.0.1:6060", pprofEnv, addr)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("%s %q: profiles are served on a loopback address only (127.0.0.1, ::1 or localhost)", pprofEnv, addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for profiles on %s: %w", addr, err)
	}
	// A mux of its own, built from runtime/pprof (net/http/pprof would also
	// register itself on http.DefaultServeMux): nothing else this process
	// serves can reach it.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/profile", cpuProfile)
	mux.HandleFunc("GET /debug/pprof/{name}", namedProfile)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("profile listener stopped", "err", err)
		}
	}()
	log.Info("serving Go profiles: for measurement only", "addr", ln.Addr().String(), "env", pprofEnv)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// cpuProfile answers a CPU profile of the next ?seconds= (default 10, at
// most 300).
func cpuProfile(w http.ResponseWriter, r *http.Request) {
	sec, err := strconv.Atoi(r.URL.Query().Get("seconds"))
	if err != nil || sec <= 0 {
		sec = 10
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if err := pprof.StartCPUProfile(w); err != nil {
		http.Error(w, err.Error(), http.StatusConflict) // one at a time
		return
	}
	select {
	case <-time.After(time.Duration(min(sec, 300)) * time.Second):
	case <-r.Context().Done():
	}
	pprof.StopCPUProfile()
}

// namedProfile answers one of runtime/pprof's profiles (allocs, heap,
// goroutine, mutex, block...) in the protobuf format: the cumulative counts
// since the start, so the bench takes one before and one after a run and
// compares them (go tool pprof -base). ?debug=1 answers it as text, which
// for heap ends with the runtime's memory statistics (where the resident
// memory goes: heap in use, free, released, stacks, GC metadata).
func namedProfile(w http.ResponseWriter, r *http.Request) {
	p := pprof.Lookup(r.PathValue("name"))
	if p == nil {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("debug") == "1" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_ = p.WriteTo(w, 1)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_ = p.WriteTo(w, 0)
}
