package privacy

import (
	"archive/zip"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/postgres"
)

// The export is a zip:
//
//	customer.json     the profile, and when and by whom it was exported
//	tickets.json      every ticket with its messages (internal notes too) and their files' metadata
//	csat.json         the satisfaction answers
//	events.json       the audit events of the customer and of their tickets
//	mail.json         the mail the desk queued or sent to them
//	attachments/<ticket>/<id>-<filename>   the files themselves
//
// It is read in one read-only, repeatable-read transaction: a consistent
// snapshot even while the customer writes.

// ExportFormat names the layout above; it changes when the layout does.
const ExportFormat = "loopdesk-customer-export/1"

// StartExport checks the typed confirmation of an export of customer id and
// records who exported it; the caller then writes the zip with WriteExport.
func (s *Service) StartExport(ctx context.Context, actorID, id int64, confirm string) (Customer, error) {
	var c Customer
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		if c, err = getTx(ctx, tx, id, false); err != nil {
			return err
		}
		if err := checkConfirm(c, confirm); err != nil {
			return err
		}
		return postgres.RecordEvent(ctx, tx, s.now(), "customer", id, actorID, "customer.exported",
			map[string]any{"tickets": c.Tickets, "messages": c.Messages, "attachments": c.Attachments})
	})
	return c, err
}

// ExportName is the file name of customer c's export.
func ExportName(c Customer) string {
	return "loopdesk-customer-" + strconv.FormatInt(c.ID, 10) + ".zip"
}

type exportCustomer struct {
	Format     string    `json:"format"`
	ExportedAt time.Time `json:"exported_at"`
	Customer   struct {
		ID        int64     `json:"id"`
		Name      string    `json:"name"`
		Email     string    `json:"email"`
		Phone     string    `json:"phone"`
		Locale    string    `json:"locale"`
		Notes     string    `json:"notes"`
		CreatedAt time.Time `json:"created_at"`
		UpdatedAt time.Time `json:"updated_at"`
	} `json:"customer"`
}

type exportTicket struct {
	ID              int64           `json:"id"`
	Subject         string          `json:"subject"`
	Status          string          `json:"status"`
	Priority        int             `json:"priority"`
	Category        string          `json:"category"`
	Channel         string          `json:"channel"`
	Tags            []string        `json:"tags"`
	OrderRef        string          `json:"order_ref"`
	CustomFields    json.RawMessage `json:"custom_fields"`
	MergedInto      *int64          `json:"merged_into"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	FirstResponseAt *time.Time      `json:"first_response_at"`
	SolvedAt        *time.Time      `json:"solved_at"`
	ClosedAt        *time.Time      `json:"closed_at"`
	Messages        []exportMessage `json:"messages"`
}

type exportMessage struct {
	ID           int64              `json:"id"`
	Kind         string             `json:"kind"`
	FromCustomer bool               `json:"from_customer"`
	AuthorUserID *int64             `json:"author_user_id"`
	AuthorName   string             `json:"author_name"`
	Body         string             `json:"body"`
	CreatedAt    time.Time          `json:"created_at"`
	Attachments  []exportAttachment `json:"attachments"`
}

type exportAttachment struct {
	ID          int64     `json:"id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	SHA256      string    `json:"sha256"`
	File        string    `json:"file"` // its path in the zip
	CreatedAt   time.Time `json:"created_at"`
	messageID   int64
}

// WriteExport writes customer c's export to w as a zip.
func (s *Service) WriteExport(ctx context.Context, c Customer, w io.Writer) error {
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("export: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	z := zip.NewWriter(w)
	now := s.now().UTC()
	put := func(name string, v any) error {
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now})
		if err != nil {
			return err
		}
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}

	var prof exportCustomer
	prof.Format, prof.ExportedAt = ExportFormat, now
	p := &prof.Customer
	if err := tx.QueryRow(ctx, `
SELECT id, name, coalesce(email::text, ''), coalesce(phone, ''), locale, notes, created_at, updated_at
FROM customers WHERE id = $1`, c.ID).Scan(&p.ID, &p.Name, &p.Email, &p.Phone, &p.Locale, &p.Notes, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return fmt.Errorf("export customer: %w", err)
	}
	if err := put("customer.json", prof); err != nil {
		return err
	}

	tickets, files, err := exportTickets(ctx, tx, c.ID)
	if err != nil {
		return err
	}
	if err := put("tickets.json", tickets); err != nil {
		return err
	}
	ids := make([]int64, len(tickets))
	for i, t := range tickets {
		ids[i] = t.ID
	}
	csat, err := exportRows(ctx, tx, `
SELECT json_build_object('ticket_id', ticket_id, 'rating', rating, 'reason', reason, 'comment', comment,
                         'answered_at', answered_at, 'changed_at', changed_at)
FROM csat_responses WHERE ticket_id = ANY($1) ORDER BY ticket_id`, ids)
	if err != nil {
		return fmt.Errorf("export csat: %w", err)
	}
	if err := put("csat.json", csat); err != nil {
		return err
	}
	events, err := exportRows(ctx, tx, `
SELECT json_build_object('id', id, 'subject_type', subject_type, 'subject_id', subject_id, 'actor_id', actor_id,
                         'action', action, 'data', data, 'created_at', created_at)
FROM events
WHERE (subject_type = 'ticket' AND subject_id = ANY($1)) OR (subject_type = 'customer' AND subject_id = $2)
ORDER BY id`, ids, c.ID)
	if err != nil {
		return fmt.Errorf("export events: %w", err)
	}
	if err := put("events.json", events); err != nil {
		return err
	}
	mail, err := exportRows(ctx, tx, `
SELECT json_build_object('id', id, 'ticket_id', ticket_id, 'to', to_address, 'kind', kind, 'locale', locale,
                         'data', data, 'status', status, 'created_at', created_at, 'sent_at', sent_at)
FROM outbox
WHERE ticket_id = ANY($1) OR ($2 <> '' AND lower(to_address) = lower($2))
ORDER BY id`, ids, c.Email)
	if err != nil {
		return fmt.Errorf("export mail: %w", err)
	}
	if err := put("mail.json", mail); err != nil {
		return err
	}

	// The files, one at a time: at most 10 MiB each in memory.
	for _, a := range files {
		var data []byte
		if err := tx.QueryRow(ctx, `SELECT data FROM attachments WHERE id = $1`, a.ID).Scan(&data); err != nil {
			return fmt.Errorf("export attachment %d: %w", a.ID, err)
		}
		f, err := z.CreateHeader(&zip.FileHeader{Name: a.File, Method: zip.Deflate, Modified: a.CreatedAt.UTC()})
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			return err
		}
	}
	return z.Close()
}

// exportRows collects one JSON value per row of sql.
func exportRows(ctx context.Context, tx pgx.Tx, sql string, args ...any) ([]json.RawMessage, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[json.RawMessage])
	if out == nil {
		out = []json.RawMessage{}
	}
	return out, err
}

// exportTickets reads the customer's tickets with their threads, and the
// files to put in the zip.
func exportTickets(ctx context.Context, tx pgx.Tx, customerID int64) ([]exportTicket, []exportAttachment, error) {
	rows, err := tx.Query(ctx, `
SELECT id, subject, status, priority, category, channel, tags, order_ref, custom_fields, merged_into,
       created_at, updated_at, first_response_at, solved_at, closed_at
FROM tickets WHERE customer_id = $1 ORDER BY id`, customerID)
	if err != nil {
		return nil, nil, fmt.Errorf("export tickets: %w", err)
	}
	tickets, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (exportTicket, error) {
		var t exportTicket
		err := r.Scan(&t.ID, &t.Subject, &t.Status, &t.Priority, &t.Category, &t.Channel, &t.Tags, &t.OrderRef,
			&t.CustomFields, &t.MergedInto, &t.CreatedAt, &t.UpdatedAt, &t.FirstResponseAt, &t.SolvedAt, &t.ClosedAt)
		t.Messages = []exportMessage{}
		if t.Tags == nil {
			t.Tags = []string{}
		}
		return t, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("export tickets: %w", err)
	}
	var files []exportAttachment
	for i := range tickets {
		t := &tickets[i]
		rows, err := tx.Query(ctx, `
SELECT m.id, m.kind, m.author_customer_id IS NOT NULL, m.author_user_id, coalesce(u.name, ''), m.body, m.created_at
FROM messages m LEFT JOIN users u ON u.id = m.author_user_id
WHERE m.ticket_id = $1 ORDER BY m.id`, t.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("export messages: %w", err)
		}
		msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (exportMessage, error) {
			var m exportMessage
			err := r.Scan(&m.ID, &m.Kind, &m.FromCustomer, &m.AuthorUserID, &m.AuthorName, &m.Body, &m.CreatedAt)
			m.Attachments = []exportAttachment{}
			return m, err
		})
		if err != nil {
			return nil, nil, fmt.Errorf("export messages: %w", err)
		}
		rows, err = tx.Query(ctx, `
SELECT id, coalesce(message_id, 0), filename, content_type, size_bytes, sha256, created_at
FROM attachments WHERE ticket_id = $1 ORDER BY id`, t.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("export attachments: %w", err)
		}
		atts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (exportAttachment, error) {
			var a exportAttachment
			var sum []byte
			err := r.Scan(&a.ID, &a.messageID, &a.Filename, &a.ContentType, &a.Size, &sum, &a.CreatedAt)
			a.SHA256 = hex.EncodeToString(sum)
			a.File = fmt.Sprintf("attachments/%d/%d-%s", t.ID, a.ID, zipSafe(a.Filename))
			return a, err
		})
		if err != nil {
			return nil, nil, fmt.Errorf("export attachments: %w", err)
		}
		byMsg := map[int64]int{}
		for j := range msgs {
			byMsg[msgs[j].ID] = j
		}
		for _, a := range atts {
			if j, ok := byMsg[a.messageID]; ok {
				msgs[j].Attachments = append(msgs[j].Attachments, a)
			} else if len(msgs) > 0 { // a file without its message: keep it with the first
				msgs[0].Attachments = append(msgs[0].Attachments, a)
			}
			files = append(files, a)
		}
		t.Messages = msgs
	}
	return tickets, files, nil
}

// zipSafe keeps a stored file name from naming another place in the zip.
func zipSafe(name string) string {
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 {
			return '_'
		}
		return r
	}, name)
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}
