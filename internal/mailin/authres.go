package mailin

import (
	"regexp"
	"strings"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// AuthResults reads the sender authentication (SPF, DKIM, DMARC) from a
// mail's Authentication-Results headers (RFC 8601), topmost first as they
// stand in the mail. Only the topmost header is read, and only when its
// authserv-id is authServID (our MX's, configured): anyone can write such
// a header into a mail before it reaches our MX, but only our MX adds the
// topmost one. An empty authServID, or a topmost header of another
// server, gives no result.
func AuthResults(headers []string, authServID string) tickets.MailAuth {
	authServID = strings.ToLower(strings.TrimSpace(authServID))
	if authServID == "" || len(headers) == 0 {
		return tickets.MailAuth{}
	}
	parts := strings.Split(stripComments(headers[0]), ";")
	id := strings.Fields(strings.ToLower(parts[0]))
	if len(id) == 0 || id[0] != authServID {
		return tickets.MailAuth{}
	}
	var a tickets.MailAuth
	for _, p := range parts[1:] {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		method, result, ok := strings.Cut(strings.ToLower(f[0]), "=")
		if !ok || !knownResult(result) {
			continue
		}
		method, _, _ = strings.Cut(method, "/") // a method version: "dkim/1"
		switch method {
		case "spf":
			a.SPF = first(a.SPF, result)
		case "dkim":
			// A mail may carry several signatures: one that passes is
			// enough, as DMARC sees it.
			if a.DKIM == "" || result == "pass" {
				a.DKIM = result
			}
		case "dmarc":
			a.DMARC = first(a.DMARC, result)
		}
	}
	return a
}

func first(have, next string) string {
	if have != "" {
		return have
	}
	return next
}

// knownResult is one of RFC 8601's result values (policy included).
func knownResult(r string) bool {
	switch r {
	case "pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", "policy":
		return true
	}
	return false
}

// stripComments removes RFC 5322 comments "(...)", nested ones too, and
// leaves quoted strings as they are.
func stripComments(s string) string {
	var b strings.Builder
	depth, quoted, escaped := 0, false, false
	for _, r := range s {
		switch {
		case escaped:
			escaped = false
			if depth == 0 {
				b.WriteRune(r)
			}
			continue
		case r == '\\':
			escaped = true
		case quoted:
			if r == '"' {
				quoted = false
			}
		case r == '"' && depth == 0:
			quoted = true
		case r == '(':
			depth++
			continue
		case r == ')' && depth > 0:
			depth--
			continue
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// dmarcPolicyWord finds the policy values in a dmarc result: the
// property policy.dmarc=, and p= and dis= as MXes write them in a comment
// ("dmarc=fail (p=none dis=none) header.from=...").
var dmarcPolicyWord = regexp.MustCompile(`(?:^|[\s(;])(?:policy\.dmarc|p|dis)=([a-z]+)`)

// DMARCEnforced reports whether the DMARC result in the trusted topmost
// Authentication-Results header (as AuthResults reads it) names a policy
// of reject or quarantine: the domain asks that mail failing DMARC be
// refused. A failure under p=none (the domain only monitors) or without a
// policy given is shown, not acted on.
func DMARCEnforced(headers []string, authServID string) bool {
	authServID = strings.ToLower(strings.TrimSpace(authServID))
	if authServID == "" || len(headers) == 0 {
		return false
	}
	id := strings.Fields(strings.ToLower(strings.SplitN(stripComments(headers[0]), ";", 2)[0]))
	if len(id) == 0 || id[0] != authServID {
		return false
	}
	for _, p := range strings.Split(strings.ToLower(headers[0]), ";") {
		f := strings.Fields(stripComments(p))
		if len(f) == 0 || !strings.HasPrefix(f[0], "dmarc=") && !strings.HasPrefix(f[0], "dmarc/") {
			continue
		}
		for _, m := range dmarcPolicyWord.FindAllStringSubmatch(p, -1) {
			if m[1] == "reject" || m[1] == "quarantine" {
				return true
			}
		}
		return false // the first dmarc result only, as AuthResults
	}
	return false
}
