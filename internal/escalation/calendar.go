package escalation

// Business-time maths for SLA clocks, implementing the SLA clock spec (specs/sla-clock.md).
//
// Everything is done in whole Unix seconds. Real time is cut into segments of constant UTC
// offset (time.Time.ZoneBounds); inside a segment local wall-clock time is real time plus the
// offset, so a business interval of a local date maps to one real interval by plain
// arithmetic. That makes the skipped hour of spring-forward count nothing and the repeated
// hour of fall-back count twice without special cases, and the cost is one step per local
// date spanned plus one per pause — never per minute or per second.

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNoBusinessHours is returned by Calendar.Deadline when the calendar has no business
// hours at all, so no positive target can ever be used up. Show "no deadline" instead.
var ErrNoBusinessHours = errors.New("escalation: calendar has no business hours")

// ErrBeyondHorizon is returned by Calendar.Deadline when the target is not used up within
// the search horizon (ten years after the start or after the last pause, whichever is
// later), e.g. a calendar whose every open day is a holiday, or an absurd target.
var ErrBeyondHorizon = errors.New("escalation: deadline lies beyond the ten-year search horizon")

const (
	secondsPerDay = 24 * 60 * 60
	// searchHorizon bounds Deadline's walk so that it always terminates.
	searchHorizon = 10 * 366 * secondsPerDay
)

// Interval is a span of local wall-clock time within one day, as offsets from local
// midnight: [Start, End). End may be 24h, the next midnight.
type Interval struct{ Start, End time.Duration }

// String formats the interval as ParseInterval reads it, e.g. "08:00-16:00".
func (iv Interval) String() string { return formatClock(iv.Start) + "-" + formatClock(iv.End) }

func formatClock(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	h, m, s := d/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second
	if s != 0 || d%time.Second != 0 {
		return fmt.Sprintf("%s%02d:%02d:%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%s%02d:%02d", sign, h, m)
}

func (iv Interval) validate() error {
	switch {
	case iv.Start < 0:
		return errors.New("starts before midnight")
	case iv.End > 24*time.Hour:
		return errors.New("ends after 24:00")
	case iv.Start >= iv.End:
		return errors.New("does not end after it starts")
	case iv.Start%time.Second != 0 || iv.End%time.Second != 0:
		return errors.New("is not in whole seconds")
	}
	return nil
}

// ParseInterval reads "HH:MM-HH:MM", e.g. "08:00-16:00" or "22:00-24:00". 24:00 is valid only
// as an end; hours crossing midnight are written as two intervals on consecutive days.
func ParseInterval(s string) (Interval, error) {
	startText, endText, ok := strings.Cut(s, "-")
	if !ok {
		return Interval{}, fmt.Errorf("escalation: interval %q: want HH:MM-HH:MM", s)
	}
	start, err := parseClock(strings.TrimSpace(startText))
	if err != nil {
		return Interval{}, fmt.Errorf("escalation: interval %q: start: %w", s, err)
	}
	end, err := parseClock(strings.TrimSpace(endText))
	if err != nil {
		return Interval{}, fmt.Errorf("escalation: interval %q: end: %w", s, err)
	}
	iv := Interval{Start: start, End: end}
	if err := iv.validate(); err != nil {
		return Interval{}, fmt.Errorf("escalation: interval %q %w", s, err)
	}
	return iv, nil
}

// parseClock reads "H:MM" or "HH:MM" with 00:00 <= value <= 24:00.
func parseClock(s string) (time.Duration, error) {
	hText, mText, ok := strings.Cut(s, ":")
	if !ok || len(hText) < 1 || len(hText) > 2 || len(mText) != 2 || !allDigits(hText) || !allDigits(mText) {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	h, _ := strconv.Atoi(hText)
	m, _ := strconv.Atoi(mText)
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time between 00:00 and 24:00", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Pause is a real-time interval [Start, End) during which the SLA clock stands still
// (pending on the customer, on hold).
type Pause struct{ Start, End time.Time }

// span is a half-open range [start, end) of seconds: either offsets from local midnight or
// Unix seconds, depending on where it is used.
type span struct{ start, end int64 }

// A Calendar is an IANA time zone, weekly business hours and holiday dates. It is immutable
// and safe for concurrent use. The zero Calendar is a UTC calendar with no business hours.
type Calendar struct {
	loc      *time.Location
	week     [7][]span          // by time.Weekday: offsets from local midnight, sorted, disjoint
	holidays map[int64]struct{} // local dates, as days since 1970-01-01
	open     bool               // some weekday has business hours
}

// NewCalendar builds a calendar. tz is an IANA zone name ("Europe/Helsinki"); week gives each
// weekday's business hours (missing weekdays are closed); holidays are local dates written
// "2006-01-02", each closing that whole date. Errors name the culprit. A week with no hours
// at all is allowed: Deadline then reports ErrNoBusinessHours.
func NewCalendar(tz string, week map[time.Weekday][]Interval, holidays []string) (*Calendar, error) {
	if tz == "" || tz == "Local" {
		// "" would silently mean UTC and "Local" whatever the server happens to run in.
		return nil, fmt.Errorf("escalation: calendar time zone %q: want an IANA name such as Europe/Helsinki", tz)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("escalation: calendar time zone %q: %w", tz, err)
	}
	c := &Calendar{loc: loc}
	for wd := range week {
		if wd < time.Sunday || wd > time.Saturday {
			return nil, fmt.Errorf("escalation: calendar: weekday %d does not exist", int(wd))
		}
	}
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		ivs := slices.Clone(week[wd])
		slices.SortFunc(ivs, func(a, b Interval) int { return cmp.Compare(a.Start, b.Start) })
		for i, iv := range ivs {
			if err := iv.validate(); err != nil {
				return nil, fmt.Errorf("escalation: calendar: %s interval %s %w", wd, iv, err)
			}
			if i > 0 && iv.Start < ivs[i-1].End {
				return nil, fmt.Errorf("escalation: calendar: %s interval %s overlaps %s", wd, iv, ivs[i-1])
			}
			c.week[wd] = append(c.week[wd], span{int64(iv.Start / time.Second), int64(iv.End / time.Second)})
			c.open = true
		}
	}
	for i, h := range holidays {
		d, err := time.Parse(time.DateOnly, h)
		if err != nil {
			return nil, fmt.Errorf("escalation: calendar: holiday %d %q is not a date like 2006-01-02", i+1, h)
		}
		if c.holidays == nil {
			c.holidays = make(map[int64]struct{}, len(holidays))
		}
		c.holidays[d.Unix()/secondsPerDay] = struct{}{} // d is UTC midnight: exact division
	}
	return c, nil
}

// AlwaysOpen returns a 24x7 UTC calendar without holidays, for policies without a calendar:
// business time is then plain real time minus pauses.
func AlwaysOpen() *Calendar {
	c := &Calendar{loc: time.UTC, open: true}
	for wd := range c.week {
		c.week[wd] = []span{{0, secondsPerDay}}
	}
	return c
}

// HasHours reports whether some weekday has business hours. A calendar without any gives
// no deadline for a positive target (spec section 7): the UI says "no deadline".
func (c *Calendar) HasHours() bool { return c.open }

// Location returns the calendar's time zone, for showing deadlines in calendar time.
func (c *Calendar) Location() *time.Location {
	if c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// IsOpen reports whether the second containing t is business time: its local date is not a
// holiday and its wall-clock time lies in that date's intervals.
func (c *Calendar) IsOpen(t time.Time) bool {
	_, offset := t.In(c.Location()).Zone()
	wall := t.Unix() + int64(offset)
	day := floorDiv(wall, secondsPerDay)
	if c.isHoliday(day) {
		return false
	}
	tod := wall - day*secondsPerDay
	for _, s := range c.week[weekdayOf(day)] {
		if tod >= s.start && tod < s.end {
			return true
		}
	}
	return false
}

// Deadline returns the first instant at which the business time elapsed since start, not
// counting pauses, equals target. A target used up exactly at a closing time or exactly when
// a pause begins has that instant as its deadline. A target of 0 returns start unchanged.
//
// Instants are taken to the whole second (start's fraction is dropped) and target is rounded
// up to a whole second, so Elapsed(start, Deadline(start, T)) == T for whole-second T. The
// result is in start's location.
//
// It fails with ErrNoBusinessHours when the calendar has no hours, and with ErrBeyondHorizon
// when the target is not used up within ten years of start or of the last pause's end. A
// pause still running has no end yet, so neither has the deadline: show the clock as paused.
func (c *Calendar) Deadline(start time.Time, target time.Duration, pauses []Pause) (time.Time, error) {
	if target < 0 {
		return time.Time{}, fmt.Errorf("escalation: negative SLA target %v", target)
	}
	if target == 0 {
		return start, nil
	}
	if !c.open {
		return time.Time{}, ErrNoBusinessHours
	}
	from := start.Unix()
	need := int64(target / time.Second)
	if target%time.Second != 0 {
		need++
	}
	var buf [8]span
	paused, lastPauseEnd, err := mergePauses(buf[:0], pauses, from)
	if err != nil {
		return time.Time{}, err
	}
	var deadline int64
	found := false
	horizon := max(from, lastPauseEnd)
	if horizon < math.MaxInt64-searchHorizon {
		horizon += searchHorizon
	}
	c.freeSpans(from, horizon, paused, func(a, b int64) bool {
		if b-a >= need {
			deadline, found = a+need, true
			return false
		}
		need -= b - a
		return true
	})
	if !found {
		return time.Time{}, fmt.Errorf("%w: %v of business time from %s", ErrBeyondHorizon, target, start.Format(time.RFC3339))
	}
	return time.Unix(deadline, 0).In(start.Location()), nil
}

// Elapsed returns the business time in [start, end), not counting pauses, in whole seconds
// (both instants are taken to the whole second). end before start is an error.
func (c *Calendar) Elapsed(start, end time.Time, pauses []Pause) (time.Duration, error) {
	if end.Before(start) {
		return 0, fmt.Errorf("escalation: elapsed time: end %s is before start %s",
			end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	from, to := start.Unix(), end.Unix()
	var buf [8]span
	paused, _, err := mergePauses(buf[:0], pauses, from)
	if err != nil {
		return 0, err
	}
	if !c.open {
		return 0, nil
	}
	var total int64
	c.freeSpans(from, to, paused, func(a, b int64) bool {
		total += b - a
		return true
	})
	if total > math.MaxInt64/int64(time.Second) {
		return 0, fmt.Errorf("escalation: elapsed time from %s to %s overflows time.Duration",
			start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	return time.Duration(total) * time.Second, nil
}

// mergePauses appends to dst the pauses as Unix-second spans cut at from, sorted, with
// overlapping or touching ones merged, and returns them with the latest end (from if none).
func mergePauses(dst []span, pauses []Pause, from int64) ([]span, int64, error) {
	last := from
	for i, p := range pauses {
		if p.End.Before(p.Start) {
			return nil, 0, fmt.Errorf("escalation: pause %d ends (%s) before it starts (%s)",
				i+1, p.End.Format(time.RFC3339), p.Start.Format(time.RFC3339))
		}
		s, e := max(p.Start.Unix(), from), p.End.Unix()
		if s < e {
			dst = append(dst, span{s, e})
			last = max(last, e)
		}
	}
	if len(dst) < 2 {
		return dst, last, nil
	}
	slices.SortFunc(dst, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	merged := dst[:1]
	for _, p := range dst[1:] {
		if top := &merged[len(merged)-1]; p.start <= top.end {
			top.end = max(top.end, p.end)
		} else {
			merged = append(merged, p)
		}
	}
	return merged, last, nil
}

// freeSpans calls fn, in order, with the unpaused business spans of real time within
// [from, to) as Unix seconds, until fn returns false. paused must be sorted by start. The
// walk jumps over each pause, so a long pause costs nothing however many days it spans.
func (c *Calendar) freeSpans(from, to int64, paused []span, fn func(a, b int64) bool) {
	var zone zoneSegment
	for cur := from; cur < to; {
		gapEnd := to
		if len(paused) > 0 {
			gapEnd = min(gapEnd, paused[0].start)
		}
		if cur < gapEnd && !c.walk(cur, gapEnd, &zone, fn) {
			return
		}
		if len(paused) == 0 {
			return
		}
		cur = max(cur, paused[0].end)
		paused = paused[1:]
	}
}

// walk calls fn, in order, with the business spans of real time within [from, to) as Unix
// seconds, and reports false as soon as fn does. Adjacent spans are not joined. zone caches
// the current UTC-offset segment across calls.
func (c *Calendar) walk(from, to int64, zone *zoneSegment, fn func(a, b int64) bool) bool {
	for cur := from; cur < to; {
		zone.find(c.Location(), cur)
		off, segEnd := zone.offset, min(to, zone.end)
		// Within [cur, segEnd) wall clock = real + off.
		for day := floorDiv(cur+off, secondsPerDay); ; day++ {
			midnight := day*secondsPerDay - off // real instant of this date's 00:00 at this offset
			if midnight >= segEnd {
				break
			}
			if c.isHoliday(day) {
				continue
			}
			for _, s := range c.week[weekdayOf(day)] {
				a, b := max(midnight+s.start, cur), min(midnight+s.end, segEnd)
				if a < b && !fn(a, b) {
					return false
				}
			}
		}
		cur = segEnd
	}
	return true
}

// zoneSegment is a stretch of real time [start, end) (Unix seconds) with one UTC offset.
type zoneSegment struct{ start, end, offset int64 }

// find makes z the segment containing the instant sec, looking it up only when sec has left
// the current one. The zero zoneSegment contains nothing.
func (z *zoneSegment) find(loc *time.Location, sec int64) {
	if sec >= z.start && sec < z.end {
		return
	}
	t := time.Unix(sec, 0).In(loc)
	_, offset := t.Zone()
	start, end := t.ZoneBounds()
	z.offset, z.start, z.end = int64(offset), math.MinInt64, math.MaxInt64
	if !start.IsZero() {
		z.start = start.Unix()
	}
	if !end.IsZero() && end.Unix() > sec {
		z.end = end.Unix()
	}
}

func (c *Calendar) isHoliday(day int64) bool {
	if len(c.holidays) == 0 {
		return false
	}
	_, ok := c.holidays[day]
	return ok
}

// weekdayOf returns the weekday of a date given as days since 1970-01-01, a Thursday.
func weekdayOf(day int64) time.Weekday {
	return time.Weekday(((day+4)%7 + 7) % 7)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
