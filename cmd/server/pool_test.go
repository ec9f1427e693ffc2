package main

import (
	"testing"

	"github.com/loopdesk/loopdesk/internal/postgres"
)

// TestServePoolHasRoomForRiver checks the pool formula: the web pages keep
// their share however many River workers are busy.
func TestServePoolHasRoomForRiver(t *testing.T) {
	workers := 0
	for _, q := range riverQueues() {
		workers += q.MaxWorkers
	}
	if got, min := servePoolSize(), postgres.DefaultMaxConns()+int32(workers); got < min {
		t.Fatalf("pool of %d connections for %d River workers and %d for the web", got, workers, postgres.DefaultMaxConns())
	}
}
