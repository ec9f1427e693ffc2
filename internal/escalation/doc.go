// Package escalation decides when a ticket needs more help and what happens then: tiers,
// escalation records, SLA policies, calendars, deadline maths, breach jobs.
package escalation
