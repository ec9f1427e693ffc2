package reports

import "time"

// SetLimits sets a store's refresh batch size and time budget, for tests.
func SetLimits(s *Store, batch int, budget time.Duration) { s.batch, s.budget = batch, budget }
