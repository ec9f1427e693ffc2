// Package memtrim gives memory back to the operating system when the
// process is idle.
//
// Go's runtime keeps the heap it grew to for a while after the garbage it
// held is gone: a fresh server holds its start-up garbage (migrations,
// catalogs, precompressed assets) and a server after a busy spell holds its
// peak (a sign-in alone hashes with 19 MiB), until a forced GC two minutes
// later and a slow scavenger return it. A desk is idle most of the time
// between clicks and all night; its resident memory should then be what it
// actually uses.
package memtrim

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Now returns the memory the heap no longer uses to the operating system:
// a GC and a full scavenge, about 10 ms of CPU on a 10 MB heap (measured),
// and as much again for the page faults when the next busy spell grows the
// heap back.
func Now() { trim() }

// MinTrim is the least a trim must give back to be worth its cost: less is
// what a few requests leave behind, not a busy spell.
const MinTrim = 2 << 20

var (
	trim        = debug.FreeOSMemory // a test counts the calls instead
	reclaimable = heapReclaimable    // and says what there is to give back
)

// WhenIdle calls Now when the process is idle and holds memory it could
// give back: at a tick of every when activity (a counter of the work done,
// e.g. requests served) has not moved since the tick before, and a trim
// would give back at least MinTrim. So a busy spell's heap goes back between
// every and 2*every after the work stops, memory freed later while idle
// (connections the pool closes) goes back too, and a light load whose
// pauses leave little garbage does not pay a GC per pause. It returns when
// ctx ends.
func WhenIdle(ctx context.Context, every time.Duration, activity func() uint64) {
	t := time.NewTicker(every)
	defer t.Stop()
	last := activity()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n := activity()
		if n == last && reclaimable() >= MinTrim {
			trim()
		}
		last = n
	}
}

var heapSamples = []string{
	"/memory/classes/heap/objects:bytes", // live objects and dead ones the GC has not freed yet
	"/gc/heap/live:bytes",                // live as of the last GC
	"/memory/classes/heap/free:bytes",    // free pages not returned yet
}

// heapReclaimable is about what Now would give back: the heap's dead
// objects and its free pages that the system still backs.
func heapReclaimable() uint64 {
	s := make([]metrics.Sample, len(heapSamples))
	for i, name := range heapSamples {
		s[i].Name = name
	}
	metrics.Read(s)
	var v [3]uint64
	for i := range s {
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = s[i].Value.Uint64()
		}
	}
	objects, live, free := v[0], v[1], v[2]
	return max(objects, live) - live + free
}
