package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestPprofListener: no listener unless asked, never on a non-loopback
// address, and on loopback it serves the runtime's profiles.
func TestPprofListener(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	stop, err := startPprof("", log)
	if err != nil {
		t.Fatalf("off: %v", err)
	}
	stop()
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:6060", "[::]:0", "example.com:6060", "nonsense"} {
		if stop, err := startPprof(addr, log); err == nil {
			stop()
			t.Errorf("%q: listening, want refused", addr)
		}
	}
	addr := freeLoopback(t)
	stop, err = startPprof(addr, log)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	res, err := http.Get("http://" + addr + "/debug/pprof/goroutine")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || len(b) == 0 {
		t.Errorf("goroutine profile: status %d, %d bytes", res.StatusCode, len(b))
	}
	res, err = http.Get("http://" + addr + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "# HeapReleased = ") {
		t.Errorf("heap profile as text lacks the memory statistics:\n%.300s", b)
	}
	res, err = http.Get("http://" + addr + "/debug/pprof/no-such-profile")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown profile: status %d", res.StatusCode)
	}
}

func freeLoopback(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestMemProfileRate: allocations are sampled only for the profile
// listener, or when GODEBUG asks.
func TestMemProfileRate(t *testing.T) {
	if got := memProfileRate("", ""); got != 0 {
		t.Errorf("no profile listener: rate %d, want 0", got)
	}
	if got := memProfileRate("127.0.0.1:6060", ""); got <= 0 {
		t.Errorf("with the profile listener: rate %d, want the runtime's", got)
	}
	if got := memProfileRate("", "gctrace=1,memprofilerate=1"); got <= 0 {
		t.Errorf("GODEBUG=memprofilerate set: rate %d, want the runtime's", got)
	}
}
