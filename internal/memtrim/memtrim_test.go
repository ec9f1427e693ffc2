package memtrim

import (
	"context"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hooks replaces trim with a counter and reclaimable with *free; a trim
// gives back all of it, as the real one does.
func hooks(t *testing.T, free *atomic.Uint64) *atomic.Int64 {
	var trims atomic.Int64
	origTrim, origReclaimable := trim, reclaimable
	trim = func() { trims.Add(1); free.Store(0) }
	reclaimable = free.Load
	t.Cleanup(func() { trim, reclaimable = origTrim, origReclaimable })
	return &trims
}

// watch runs WhenIdle on activity every 5 ms until the test ends, once it
// has read the counter's start.
func watch(t *testing.T, activity func() uint64) {
	ctx, cancel := context.WithCancel(context.Background())
	done, started := make(chan struct{}), make(chan struct{})
	var once sync.Once
	go func() {
		defer close(done)
		WhenIdle(ctx, 5*time.Millisecond, func() uint64 { once.Do(func() { close(started) }); return activity() })
	}()
	<-started
	t.Cleanup(func() { cancel(); <-done })
}

func waitForTrims(t *testing.T, trims *atomic.Int64, want int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for trims.Load() < want {
		if time.Now().After(deadline) {
			t.Fatalf("trims = %d, want %d", trims.Load(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWhenIdleTrimsOncePerBusySpell: a quiet process trims what a busy
// spell left, once.
func TestWhenIdleTrimsOncePerBusySpell(t *testing.T) {
	var work, free atomic.Uint64
	trims := hooks(t, &free)
	watch(t, work.Load)

	time.Sleep(30 * time.Millisecond)
	if n := trims.Load(); n != 0 {
		t.Fatalf("idle from the start with nothing to give back: %d trims, want 0", n)
	}
	work.Add(10) // a busy spell that leaves garbage, then quiet
	free.Store(MinTrim)
	waitForTrims(t, trims, 1)
	time.Sleep(30 * time.Millisecond)
	if n := trims.Load(); n != 1 {
		t.Fatalf("a long quiet spell after one busy one: %d trims, want 1", n)
	}
	free.Store(MinTrim) // memory freed while idle (closed connections)
	waitForTrims(t, trims, 2)
}

// TestWhenIdleSkipsLittle: a pause that leaves less than MinTrim to give
// back costs no GC; once there is enough, the trim comes.
func TestWhenIdleSkipsLittle(t *testing.T) {
	var work, free atomic.Uint64
	trims := hooks(t, &free)
	watch(t, work.Load)
	work.Add(3)
	free.Store(MinTrim - 1)
	time.Sleep(50 * time.Millisecond)
	if n := trims.Load(); n != 0 {
		t.Fatalf("%d trims for less than MinTrim, want 0", n)
	}
	free.Store(MinTrim)
	waitForTrims(t, trims, 1)
}

// TestWhenIdleWaitsForQuiet: no trim while the work goes on.
func TestWhenIdleWaitsForQuiet(t *testing.T) {
	var work, free atomic.Uint64
	free.Store(MinTrim)
	trims := hooks(t, &free)
	watch(t, func() uint64 { return work.Add(1) }) // moves at every look
	time.Sleep(50 * time.Millisecond)
	if n := trims.Load(); n != 0 {
		t.Fatalf("%d trims while busy, want 0", n)
	}
}

// TestHeapReclaimable: garbage the GC has not freed yet counts, and a trim
// gives it back.
func TestHeapReclaimable(t *testing.T) {
	Now()
	before := heapReclaimable()
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // the garbage stays until Now
	garbage := make([][]byte, 0, 64)
	for range 64 {
		garbage = append(garbage, make([]byte, 256<<10)) // 16 MiB
	}
	garbage = nil
	if got := heapReclaimable(); got < before+8<<20 {
		t.Errorf("after 16 MiB of garbage: %d bytes reclaimable (%d before)", got, before)
	}
	Now()
	if got := heapReclaimable(); got >= MinTrim {
		t.Errorf("right after a trim: %d bytes reclaimable", got)
	}
}
