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

// NoRollups makes a store aggregate the facts as it did before the daily
// rollups (the exact figures the rollups are checked against).
func NoRollups(s *Store) { s.noRollups = true }

// ApproxWithin reports whether got is within ApproxPercent of want.
func ApproxWithin(got, want time.Duration) bool { return within(got, want) }
