package reports

import "time"

// SetLimits sets a store's refresh batch size and time budget, for tests.
func SetLimits(s *Store, batch int, budget time.Duration) { s.batch, s.budget = batch, budget }

// Uncached makes a store compute every dashboard afresh, for tests.
func Uncached(s *Store) { s.noCache = true }

// HoldParallel takes the store's parallel slot, so that its dashboards run
// their parts one after the other, until release is called.
func HoldParallel(s *Store) (release func()) {
	s.parallel <- struct{}{}
	return func() { <-s.parallel }
}
