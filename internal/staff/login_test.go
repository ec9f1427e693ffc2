package staff

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/apperr"
)

func TestLoginDelayGrows(t *testing.T) {
	want := []time.Duration{0, 0, 0, 15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute}
	for n, w := range want {
		if got := LoginDelay(n); got != w {
			t.Errorf("LoginDelay(%d) = %v, want %v", n, got, w)
		}
	}
}

// succeeds marks an attempt that signs in (Internal is apperr's zero value).
const succeeds = apperr.Internal

// Failed logins slow down one account from one address, and one address over
// all accounts; they never lock an account for everyone.
func TestLoginThrottling(t *testing.T) {
	const right, wrong = "long enough password", "a wrong guess"
	type attempt struct {
		wait     time.Duration // clock moves on first
		from     string
		email    string // default rep@example.com
		password string
		want     apperr.Kind // succeeds (the zero value) or the error kind
		times    int         // repeat; 0 means once
	}
	tests := []struct {
		name     string
		attempts []attempt
	}{
		{"the right password from an address that has not failed is never refused", []attempt{
			{from: "203.0.113.1", password: wrong, want: apperr.Unauthorized, times: 3},
			{from: "203.0.113.1", password: wrong, want: apperr.TooMany, times: 5}, // waiting out the delay
			{from: "198.51.100.7", password: right},
			{from: "198.51.100.7", password: right},
		}},
		{"two mistypes cost nothing, the third starts the delay", []attempt{
			{from: "203.0.113.1", password: wrong, want: apperr.Unauthorized, times: 2},
			{from: "203.0.113.1", password: right},
			{from: "203.0.113.1", password: wrong, want: apperr.Unauthorized, times: 3},
			{from: "203.0.113.1", password: right, want: apperr.TooMany},
			{wait: 15 * time.Second, from: "203.0.113.1", password: right},
		}},
		{"the delay doubles with each failure", []attempt{
			{from: "203.0.113.1", password: wrong, want: apperr.Unauthorized, times: 3},
			{wait: 15 * time.Second, from: "203.0.113.1", password: wrong, want: apperr.Unauthorized},
			{wait: 29 * time.Second, from: "203.0.113.1", password: right, want: apperr.TooMany},
			{wait: time.Second, from: "203.0.113.1", password: wrong, want: apperr.Unauthorized},
			{wait: 59 * time.Second, from: "203.0.113.1", password: right, want: apperr.TooMany},
			{wait: time.Second, from: "203.0.113.1", password: right},
		}},
		{"failures are forgotten after an hour", []attempt{
			{from: "203.0.113.1", password: wrong, want: apperr.Unauthorized, times: 3},
			{wait: 15 * time.Second, from: "203.0.113.1", password: wrong, want: apperr.Unauthorized, times: 1},
			{wait: time.Hour, from: "203.0.113.1", password: wrong, want: apperr.Unauthorized, times: 2},
			{from: "203.0.113.1", password: right},
		}},
		{"one address guessing many accounts is stopped", []attempt{
			{from: "203.0.113.1", email: "ghost@example.com", password: wrong, want: apperr.Unauthorized, times: 2},
			{from: "203.0.113.1", email: "senior@example.com", password: wrong, want: apperr.Unauthorized, times: 2},
			{from: "203.0.113.1", email: "admin@example.com", password: wrong, want: apperr.Unauthorized, times: 2},
			{from: "203.0.113.1", email: "nobody%d@example.com", password: wrong, want: apperr.Unauthorized, times: MaxAddressFailures - 6},
			{from: "203.0.113.1", password: right, want: apperr.TooMany},
			{from: "198.51.100.7", password: right},
			{wait: AddressWindow, from: "203.0.113.1", password: right},
		}},
		{"unknown accounts are throttled alike", []attempt{
			{from: "203.0.113.1", email: "ghost@example.com", password: wrong, want: apperr.Unauthorized, times: 3},
			{from: "203.0.113.1", email: "ghost@example.com", password: wrong, want: apperr.TooMany},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, clock, _ := newTokenStore(t)
			ctx := context.Background()
			for i, a := range tc.attempts {
				clock.add(a.wait)
				for n := range max(a.times, 1) {
					email := a.email
					if email == "" {
						email = "rep@example.com"
					}
					if a.times > 1 && email[:6] == "nobody" {
						email = fmt.Sprintf(email, n)
					}
					_, err := s.Authenticate(ctx, email, a.password, a.from)
					if got := apperr.KindOf(err); (err == nil) != (a.want == succeeds) || (err != nil && got != a.want) {
						t.Fatalf("attempt %d.%d (%s from %s): err %v, want %v", i, n, email, a.from, err, a.want)
					}
				}
			}
		})
	}
}

// Parallel guesses from one address each see the ones before them: no more
// get their password checked than the free failures allow.
func TestLoginThrottlingHoldsUnderParallelGuesses(t *testing.T) {
	s, _, _ := newTokenStore(t)
	var wg sync.WaitGroup
	kinds := make(chan apperr.Kind, 12)
	for range 12 {
		wg.Go(func() {
			_, err := s.Authenticate(context.Background(), "rep@example.com", "a wrong guess", "203.0.113.1")
			kinds <- apperr.KindOf(err)
		})
	}
	wg.Wait()
	close(kinds)
	checked := 0
	for k := range kinds {
		if k == apperr.Unauthorized {
			checked++
		} else if k != apperr.TooMany {
			t.Fatalf("unexpected error kind %v", k)
		}
	}
	if checked != freePairFailures+1 {
		t.Fatalf("%d of 12 parallel guesses were checked, want %d", checked, freePairFailures+1)
	}
}
