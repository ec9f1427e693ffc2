package main

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/mailbox"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// startMailboxes reads the IMAP mailboxes admins add (one reader per
// mailbox across all instances, by advisory lock). stop ends the readers
// and waits for them: a message being filed finishes or stays unread.
func startMailboxes(ctx context.Context, cfg *config, getenv func(string) string, store *tickets.Store, db *pgxpool.Pool, boxes *mailbox.Store, log *slog.Logger) (stop func(), err error) {
	desk, _, err := mailDesk(cfg, getenv, store, db, log)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	wait := mailbox.NewReader(boxes, desk, log, mailbox.Options{}).Start(ctx)
	return func() { cancel(); wait() }, nil
}
