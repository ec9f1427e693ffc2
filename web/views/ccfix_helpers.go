package views

import (
	"strings"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// mailCcToAdd is the address a ticket.email_cc event noted (someone else a
// customer mail went to), for the history's one-click "add to CC"; "" when
// e is another event or the address is copied already.
func mailCcToAdd(e tickets.Event, cc []tickets.CC) string {
	if e.Action != "ticket.email_cc" {
		return ""
	}
	addr, _ := e.Data["new"].(string)
	for _, c := range cc {
		if strings.EqualFold(c.Email, addr) {
			return ""
		}
	}
	return addr
}
