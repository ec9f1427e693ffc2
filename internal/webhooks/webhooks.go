// Package webhooks pushes the desk's ticket events to endpoints that admins
// register: signed JSON (HMAC-SHA256 with a timestamp), delivered by River
// with retries and backoff, logged per attempt, guarded against SSRF.
package webhooks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/secretbox"
	"github.com/loopdesk/loopdesk/internal/textcheck"
)

// Config tunes delivery; zero fields take the defaults.
type Config struct {
	// DisableAfter is how many failed attempts in a row (across deliveries)
	// disable an endpoint; default 15.
	DisableAfter int
	// MaxAttempts bounds River's attempts of one delivery; default 10
	// (with the default backoff, retried for about 8.5 hours).
	MaxAttempts int
	// RetryBase is the first retry delay, doubling per attempt up to
	// RetryMax; defaults 30 s and 2 h.
	RetryBase, RetryMax time.Duration
	// Timeout bounds one attempt; default 10 s.
	Timeout time.Duration
	// Guard decides which addresses may be reached; default NewGuard(nil).
	Guard *Guard
	// Keep is how long deliveries stay in the log; default 30 days.
	Keep time.Duration
}

func (c *Config) defaults() {
	if c.DisableAfter <= 0 {
		c.DisableAfter = 15
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 10
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 30 * time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 2 * time.Hour
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Guard == nil {
		c.Guard = NewGuard(nil)
	}
	if c.Keep <= 0 {
		c.Keep = 30 * 24 * time.Hour
	}
}

// JobInserter inserts River jobs in a transaction; *river.Client[pgx.Tx] is one.
type JobInserter interface {
	InsertManyTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// Service registers endpoints and delivers events to them.
type Service struct {
	db      *pgxpool.Pool
	box     *secretbox.Box
	log     *slog.Logger
	now     func() time.Time
	baseURL string
	cfg     Config
	client  *http.Client
	jobs    JobInserter
}

// New returns the service. box seals endpoint secrets; baseURL makes the
// ticket links in payloads.
func New(db *pgxpool.Pool, box *secretbox.Box, log *slog.Logger, now func() time.Time, baseURL string, cfg Config) *Service {
	cfg.defaults()
	tr := &http.Transport{
		Proxy:                 nil, // never through a proxy: it would connect where the guard cannot see
		DialContext:           cfg.Guard.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          50,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	svc := &Service{
		db: db, box: box, log: log, now: now, baseURL: strings.TrimRight(baseURL, "/"), cfg: cfg,
		client: &http.Client{
			Transport: tr,
			Timeout:   cfg.Timeout,
			// Redirects are not followed: a 3xx is a failed attempt, and cannot
			// lead the request to an address the guard would refuse.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	cfg.Guard.SetHosts(svc) // the admins' allow-list of private hosts (hosts.go)
	return svc
}

// SetJobs gives the service the River client that runs its deliveries.
func (s *Service) SetJobs(j JobInserter) { s.jobs = j }

// Guard returns the address guard.
func (s *Service) Guard() *Guard { return s.cfg.Guard }

// Endpoint is a registered receiver.
type Endpoint struct {
	ID             int64
	URL            string
	Description    string
	Events         []string
	SecretHint     string // the secret's last four characters
	Enabled        bool
	FailureStreak  int
	DisabledAt     *time.Time
	DisabledReason string // "admin" or "failures" while disabled
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Draft is an endpoint as an admin types it.
type Draft struct {
	URL         string
	Description string
	Events      []string
}

// Delivery is one event (or ping) for one endpoint.
type Delivery struct {
	ID            int64
	EndpointID    int64
	EventID       int64
	TicketID      int64
	EventType     string
	Body          string
	Status        string // pending, delivered, failed
	Attempts      int
	ResponseCode  int // of the last attempt; 0 when none
	LastError     string
	RedeliveryOf  int64
	CreatedAt     time.Time
	LastAttemptAt *time.Time
	DeliveredAt   *time.Time
	JobID         int64
}

// Attempt is one line of the delivery log.
type Attempt struct {
	ID           int64
	At           time.Time
	ResponseCode int // 0: no response
	Error        string
	DurationMS   int
}

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusDelivered = "delivered"
	StatusFailed    = "failed"
)

const maxDescription = 200

// check validates d and returns it cleaned; the URL is resolved and checked
// against the guard.
func (s *Service) check(ctx context.Context, d Draft) (Draft, error) {
	var f apperr.Fields
	d.Description = strings.TrimSpace(d.Description)
	textcheck.Field(&f, "description", d.Description, textcheck.Line, false, maxDescription)
	var types []string
	for _, t := range d.Events {
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	if len(types) == 0 {
		f.Add("events", "webhooks_error_events")
	} else if !validTypes(types) {
		f.Add("events", "error_invalid_choice")
	}
	slices.SortFunc(types, func(a, b string) int { return slices.Index(EventTypes, a) - slices.Index(EventTypes, b) })
	d.Events = types
	u, err := s.cfg.Guard.CheckURL(ctx, d.URL)
	if err != nil {
		for k, v := range apperr.FieldsOf(err) {
			f.Add(k, v)
		}
	} else {
		d.URL = u.String()
	}
	return d, f.Err()
}

const sqlSelectEndpoint = `
SELECT id, url, description, events, secret_hint, enabled, failure_streak, disabled_at, disabled_reason, created_at, updated_at
FROM webhook_endpoints`

func scanEndpoint(row pgx.Row) (Endpoint, error) {
	var e Endpoint
	err := row.Scan(&e.ID, &e.URL, &e.Description, &e.Events, &e.SecretHint, &e.Enabled, &e.FailureStreak,
		&e.DisabledAt, &e.DisabledReason, &e.CreatedAt, &e.UpdatedAt)
	return e, err
}

// aad binds a sealed secret to its endpoint row.
func aad(id int64) []byte { return []byte("webhook_endpoint:" + strconv.FormatInt(id, 10)) }

// Create registers an endpoint and returns it with its secret, which is
// never shown again.
func (s *Service) Create(ctx context.Context, actorID int64, d Draft) (Endpoint, string, error) {
	d, err := s.check(ctx, d)
	if err != nil {
		return Endpoint{}, "", err
	}
	secret := newSecret()
	var e Endpoint
	err = postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		var id int64
		// The secret is sealed with the row's id as associated data: insert a
		// placeholder, then seal.
		if err := tx.QueryRow(ctx, `
INSERT INTO webhook_endpoints (url, description, events, secret_sealed, secret_hint, created_by, created_at, updated_at)
VALUES ($1, $2, $3, '\x00', $4, $5, $6, $6) RETURNING id`,
			d.URL, d.Description, d.Events, secret[len(secret)-4:], postgres.NullID(actorID), now).Scan(&id); err != nil {
			return fmt.Errorf("insert webhook endpoint: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET secret_sealed = $2 WHERE id = $1`, id, s.box.Seal([]byte(secret), aad(id))); err != nil {
			return fmt.Errorf("seal webhook secret: %w", err)
		}
		if err := postgres.RecordEvent(ctx, tx, now, "webhook", id, actorID, "webhook.created",
			map[string]any{"url": d.URL, "events": d.Events}); err != nil {
			return err
		}
		e, err = getTx(ctx, tx, id)
		return err
	})
	return e, secret, err
}

// Update changes an endpoint's URL, description and events.
func (s *Service) Update(ctx context.Context, actorID, id int64, d Draft) (Endpoint, error) {
	d, err := s.check(ctx, d)
	if err != nil {
		return Endpoint{}, err
	}
	var e Endpoint
	err = postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		old, err := lockTx(ctx, tx, id)
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET url = $2, description = $3, events = $4, updated_at = $5 WHERE id = $1`,
			id, d.URL, d.Description, d.Events, now); err != nil {
			return fmt.Errorf("update webhook endpoint: %w", err)
		}
		if err := postgres.RecordEvent(ctx, tx, now, "webhook", id, actorID, "webhook.updated",
			map[string]any{"old": map[string]any{"url": old.URL, "events": old.Events}, "new": map[string]any{"url": d.URL, "events": d.Events}}); err != nil {
			return err
		}
		e, err = getTx(ctx, tx, id)
		return err
	})
	return e, err
}

// SetEnabled enables or disables an endpoint by an admin's hand. Enabling
// starts the failure count afresh; deliveries that failed meanwhile can be
// redelivered from the log.
func (s *Service) SetEnabled(ctx context.Context, actorID, id int64, enabled bool) error {
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		e, err := lockTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if e.Enabled == enabled {
			return nil
		}
		now := s.now()
		action := "webhook.enabled"
		if enabled {
			_, err = tx.Exec(ctx, `
UPDATE webhook_endpoints SET enabled = true, failure_streak = 0, disabled_at = NULL, disabled_reason = '', updated_at = $2
WHERE id = $1`, id, now)
		} else {
			action = "webhook.disabled"
			_, err = tx.Exec(ctx, `
UPDATE webhook_endpoints SET enabled = false, disabled_at = $2, disabled_reason = 'admin', updated_at = $2
WHERE id = $1`, id, now)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", action, err)
		}
		return postgres.RecordEvent(ctx, tx, now, "webhook", id, actorID, action, map[string]any{"reason": "admin"})
	})
}

// RotateSecret gives an endpoint a new secret and returns it (shown once).
func (s *Service) RotateSecret(ctx context.Context, actorID, id int64) (string, error) {
	secret := newSecret()
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := lockTx(ctx, tx, id); err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET secret_sealed = $2, secret_hint = $3, updated_at = $4 WHERE id = $1`,
			id, s.box.Seal([]byte(secret), aad(id)), secret[len(secret)-4:], now); err != nil {
			return fmt.Errorf("rotate webhook secret: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, now, "webhook", id, actorID, "webhook.secret_rotated", nil)
	})
	return secret, err
}

// Delete removes an endpoint with its delivery log.
func (s *Service) Delete(ctx context.Context, actorID, id int64) error {
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		e, err := lockTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM webhook_endpoints WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete webhook endpoint: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, s.now(), "webhook", id, actorID, "webhook.deleted", map[string]any{"url": e.URL})
	})
}

// List returns every endpoint, oldest first.
func (s *Service) List(ctx context.Context) ([]Endpoint, error) {
	rows, err := s.db.Query(ctx, sqlSelectEndpoint+` ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Endpoint, error) { return scanEndpoint(r) })
	if err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	return out, nil
}

// Get returns endpoint id.
func (s *Service) Get(ctx context.Context, id int64) (Endpoint, error) { return getTx(ctx, s.db, id) }

func getTx(ctx context.Context, q postgres.Querier, id int64) (Endpoint, error) {
	e, err := scanEndpoint(q.QueryRow(ctx, sqlSelectEndpoint+` WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Endpoint{}, apperr.New(apperr.NotFound, "webhooks_error_not_found")
	}
	if err != nil {
		return Endpoint{}, fmt.Errorf("get webhook endpoint %d: %w", id, err)
	}
	return e, nil
}

func lockTx(ctx context.Context, tx pgx.Tx, id int64) (Endpoint, error) {
	e, err := scanEndpoint(tx.QueryRow(ctx, sqlSelectEndpoint+` WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Endpoint{}, apperr.New(apperr.NotFound, "webhooks_error_not_found")
	}
	if err != nil {
		return Endpoint{}, fmt.Errorf("lock webhook endpoint %d: %w", id, err)
	}
	return e, nil
}

const sqlSelectDelivery = `
SELECT id, endpoint_id, coalesce(event_id, 0), coalesce(ticket_id, 0), event_type, body, status, attempts,
       coalesce(response_code, 0), last_error, coalesce(redelivery_of, 0), created_at, last_attempt_at, delivered_at,
       coalesce(job_id, 0)
FROM webhook_deliveries`

func scanDelivery(row pgx.Row) (Delivery, error) {
	var d Delivery
	err := row.Scan(&d.ID, &d.EndpointID, &d.EventID, &d.TicketID, &d.EventType, &d.Body, &d.Status, &d.Attempts,
		&d.ResponseCode, &d.LastError, &d.RedeliveryOf, &d.CreatedAt, &d.LastAttemptAt, &d.DeliveredAt, &d.JobID)
	return d, err
}

// Deliveries lists an endpoint's deliveries, newest first, older than
// before (0: from the newest); next is the cursor of the following page.
func (s *Service) Deliveries(ctx context.Context, endpointID, before int64, limit int) (list []Delivery, next int64, err error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.db.Query(ctx, sqlSelectDelivery+` WHERE endpoint_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
		endpointID, before, limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("list webhook deliveries: %w", err)
	}
	list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) { return scanDelivery(r) })
	if err != nil {
		return nil, 0, fmt.Errorf("list webhook deliveries: %w", err)
	}
	if len(list) > limit {
		list = list[:limit]
		next = list[limit-1].ID
	}
	return list, next, nil
}

// Delivery returns one delivery of endpoint endpointID with its attempts.
func (s *Service) Delivery(ctx context.Context, endpointID, id int64) (Delivery, []Attempt, error) {
	d, err := scanDelivery(s.db.QueryRow(ctx, sqlSelectDelivery+` WHERE id = $1 AND endpoint_id = $2`, id, endpointID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Delivery{}, nil, apperr.New(apperr.NotFound, "webhooks_error_delivery_not_found")
	}
	if err != nil {
		return Delivery{}, nil, fmt.Errorf("get webhook delivery %d: %w", id, err)
	}
	rows, err := s.db.Query(ctx, `
SELECT id, attempted_at, coalesce(response_code, 0), error, duration_ms
FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id`, id)
	if err != nil {
		return Delivery{}, nil, fmt.Errorf("webhook attempts: %w", err)
	}
	attempts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Attempt, error) {
		var a Attempt
		return a, r.Scan(&a.ID, &a.At, &a.ResponseCode, &a.Error, &a.DurationMS)
	})
	if err != nil {
		return Delivery{}, nil, fmt.Errorf("webhook attempts: %w", err)
	}
	return d, attempts, nil
}

const sqlInsertDelivery = `
INSERT INTO webhook_deliveries (endpoint_id, event_id, ticket_id, event_type, body, redelivery_of, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id`

// Redeliver queues delivery id of endpoint endpointID again, as a new
// delivery with the same body; the endpoint must be enabled.
func (s *Service) Redeliver(ctx context.Context, actorID, endpointID, id int64) (int64, error) {
	var newID int64
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		e, err := lockTx(ctx, tx, endpointID)
		if err != nil {
			return err
		}
		if !e.Enabled {
			return apperr.New(apperr.Conflict, "webhooks_error_disabled")
		}
		d, err := scanDelivery(tx.QueryRow(ctx, sqlSelectDelivery+` WHERE id = $1 AND endpoint_id = $2`, id, endpointID))
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "webhooks_error_delivery_not_found")
		}
		if err != nil {
			return fmt.Errorf("get webhook delivery %d: %w", id, err)
		}
		now := s.now()
		if err := tx.QueryRow(ctx, sqlInsertDelivery, endpointID, postgres.NullID(d.EventID), postgres.NullID(d.TicketID),
			d.EventType, d.Body, id, now).Scan(&newID); err != nil {
			return fmt.Errorf("redeliver: %w", err)
		}
		if _, err := tx.Exec(ctx, `SELECT pg_notify('loopdesk_webhooks', '')`); err != nil {
			return fmt.Errorf("notify dispatcher: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, now, "webhook", endpointID, actorID, "webhook.redelivered",
			map[string]any{"delivery_id": id, "new": newID})
	})
	return newID, err
}

// Ping queues a test delivery to an enabled endpoint.
func (s *Service) Ping(ctx context.Context, actorID, endpointID int64) (int64, error) {
	var id int64
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		e, err := lockTx(ctx, tx, endpointID)
		if err != nil {
			return err
		}
		if !e.Enabled {
			return apperr.New(apperr.Conflict, "webhooks_error_disabled")
		}
		now := s.now()
		if err := tx.QueryRow(ctx, sqlInsertDelivery, endpointID, nil, nil, Ping, string(pingBody(endpointID, now)), nil, now).Scan(&id); err != nil {
			return fmt.Errorf("ping: %w", err)
		}
		if _, err := tx.Exec(ctx, `SELECT pg_notify('loopdesk_webhooks', '')`); err != nil {
			return fmt.Errorf("notify dispatcher: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, now, "webhook", endpointID, actorID, "webhook.pinged", map[string]any{"delivery_id": id})
	})
	return id, err
}
