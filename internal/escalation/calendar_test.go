package escalation

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo
)

// calendarDef is a calendar written the way a policy editor would, so the same definition
// can build a *Calendar and drive the slow reference implementation below.
type calendarDef struct {
	tz       string
	week     map[time.Weekday][]Interval
	holidays []string
}

// intervals parses "HH:MM-HH:MM" strings, panicking on a typo in the test itself.
func intervals(texts ...string) []Interval {
	var out []Interval
	for _, s := range texts {
		iv, err := ParseInterval(s)
		if err != nil {
			panic(err)
		}
		out = append(out, iv)
	}
	return out
}

func days(ivs []Interval, wds ...time.Weekday) map[time.Weekday][]Interval {
	m := map[time.Weekday][]Interval{}
	for _, wd := range wds {
		m[wd] = ivs
	}
	return m
}

var (
	monToFri = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	allWeek  = []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
)

// The calendars the tests use. 2026 dates: Mar 2 is a Monday; EU clocks go forward on Sun
// Mar 29 (03:00 EET -> 04:00 EEST) and back on Sun Oct 25 (04:00 EEST -> 03:00 EET); US
// clocks go forward on Sun Mar 8 (02:00 EST -> 03:00 EDT) and back on Sun Nov 1 (02:00 EDT ->
// 01:00 EST); Lord Howe Island shifts by half an hour on Sun Apr 5 and Sun Oct 4.
var calendarDefs = map[string]calendarDef{
	// A Finnish office. Apr 3 (Good Friday), Apr 6 (Easter Monday), May 1 are Fridays and
	// Mondays; Jun 20 (Midsummer Day) is a Saturday.
	"helOffice": {"Europe/Helsinki", days(intervals("08:00-16:00"), monToFri...),
		[]string{"2026-04-03", "2026-04-06", "2026-05-01", "2026-06-20", "2026-12-24", "2026-12-25"}},
	// A night shift 22:00-06:00 starting Monday to Friday evenings, written as two intervals.
	"helNight": {"Europe/Helsinki", map[time.Weekday][]Interval{
		time.Monday: intervals("22:00-24:00"), time.Tuesday: intervals("00:00-06:00", "22:00-24:00"),
		time.Wednesday: intervals("00:00-06:00", "22:00-24:00"), time.Thursday: intervals("00:00-06:00", "22:00-24:00"),
		time.Friday: intervals("00:00-06:00", "22:00-24:00"), time.Saturday: intervals("00:00-06:00"),
	}, []string{"2026-04-03"}},
	"helAllDay":     {"Europe/Helsinki", days(intervals("00:00-24:00"), allWeek...), nil},
	"helSmallHours": {"Europe/Helsinki", days(intervals("01:00-04:00"), allWeek...), nil},
	"nyOffice":      {"America/New_York", days(intervals("09:00-17:00"), monToFri...), []string{"2026-07-03", "2026-11-26"}},
	"nyAllDay":      {"America/New_York", days(intervals("00:00-24:00"), allWeek...), nil},
	"nySmallHours":  {"America/New_York", days(intervals("01:00-04:00"), allWeek...), nil},
	// Vietnamese office with a lunch break; UTC+7 all year.
	"hcmOffice": {"Asia/Ho_Chi_Minh", days(intervals("08:00-12:00", "13:00-17:00"), monToFri...), []string{"2026-04-30"}},
	// Indian office open Saturday mornings; UTC+5:30 all year.
	"kolkataOffice": {"Asia/Kolkata", map[time.Weekday][]Interval{
		time.Monday: intervals("09:30-18:00"), time.Tuesday: intervals("09:30-18:00"),
		time.Wednesday: intervals("09:30-18:00"), time.Thursday: intervals("09:30-18:00"),
		time.Friday: intervals("09:30-18:00"), time.Saturday: intervals("09:30-13:30"),
	}, []string{"2026-03-04"}},
	// Half-hour DST shifts at 02:00 local time.
	"lordHowe": {"Australia/Lord_Howe", days(intervals("01:00-03:00", "23:30-24:00"), allWeek...), nil},
	"empty":    {"Europe/Helsinki", nil, nil},
}

func calendar(t testing.TB, name string) *Calendar {
	t.Helper()
	def, ok := calendarDefs[name]
	if !ok {
		t.Fatalf("no calendar %q", name)
	}
	c, err := NewCalendar(def.tz, def.week, def.holidays)
	if err != nil {
		t.Fatalf("NewCalendar(%s): %v", name, err)
	}
	return c
}

// at parses a wall-clock time in zone tz. Use "UTC" for instants in a repeated fall-back
// hour, where the local reading is ambiguous.
func at(tz, s string) time.Time {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		panic(err)
	}
	layout := "2006-01-02 15:04"
	if strings.Count(s, ":") == 2 {
		layout = "2006-01-02 15:04:05.999999999"
	}
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

const hel, ny = "Europe/Helsinki", "America/New_York"

func pause(tz, start, end string) Pause { return Pause{at(tz, start), at(tz, end)} }

func TestDeadline(t *testing.T) {
	tests := []struct {
		name   string
		cal    string
		start  time.Time
		target time.Duration
		pauses []Pause
		want   time.Time
	}{
		// --- weekends, opening and closing ---
		{ // Mon 09:00 is open; two hours later is still before 16:00.
			"inside hours", "helOffice", at(hel, "2026-03-02 09:00"), 2 * time.Hour, nil, at(hel, "2026-03-02 11:00")},
		{ // 12:00-16:00 is exactly 4h: the closing instant, not Tuesday's opening.
			"used up exactly at closing", "helOffice", at(hel, "2026-03-02 12:00"), 4 * time.Hour, nil, at(hel, "2026-03-02 16:00")},
		{ // Fri 15:00-16:00 is 1h, Sat and Sun are closed, Mon 08:00-09:00 is the second hour.
			"over the weekend", "helOffice", at(hel, "2026-03-06 15:00"), 2 * time.Hour, nil, at(hel, "2026-03-09 09:00")},
		{ // 16:00 itself is closed (intervals exclude their end): the clock starts Tue 08:00.
			"created exactly at closing", "helOffice", at(hel, "2026-03-02 16:00"), time.Hour, nil, at(hel, "2026-03-03 09:00")},
		{ // Before opening the clock waits for 08:00.
			"created before opening", "helOffice", at(hel, "2026-03-03 06:15"), time.Hour, nil, at(hel, "2026-03-03 09:00")},
		{ // Saturday is closed; Monday 08:00 + 30m.
			"created on a weekend", "helOffice", at(hel, "2026-03-07 10:00"), 30 * time.Minute, nil, at(hel, "2026-03-09 08:30")},
		{ // The second 15:59:59 is the day's last open second; using it up ends at 16:00:00.
			"last second of the day", "helOffice", at(hel, "2026-03-02 15:59:59"), time.Second, nil, at(hel, "2026-03-02 16:00:00")},
		{ // One second on Monday, the next is Tue 08:00:00-08:00:01.
			"two seconds across the night", "helOffice", at(hel, "2026-03-02 15:59:59"), 2 * time.Second, nil, at(hel, "2026-03-03 08:00:01")},
		{ // Seconds are carried: 09:00:30 + 90s.
			"seconds precision", "helOffice", at(hel, "2026-03-02 09:00:30"), 90 * time.Second, nil, at(hel, "2026-03-02 09:02:00")},
		{ // The start's fraction of a second is dropped: the clock starts at 09:00:00.
			"fraction of a second dropped", "helOffice", at(hel, "2026-03-02 09:00:00.75"), time.Hour, nil, at(hel, "2026-03-02 10:00:00")},
		{ // 1.5s is rounded up to 2s so the deadline is never early.
			"target rounded up to a second", "helOffice", at(hel, "2026-03-02 09:00"), 1500 * time.Millisecond, nil, at(hel, "2026-03-02 09:00:02")},
		{ // Five 8h days Mon-Fri: used up at Friday's closing.
			"a full working week", "helOffice", at(hel, "2026-03-02 08:00"), 40 * time.Hour, nil, at(hel, "2026-03-06 16:00")},
		{ // Wed 4h + Thu 8h + Fri 8h = 20h; weeks of Mar 9 and Mar 16 add 40h each = 100h;
			// the 101st hour is Mon Mar 23 08:00-09:00 (still EET: DST starts Mar 29).
			"several weeks", "helOffice", at(hel, "2026-03-04 12:00"), 101 * time.Hour, nil, at(hel, "2026-03-23 09:00")},

		// --- holidays ---
		{ // Thu 15:00-16:00 is 1h; Good Friday, the weekend and Easter Monday are closed;
			// the second hour is Tue Apr 7 08:00-09:00.
			"Easter holidays", "helOffice", at(hel, "2026-04-02 15:00"), 2 * time.Hour, nil, at(hel, "2026-04-07 09:00")},
		{ // Midsummer Day is a Saturday: closed anyway, and Monday is NOT given off instead.
			"holiday on a weekend is not moved", "helOffice", at(hel, "2026-06-19 15:00"), 2 * time.Hour, nil, at(hel, "2026-06-22 09:00")},
		{ // May 1 (Friday) is a holiday; the clock starts Monday May 4 08:00.
			"created on a holiday", "helOffice", at(hel, "2026-05-01 10:00"), time.Hour, nil, at(hel, "2026-05-04 09:00")},
		{ // Mon 23:00-24:00 is 1h, Tue 00:00-02:00 the other 2h: the shift crosses midnight.
			"overnight shift", "helNight", at(hel, "2026-03-02 23:00"), 3 * time.Hour, nil, at(hel, "2026-03-03 02:00")},
		{ // Used up at 24:00 Monday, which is the instant Tue 00:00.
			"overnight shift used up at midnight", "helNight", at(hel, "2026-03-02 23:00"), time.Hour, nil, at(hel, "2026-03-03 00:00")},
		{ // Thu 23:00-24:00 is 1h. Fri Apr 3 is a holiday: its 00:00-06:00 (the end of
			// Thursday's shift) and 22:00-24:00 are gone. Sat 00:00-01:00 is the second hour.
			"holiday next day cuts the overnight shift", "helNight", at(hel, "2026-04-02 23:00"), 2 * time.Hour, nil, at(hel, "2026-04-04 01:00")},
		{ // Fri 23-24 (1h) + Sat 00-06 (6h) + Mon 22-23 (1h): Sunday has no shift.
			"overnight shift over the weekend", "helNight", at(hel, "2026-03-06 23:00"), 8 * time.Hour, nil, at(hel, "2026-03-09 23:00")},

		// --- time zones ---
		{ // 00:30Z is 07:30 in Ho Chi Minh City (UTC+7): 08:00-12:00 is 4h, the lunch break
			// is closed, 13:00-14:00 is the fifth hour; 14:00 ICT is 07:00Z.
			"Ho Chi Minh lunch break", "hcmOffice", at("UTC", "2026-03-02 00:30"), 5 * time.Hour, nil, at("UTC", "2026-03-02 07:00")},
		{ // 12:00Z Fri is 17:30 IST (UTC+5:30): 30m Friday, 4h Saturday morning, 30m from
			// Monday 09:30 -> 10:00 IST = 04:30Z.
			"Kolkata half-hour offset", "kolkataOffice", at("UTC", "2026-03-06 12:00"), 5 * time.Hour, nil, at("UTC", "2026-03-09 04:30")},
		{ // Mar 4 is a holiday: Tue 17:00-18:00 then Thu 09:30-10:30 IST = 05:00Z.
			"Kolkata holiday", "kolkataOffice", at("Asia/Kolkata", "2026-03-03 17:00"), 2 * time.Hour, nil, at("UTC", "2026-03-05 05:00")},
		{ // 21:30Z is 16:30 EST: 30m Monday, 30m Tuesday from 09:00 -> 09:30 EST = 14:30Z.
			"New York", "nyOffice", at("UTC", "2026-01-05 21:30"), time.Hour, nil, at("UTC", "2026-01-06 14:30")},
		{ // 05:00Z is 07:00 EET: opening at 08:00 EET, +1h = 09:00 EET = 07:00Z.
			"Helsinki given in UTC", "helOffice", at("UTC", "2026-01-05 05:00"), time.Hour, nil, at("UTC", "2026-01-05 07:00")},
		{ // Same instant, other office: 12:00Z is 07:00 EST, opening 09:00 + 2h = 11:00 EST = 16:00Z.
			"same instant in New York", "nyOffice", at("UTC", "2026-03-02 12:00"), 2 * time.Hour, nil, at("UTC", "2026-03-02 16:00")},
		{ // ...and 14:00 EET in Helsinki: 14:00-16:00 = 2h -> 16:00 EET = 14:00Z.
			"same instant in Helsinki", "helOffice", at("UTC", "2026-03-02 12:00"), 2 * time.Hour, nil, at("UTC", "2026-03-02 14:00")},

		// --- daylight saving time ---
		{ // Open all day: business time is real time, so 24 real hours later. Sunday has 23
			// wall hours, so the wall clock reads 13:00 EEST.
			"Helsinki spring-forward, open all day", "helAllDay", at(hel, "2026-03-28 12:00"), 24 * time.Hour, nil, at(hel, "2026-03-29 13:00")},
		{ // 01:00-03:00 EET is 2h; 03:00 jumps to 04:00 EEST, which is closing: the skipped
			// hour adds nothing. The last 30m are Mon 01:00-01:30 EEST.
			"Helsinki spring-forward, skipped hour", "helSmallHours", at(hel, "2026-03-29 01:00"), 150 * time.Minute, nil, at(hel, "2026-03-30 01:30")},
		{ // Used up when 03:00 EET becomes 04:00 EEST, the instant 01:00Z.
			"Helsinki spring-forward, used up at the jump", "helSmallHours", at(hel, "2026-03-29 01:00"), 2 * time.Hour, nil, at("UTC", "2026-03-29 01:00")},
		{ // 01:00-04:00 EEST (22:00Z-01:00Z) is 3h; the clock falls back to 03:00 EET and
			// 03:00-04:00 counts again: 30m more is 03:30 EET = 01:30Z.
			"Helsinki fall-back, repeated hour counts twice", "helSmallHours", at("UTC", "2026-10-24 22:00"), 210 * time.Minute, nil, at("UTC", "2026-10-25 01:30")},
		{ // Sunday Oct 25 has 25 real hours: 00:00 EEST (21:00Z) to Mon 00:00 EET (22:00Z).
			"Helsinki fall-back, open all day", "helAllDay", at(hel, "2026-10-25 00:00"), 25 * time.Hour, nil, at(hel, "2026-10-26 00:00")},
		{ // 01:00-02:00 EST, then 02:00 jumps to 03:00 EDT, 03:00-04:00 EDT: 2h ending at
			// closing, 04:00 EDT = 08:00Z.
			"New York spring-forward", "nySmallHours", at(ny, "2026-03-08 01:00"), 2 * time.Hour, nil, at("UTC", "2026-03-08 08:00")},
		{ // 24 real hours from Sat 12:00 EST (17:00Z) is 17:00Z Sunday = 13:00 EDT.
			"New York spring-forward, open all day", "nyAllDay", at(ny, "2026-03-07 12:00"), 24 * time.Hour, nil, at(ny, "2026-03-08 13:00")},
		{ // 01:00-02:00 EDT (05:00Z-06:00Z) is 1h; the clock falls back to 01:00 EST (06:00Z)
			// and 30m later is 01:30 EST, the second 01:30 of the night = 06:30Z.
			"New York fall-back, inside the repeated hour", "nySmallHours", at("UTC", "2026-11-01 05:00"), 90 * time.Minute, nil, at("UTC", "2026-11-01 06:30")},
		{ // 1h EDT + 3h EST (01:00-04:00) = 4 real hours: 04:00 EST = 09:00Z.
			"New York fall-back, whole window", "nySmallHours", at("UTC", "2026-11-01 05:00"), 4 * time.Hour, nil, at("UTC", "2026-11-01 09:00")},
		{ // Lord Howe falls back 02:00 -> 01:30 on Apr 5: 01:00-03:00 holds 2h30m real time.
			// From 01:00 LHDT (Apr 4 14:00Z): 2h30m later is 03:00 LHST = 16:30Z.
			"Lord Howe half-hour fall-back", "lordHowe", at("Australia/Lord_Howe", "2026-04-05 01:00"), 150 * time.Minute, nil, at("UTC", "2026-04-04 16:30")},

		// --- pauses ---
		{ // 09:00-10:00 (1h), paused 10:00-10:30, 10:30-11:30 (1h).
			"pause inside hours", "helOffice", at(hel, "2026-03-02 09:00"), 2 * time.Hour,
			[]Pause{pause(hel, "2026-03-02 10:00", "2026-03-02 10:30")}, at(hel, "2026-03-02 11:30")},
		{ // 10:00-10:30 and 10:15-11:00 overlap: paused 10:00-11:00 once, so 1h later than 11:00.
			"overlapping pauses count once", "helOffice", at(hel, "2026-03-02 09:00"), 2 * time.Hour,
			[]Pause{pause(hel, "2026-03-02 10:00", "2026-03-02 10:30"), pause(hel, "2026-03-02 10:15", "2026-03-02 11:00")}, at(hel, "2026-03-02 12:00")},
		{ // Unsorted input: 09:30-09:45 (15m) and 10:15-11:00 (45m) delay by 1h.
			"pauses out of order", "helOffice", at(hel, "2026-03-02 09:00"), 2 * time.Hour,
			[]Pause{pause(hel, "2026-03-02 10:15", "2026-03-02 11:00"), pause(hel, "2026-03-02 09:30", "2026-03-02 09:45")}, at(hel, "2026-03-02 12:00")},
		{ // The pause began at 08:00, before the 09:00 start: only 09:00-09:30 counts.
			"pause before the start is cut", "helOffice", at(hel, "2026-03-02 09:00"), 2 * time.Hour,
			[]Pause{pause(hel, "2026-03-02 08:00", "2026-03-02 09:30")}, at(hel, "2026-03-02 11:30")},
		{ // A pause over before the clock started changes nothing.
			"pause ended before the start", "helOffice", at(hel, "2026-03-02 09:00"), 2 * time.Hour,
			[]Pause{pause(hel, "2026-03-02 08:00", "2026-03-02 08:30")}, at(hel, "2026-03-02 11:00")},
		{ // Paused 16:30-07:00 overnight, when closed anyway: Mon 15-16 + Tue 08-09 as without it.
			"pause outside hours changes nothing", "helOffice", at(hel, "2026-03-02 15:00"), 2 * time.Hour,
			[]Pause{pause(hel, "2026-03-02 16:30", "2026-03-03 07:00")}, at(hel, "2026-03-03 09:00")},
		{ // 09:00-10:00 uses up the hour just as the pause begins: 10:00, not the 12:00 resume.
			"used up exactly when a pause begins", "helOffice", at(hel, "2026-03-02 09:00"), time.Hour,
			[]Pause{pause(hel, "2026-03-02 10:00", "2026-03-02 12:00")}, at(hel, "2026-03-02 10:00")},
		{ // Mon 15:00-15:30 (30m), paused to Tue 08:30, then 1h30m -> Tue 10:00.
			"pause across closing", "helOffice", at(hel, "2026-03-02 15:00"), 2 * time.Hour,
			[]Pause{pause(hel, "2026-03-02 15:30", "2026-03-03 08:30")}, at(hel, "2026-03-03 10:00")},
		{ // Fri 15:00-15:30 (30m), paused over the weekend until Mon 12:00, 1h30m -> 13:30.
			"pause over a weekend", "helOffice", at(hel, "2026-03-06 15:00"), 2 * time.Hour,
			[]Pause{pause(hel, "2026-03-06 15:30", "2026-03-09 12:00")}, at(hel, "2026-03-09 13:30")},
		{ // 09:00-10:00, then paused for twenty years until Tue 2046-03-06 08:00 (jumped over,
			// not walked day by day; the search horizon counts from the pause's end), +1h.
			"twenty-year pause", "helOffice", at(hel, "2026-03-02 09:00"), 2 * time.Hour,
			[]Pause{pause(hel, "2026-03-02 10:00", "2046-03-06 08:00")}, at(hel, "2046-03-06 09:00")},
		{ // An empty pause [10:00, 10:00) pauses nothing.
			"empty pause", "helOffice", at(hel, "2026-03-02 09:00"), 2 * time.Hour,
			[]Pause{pause(hel, "2026-03-02 10:00", "2026-03-02 10:00")}, at(hel, "2026-03-02 11:00")},
		{ // Always open: 1h of real time plus the 10m pause.
			"always open with a pause", "", at("UTC", "2026-03-07 23:30"), time.Hour,
			[]Pause{pause("UTC", "2026-03-08 00:00", "2026-03-08 00:10")}, at("UTC", "2026-03-08 00:40")},

		// --- target 0 ---
		{ // Rule 7: a zero target's deadline is the start instant, even when closed.
			"target 0 on a weekend", "helOffice", at(hel, "2026-03-07 10:00:00.5"), 0, nil, at(hel, "2026-03-07 10:00:00.5")},
		{ // ...and even on a calendar without hours: elapsed is 0 at the start.
			"target 0 on an empty calendar", "empty", at(hel, "2026-03-07 10:00"), 0, nil, at(hel, "2026-03-07 10:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := AlwaysOpen()
			if tt.cal != "" {
				c = calendar(t, tt.cal)
			}
			got, err := c.Deadline(tt.start, tt.target, tt.pauses)
			if err != nil {
				t.Fatalf("Deadline: %v", err)
			}
			if !got.Equal(tt.want) {
				t.Fatalf("Deadline = %s, want %s", got.In(c.Location()), tt.want.In(c.Location()))
			}
			// The deadline is where exactly the target (rounded up to a second) has elapsed.
			wantElapsed := tt.target
			if rem := wantElapsed % time.Second; rem != 0 {
				wantElapsed += time.Second - rem
			}
			el, err := c.Elapsed(tt.start, got, tt.pauses)
			if err != nil || el != wantElapsed {
				t.Fatalf("Elapsed(start, deadline) = %v, %v; want %v", el, err, wantElapsed)
			}
		})
	}
}

func TestDeadlineErrors(t *testing.T) {
	// Every Monday for eleven years is a holiday on a Monday-only calendar.
	var mondays []string
	for d := at("UTC", "2026-03-02 00:00"); d.Year() < 2037; d = d.AddDate(0, 0, 7) {
		mondays = append(mondays, d.Format(time.DateOnly))
	}
	holidayMondays, err := NewCalendar("UTC", days(intervals("09:00-17:00"), time.Monday), mondays)
	if err != nil {
		t.Fatal(err)
	}
	start := at(hel, "2026-03-02 09:00")
	tests := []struct {
		name    string
		cal     *Calendar
		target  time.Duration
		pauses  []Pause
		wantIs  error  // when set, errors.Is must hold
		wantMsg string // otherwise the message must contain this
	}{
		{"negative target", calendar(t, "helOffice"), -time.Minute, nil, nil, "negative SLA target -1m0s"},
		{"no business hours", calendar(t, "empty"), time.Hour, nil, ErrNoBusinessHours, ""},
		{"zero calendar", &Calendar{}, time.Hour, nil, ErrNoBusinessHours, ""},
		// ~50 years of 8h days: beyond the ten-year horizon, so an error rather than a long walk.
		{"absurd target", calendar(t, "helOffice"), 100000 * time.Hour, nil, ErrBeyondHorizon, ""},
		// Hours exist, but every one of them is a holiday: must terminate.
		{"every open day a holiday", holidayMondays, time.Hour, nil, ErrBeyondHorizon, ""},
		{"pause ends before it starts", calendar(t, "helOffice"), time.Hour,
			[]Pause{pause(hel, "2026-03-02 09:00", "2026-03-02 09:30"), pause(hel, "2026-03-02 11:00", "2026-03-02 10:00")}, nil, "pause 2 ends"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cal.Deadline(start, tt.target, tt.pauses)
			if err == nil {
				t.Fatalf("Deadline = %s, want an error", got)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Fatalf("Deadline error %v, want %v", err, tt.wantIs)
			}
			if tt.wantIs == nil && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("Deadline error %q, want it to mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestElapsed(t *testing.T) {
	tests := []struct {
		name       string
		cal        string
		start, end time.Time
		pauses     []Pause
		want       time.Duration
	}{
		{ // Fri 15-16 + Mon 08-09.
			"over the weekend", "helOffice", at(hel, "2026-03-06 15:00"), at(hel, "2026-03-09 09:00"), nil, 2 * time.Hour},
		{ // [t, t) is empty.
			"same instant", "helOffice", at(hel, "2026-03-02 10:00"), at(hel, "2026-03-02 10:00"), nil, 0},
		{ // Saturday to Sunday is all closed.
			"closed throughout", "helOffice", at(hel, "2026-03-07 10:00"), at(hel, "2026-03-08 10:00"), nil, 0},
		{ // 15:59:30-16:00:00 and 08:00:00-08:00:30.
			"seconds", "helOffice", at(hel, "2026-03-02 15:59:30"), at(hel, "2026-03-03 08:00:30"), nil, time.Minute},
		{ // Fractions are dropped: [09:00:00, 09:00:01) is one second.
			"fractions of a second", "helOffice", at(hel, "2026-03-02 09:00:00.9"), at(hel, "2026-03-02 09:00:01.1"), nil, time.Second},
		{ // The spring-forward Sunday is 23 real hours long.
			"Helsinki spring-forward day", "helAllDay", at(hel, "2026-03-29 00:00"), at(hel, "2026-03-30 00:00"), nil, 23 * time.Hour},
		{ // The fall-back Sunday is 25 real hours long.
			"Helsinki fall-back day", "helAllDay", at(hel, "2026-10-25 00:00"), at(hel, "2026-10-26 00:00"), nil, 25 * time.Hour},
		{ // 01:00-02:00 EST and 03:00-04:00 EDT: 02:00-03:00 never happens.
			"New York spring-forward night", "nySmallHours", at(ny, "2026-03-08 00:00"), at(ny, "2026-03-08 12:00"), nil, 2 * time.Hour},
		{ // 01:00-02:00 EDT, then 01:00-04:00 EST: the repeated hour counts twice.
			"New York fall-back night", "nySmallHours", at(ny, "2026-11-01 00:00"), at(ny, "2026-11-01 12:00"), nil, 4 * time.Hour},
		{ // 01:00-02:00 LHDT, then 01:30-03:00 LHST: 2h30m.
			"Lord Howe fall-back night", "lordHowe", at("Australia/Lord_Howe", "2026-04-05 00:00"), at("Australia/Lord_Howe", "2026-04-05 12:00"), nil, 150 * time.Minute},
		{ // 01:00-02:00 LHST, then 02:30-03:00 LHDT: 1h30m.
			"Lord Howe spring-forward night", "lordHowe", at("Australia/Lord_Howe", "2026-10-04 00:00"), at("Australia/Lord_Howe", "2026-10-04 12:00"), nil, 90 * time.Minute},
		{ // Thu 8h, Good Friday, weekend, Easter Monday, then Tue and Wed 8h each.
			"Easter week", "helOffice", at(hel, "2026-04-02 00:00"), at(hel, "2026-04-09 00:00"), nil, 24 * time.Hour},
		{ // Thu 22-24 (2h); Fri is a holiday; Sat 00-06 (6h).
			"night shift around a holiday", "helNight", at(hel, "2026-04-02 12:00"), at(hel, "2026-04-04 12:00"), nil, 8 * time.Hour},
		{ // 8h minus the merged 09:00-11:00 (2h) and 15:00-16:00 of the 15:00-17:00 pause (1h).
			"overlapping pauses", "helOffice", at(hel, "2026-03-02 08:00"), at(hel, "2026-03-02 16:00"),
			[]Pause{pause(hel, "2026-03-02 09:00", "2026-03-02 10:00"), pause(hel, "2026-03-02 09:30", "2026-03-02 11:00"), pause(hel, "2026-03-02 15:00", "2026-03-02 17:00")}, 5 * time.Hour},
		{ // 09:00-12:00 is 3h; the pause from 07:00 is cut at 09:00 (30m paused); the one
			// after the end changes nothing.
			"pause before the start and after the end", "helOffice", at(hel, "2026-03-02 09:00"), at(hel, "2026-03-02 12:00"),
			[]Pause{pause(hel, "2026-03-02 07:00", "2026-03-02 09:30"), pause(hel, "2026-03-02 12:00", "2026-03-02 13:00")}, 150 * time.Minute},
		{ // A pause still running at the end stops the count at its start.
			"pause running at the end", "helOffice", at(hel, "2026-03-02 09:00"), at(hel, "2026-03-02 12:00"),
			[]Pause{pause(hel, "2026-03-02 11:00", "2026-03-09 00:00")}, 2 * time.Hour},
		{ // No hours, nothing elapses.
			"empty calendar", "empty", at(hel, "2026-03-02 09:00"), at(hel, "2026-03-09 09:00"), nil, 0},
		{ // Real time minus the pause.
			"always open", "", at("UTC", "2026-03-02 09:00"), at("UTC", "2026-03-02 10:30"),
			[]Pause{pause("UTC", "2026-03-02 10:00", "2026-03-02 10:10")}, 80 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := AlwaysOpen()
			if tt.cal != "" {
				c = calendar(t, tt.cal)
			}
			got, err := c.Elapsed(tt.start, tt.end, tt.pauses)
			if err != nil {
				t.Fatalf("Elapsed: %v", err)
			}
			if got != tt.want {
				t.Fatalf("Elapsed = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestElapsedErrors(t *testing.T) {
	c := calendar(t, "helOffice")
	if _, err := c.Elapsed(at(hel, "2026-03-02 10:00"), at(hel, "2026-03-02 09:59:59"), nil); err == nil {
		t.Error("Elapsed with end before start: want an error")
	}
	bad := []Pause{pause(hel, "2026-03-02 11:00", "2026-03-02 10:00")}
	if _, err := c.Elapsed(at(hel, "2026-03-02 09:00"), at(hel, "2026-03-02 12:00"), bad); err == nil || !strings.Contains(err.Error(), "pause 1") {
		t.Errorf("Elapsed with a backwards pause: error %v, want one naming pause 1", err)
	}
}

// TestPolicyChangeMidTicket: when a ticket's policy changes, its deadline is recomputed with
// the new target from the same start; the business time already used stays used.
func TestPolicyChangeMidTicket(t *testing.T) {
	c := calendar(t, "helOffice")
	start := at(hel, "2026-03-02 09:00")  // Monday
	change := at(hel, "2026-03-02 13:00") // policy changed four business hours in
	pauses := []Pause{pause(hel, "2026-03-02 14:00", "2026-03-02 15:00")}

	used, err := c.Elapsed(start, change, pauses)
	if err != nil || used != 4*time.Hour {
		t.Fatalf("Elapsed(start, change) = %v, %v; want 4h (09:00-13:00)", used, err)
	}
	tests := []struct {
		name   string
		target time.Duration
		want   time.Time
	}{
		// Mon 09:00-16:00 minus the 14:00-15:00 pause is 6h: used up at 16:00 closing.
		{"original 8h", 8 * time.Hour, at(hel, "2026-03-03 10:00")}, // 6h Mon + 2h Tue
		{"tightened to 6h", 6 * time.Hour, at(hel, "2026-03-02 16:00")},
		// 3h were used up at 12:00, before the change: the new deadline is already past.
		{"tightened below the time used", 3 * time.Hour, at(hel, "2026-03-02 12:00")},
		// Exactly the time used: due at the change itself.
		{"tightened to the time used", 4 * time.Hour, change},
		// 6h Mon + 8h Tue + 2h Wed.
		{"relaxed to 16h", 16 * time.Hour, at(hel, "2026-03-04 10:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Deadline(start, tt.target, pauses)
			if err != nil || !got.Equal(tt.want) {
				t.Fatalf("Deadline(start, %v) = %s, %v; want %s", tt.target, got, err, tt.want)
			}
			if tt.target <= used {
				if got.After(change) {
					t.Fatalf("target %v was used up by the change, but the deadline %s is after it", tt.target, got)
				}
				return
			}
			// Restarting the clock at the change with what is left gives the same deadline.
			resumed, err := c.Deadline(change, tt.target-used, pauses)
			if err != nil || !resumed.Equal(got) {
				t.Fatalf("Deadline(change, %v) = %s, %v; want %s", tt.target-used, resumed, err, got)
			}
		})
	}
}

func TestIsOpen(t *testing.T) {
	tests := []struct {
		cal  string
		at   time.Time
		want bool
		why  string
	}{
		{"helOffice", at(hel, "2026-03-02 08:00"), true, "opening instant is included"},
		{"helOffice", at(hel, "2026-03-02 07:59:59"), false, "before opening"},
		{"helOffice", at(hel, "2026-03-02 15:59:59"), true, "last second before closing"},
		{"helOffice", at(hel, "2026-03-02 16:00"), false, "closing instant is excluded"},
		{"helOffice", at(hel, "2026-03-07 10:00"), false, "Saturday"},
		{"helOffice", at(hel, "2026-04-03 10:00"), false, "Good Friday holiday"},
		{"helOffice", at("UTC", "2026-03-02 06:30"), true, "06:30Z is 08:30 EET"},
		{"helNight", at(hel, "2026-03-02 23:30"), true, "evening half of the shift"},
		{"helNight", at(hel, "2026-03-03 05:59"), true, "morning half of the shift"},
		{"helNight", at(hel, "2026-04-03 01:00"), false, "morning half falls on a holiday"},
		{"helSmallHours", at("UTC", "2026-10-25 00:30"), true, "03:30 EEST, first pass"},
		{"helSmallHours", at("UTC", "2026-10-25 01:30"), true, "03:30 EET, repeated hour"},
		{"helSmallHours", at("UTC", "2026-10-25 02:00"), false, "04:00 EET closing"},
		{"nyOffice", at("UTC", "2026-07-06 13:00"), true, "09:00 EDT"},
		{"nyOffice", at("UTC", "2026-01-05 13:00"), false, "08:00 EST"},
		{"empty", at(hel, "2026-03-02 10:00"), false, "no hours"},
	}
	for _, tt := range tests {
		if got := calendar(t, tt.cal).IsOpen(tt.at); got != tt.want {
			t.Errorf("%s.IsOpen(%s) = %v, want %v (%s)", tt.cal, tt.at, got, tt.want, tt.why)
		}
	}
	if !AlwaysOpen().IsOpen(at("UTC", "2026-12-25 03:00")) {
		t.Error("AlwaysOpen is closed on Christmas night")
	}
	if (&Calendar{}).IsOpen(time.Now()) {
		t.Error("the zero Calendar is open")
	}
}

func TestParseInterval(t *testing.T) {
	good := []struct {
		in   string
		want Interval
	}{
		{"08:00-16:00", Interval{8 * time.Hour, 16 * time.Hour}},
		{"22:00-24:00", Interval{22 * time.Hour, 24 * time.Hour}},
		{"00:00-06:00", Interval{0, 6 * time.Hour}},
		{"9:30 - 18:00", Interval{9*time.Hour + 30*time.Minute, 18 * time.Hour}},
		{"00:00-24:00", Interval{0, 24 * time.Hour}},
	}
	for _, tt := range good {
		got, err := ParseInterval(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseInterval(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	if s := (Interval{9*time.Hour + 30*time.Minute, 24 * time.Hour}).String(); s != "09:30-24:00" {
		t.Errorf("String = %q, want 09:30-24:00", s)
	}
	bad := []string{"", "08:00", "8-16", "16:00-08:00", "08:00-08:00", "24:00-24:00", "08:60-09:00",
		"25:00-26:00", "08:00-24:30", "+8:00-16:00", "08:00-16:00-18:00", "08:0-16:00", "ab:cd-16:00"}
	for _, in := range bad {
		if got, err := ParseInterval(in); err == nil {
			t.Errorf("ParseInterval(%q) = %v, want an error", in, got)
		} else if !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) {
			t.Errorf("ParseInterval(%q) error %q does not name the input", in, err)
		}
	}
}

func TestNewCalendarValidation(t *testing.T) {
	h := time.Hour
	tests := []struct {
		name     string
		tz       string
		week     map[time.Weekday][]Interval
		holidays []string
		culprit  string // the error must name this
	}{
		{"unknown zone", "Europe/Atlantis", nil, nil, `"Europe/Atlantis"`},
		{"empty zone", "", nil, nil, `""`},
		{"server-local zone", "Local", nil, nil, `"Local"`},
		{"start after end", "UTC", map[time.Weekday][]Interval{time.Monday: {{16 * h, 8 * h}}}, nil, "Monday interval 16:00-08:00"},
		{"empty interval", "UTC", map[time.Weekday][]Interval{time.Monday: {{8 * h, 8 * h}}}, nil, "Monday interval 08:00-08:00"},
		{"past midnight", "UTC", map[time.Weekday][]Interval{time.Friday: {{22 * h, 26 * h}}}, nil, "Friday interval 22:00-26:00"},
		{"negative start", "UTC", map[time.Weekday][]Interval{time.Sunday: {{-h, 2 * h}}}, nil, "Sunday interval -01:00-02:00"},
		{"fraction of a second", "UTC", map[time.Weekday][]Interval{time.Monday: {{8 * h, 16*h + time.Millisecond}}}, nil, "Monday interval 08:00-16:00:00"},
		{"overlap", "UTC", map[time.Weekday][]Interval{time.Tuesday: {{12 * h, 18 * h}, {8 * h, 13 * h}}}, nil, "Tuesday interval 12:00-18:00 overlaps 08:00-13:00"},
		{"weekday out of range", "UTC", map[time.Weekday][]Interval{7: {{8 * h, 16 * h}}}, nil, "weekday 7"},
		{"bad holiday", "UTC", nil, []string{"2026-01-01", "2026-02-30"}, `holiday 2 "2026-02-30"`},
		{"holiday not a date", "UTC", nil, []string{"1.5.2026"}, `"1.5.2026"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCalendar(tt.tz, tt.week, tt.holidays)
			if err == nil {
				t.Fatalf("NewCalendar = %v, want an error", c)
			}
			if !strings.Contains(err.Error(), tt.culprit) {
				t.Fatalf("NewCalendar error %q does not name %q", err, tt.culprit)
			}
		})
	}

	// Touching intervals are fine, and the caller's map can change afterwards.
	week := map[time.Weekday][]Interval{time.Monday: {{12 * h, 16 * h}, {8 * h, 12 * h}}}
	c, err := NewCalendar("Europe/Helsinki", week, nil)
	if err != nil {
		t.Fatalf("NewCalendar with touching intervals: %v", err)
	}
	week[time.Monday][0] = Interval{0, 24 * h}
	if c.IsOpen(at(hel, "2026-03-02 07:00")) || !c.IsOpen(at(hel, "2026-03-02 12:00")) {
		t.Error("calendar aliases the caller's intervals or mishandles touching ones")
	}
	if c.Location().String() != hel {
		t.Errorf("Location = %s, want %s", c.Location(), hel)
	}
}

// --- property test against a slow reference ---

// refCalendar is the spec read literally: a real second counts when the local date of its
// wall-clock reading is not a holiday and its time of day lies in one of that weekday's
// intervals, and no pause covers it. It steps one second at a time.
type refCalendar struct {
	loc      *time.Location
	def      calendarDef
	holidays map[date]bool
}

type date struct {
	y int
	m time.Month
	d int
}

func newRefCalendar(def calendarDef) refCalendar {
	loc, err := time.LoadLocation(def.tz)
	if err != nil {
		panic(err)
	}
	r := refCalendar{loc: loc, def: def, holidays: map[date]bool{}}
	for _, h := range def.holidays {
		d := at("UTC", h+" 00:00")
		r.holidays[date{d.Year(), d.Month(), d.Day()}] = true
	}
	return r
}

// refPause is a pause in whole Unix seconds, [start, end).
type refPause struct{ start, end int64 }

func (r refCalendar) counts(sec int64, pauses []refPause) bool {
	for _, p := range pauses {
		if sec >= p.start && sec < p.end {
			return false
		}
	}
	local := time.Unix(sec, 0).In(r.loc)
	y, m, d := local.Date()
	if r.holidays[date{y, m, d}] {
		return false
	}
	h, mi, s := local.Clock()
	sinceMidnight := time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(s)*time.Second
	for _, iv := range r.def.week[local.Weekday()] {
		if sinceMidnight >= iv.Start && sinceMidnight < iv.End {
			return true
		}
	}
	return false
}

func TestMatchesReference(t *testing.T) {
	anchors := []time.Time{ // around DST changes and holidays, and an ordinary week
		at("UTC", "2026-03-08 07:00"), at("UTC", "2026-03-29 01:00"), at("UTC", "2026-10-25 01:00"),
		at("UTC", "2026-11-01 06:00"), at("UTC", "2026-04-04 15:00"), at("UTC", "2026-10-03 15:30"),
		at("UTC", "2026-04-03 12:00"), at("UTC", "2026-02-11 12:00"),
	}
	names := []string{"helOffice", "helNight", "helSmallHours", "nyOffice", "nySmallHours", "hcmOffice", "kolkataOffice", "lordHowe"}
	cases := 25
	if testing.Short() {
		cases = 5
	}
	for ci, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, ref := calendar(t, name), newRefCalendar(calendarDefs[name])
			rng := rand.New(rand.NewPCG(42, uint64(ci)))
			for i := range cases {
				anchor := anchors[rng.IntN(len(anchors))]
				start := anchor.Add(time.Duration(rng.Int64N(3*24*3600)-36*3600) * time.Second)
				target := time.Duration(rng.Int64N(10*3600)) * time.Second
				if i%10 == 0 {
					target = 0
				}
				var pauses []Pause
				for range rng.IntN(4) {
					ps := start.Add(time.Duration(rng.Int64N(3*24*3600)-12*3600) * time.Second)
					pauses = append(pauses, Pause{ps, ps.Add(time.Duration(rng.Int64N(20*3600)) * time.Second)})
				}
				label := fmt.Sprintf("case %d: start %s target %v pauses %v", i, start.Format(time.RFC3339), target, pauses)

				// Ends at which to compare Elapsed, within five days of the start.
				var ends []time.Time
				for range 5 {
					ends = append(ends, start.Add(time.Duration(rng.Int64N(5*24*3600))*time.Second))
				}
				slices.SortFunc(ends, func(a, b time.Time) int { return a.Compare(b) })

				// One reference pass: the deadline, and the elapsed time at each end.
				var refPauses []refPause
				for _, p := range pauses {
					refPauses = append(refPauses, refPause{p.Start.Unix(), p.End.Unix()})
				}
				from := start.Unix()
				refDeadline := int64(-1)
				if target == 0 {
					refDeadline = from
				}
				refElapsed := make([]time.Duration, len(ends))
				var count time.Duration
				next := 0
				for sec := from; refDeadline < 0 || next < len(ends); sec++ {
					for next < len(ends) && ends[next].Unix() == sec {
						refElapsed[next] = count
						next++
					}
					if ref.counts(sec, refPauses) {
						count += time.Second
						if count == target && refDeadline < 0 {
							refDeadline = sec + 1
						}
					}
					if sec-from > 30*24*3600 {
						t.Fatalf("%s: reference found no deadline within 30 days", label)
					}
				}

				got, err := c.Deadline(start, target, pauses)
				if err != nil {
					t.Fatalf("%s: Deadline: %v", label, err)
				}
				if got.Unix() != refDeadline {
					t.Fatalf("%s: Deadline = %s, reference %s", label, got.UTC(), time.Unix(refDeadline, 0).UTC())
				}
				if el, err := c.Elapsed(start, got, pauses); err != nil || el != target {
					t.Fatalf("%s: Elapsed(start, deadline) = %v, %v; want the target", label, el, err)
				}
				prev := time.Duration(0)
				for k, end := range ends {
					el, err := c.Elapsed(start, end, pauses)
					if err != nil || el != refElapsed[k] {
						t.Fatalf("%s: Elapsed(start, %s) = %v, %v; reference %v", label, end.UTC(), el, err, refElapsed[k])
					}
					if el < prev {
						t.Fatalf("%s: Elapsed is not monotonic: %v then %v at %s", label, prev, el, end.UTC())
					}
					prev = el
				}
			}
		})
	}
}

// BenchmarkDeadline: a typical 8h target on a Mon-Fri 08:00-16:00 Helsinki calendar with two
// pauses, created mid-morning on a Wednesday.
func BenchmarkDeadline(b *testing.B) {
	c := calendar(b, "helOffice")
	start := at(hel, "2026-03-04 10:17:23")
	pauses := []Pause{
		pause(hel, "2026-03-04 11:00", "2026-03-04 11:45"),
		pause(hel, "2026-03-05 09:00", "2026-03-05 10:30"),
	}
	want := at(hel, "2026-03-05 12:32:23") // Wed 5h42m37s - 45m = 4h57m37s; Thu 08-09 + 10:30-12:32:23
	for b.Loop() {
		got, err := c.Deadline(start, 8*time.Hour, pauses)
		if err != nil || !got.Equal(want) {
			b.Fatalf("Deadline = %s, %v; want %s", got, err, want)
		}
	}
}

// BenchmarkElapsed: the breach job's other question, over a business week.
func BenchmarkElapsed(b *testing.B) {
	c := calendar(b, "helOffice")
	start, end := at(hel, "2026-03-04 10:17:23"), at(hel, "2026-03-11 10:17:23")
	pauses := []Pause{pause(hel, "2026-03-04 11:00", "2026-03-04 11:45")}
	for b.Loop() {
		if _, err := c.Elapsed(start, end, pauses); err != nil {
			b.Fatal(err)
		}
	}
}
