package postgres

import "errors"

// ErrNotSent is what a batch-queued query's result says before its batch was
// sent and read (a domain method that queues onto a *pgx.Batch returns a
// function for its result; calling it early is a programming error).
var ErrNotSent = errors.New("postgres: batch not sent yet")
