package reports

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// RefreshInterval is how often the facts job runs: the dashboard is at most
// about this much behind the desk (it shows "as of" the last run).
const RefreshInterval = time.Minute

// RefreshArgs is the periodic job that brings ticket_facts up to date.
type RefreshArgs struct{}

// Kind names the job in River.
func (RefreshArgs) Kind() string { return "report_facts_refresh" }

// InsertOpts: one attempt, since the next tick does the same work anyway.
func (RefreshArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1}
}

// Worker runs RefreshArgs.
type Worker struct {
	river.WorkerDefaults[RefreshArgs]
	store *Store
}

// NewWorker returns the facts job's worker for s.
func NewWorker(s *Store) *Worker { return &Worker{store: s} }

// Work refreshes the facts; a rebuild that ran out of budget goes on at the next tick.
func (w *Worker) Work(ctx context.Context, job *river.Job[RefreshArgs]) error {
	res, err := w.store.Refresh(ctx)
	if err != nil {
		return err
	}
	if res.Tickets > 0 || !res.Done || res.RollupDays < 0 {
		w.store.log.InfoContext(ctx, "reports: facts refreshed", "tickets", res.Tickets, "rebuild", res.Rebuild,
			"done", res.Done, "rollup_days", res.RollupDays, "duration", res.Duration.Round(time.Millisecond))
	}
	return nil
}

// Timeout leaves room for a rebuild's budget and its last batch.
func (w *Worker) Timeout(*river.Job[RefreshArgs]) time.Duration { return w.store.budget + time.Minute }

// PeriodicJobs returns the facts job, run every RefreshInterval and at start.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(
		river.PeriodicInterval(RefreshInterval),
		func() (river.JobArgs, *river.InsertOpts) { return RefreshArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	)}
}
