package staff

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/textcheck"
)

// A team's mail signature: plain text the outbox puts under every mail on
// the team's tickets (after the "-- " separator, and set apart in the HTML
// part). Supervisors and admins edit it; empty means no signature.

// MaxSignature bounds a signature, in characters.
const MaxSignature = 1000

// TeamSignature is one team's signature.
type TeamSignature struct {
	TeamID    int64
	Name      string
	Signature string
}

const sqlTeamSignatures = `SELECT id, name, signature FROM teams ORDER BY name, id`

// TeamSignatures lists every team with its signature, by name.
func (s *Store) TeamSignatures(ctx context.Context) ([]TeamSignature, error) {
	rows, err := s.db.Query(ctx, sqlTeamSignatures)
	if err != nil {
		return nil, fmt.Errorf("team signatures: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (TeamSignature, error) {
		var t TeamSignature
		return t, r.Scan(&t.TeamID, &t.Name, &t.Signature)
	})
	if err != nil {
		return nil, fmt.Errorf("team signatures: %w", err)
	}
	return list, nil
}

// NormalizeSignature trims a typed signature: line ends made "\n", spaces
// at line ends and blank lines at either end dropped.
func NormalizeSignature(sig string) string {
	sig = strings.ReplaceAll(strings.ReplaceAll(sig, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(sig, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// SetTeamSignature sets team id's signature ("" for none) with a
// team.signature_changed event by actorID. A signature must be text of at
// most MaxSignature characters; it may not hold the "-- " separator line
// itself (the outbox writes that).
func (s *Store) SetTeamSignature(ctx context.Context, actorID, id int64, sig string) error {
	sig = NormalizeSignature(sig)
	if p := textcheck.Check(sig, textcheck.Lines, false, MaxSignature); p != textcheck.OK {
		return apperr.InvalidFields(map[string]string{"signature": p.MsgID()})
	}
	for _, l := range strings.Split(sig, "\n") {
		if l == "--" {
			return apperr.InvalidFields(map[string]string{"signature": "mailout_signature_error_separator"})
		}
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var old string
		err := tx.QueryRow(ctx, `SELECT signature FROM teams WHERE id = $1 FOR UPDATE`, id).Scan(&old)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "error_not_found")
		}
		if err != nil {
			return fmt.Errorf("team signature %d: %w", id, err)
		}
		if old == sig {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE teams SET signature = $2 WHERE id = $1`, id, sig); err != nil {
			return fmt.Errorf("team signature %d: %w", id, err)
		}
		return postgres.RecordEvent(ctx, tx, s.now(), "team", id, actorID, "team.signature_changed",
			map[string]any{"old": old, "new": sig})
	})
}
