// Package reports computes the supervisor dashboard: backlog, volume, response
// and lead times in business hours, SLA compliance, escalations, reopens and loops.
//
// How the numbers stay fast at a million tickets: a River job (Worker, every
// RefreshInterval) keeps a per-ticket rollup, ticket_facts, in which the
// expensive parts are already worked out — business-hours durations need the
// team's calendar and the ticket's SLA pauses, which SQL cannot do cheaply —
// and, in the same run, daily rollups of the facts, report_daily: per day in
// the desk's reporting zone, team and loop owner, the counts and sums of the
// dashboard and histograms of the durations (rollup.go, hist.go). The
// dashboard reads a range's rollups (a row per day, team and owner: a year
// is the same work at 200,000 tickets as at a million) and its medians and
// p90s from the summed histograms, within ApproxPercent of percentile_disc
// and labelled so; a range of few tickets gets exact percentiles from the
// facts instead. The job is incremental: it redoes only tickets with an
// audit event or an update since its last run (see facts.go), and the days
// those tickets count on, so each run is small. Between runs the figures do
// not change, so Store keeps the last few dashboards it computed (keyed by
// filter, facts watermark and minute).
package reports

import (
	"errors"
	"time"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// MaxRangeDays bounds a dashboard range: beyond a year the per-range
// percentiles read too many facts for the page's time budget.
const MaxRangeDays = 366

// Filter chooses the tickets a dashboard covers: From..To are calendar days
// (inclusive) in Zone; TeamID 0 means every team. Store.Dashboard sets Zone
// to the desk's reporting zone (Store.Zone), the days of its rollups.
type Filter struct {
	From, To time.Time
	TeamID   int64
	Zone     *time.Location
}

// Errors of a bad filter; the web layer turns them into field messages.
var (
	ErrRangeReversed = errors.New("reports: the range ends before it starts")
	ErrRangeTooLong  = errors.New("reports: the range is longer than MaxRangeDays")
)

// Validate checks the range.
func (f Filter) Validate() error {
	if f.end().Before(f.start()) || f.To.Before(f.From) {
		return ErrRangeReversed
	}
	if f.Days() > MaxRangeDays {
		return ErrRangeTooLong
	}
	return nil
}

func (f Filter) zone() *time.Location {
	if f.Zone == nil {
		return time.UTC
	}
	return f.Zone
}

// start is midnight of From in the zone.
func (f Filter) start() time.Time {
	return time.Date(f.From.Year(), f.From.Month(), f.From.Day(), 0, 0, 0, 0, f.zone())
}

// end is midnight after To in the zone (exclusive), DST-safe.
func (f Filter) end() time.Time {
	return time.Date(f.To.Year(), f.To.Month(), f.To.Day()+1, 0, 0, 0, 0, f.zone())
}

// Bounds are the instants the dashboard's queries take as $1 and $2: start
// (inclusive) and end (exclusive), for tools that run them (cmd/loadbench).
func (f Filter) Bounds() (start, end time.Time) { return f.start(), f.end() }

// Days is the number of calendar days in the range.
func (f Filter) Days() int {
	a := time.Date(f.From.Year(), f.From.Month(), f.From.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(f.To.Year(), f.To.Month(), f.To.Day(), 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a)/(24*time.Hour)) + 1
}

// Spread is the median and 90th percentile of a set of durations
// (percentile_disc: each is one of the actual values, or, when the
// dashboard is Approximate, within ApproxPercent of it). N is how many there
// were; with N == 0 Median and P90 mean nothing.
type Spread struct {
	N           int
	Median, P90 time.Duration
}

// Dashboard is every figure of the supervisor dashboard for one Filter.
//
// Cohorts: "created" figures (first response, SLA, escalation rate, time in
// escalation, reopen rate) are about tickets created in the range; lead time
// and handled are about tickets solved in it; escalation reasons and
// escalations raised count escalations requested in it; follow-ups on time
// count follow-ups due in it (and due by now, or done); CSAT counts survey
// answers first given in it. Backlog and open or
// overdue loops are now, whatever the range.
type Dashboard struct {
	Filter Filter
	AsOf   *time.Time // the facts include every change before this; nil before the first refresh

	Created, Solved int
	Daily           []Day

	// Approximate: the medians and p90s (here and per rep) were read from
	// the rollups' histograms, within ApproxPercent of the exact ones.
	Approximate bool

	FirstResponse Spread // business time, created -> first response, pauses excluded
	LeadTime      Spread // business time, created -> solved, pauses excluded

	SLA []SLATarget

	Escalated      int    // tickets created in the range with at least one escalation
	EscalationTime Spread // per escalated ticket: business time from requests to returns
	Reasons        []ReasonCount

	Reopens, Solves int // ticket.reopened events and moves to solved, of tickets created in the range

	Backlog Backlog

	OpenLoops, OverdueLoops       int
	FollowUpsDue, FollowUpsOnTime int

	CSAT CSAT // survey answers first given in the range

	Reps []RepRow
}

// Day is one calendar day of the range.
type Day struct {
	Date            time.Time // midnight UTC of the day in the filter's zone
	Created, Solved int
}

// SLA targets, in the order the dashboard shows them.
const (
	TargetFirstResponse = "first_response"
	TargetNextResponse  = "next_response"
	TargetResolution    = "resolution"
)

// SLATarget is how many tickets met and breached one SLA target.
type SLATarget struct {
	Target        string
	Met, Breached int
}

// ReasonCount is how many escalations gave one reason.
type ReasonCount struct {
	Reason string
	N      int
}

// Backlog is the open tickets now, by status, priority and team.
type Backlog struct {
	Total      int
	ByStatus   []StatusCount   // every open status, in workflow order
	ByPriority []PriorityCount // every priority, most urgent first
	ByTeam     []TeamCount     // teams with open tickets, most first; TeamID 0 is "no team"
}

// StatusCount is the open tickets in one status.
type StatusCount struct {
	Status tickets.Status
	N      int
}

// PriorityCount is the open tickets of one priority.
type PriorityCount struct {
	Priority tickets.Priority
	N        int
}

// TeamCount is the open tickets of one team.
type TeamCount struct {
	TeamID int64
	Name   string
	N      int
}

// CSAT is the survey answers of a set of tickets.
type CSAT struct{ Good, Bad int }

// Total is the number of answers.
func (c CSAT) Total() int { return c.Good + c.Bad }

// RepRow is one staff member's figures, as the loop owner of tickets (handled,
// first response, lead time, CSAT), as the raiser of escalations and as the
// owner of follow-ups.
type RepRow struct {
	UserID            int64
	Name              string
	Handled           int            // their tickets solved in the range
	FirstResponse     *time.Duration // median over their tickets created in the range
	LeadTime          *time.Duration // median over their tickets solved in the range
	CSAT              CSAT           // answers about tickets they owned when answered
	EscalationsRaised int
	FollowUpsDue      int
	FollowUpsOnTime   int
}
