package staff

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/apperr"
)

// At most the configured number of argon2id hashes run at once; a request
// that finds every slot taken waits (bounded by ctx and the store's wait),
// then is refused as Unavailable, and a refused login counts as no failure.
func TestHashingIsCapped(t *testing.T) {
	tests := []struct {
		name    string
		wait    time.Duration
		ctx     func() (context.Context, context.CancelFunc)
		release bool // the held slot frees while the login waits
		want    error
	}{
		{"no wait: refused at once", 0, nil, false, apperr.New(apperr.Unavailable, "trust_error_busy")},
		{"waiting in vain: refused", time.Millisecond, nil, false, apperr.New(apperr.Unavailable, "trust_error_busy")},
		{"the request gives up: its context's error", time.Hour, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, false, context.Canceled},
		{"a slot frees while waiting: signed in", time.Hour, nil, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := newTokenStore(t)
			s.LimitHashing(1, tc.wait)
			s.hashes <- struct{}{} // someone else is hashing
			ctx := context.Background()
			if tc.ctx != nil {
				var cancel context.CancelFunc
				ctx, cancel = tc.ctx()
				defer cancel()
			}
			if tc.release {
				go func() { <-s.hashes }()
			}
			_, err := s.Authenticate(ctx, "rep@example.com", "long enough password", "203.0.113.1")
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("err %v, want success", err)
			case tc.want != nil && apperr.KindOf(tc.want) == apperr.Unavailable && !apperr.Is(err, apperr.Unavailable):
				t.Fatalf("err %v, want Unavailable", err)
			case errors.Is(tc.want, context.Canceled) && !errors.Is(err, context.Canceled):
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			var attempts int
			if err := s.db.QueryRow(context.Background(), `SELECT count(*) FROM login_failures`).Scan(&attempts); err != nil {
				t.Fatal(err)
			}
			if attempts != 0 {
				t.Errorf("%d login failures recorded, want none", attempts)
			}
		})
	}
}

// Every hash goes through the slots: with two, no more than two run at once
// however many logins arrive together.
func TestHashingNeverExceedsSlots(t *testing.T) {
	s, _, _ := newTokenStore(t)
	s.LimitHashing(2, time.Hour)
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			release, err := s.hashTurn(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			defer release()
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			_, _ = CheckPassword(dummyHash, "x")
			running.Add(-1)
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 2 || p < 1 {
		t.Fatalf("peak %d hashes at once, want at most 2", p)
	}
}

// BenchmarkParallelLoginMemory reports the peak Go heap while 32 logins
// check their password at once, with the default cap and without one:
// go test ./internal/staff -run '^$' -bench ParallelLoginMemory
func BenchmarkParallelLoginMemory(b *testing.B) {
	for _, slots := range []int{max(2, runtime.GOMAXPROCS(0)), 32} {
		b.Run("slots="+strconv.Itoa(slots), func(b *testing.B) {
			s := &Store{}
			s.LimitHashing(slots, time.Hour)
			var peak uint64
			for b.Loop() {
				runtime.GC()
				done, stopped := make(chan struct{}), make(chan struct{})
				go func() {
					defer close(stopped)
					var m runtime.MemStats
					for {
						select {
						case <-done:
							return
						default:
						}
						runtime.ReadMemStats(&m)
						peak = max(peak, m.HeapInuse)
						time.Sleep(time.Millisecond)
					}
				}()
				var wg sync.WaitGroup
				for range 32 {
					wg.Go(func() { _, _ = s.checkPassword(context.Background(), dummyHash, "a wrong guess") })
				}
				wg.Wait()
				close(done)
				<-stopped
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
