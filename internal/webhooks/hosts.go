package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// The admins' allow-list of host names whose addresses may be private or
// loopback (an internal receiver). It is one list for the desk rather than
// a flag per endpoint: the guard sees a connection's host, not the endpoint
// behind it, and the HTTP client pools connections per host, so an
// exemption can only hold soundly per host. Matching is exact: no
// wildcards, no IP literals.

// AllowedHost is one entry of the list.
type AllowedHost struct {
	ID        int64
	Host      string
	CreatedBy string // the admin's name
	CreatedAt time.Time
}

var hostNameRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

// cleanHost is host as the list keeps it (lower case, no final dot), or a
// field error on "host".
func cleanHost(host string) (string, error) {
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	switch {
	case host == "":
		return "", apperr.InvalidFields(map[string]string{"host": "error_required"})
	case len(host) > 253 || !hostNameRe.MatchString(host):
		return "", apperr.InvalidFields(map[string]string{"host": "webhooks_error_host"})
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return "", apperr.InvalidFields(map[string]string{"host": "webhooks_error_host"})
	}
	return host, nil
}

// HostAllowed reports whether host is on the list (the guard's HostList).
func (s *Service) HostAllowed(ctx context.Context, host string) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_allowed_hosts WHERE host = $1)`, host).Scan(&ok)
	return ok, err
}

// AllowedHosts lists the list, by name.
func (s *Service) AllowedHosts(ctx context.Context) ([]AllowedHost, error) {
	rows, err := s.db.Query(ctx, `
SELECT h.id, h.host, coalesce(u.name, ''), h.created_at
FROM webhook_allowed_hosts h LEFT JOIN users u ON u.id = h.created_by
ORDER BY h.host`)
	if err != nil {
		return nil, fmt.Errorf("webhook allowed hosts: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (AllowedHost, error) {
		var h AllowedHost
		return h, r.Scan(&h.ID, &h.Host, &h.CreatedBy, &h.CreatedAt)
	})
}

// AllowHost puts host on the list, with a webhook.host_allowed event.
func (s *Service) AllowHost(ctx context.Context, actorID int64, host string) (AllowedHost, error) {
	host, err := cleanHost(host)
	if err != nil {
		return AllowedHost{}, err
	}
	h := AllowedHost{Host: host}
	err = postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		err := tx.QueryRow(ctx, `INSERT INTO webhook_allowed_hosts (host, created_by, created_at) VALUES ($1, $2, $3) RETURNING id, created_at`,
			host, postgres.NullID(actorID), now).Scan(&h.ID, &h.CreatedAt)
		if _, dup := postgres.IsUniqueViolation(err); dup {
			return apperr.InvalidFields(map[string]string{"host": "webhooks_error_host_taken"})
		}
		if err != nil {
			return fmt.Errorf("allow webhook host: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, now, "webhook_allowed_host", h.ID, actorID, "webhook.host_allowed", map[string]any{"host": host})
	})
	return h, err
}

// DisallowHost takes host off the list, with a webhook.host_disallowed
// event. Endpoints on it stay, and their deliveries are refused from now on.
func (s *Service) DisallowHost(ctx context.Context, actorID int64, host string) error {
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `DELETE FROM webhook_allowed_hosts WHERE host = $1 RETURNING id`, host).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "webhooks_error_host_not_found")
		}
		if err != nil {
			return fmt.Errorf("disallow webhook host: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, s.now(), "webhook_allowed_host", id, actorID, "webhook.host_disallowed", map[string]any{"host": host})
	})
}
