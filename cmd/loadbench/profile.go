package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// profiler collects Go profiles of the server process while each scenario
// runs (-profile DIR): the server then serves them on a loopback listener of
// its own (LOOPDESK_PPROF_ADDR), which it never opens otherwise.
//
// Per scenario it writes <dir>/<scenario>.cpu.pprof (the closed-loop run)
// and <dir>/<scenario>.allocs-before.pprof / .allocs-after.pprof (the
// allocations since start, just before and just after it), and the live
// heap after start and after the idle spell (start.heap.pprof,
// idle.heap.pprof): compare them with
//
//	go tool pprof -top <dir>/queue-page.cpu.pprof
//	go tool pprof -sample_index=alloc_space -top -base <dir>/queue-page.allocs-before.pprof <dir>/queue-page.allocs-after.pprof
type profiler struct {
	dir  string
	addr string // the server's profile listener, host:port
	http *http.Client
}

func newProfiler(dir string) (*profiler, error) {
	if dir == "" {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("-profile: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	return &profiler{dir: dir, addr: addr, http: &http.Client{}}, nil
}

// env is what the server needs to serve its profiles.
func (p *profiler) env() []string {
	if p == nil {
		return nil
	}
	return []string{"LOOPDESK_PPROF_ADDR=" + p.addr}
}

// around profiles run (a scenario's closed-loop drive of d): a CPU profile
// over d, and the allocation counts before and after.
func (p *profiler) around(ctx context.Context, name string, d time.Duration, run func()) error {
	if p == nil {
		run()
		return nil
	}
	base := filepath.Join(p.dir, slug(name))
	if err := p.save(ctx, "/debug/pprof/allocs", base+".allocs-before.pprof"); err != nil {
		return err
	}
	cpu := make(chan error, 1)
	go func() {
		secs := max(int((d+time.Second-1)/time.Second), 1)
		cpu <- p.save(ctx, fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), base+".cpu.pprof")
	}()
	run()
	err := <-cpu
	if err2 := p.save(ctx, "/debug/pprof/allocs", base+".allocs-after.pprof"); err == nil {
		err = err2
	}
	return err
}

// heap saves the server's live heap now as <dir>/<when>.heap.pprof and
// .heap.txt (after start, after the idle spell): where its memory goes,
//
//	go tool pprof -sample_index=inuse_space -top <dir>/idle.heap.pprof
func (p *profiler) heap(ctx context.Context, when string) error {
	if p == nil {
		return nil
	}
	if err := p.save(ctx, "/debug/pprof/heap", filepath.Join(p.dir, when+".heap.pprof")); err != nil {
		return err
	}
	// The same as text, ending with the runtime's memory statistics.
	return p.save(ctx, "/debug/pprof/heap?debug=1", filepath.Join(p.dir, when+".heap.txt"))
}

func (p *profiler) save(ctx context.Context, path, file string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.addr+path, nil)
	if err != nil {
		return err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return fmt.Errorf("profile %s: status %d: %s", path, resp.StatusCode, b)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// slug is a scenario name as a file name: "queue page" -> "queue-page".
func slug(name string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '-'
	}, name), "-")
}
