package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// DeliverArgs is the River job that delivers webhook_deliveries row ID.
type DeliverArgs struct {
	ID int64 `json:"id"`
}

// Kind names the job in River.
func (DeliverArgs) Kind() string { return "webhook_deliver" }

// DeliverWorker runs DeliverArgs: a failed attempt returns its error, so
// River retries with the backoff of NextRetry.
type DeliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	s *Service
}

// AddWorkers registers the delivery worker.
func (s *Service) AddWorkers(w *river.Workers) { river.AddWorker(w, &DeliverWorker{s: s}) }

// Workers returns a worker set with only the webhook worker (tests).
func (s *Service) Workers() *river.Workers {
	w := river.NewWorkers()
	s.AddWorkers(w)
	return w
}

// Work makes one attempt.
func (w *DeliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	return w.s.deliver(ctx, job.Args.ID, job.ID, job.Attempt, job.MaxAttempts)
}

// NextRetry doubles the delay per attempt from RetryBase up to RetryMax:
// 30 s, 1 min, 2 min... 2 h.
func (w *DeliverWorker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	d := w.s.cfg.RetryBase
	for i := 1; i < job.Attempt && d < w.s.cfg.RetryMax; i++ {
		d *= 2
	}
	return w.s.now().Add(min(d, w.s.cfg.RetryMax))
}

// Timeout bounds one attempt a little beyond the HTTP timeout.
func (w *DeliverWorker) Timeout(*river.Job[DeliverArgs]) time.Duration {
	return w.s.cfg.Timeout + 15*time.Second
}

const (
	maxErrorLen    = 300
	maxResponseLen = 64 << 10 // read (and drop) at most this much of a response
	userAgent      = "Loopdesk-Webhooks/1"
)

// target is what an attempt needs to know.
type target struct {
	Delivery Delivery
	URL      string
	Sealed   []byte
	Enabled  bool
}

// deliver makes one attempt of delivery id for River job jobID. No
// transaction is open while the receiver is called; the outcome is written
// afterwards with the endpoint locked, so the failure count is exact.
func (s *Service) deliver(ctx context.Context, id, jobID int64, attempt, maxAttempts int) error {
	var t target
	d, err := scanDelivery(s.db.QueryRow(ctx, sqlSelectDelivery+` WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // pruned, or its endpoint deleted
	}
	if err != nil {
		return fmt.Errorf("webhook delivery %d: %w", id, err)
	}
	t.Delivery = d
	if d.Status != StatusPending || d.JobID != jobID {
		return nil // done already, or requeued: a newer job owns it
	}
	err = s.db.QueryRow(ctx, `SELECT url, secret_sealed, enabled FROM webhook_endpoints WHERE id = $1`, d.EndpointID).
		Scan(&t.URL, &t.Sealed, &t.Enabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("webhook endpoint %d: %w", d.EndpointID, err)
	}
	if !t.Enabled {
		_, err := s.db.Exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', last_error = $2 WHERE id = $1 AND status = 'pending'`,
			id, "endpoint disabled")
		if err != nil {
			return fmt.Errorf("webhook delivery %d: %w", id, err)
		}
		return river.JobCancel(errors.New("webhook endpoint disabled"))
	}
	secret, err := s.box.Open(t.Sealed, aad(d.EndpointID))
	var code int
	var sendErr error
	start := s.now()
	if err != nil {
		sendErr = err // LOOPDESK_SECRET changed: the admin must rotate the secret
	} else {
		code, sendErr = s.post(ctx, t, string(secret))
	}
	elapsed := s.now().Sub(start)
	final := attempt >= maxAttempts
	disabled, err := s.recordAttempt(ctx, d, code, sendErr, elapsed, final)
	if err != nil {
		return err
	}
	switch {
	case sendErr == nil:
		s.log.InfoContext(ctx, "webhooks: delivered", "delivery_id", id, "endpoint_id", d.EndpointID, "type", d.EventType, "status", code)
		return nil
	case disabled:
		return river.JobCancel(fmt.Errorf("webhook endpoint %d disabled after repeated failures: %w", d.EndpointID, sendErr))
	default:
		s.log.WarnContext(ctx, "webhooks: delivery failed", "delivery_id", id, "endpoint_id", d.EndpointID,
			"attempt", attempt, "status", code, "err", sendErr)
		return sendErr
	}
}

// post sends the body, signed; a non-2xx answer is an error with its code.
func (s *Service) post(ctx context.Context, t target, secret string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	body := []byte(t.Delivery.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", userAgent)
	h.Set("Loopdesk-Event", t.Delivery.EventType)
	h.Set("Loopdesk-Delivery", strconv.FormatInt(t.Delivery.ID, 10))
	h.Set(SignatureHeader, Sign(secret, s.now(), body))
	res, err := s.client.Do(req)
	if err != nil {
		// Not the *url.Error itself: it quotes the URL, which may carry a
		// receiver's token, into the log and the delivery log.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxResponseLen))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, fmt.Errorf("receiver answered %s", res.Status)
	}
	return res.StatusCode, nil
}

// recordAttempt writes the attempt to the log and its outcome to the
// delivery and the endpoint; it disables the endpoint, with a notice to the
// admins, when this failure is the DisableAfter-th in a row.
func (s *Service) recordAttempt(ctx context.Context, d Delivery, code int, sendErr error, elapsed time.Duration, final bool) (disabled bool, err error) {
	errText := ""
	if sendErr != nil {
		errText = truncate(sendErr.Error())
	}
	var respCode *int
	if code != 0 {
		respCode = &code
	}
	err = postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		e, err := lockTx(ctx, tx, d.EndpointID)
		if apperr.Is(err, apperr.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `
INSERT INTO webhook_attempts (delivery_id, attempted_at, response_code, error, duration_ms)
VALUES ($1, $2, $3, $4, $5)`, d.ID, now, respCode, errText, int(elapsed.Milliseconds())); err != nil {
			return fmt.Errorf("log webhook attempt: %w", err)
		}
		if sendErr == nil {
			if _, err := tx.Exec(ctx, `
UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, response_code = $2, last_error = '',
       last_attempt_at = $3, delivered_at = $3
WHERE id = $1`, d.ID, respCode, now); err != nil {
				return fmt.Errorf("webhook delivered: %w", err)
			}
			_, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET failure_streak = 0 WHERE id = $1 AND failure_streak <> 0`, e.ID)
			return err
		}
		streak := e.FailureStreak + 1
		disabled = e.Enabled && streak >= s.cfg.DisableAfter
		status := StatusPending
		if final || disabled || !e.Enabled {
			status = StatusFailed
		}
		if _, err := tx.Exec(ctx, `
UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, response_code = $3, last_error = $4, last_attempt_at = $5
WHERE id = $1`, d.ID, status, respCode, errText, now); err != nil {
			return fmt.Errorf("webhook failed: %w", err)
		}
		if !e.Enabled {
			return nil // an attempt that was under way when the endpoint was disabled
		}
		if !disabled {
			_, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET failure_streak = $2 WHERE id = $1`, e.ID, streak)
			return err
		}
		if _, err := tx.Exec(ctx, `
UPDATE webhook_endpoints SET failure_streak = $2, enabled = false, disabled_at = $3, disabled_reason = 'failures', updated_at = $3
WHERE id = $1`, e.ID, streak, now); err != nil {
			return fmt.Errorf("disable webhook endpoint: %w", err)
		}
		// Its other pending deliveries stop too; they can be redelivered
		// from the log once the endpoint is enabled again.
		if _, err := tx.Exec(ctx, `
UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint disabled'
WHERE endpoint_id = $1 AND status = 'pending'`, e.ID); err != nil {
			return fmt.Errorf("stop webhook deliveries: %w", err)
		}
		if _, err := tx.Exec(ctx, `
INSERT INTO notifications (user_id, kind, data, created_at)
SELECT id, 'webhook_disabled', $1, $2 FROM users WHERE role = 'admin' AND active`,
			map[string]any{"endpoint_id": e.ID, "url": e.URL, "failures": streak}, now); err != nil {
			return fmt.Errorf("notify admins: %w", err)
		}
		s.log.WarnContext(ctx, "webhooks: endpoint disabled after repeated failures", "endpoint_id", e.ID, "failures", streak)
		return postgres.RecordEvent(ctx, tx, now, "webhook", e.ID, 0, "webhook.disabled",
			map[string]any{"reason": "failures", "failures": streak, "last_error": errText})
	})
	return disabled, err
}

// truncate keeps an error short and valid UTF-8.
func truncate(s string) string {
	if len(s) <= maxErrorLen {
		return s
	}
	s = s[:maxErrorLen]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
