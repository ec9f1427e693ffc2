package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Delivered mail is kept for a while for the admin Outbox page ("did the
// customer get our reply?"), then its content is removed: the subject and
// the rep's words are on the ticket anyway, and a backup need not carry
// them twice. Address, kind, dates and status stay.
const (
	// DefaultRetention is how long a sent mail keeps its content.
	DefaultRetention = 7 * 24 * time.Hour
	// PurgeInterval is how often the purge runs.
	PurgeInterval = time.Hour

	purgeBatch = 1000
)

// SetRetention sets how long sent mail keeps its content (DefaultRetention
// unless set; 0 removes it at the next purge after sending).
func (o *Outbox) SetRetention(d time.Duration) { o.retention = max(d, 0) }

// sqlPurgeSent empties up to $3 rows sent before $1, oldest first
// (outbox_purge_idx).
const sqlPurgeSent = `
UPDATE outbox SET data = '{}', cc = '{}', purged_at = $2
WHERE id IN (
    SELECT id FROM outbox
    WHERE status = 'sent' AND purged_at IS NULL AND sent_at < $1
    ORDER BY sent_at
    LIMIT $3)`

// Purge removes the content of mail sent more than the retention ago and
// returns how many mails it emptied.
func (o *Outbox) Purge(ctx context.Context) (int, error) {
	now := o.now()
	total := 0
	for {
		tag, err := o.db.Exec(ctx, sqlPurgeSent, now.Add(-o.retention), now, purgeBatch)
		if err != nil {
			return total, fmt.Errorf("purge sent mail: %w", err)
		}
		total += int(tag.RowsAffected())
		if tag.RowsAffected() < purgeBatch {
			return total, nil
		}
	}
}

// PurgeArgs is the periodic job that purges delivered mail.
type PurgeArgs struct{}

// Kind names the job in River.
func (PurgeArgs) Kind() string { return "outbox_purge" }

// InsertOpts puts the purge on the outbox queue; a failed purge is simply
// done again by the next tick.
func (PurgeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 1}
}

// PurgeWorker runs PurgeArgs.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	o *Outbox
}

// Work purges.
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	n, err := w.o.Purge(ctx)
	if n > 0 {
		w.o.log.InfoContext(ctx, "outbox: removed the content of delivered mail", "mails", n, "retention", w.o.retention)
	}
	return err
}
