package outbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Rendered is a mail ready to send: subject and plain-text body in the
// customer's language.
type Rendered struct {
	Subject string
	Body    string
}

// kinds maps each mail kind the tickets package queues to its catalog
// messages: mail_<kind>_subject and mail_<kind>_body.
var kinds = map[string]bool{"confirmation": true, "reply": true, "reply_cc": true, "status_link": true,
	"csat_survey": true, // queued by internal/csat's survey job
}

// errUnknownKind marks a row no attempt can ever send.
var errUnknownKind = fmt.Errorf("unknown mail kind")

// Render renders m in its locale from the catalogs. The template data is
// decoded with json.Number, so a ticket number prints as 1234567, not 1.234567e+06.
func Render(cat *i18n.Catalog, m Mail) (Rendered, error) {
	if !kinds[m.Kind] {
		return Rendered{}, fmt.Errorf("%w %q", errUnknownKind, m.Kind)
	}
	data := map[string]any{}
	if len(m.Data) > 0 {
		dec := json.NewDecoder(bytes.NewReader(m.Data))
		dec.UseNumber()
		if err := dec.Decode(&data); err != nil {
			return Rendered{}, fmt.Errorf("decode mail data: %w", err)
		}
	}
	args := make([]any, 0, 2*len(data))
	for k, v := range data {
		args = append(args, k, v)
	}
	l := cat.Localizer(m.Locale)
	subject := l.T("mail_"+m.Kind+"_subject", args...)
	body := l.T("mail_"+m.Kind+"_body", args...)
	// A subject is one header line, whatever the data held.
	subject = strings.Join(strings.Fields(subject), " ")
	return Rendered{Subject: subject, Body: body}, nil
}

// Preview renders m for the admin Outbox page. A mail not yet sent has no
// status link (it is minted when the mail goes out): each value that holds
// one shows linkNote instead. A purged mail cannot be previewed.
func Preview(cat *i18n.Catalog, m Mail, linkNote string) (Rendered, error) {
	if bytes.Contains(m.Data, []byte(tickets.StatusTokenPlaceholder)) {
		var data map[string]any
		dec := json.NewDecoder(bytes.NewReader(m.Data))
		dec.UseNumber()
		if err := dec.Decode(&data); err != nil {
			return Rendered{}, fmt.Errorf("decode mail data: %w", err)
		}
		for k, v := range data {
			if s, ok := v.(string); ok && strings.Contains(s, tickets.StatusTokenPlaceholder) {
				data[k] = linkNote
			}
		}
		b, err := json.Marshal(data)
		if err != nil {
			return Rendered{}, err
		}
		m.Data = b
	}
	return Render(cat, m)
}
