package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ErrNotSent is what a batch-queued query's result says before its batch was
// sent and read (a domain method that queues onto a *pgx.Batch returns a
// function for its result; calling it early is a programming error).
var ErrNotSent = errors.New("postgres: batch not sent yet")

// QueueRows queues sql on b; the returned function gives its rows, each read
// by scan, once b has been sent and closed. what names the query in errors.
func QueueRows[T any](b *pgx.Batch, what string, scan pgx.RowToFunc[T], sql string, args ...any) func() ([]T, error) {
	return QueueRowsN(b, what, 0, scan, sql, args...)
}

// QueueRowsN is QueueRows for a query that returns at most about n rows
// (its LIMIT): the list is made for them at once instead of grown by
// doubling, which for a page of wide rows allocated twice the page.
func QueueRowsN[T any](b *pgx.Batch, what string, n int, scan pgx.RowToFunc[T], sql string, args ...any) func() ([]T, error) {
	var list []T
	err := ErrNotSent
	b.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		if list, err = pgx.AppendRows(make([]T, 0, n), rows, scan); err != nil {
			err = fmt.Errorf("%s: %w", what, err)
		}
		return err
	})
	return func() ([]T, error) { return list, err }
}
