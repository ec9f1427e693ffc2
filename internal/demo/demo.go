// Package demo loads realistic demo data — staff in four languages, teams and
// tickets — so `make run` shows a working desk. Loading is idempotent.
package demo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Password is the password of every demo account (printed by make run).
const Password = "loopdesk-demo"

// Staff are the demo accounts: one per role, in different languages, then
// the rest of the teams (a rep per language where a team needs one, and a
// Technical team with a senior specialist).
var Staff = []staff.NewUser{
	{Email: "anna@loopdesk.test", Name: "Anna Virtanen", Role: staff.RoleRep, Team: "Delivery", Locale: "fi", TimeZone: "Europe/Helsinki"},
	{Email: "minh@loopdesk.test", Name: "Trần Văn Minh", Role: staff.RoleRep, Team: "Billing", Locale: "vi", TimeZone: "Asia/Ho_Chi_Minh"},
	{Email: "priya@loopdesk.test", Name: "Priya Sharma", Role: staff.RoleSenior, Team: "Billing", Locale: "hi", TimeZone: "Asia/Kolkata"},
	{Email: "sam@loopdesk.test", Name: "Sam Carter", Role: staff.RoleSupervisor, Team: "Delivery", Locale: "en", TimeZone: "Europe/London"},
	{Email: "admin@loopdesk.test", Name: "Alex Admin", Role: staff.RoleAdmin, Locale: "en", TimeZone: "UTC"},
	{Email: "mikko@loopdesk.test", Name: "Mikko Heikkinen", Role: staff.RoleSenior, Team: "Technical", Locale: "fi", TimeZone: "Europe/Helsinki"},
	{Email: "lan@loopdesk.test", Name: "Nguyễn Thị Lan", Role: staff.RoleRep, Team: "Technical", Locale: "vi", TimeZone: "Asia/Ho_Chi_Minh"},
	{Email: "hoa@loopdesk.test", Name: "Lê Thị Hoa", Role: staff.RoleRep, Team: "Delivery", Locale: "vi", TimeZone: "Asia/Ho_Chi_Minh"},
	{Email: "arjun@loopdesk.test", Name: "Arjun Mehta", Role: staff.RoleRep, Team: "Delivery", Locale: "hi", TimeZone: "Asia/Kolkata"},
	{Email: "olivia@loopdesk.test", Name: "Olivia Bennett", Role: staff.RoleRep, Team: "Delivery", Locale: "en", TimeZone: "Europe/London"},
	{Email: "laura@loopdesk.test", Name: "Laura Mäkinen", Role: staff.RoleRep, Team: "Billing", Locale: "fi", TimeZone: "Europe/Helsinki"},
	{Email: "daniel@loopdesk.test", Name: "Daniel Hughes", Role: staff.RoleRep, Team: "Billing", Locale: "en", TimeZone: "Europe/London"},
}

// crew is how the demo staff sign their replies (in Latin script and, where
// they have one, in Devanagari) and their grammatical gender.
var crew = map[string]struct {
	sign, signHindi string
	male            bool
}{
	"anna@loopdesk.test":   {"Anna", "", false},
	"minh@loopdesk.test":   {"Minh", "", true},
	"priya@loopdesk.test":  {"Priya", "प्रिया", false},
	"sam@loopdesk.test":    {"Sam", "", true},
	"admin@loopdesk.test":  {"Alex", "", true},
	"mikko@loopdesk.test":  {"Mikko", "", true},
	"lan@loopdesk.test":    {"Lan", "", false},
	"hoa@loopdesk.test":    {"Hoa", "", false},
	"arjun@loopdesk.test":  {"Arjun", "अर्जुन", true},
	"olivia@loopdesk.test": {"Olivia", "", false},
	"laura@loopdesk.test":  {"Laura", "", false},
	"daniel@loopdesk.test": {"Daniel", "", true},
}

const (
	// TicketCount is how many demo tickets Load adds.
	TicketCount = 300
	// Window is how far back the demo tickets go from Load's now.
	Window = 60 * 24 * time.Hour
	// KeyPrefix starts the idempotency key of every demo ticket ("demo-0001").
	KeyPrefix = "demo-"

	supervisorEmail = "sam@loopdesk.test"
)

// The fixed seed: the demo desk is the same on every run; only its dates
// move with Load's now.
const seed1, seed2 = 0x100bde5c, 2025

// Load adds the demo staff (skipping accounts that exist) and TicketCount
// tickets with their threads, spread over the Window before now() (skipping
// tickets already loaded, by their fixed idempotency keys), so a second Load
// adds nothing.
func Load(ctx context.Context, db *pgxpool.Pool, st *staff.Store, now func() time.Time) error {
	if err := loadStaff(ctx, st); err != nil {
		return err
	}
	return loadTickets(ctx, db, st, now())
}

// loadStaff creates the missing demo accounts. Existing ones are skipped
// before hashing a password, so a repeated Load stays fast; the missing ones
// are created side by side (each hashes a password), their teams first.
func loadStaff(ctx context.Context, st *staff.Store) error {
	users, err := st.List(ctx)
	if err != nil {
		return fmt.Errorf("demo staff: %w", err)
	}
	var missing []staff.NewUser
	for _, u := range Staff {
		if !slices.ContainsFunc(users, func(e staff.User) bool { return strings.EqualFold(e.Email, u.Email) }) {
			missing = append(missing, u)
		}
	}
	for _, u := range missing {
		if u.Team != "" {
			if _, err := st.EnsureTeam(ctx, u.Team); err != nil {
				return fmt.Errorf("demo team %s: %w", u.Team, err)
			}
		}
	}
	return inParallel(len(missing), func(i int) error {
		u := missing[i]
		u.Password = Password
		if _, err := st.Create(ctx, 0, u); err != nil {
			if f := apperr.FieldsOf(err); f["email"] == "error_email_taken" {
				return nil
			}
			return fmt.Errorf("demo user %s: %w", u.Email, err)
		}
		return nil
	})
}

// workers is how many demo loaders run side by side.
const workers = 4

// inParallel runs do(0..n-1) on the workers and returns their errors. After
// an error, a worker skips the rest of its share.
func inParallel(n int, do func(i int) error) error {
	jobs := make(chan int)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range jobs {
				if errs[w] == nil {
					errs[w] = do(i)
				}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return errors.Join(errs...)
}

// stepKind is what one step of a ticket's story does.
type stepKind int

const (
	stepCustomer stepKind = iota // the customer writes (from the status page or by mail)
	stepReply                    // a public reply, optionally setting a status
	stepNote                     // an internal note
	stepUpdate                   // a change of status, team, tags or priority
)

// step is one action on a ticket, wait after the previous one.
type step struct {
	wait     time.Duration
	kind     stepKind
	by       string // the staff member's email (not for stepCustomer)
	body     string
	status   tickets.Status // reply: the status it sets; update: the new status
	team     string         // update: the team to move to
	tags     []string       // update: the tags to set
	priority tickets.Priority
}

// ticketPlan is one demo ticket: opened age before Load's now by owner, then
// its steps.
type ticketPlan struct {
	ticket tickets.NewTicket // TeamID is filled in at load time from team
	team   string
	owner  string
	age    time.Duration
	steps  []step
}

// loadTickets adds the planned tickets that are not there yet. It opens them
// one by one, oldest first, so that ticket numbers follow their dates and are
// the same on every run; then it plays their threads side by side, each
// ticket's story in order on one worker with its own clock.
func loadTickets(ctx context.Context, db *pgxpool.Pool, st *staff.Store, end time.Time) error {
	rows, err := db.Query(ctx, `SELECT idempotency_key FROM tickets WHERE idempotency_key LIKE $1`, KeyPrefix+"%")
	if err != nil {
		return fmt.Errorf("demo tickets loaded: %w", err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("demo tickets loaded: %w", err)
	}
	todo := slices.DeleteFunc(plan(), func(p *ticketPlan) bool { return slices.Contains(keys, p.ticket.IdempotencyKey) })
	if len(todo) == 0 {
		return nil
	}
	actors, teams, err := cast(ctx, st)
	if err != nil {
		return err
	}
	fast, err := lazyCommitPool(ctx, db)
	if err != nil {
		return err
	}
	defer fast.Close()

	slices.SortStableFunc(todo, func(a, b *ticketPlan) int { return cmp.Compare(b.age, a.age) })
	var clock time.Time
	opener := tickets.NewStore(fast, func() time.Time { return clock }, "")
	opened := make([]tickets.Ticket, len(todo))
	for i, p := range todo {
		clock = end.Add(-p.age)
		n := p.ticket
		n.TeamID = teams[p.team]
		if opened[i], _, err = opener.Create(ctx, actors[p.owner], n); err != nil {
			return fmt.Errorf("demo ticket %s: %w", n.IdempotencyKey, err)
		}
	}
	err = inParallel(len(todo), func(i int) error {
		p := todo[i]
		clock := end.Add(-p.age)
		ts := tickets.NewStore(fast, func() time.Time { return clock }, "")
		if err := p.play(ctx, ts, opened[i], actors, teams, func(d time.Duration) { clock = clock.Add(d) }); err != nil {
			return fmt.Errorf("demo ticket %s: %w", p.ticket.IdempotencyKey, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return markMailSent(ctx, db)
}

// lazyCommitPool is a small pool like db whose commits do not wait for the
// disk (synchronous_commit off): the demo's thousand-odd transactions would
// otherwise wait for a flush each. A crash may lose a load's last
// transactions; as after any interrupted load, tickets already opened are
// not replayed by the next one.
func lazyCommitPool(ctx context.Context, db *pgxpool.Pool) (*pgxpool.Pool, error) {
	cfg := db.Config()
	cfg.MaxConns = workers
	cfg.MinConns = 0
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("demo pool: %w", err)
	}
	return pool, nil
}

// cast returns the demo staff as actors by email, and team ids by name.
func cast(ctx context.Context, st *staff.Store) (map[string]tickets.Actor, map[string]int64, error) {
	users, err := st.List(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("demo staff: %w", err)
	}
	actors := map[string]tickets.Actor{}
	for _, u := range users {
		actors[strings.ToLower(u.Email)] = tickets.Actor{UserID: u.ID, TeamIDs: u.TeamIDs, SeeAll: u.Role.AtLeast(staff.RoleSupervisor)}
	}
	all, err := st.Teams(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("demo teams: %w", err)
	}
	teams := map[string]int64{}
	for _, t := range all {
		teams[t.Name] = t.ID
	}
	for _, u := range Staff {
		if _, ok := actors[u.Email]; !ok {
			return nil, nil, fmt.Errorf("demo staff: %s is missing", u.Email)
		}
	}
	return actors, teams, nil
}

// play runs the steps of the ticket's story after its opening t; advance
// moves the store's clock.
func (p *ticketPlan) play(ctx context.Context, ts *tickets.Store, t tickets.Ticket, actors map[string]tickets.Actor, teams map[string]int64, advance func(time.Duration)) error {
	stale := false // t's version is behind after a customer message
	var err error
	for i, s := range p.steps {
		advance(s.wait)
		actor := actors[s.by]
		switch s.kind {
		case stepCustomer:
			_, err = ts.AddCustomerMessage(ctx, t.ID, s.body)
			stale = true
		case stepReply:
			t, err = ts.AddReply(ctx, actor, t.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: s.body, SetStatus: s.status})
			stale = false
		case stepNote:
			t, err = ts.AddReply(ctx, actor, t.ID, tickets.Reply{Kind: tickets.MessageInternal, Body: s.body})
			stale = false
		case stepUpdate:
			if stale {
				if t, err = ts.Get(ctx, actor, t.ID); err != nil {
					break
				}
			}
			t, err = ts.Update(ctx, actor, t.ID, s.changes(t.Version, teams))
			stale = false
		}
		if err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
	}
	return nil
}

// changes is a stepUpdate as an edit of version.
func (s step) changes(version int, teams map[string]int64) tickets.Changes {
	c := tickets.Changes{Version: version}
	if s.status != "" {
		c.Status = &s.status
	}
	if s.team != "" {
		team := teams[s.team]
		c.TeamID = &team
	}
	if s.tags != nil {
		c.Tags = &s.tags
	}
	if s.priority != 0 {
		c.Priority = &s.priority
	}
	return c
}

// sqlMarkDemoMailSent marks the reply mails of demo tickets as sent when
// they were queued: the demo's history happened in the past, and its
// customers' addresses at example.* must not be mailed (or pile up as held).
const sqlMarkDemoMailSent = `
UPDATE outbox o
SET status = 'sent', attempts = 1, sent_at = o.created_at, last_attempt_at = o.created_at
FROM tickets t
WHERE t.id = o.ticket_id AND t.idempotency_key LIKE $1
  AND o.status = 'queued' AND o.job_id IS NULL`

func markMailSent(ctx context.Context, db *pgxpool.Pool) error {
	if _, err := db.Exec(ctx, sqlMarkDemoMailSent, KeyPrefix+"%"); err != nil {
		return fmt.Errorf("demo mail: %w", err)
	}
	return nil
}

// customer is a demo customer, with how reps address them.
type customer struct {
	name, email, phone, lang string
	first                    string // the name reps greet them by, in the language's script
	male                     bool
}

// planner draws the demo desk from a fixed seed.
type planner struct {
	r      *rand.Rand
	pools  map[string][]*customer
	emails map[string]bool
	orders map[string]bool
}

// langs are the customer languages and how common each is.
var langs = []string{"en", "fi", "vi", "hi"}
var langWeights = []int{28, 26, 24, 22}

// pinned are the first demo tickets, fixed so that the desk always shows
// them (searches in the README and tests rely on them).
var pinned = []struct {
	lang, subject string
	customer      customer
	status        tickets.Status
}{
	{"vi", "Nguyễn Văn An – đơn hàng {order} chưa được giao",
		customer{name: "Nguyễn Văn An", email: "an.nguyen@example.vn", phone: "+84 912 345 678", first: "An", male: true}, tickets.StatusOpen},
	{"fi", "Tilaus myöhässä – missä pakettini on?",
		customer{name: "Päivi Äijälä", email: "paivi.aijala@example.fi", first: "Päivi"}, tickets.StatusPending},
	{"hi", "ऑर्डर {order} अभी तक नहीं मिला",
		customer{name: "अमित कुमार", email: "amit.kumar@example.in", phone: "+91 98765 43210", first: "अमित", male: true}, tickets.StatusNew},
}

// plan draws the TicketCount demo tickets, keys demo-0001 onwards. It is
// deterministic: the same plan on every call.
func plan() []*ticketPlan {
	p := &planner{r: rand.New(rand.NewPCG(seed1, seed2)), pools: map[string][]*customer{}, emails: map[string]bool{}, orders: map[string]bool{}}
	for _, pin := range pinned {
		c := pin.customer
		c.lang = pin.lang
		p.emails[c.email] = true
		p.pools[pin.lang] = append(p.pools[pin.lang], &c)
	}
	for _, l := range langs {
		for len(p.pools[l]) < 40 {
			p.pools[l] = append(p.pools[l], p.newCustomer(l))
		}
	}
	plans := make([]*ticketPlan, 0, TicketCount)
	for i := range TicketCount {
		key := fmt.Sprintf("%s%04d", KeyPrefix, i+1)
		if i < len(pinned) {
			pin := pinned[i]
			plans = append(plans, p.ticket(key, pin.lang, &scenarios[0], p.pools[pin.lang][0], pin.status, pin.subject))
			continue
		}
		lang := langs[p.pick(langWeights)]
		sc := &scenarios[p.pick(scenarioWeights())]
		pool := p.pools[lang]
		c := pool[p.r.IntN(len(pool))]
		plans = append(plans, p.ticket(key, lang, sc, c, statuses[p.pick(statusWeights)], ""))
	}
	return plans
}

// statuses and their weights: most of a desk's tickets are done.
var statuses = []tickets.Status{tickets.StatusNew, tickets.StatusOpen, tickets.StatusPending, tickets.StatusOnHold, tickets.StatusSolved, tickets.StatusClosed}
var statusWeights = []int{9, 15, 12, 8, 18, 38}

var channels = []tickets.Channel{"email", "web", "chat", "phone", "walk_in"}
var channelWeights = []int{35, 22, 15, 20, 8}

func scenarioWeights() []int {
	w := make([]int, len(scenarios))
	for i, s := range scenarios {
		w[i] = s.weight
	}
	return w
}

// flows are the stories that end in each status, as beats: ack, ask,
// answer, hold, solve (rep and customer messages), note and nudge.
var flows = map[tickets.Status][][]string{
	tickets.StatusNew:     {{}, {}, {"nudge"}, {"note"}},
	tickets.StatusOpen:    {{"ack"}, {"ask", "answer"}, {"note", "ack", "nudge"}, {"ack", "nudge"}},
	tickets.StatusPending: {{"ask"}, {"note", "ask"}, {"ack", "nudge", "ask"}},
	tickets.StatusOnHold:  {{"ack", "note", "hold"}, {"note", "hold"}, {"ask", "answer", "hold"}},
	tickets.StatusSolved: {{"solve"}, {"ask", "answer", "solve"}, {"ack", "note", "hold", "solve"},
		{"ack", "nudge", "solve"}, {"ask", "answer", "hold", "solve"}, {"note", "solve"}},
}

// ticket plans one ticket of scenario sc for customer c, ending in status.
// subject, when not empty, replaces the scenario's subject lines.
func (p *planner) ticket(key, lang string, sc *scenario, c *customer, status tickets.Status, subject string) *ticketPlan {
	r := p.r
	text := sc.text[lang]
	prod := p.product(sc.smart)
	vars := map[string]string{
		"order":     p.orderNumber(),
		"product":   prod.name[lang],
		"product:p": prod.fiPartitive,
		"product:g": prod.fiGenitive,
		"aproduct":  article(prod.name["en"]),
		"amount":    prod.price[lang],
		"carrier":   pickOf(r, carriers[lang]),
		"first":     c.first,
		"full":      c.name,
		"anh":       "chị",
	}
	if c.male {
		vars["anh"] = "anh"
	}
	if sc.voucher {
		vars["amount"] = vouchers[lang]
	}
	if subject == "" {
		subject = pickOf(r, text.subjects)
	}
	prio := tickets.Priorities[p.pick(sc.priority[:])]
	channel := channels[p.pick(channelWeights)]
	if c.email == "" {
		channel = pickOf(r, []tickets.Channel{"phone", "phone", "walk_in"})
	}
	body := render(pickOf(r, text.openings), vars, c.male)
	if (channel == "email" || channel == "web") && r.IntN(10) < 7 {
		body += "\n\n" + render(pickOf(r, languages[lang].signatures), vars, c.male)
	}
	tp := &ticketPlan{
		ticket: tickets.NewTicket{
			CustomerName: c.name, CustomerEmail: c.email, CustomerPhone: c.phone, CustomerLocale: lang,
			Subject: capitalize(render(subject, vars, c.male)), Body: body,
			Channel: channel, Priority: prio, Category: sc.category, IdempotencyKey: key,
		},
	}
	if sc.order {
		tp.ticket.OrderRef = vars["order"]
	}

	// Who works it: the scenario's team, in the customer's language where
	// the team can. Technical issues often reach the front line first, who
	// pass them on and stay the loop owner.
	handler := p.staffOf(sc.team, lang)
	tp.owner, tp.team = handler, sc.team
	story := status
	if status == tickets.StatusClosed {
		story = tickets.StatusSolved // then closed days later
	}
	beats := slices.Clone(pickOf(r, flows[story]))
	if status == tickets.StatusClosed {
		beats = append(beats, "close")
	}
	if sc.team == teamTechnical && r.IntN(2) == 0 {
		tp.owner, tp.team = p.staffOf(teamDelivery, lang), teamDelivery
		beats = append([]string{"escalate", "move"}, beats...)
	}
	if first := slices.IndexFunc(beats, isRepBeat); first >= 0 {
		var extra []string
		if sc.key == "complaint" {
			if prio < tickets.PriorityHigh && r.IntN(10) < 6 {
				extra = append(extra, "bump")
			}
			if r.IntN(10) < 7 {
				extra = append(extra, "supervisor")
			}
		}
		if r.IntN(100) < 35 {
			extra = append(extra, "tags")
		}
		beats = slices.Insert(beats, first+1, extra...)
	}

	var total time.Duration
	prev := ""
	answered := false // a rep has replied to the customer
	for _, b := range beats {
		s := step{wait: p.wait(b, prev, prio), by: handler}
		switch b {
		case "ack":
			s.kind, s.body = stepReply, p.reply(lang, text.ack, vars, handler, channel)
		case "ask":
			s.kind, s.body, s.status = stepReply, p.reply(lang, text.ask, vars, handler, channel), tickets.StatusPending
		case "hold":
			s.kind, s.body, s.status = stepReply, p.reply(lang, text.hold, vars, handler, channel), tickets.StatusOnHold
		case "solve":
			s.kind, s.body, s.status = stepReply, p.reply(lang, text.solve, vars, handler, channel), tickets.StatusSolved
		case "answer":
			s.kind, s.body = stepCustomer, render(text.answer, vars, c.male)
		case "nudge":
			nudges := languages[lang].chasers
			if answered {
				nudges = languages[lang].nudges
			}
			s.kind, s.body = stepCustomer, render(pickOf(r, nudges), vars, c.male)
		case "note":
			s.kind, s.body = stepNote, p.note(sc, handler, vars)
		case "escalate":
			s.by = tp.owner
			s.kind, s.body = stepNote, render(languages[localeOf(tp.owner)].escalate, vars, crew[tp.owner].male)
		case "move":
			s.by = tp.owner
			s.kind, s.team = stepUpdate, teamTechnical
		case "supervisor":
			s.by = supervisorEmail
			s.kind, s.body = stepNote, render(pickOf(r, supervisorNotes), vars, true)
		case "bump":
			s.kind, s.priority = stepUpdate, tickets.PriorityHigh
		case "tags":
			s.kind, s.tags = stepUpdate, sc.tags[:1+r.IntN(len(sc.tags))]
		case "close":
			s.kind, s.status = stepUpdate, tickets.StatusClosed
		}
		tp.steps = append(tp.steps, s)
		total += s.wait
		prev = b
		answered = answered || s.kind == stepReply
	}
	tp.age = total + p.margin(status, total)
	return tp
}

// isRepBeat reports whether beat b is the handler's own work with the customer.
func isRepBeat(b string) bool {
	return b == "ack" || b == "ask" || b == "hold" || b == "solve" || b == "note"
}

// wait is how long after beat prev (""= the customer's first message) beat b
// happens: first responses by priority, customers answering within a day or
// so, third parties within days, closing days after solving.
func (p *planner) wait(b, prev string, prio tickets.Priority) time.Duration {
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(p.r.Int64N(int64(hi-lo))) }
	switch b {
	case "answer":
		return between(40*time.Minute, 30*time.Hour)
	case "nudge":
		return between(18*time.Hour, 50*time.Hour)
	case "close":
		return between(2*24*time.Hour, 7*24*time.Hour)
	case "tags", "bump", "move":
		return between(time.Minute, 15*time.Minute)
	case "supervisor":
		return between(30*time.Minute, 8*time.Hour)
	}
	switch prev {
	case "", "answer", "nudge":
		switch prio {
		case tickets.PriorityUrgent:
			return between(5*time.Minute, 40*time.Minute)
		case tickets.PriorityHigh:
			return between(15*time.Minute, 3*time.Hour)
		case tickets.PriorityNormal:
			return between(30*time.Minute, 9*time.Hour)
		}
		return between(2*time.Hour, 26*time.Hour)
	case "hold":
		return between(24*time.Hour, 4*24*time.Hour)
	case "ack":
		return between(3*time.Hour, 36*time.Hour)
	}
	return between(5*time.Minute, 90*time.Minute)
}

// margin is how long before Load's now a ticket's last step happened: new
// tickets are fresh, open work is recent, closed tickets go back to the
// start of the Window.
func (p *planner) margin(status tickets.Status, total time.Duration) time.Duration {
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(p.r.Int64N(int64(hi-lo))) }
	limit := Window - time.Hour - total
	var m time.Duration
	switch status {
	case tickets.StatusNew:
		m = between(5*time.Minute, 40*time.Hour)
	case tickets.StatusOpen, tickets.StatusPending, tickets.StatusOnHold:
		m = between(30*time.Minute, 12*24*time.Hour)
	case tickets.StatusSolved:
		m = between(time.Hour, 18*24*time.Hour)
	default:
		m = between(time.Hour, limit)
	}
	return min(m, limit)
}

// reply is a rep's public reply: greeting, text and sign-off (chat replies
// go without the letter's sign-off).
func (p *planner) reply(lang, text string, vars map[string]string, by string, channel tickets.Channel) string {
	l := languages[lang]
	vars["rep"] = crew[by].sign
	if lang == "hi" && crew[by].signHindi != "" {
		vars["rep"] = crew[by].signHindi
	}
	male := crew[by].male
	out := render(pickOf(p.r, l.greetings), vars, male) + "\n\n" + render(text, vars, male)
	if channel != "chat" {
		out += "\n\n" + render(pickOf(p.r, l.signoffs), vars, male)
	}
	return out
}

// note is an internal note by rep in their own language: about the
// scenario, or one of the everyday ones.
func (p *planner) note(sc *scenario, by string, vars map[string]string) string {
	lang := localeOf(by)
	text := sc.text[lang].note
	if p.r.IntN(10) < 3 {
		text = pickOf(p.r, languages[lang].notes)
	}
	return render(text, vars, crew[by].male)
}

// staffOf picks who in team works a ticket in lang: mostly someone who
// speaks it; the supervisor takes a few English delivery tickets.
func (p *planner) staffOf(team, lang string) string {
	if team == teamDelivery && lang == "en" && p.r.IntN(4) == 0 {
		return supervisorEmail
	}
	var all, native []string
	for _, u := range Staff {
		if u.Team != team || (u.Role != staff.RoleRep && u.Role != staff.RoleSenior) {
			continue
		}
		all = append(all, u.Email)
		if u.Locale == lang {
			native = append(native, u.Email)
		}
	}
	if len(native) > 0 && p.r.IntN(100) < 85 {
		return pickOf(p.r, native)
	}
	return pickOf(p.r, all)
}

// localeOf is a demo staff member's language.
func localeOf(email string) string {
	for _, u := range Staff {
		if u.Email == email {
			return u.Locale
		}
	}
	return "en"
}

func (p *planner) product(smart bool) product {
	for {
		pr := products[p.r.IntN(len(products))]
		if pr.smart || !smart {
			return pr
		}
	}
}

// orderNumber is a new order number like LD-482913.
func (p *planner) orderNumber() string {
	for {
		o := fmt.Sprintf("LD-%06d", 100000+p.r.IntN(900000))
		if !p.orders[o] {
			p.orders[o] = true
			return o
		}
	}
}

// pick returns an index drawn by weights.
func (p *planner) pick(weights []int) int {
	sum := 0
	for _, w := range weights {
		sum += w
	}
	n := p.r.IntN(sum)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

func pickOf[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// newCustomer makes a customer with a name of lang, a unique email at that
// market's example domain (a few have none: they phone or walk in) and
// often a phone number.
func (p *planner) newCustomer(lang string) *customer {
	r := p.r
	c := &customer{lang: lang}
	var locals []string
	domain := "example.com"
	switch lang {
	case "en":
		g, f := pickOf(r, enGiven), pickOf(r, enFamily)
		c.name, c.first, c.male = g.text+" "+f.text, g.text, g.male
		locals = []string{g.latin + "." + f.latin, g.latin + f.latin, g.latin[:1] + "." + f.latin}
		c.phone = fmt.Sprintf("+44 7700 900%03d", r.IntN(1000))
	case "fi":
		g, f := pickOf(r, fiGiven), pickOf(r, fiFamily)
		c.name, c.first, c.male = g.text+" "+f.text, g.text, g.male
		gl, fl := fold(g.text), fold(f.text)
		locals = []string{gl + "." + fl, gl + fl, gl[:1] + "." + fl}
		domain = "example.fi"
		c.phone = fmt.Sprintf("+358 %s %03d %04d", pickOf(r, []string{"40", "44", "50"}), r.IntN(1000), r.IntN(10000))
	case "vi":
		g, f := pickOf(r, viGiven), pickOf(r, viFamily)
		middle := pickOf(r, viMiddleFemale)
		if g.male {
			middle = pickOf(r, viMiddleMale)
		}
		c.name, c.first, c.male = f.text+" "+middle+" "+g.text, g.text, g.male
		gl, fl := fold(g.text), fold(f.text)
		locals = []string{gl + "." + fl, fl + gl + fmt.Sprint(80+r.IntN(20)), gl + fl}
		domain = "example.vn"
		c.phone = fmt.Sprintf("+84 9%02d %03d %03d", r.IntN(100), r.IntN(1000), r.IntN(1000))
	case "hi":
		g, f := pickOf(r, hiGiven), pickOf(r, hiFamily)
		c.first, c.male = g.text, g.male
		c.name = g.text + " " + f.text
		if r.IntN(100) < 45 {
			c.name = g.latin + " " + f.latin
		}
		gl, fl := strings.ToLower(g.latin), strings.ToLower(f.latin)
		locals = []string{gl + "." + fl, gl + fl + fmt.Sprint(10+r.IntN(90)), gl + "_" + fl}
		domain = pickOf(r, []string{"example.in", "example.in", "example.in", "example.com"})
		c.phone = fmt.Sprintf("+91 9%04d %05d", r.IntN(10000), r.IntN(100000))
	}
	if r.IntN(100) >= 45 {
		c.phone = ""
	}
	if r.IntN(100) < 6 && c.phone != "" {
		return c // no email: a phone and walk-in customer
	}
	local := pickOf(r, locals)
	c.email = local + "@" + domain
	for n := 2; p.emails[c.email]; n++ {
		c.email = fmt.Sprintf("%s%d@%s", local, n, domain)
	}
	p.emails[c.email] = true
	return c
}

// render fills a text's placeholders (see content.go); male chooses the
// {g:he|she} forms of the speaker. Unknown placeholders are left as they are.
func render(text string, vars map[string]string, male bool) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(text, '{')
		j := strings.IndexByte(text[max(i, 0):], '}')
		if i < 0 || j < 0 {
			b.WriteString(text)
			return b.String()
		}
		b.WriteString(text[:i])
		key := text[i+1 : i+j]
		raw := text[i : i+j+1]
		text = text[i+j+1:]
		if forms, ok := strings.CutPrefix(key, "g:"); ok {
			he, she, _ := strings.Cut(forms, "|")
			if male {
				b.WriteString(he)
			} else {
				b.WriteString(she)
			}
			continue
		}
		v, ok := vars[strings.ToLower(key[:1])+key[1:]]
		switch {
		case !ok:
			b.WriteString(raw)
		case unicode.IsUpper([]rune(key)[0]):
			b.WriteString(capitalize(v))
		default:
			b.WriteString(v)
		}
	}
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// article puts "a" or "an" before an English noun.
func article(noun string) string {
	if strings.ContainsRune("aeiou", unicode.ToLower([]rune(noun)[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// fold spells a Finnish or Vietnamese name in plain ASCII for an email
// address: "Äijälä" -> "aijala", "Nguyễn" -> "nguyen", "Đặng" -> "dang".
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		for _, g := range foldGroups {
			if strings.ContainsRune(g, r) {
				b.WriteByte(g[0])
				break
			}
		}
	}
	return b.String()
}

var foldGroups = []string{
	"aàáảãạăằắẳẵặâầấẩẫậäå",
	"eèéẻẽẹêềếểễệë",
	"iìíỉĩị",
	"oòóỏõọôồốổỗộơờớởỡợö",
	"uùúủũụưừứửữựü",
	"yỳýỷỹỵ",
	"dđ",
}
