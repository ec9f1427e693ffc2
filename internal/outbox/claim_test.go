package outbox

import (
	"context"
	"encoding/json"
	"net/mail"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// fixedJob is an insertJobs that gives each row the job id next, next+1...
// without River, for tests that drive dispatch and send by hand.
func fixedJob(next int64) insertJobs {
	return func(_ context.Context, _ pgx.Tx, params []river.InsertManyParams) (map[int64]int64, error) {
		out := map[int64]int64{}
		for _, p := range params {
			out[p.Args.(SendArgs).ID] = next
			next++
		}
		return out, nil
	}
}

// TestSendHoldsNoLockOrConnection stops a send inside the SMTP
// conversation and checks that meanwhile the row is not locked and no pool
// connection is held: a slow mail server cannot starve the web pages.
func TestSendHoldsNoLockOrConnection(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inSend, release := make(chan Message), make(chan struct{})
	o := New(b.db, b.cat, senderFunc(func(_ context.Context, m Message) error {
		inSend <- m
		<-release
		return nil
	}), b.log, time.Now)
	_, m := createTicket(t, b, "en")
	if _, err := o.dispatch(t.Context(), fixedJob(500)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- o.send(context.Background(), m.ID, 500) }()
	msg := <-inSend

	if n := b.db.Stat().AcquiredConns(); n != 0 {
		t.Errorf("%d pool connections held while the SMTP server is slow, want 0", n)
	}
	tx, err := b.db.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var status string
	if err := tx.QueryRow(t.Context(), `SELECT status FROM outbox WHERE id = $1 FOR UPDATE NOWAIT`, m.ID).Scan(&status); err != nil {
		t.Errorf("the row is locked while it is sent: %v", err)
	}
	_ = tx.Rollback(t.Context())
	if status != string(StatusSending) {
		t.Errorf("status while sending = %q", status)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sent, err := b.store.Get(t.Context(), m.ID)
	if err != nil || sent.Status != StatusSent || sent.Attempts != 1 || sent.MessageID == "" || sent.MessageID != msg.MessageID {
		t.Fatalf("after the send: %+v, %v (message id sent %q)", sent, err, msg.MessageID)
	}
}

// TestMessageIDIsKeptAcrossAttempts fails the first attempt: the retry
// carries the same Message-ID, so a copy that did get through can be dropped.
func TestMessageIDIsKeptAcrossAttempts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var ids []string
	o := New(b.db, b.cat, senderFunc(func(_ context.Context, m Message) error {
		ids = append(ids, m.MessageID)
		if len(ids) == 1 {
			return context.DeadlineExceeded // the server took the mail but the answer never came
		}
		return nil
	}), b.log, time.Now)
	_, m := createTicket(t, b, "fi")
	if _, err := o.dispatch(t.Context(), fixedJob(700)); err != nil {
		t.Fatal(err)
	}
	if err := o.send(t.Context(), m.ID, 700); err == nil {
		t.Fatal("first attempt did not fail")
	}
	if err := o.send(t.Context(), m.ID, 700); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || ids[0] == "" || ids[0] != ids[1] {
		t.Fatalf("Message-IDs of the two attempts: %q", ids)
	}
	raw, _, err := compose(mustAddr(t, "desk@example.com"), Message{To: "c@example.com", Subject: "s", Body: "b", MessageID: ids[0]}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := parseMail(t, raw).Header.Get("Message-ID"); got != "<"+ids[0]+"@example.com>" {
		t.Fatalf("composed mail carries Message-ID %q, not the row's:\n%s", got, raw)
	}
}

// TestDispatcherRetakesMailOfADeadJob plays a kill -9 twice: once after the
// job claimed its row (the row stays 'sending'), once after River marked
// the job running but before the claim. A second process, whose clock is
// past the lease, sends both mails: they are not left to River's rescuer.
func TestDispatcherRetakesMailOfADeadJob(t *testing.T) {
	t.Parallel()
	b := setup(t)
	srv := startFakeSMTP(t)
	sender, err := NewSMTPSender(SMTPConfig{Addr: srv.addr(), From: "support@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	dead := New(b.db, b.cat, sender, b.log, time.Now)

	// Mail 1: claimed, then the process died.
	_, m1 := createTicket(t, b, "en")
	if _, err := dead.dispatch(t.Context(), fixedJob(9001)); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := dead.claim(t.Context(), m1.ID, 9001); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}

	// Mail 2: River's job is 'running' since long ago, the row never claimed.
	_, m2 := createTicket(t, b, "vi")
	inserter, err := river.NewClient(riverpgxv5.New(b.db), &river.Config{Logger: b.log, TestOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	insert := func(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) (map[int64]int64, error) {
		res, err := inserter.InsertManyTx(ctx, tx, params)
		if err != nil {
			return nil, err
		}
		out := map[int64]int64{}
		for _, r := range res {
			var a SendArgs
			_ = json.Unmarshal(r.Job.EncodedArgs, &a)
			out[a.ID] = r.Job.ID
		}
		return out, nil
	}
	if _, err := dead.dispatch(t.Context(), insert); err != nil {
		t.Fatal(err)
	}
	row2, _ := b.store.Get(t.Context(), m2.ID)
	if _, err := b.db.Exec(t.Context(), `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() - interval '10 minutes' WHERE id = $1`, row2.JobID); err != nil {
		t.Fatal(err)
	}

	// The restarted process, later: its dispatcher's clock is past the
	// first mail's lease, and the second mail's job has been running longer
	// than that. One dispatch re-takes both and gives them new jobs; its
	// workers (on a live clock, so that a job that has just started is never
	// taken for a dead one, as in production) send them.
	restarted := New(b.db, b.cat, sender, b.log, func() time.Time { return time.Now().Add(claimLease + time.Minute) })
	if n, err := restarted.dispatch(t.Context(), insert); err != nil || n != 2 {
		t.Fatalf("the restarted dispatcher gave %d rows new jobs (%v), want 2", n, err)
	}
	startRiver(t, b, New(b.db, b.cat, sender, b.log, time.Now))
	s1 := waitFor(t, b, m1.ID, "sent", func(m Mail) bool { return m.Status == StatusSent })
	s2 := waitFor(t, b, m2.ID, "sent", func(m Mail) bool { return m.Status == StatusSent })
	if s1.JobID == 9001 || s2.JobID == row2.JobID {
		t.Errorf("re-taken rows kept their dead jobs: %d, %d", s1.JobID, s2.JobID)
	}
	if s1.Attempts != 2 || s2.Attempts != 1 {
		t.Errorf("attempts %d and %d, want 2 (the dead claim counts) and 1", s1.Attempts, s2.Attempts)
	}
	if n := len(srv.messages()); n != 2 {
		t.Errorf("%d mails reached the SMTP server, want 2", n)
	}
	// The dead job, run again by River's rescuer some day, does nothing.
	if err := restarted.send(t.Context(), m1.ID, 9001); err != nil || len(srv.messages()) != 2 {
		t.Errorf("the dead job's rerun: %v, %d mails", err, len(srv.messages()))
	}
}

func mustAddr(t *testing.T, s string) *mail.Address {
	t.Helper()
	a, err := mail.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
