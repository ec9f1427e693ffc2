package memtrim

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestWhenIdleTrimsOncePerBusySpell drives the ticker with a counter and
// counts the trims through the hook.
func TestWhenIdleTrimsOncePerBusySpell(t *testing.T) {
	var work atomic.Uint64
	var trims atomic.Int64
	orig := trim
	trim = func() { trims.Add(1) }
	defer func() { trim = orig }()

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
