// Package memtrim gives memory back to the operating system when the
// process is idle.
//
// Go's runtime keeps the heap it grew to for a while after the garbage it
// held is gone: a fresh server holds its start-up garbage (migrations,
// catalogs, precompressed assets) and a server after a busy hour holds its
// peak, until a forced GC two minutes later and a slow scavenger return it.
// A desk is idle most of the night; its resident memory should then be
// what it actually uses.
package memtrim

import (
	"context"
	"runtime/debug"
	"time"
)

// Now returns the memory the heap no longer uses to the operating system
// (a GC and a full scavenge: a few milliseconds on a small heap).
func Now() { trim() }

var trim = debug.FreeOSMemory // a test counts the calls instead

// WhenIdle calls Now once after every busy spell: at each tick of every,
// when activity (a counter of the work done, e.g. requests served) has not
// moved since the tick before and did move since the last trim. It returns
// when ctx ends.
func WhenIdle(ctx context.Context, every time.Duration, activity func() uint64) {
	t := time.NewTicker(every)
	defer t.Stop()
	last, trimmedAt := activity(), activity()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n := activity()
		if n == last && n != trimmedAt {
			trim()
			trimmedAt = n
		}
		last = n
	}
}
