package memtrim

import (
	"context"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hooks replaces trim with a counter and reclaimable with *free for the
// test.
func hooks(t *testing.T, free *atomic.Uint64) *atomic.Int64 {
	var trims atomic.Int64
	origTrim, origReclaimable := trim, reclaimable
	trim = func() { trims.Add(1) }
	reclaimable = free.Load
	t.Cleanup(func() { trim, reclaimable = origTrim, origReclaimable })
	return &trims
}

// TestWhenIdleTrimsOncePerBusySpell drives the ticker with a counter and
// counts the trims through the hook.
func TestWhenIdleTrimsOncePerBusySpell(t *testing.T) {
	var work, free atomic.Uint64
	free.Store(MinTrim)
	trims := hooks(t, &free)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); WhenIdle(ctx, 5*time.Millisecond, work.Load) }()

	waitFor := func(want int64) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for trims.Load() < want {
			if time.Now().After(deadline) {
				t.Fatalf("trims = %d, want %d", trims.Load(), want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	time.Sleep(30 * time.Millisecond)
	if n := trims.Load(); n != 0 {
		t.Fatalf("idle from the start with no work: %d trims, want 0", n)
	}
	work.Add(10) // a busy spell, then quiet
	waitFor(1)
	time.Sleep(30 * time.Millisecond)
	if n := trims.Load(); n != 1 {
		t.Fatalf("a long quiet spell after one busy one: %d trims, want 1", n)
	}
	work.Add(1)
	waitFor(2)
	cancel()
	<-done
}

// TestWhenIdleSkipsLittle: a pause that leaves less than MinTrim to give
// back costs no GC; once there is enough, the trim comes.
func TestWhenIdleSkipsLittle(t *testing.T) {
	var work, free atomic.Uint64
	free.Store(MinTrim - 1)
	trims := hooks(t, &free)

	ctx, cancel := context.WithCancel(context.Background())
	done, started := make(chan struct{}), make(chan struct{})
	var once sync.Once
	activity := func() uint64 { once.Do(func() { close(started) }); return work.Load() }
	go func() { defer close(done); WhenIdle(ctx, 5*time.Millisecond, activity) }()
	<-started // the counter's start is read: what follows is a busy spell
	work.Add(3)
	time.Sleep(50 * time.Millisecond)
	if n := trims.Load(); n != 0 {
		t.Fatalf("%d trims for less than MinTrim, want 0", n)
	}
	free.Store(MinTrim)
	deadline := time.Now().Add(5 * time.Second)
	for trims.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if n := trims.Load(); n != 1 {
		t.Fatalf("%d trims once there was MinTrim to give back, want 1", n)
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
