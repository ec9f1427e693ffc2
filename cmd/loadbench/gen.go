package main

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// generator makes the bench's customers, tickets and messages. Each row is a
// pure function of (seed, its number), so the tickets pass (which needs the
// messages' words for the search vector) and the messages pass produce the
// same threads without keeping them in memory.
type generator struct {
	seed      uint64
	tickets   int
	customers int
	msgAvg    float64
	now       time.Time // the end of the year of history
	books     []*book
	teams     []benchTeam // tier-1 teams, in benchTeams order
	// weightOld are the statuses of tickets older than two weeks, set by
	// openShare; nil: the default 15 % open.
	weightOld []int
}

// openShare sets the share of all tickets (0..1) that are still open
// (new, open, pending or on hold). Tickets of the last two weeks keep
// their fixed mix (mostly open, then mostly solved); the older ones make
// up the rest: a busy desk's backlog of weeks, not a tidy 1.5 %.
func (g *generator) openShare(share float64) {
	recent := 2.0/365*0.9 + 12.0/365*0.18 // the open share of the last two weeks' tickets, of all tickets
	p := (share - recent) / (351.0 / 365)
	p = min(max(p, 0), 1)
	open := int(p * 100_000)
	rest := 100_000 - open
	// Of the open: 5 % new, 45 % open, 30 % pending, 20 % on hold; of the
	// rest 1 % solved (awaiting their close), 99 % closed.
	g.weightOld = []int{open * 5 / 100, open * 45 / 100, open * 30 / 100, open * 20 / 100, rest / 100, rest - rest/100}
}

func newGenerator(seed uint64, nTickets, nCustomers int, msgAvg float64, now time.Time, teams []benchTeam) *generator {
	var tier1 []benchTeam
	for _, t := range teams {
		if t.tier == 1 {
			tier1 = append(tier1, t)
		}
	}
	return &generator{seed: seed, tickets: nTickets, customers: nCustomers, msgAvg: msgAvg, now: now,
		books: compileBooks(), teams: tier1}
}

const history = 365 * 24 * time.Hour

// Salts keep the customer and ticket random streams apart.
const (
	saltCustomer = 0x6375_7374
	saltTicket   = 0x7469_636b
)

// customerRow is one customers row.
type customerRow struct {
	id        int64
	name      string
	email     string // "" for none
	phone     string // "" for none
	locale    string
	createdAt time.Time
}

// langShares is the customers' language mix: en, fi, vi, hi (per mille).
var langShares = []int{450, 150, 250, 150}

func pickWeighted(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := r.IntN(total)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

func (g *generator) rng(salt uint64, n int64) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed^salt, uint64(n)))
}

// customerLang is the language of customer id, without generating the rest.
func (g *generator) customerLang(id int64) int {
	return pickWeighted(g.rng(saltCustomer, id), langShares)
}

func (g *generator) customer(id int64) customerRow {
	r := g.rng(saltCustomer, id)
	lang := pickWeighted(r, langShares) // first draw: must match customerLang
	b := g.books[lang]
	first, last := b.firstName[r.IntN(len(b.firstName))], b.lastName[r.IntN(len(b.lastName))]
	c := customerRow{id: id, locale: b.lang}
	switch b.lang {
	case "vi":
		c.name = last + " " + []string{"Văn", "Thị", "Minh", "Đức", "Ngọc"}[r.IntN(5)] + " " + first
	default:
		c.name = first + " " + last
	}
	if r.IntN(100) < 85 {
		local := asciiSlug(first) + "." + asciiSlug(last)
		if local == "." {
			local = "customer"
		}
		c.email = local + "." + strconv.FormatInt(id, 10) + "@example." + b.emailTLD
	}
	if r.IntN(100) < 50 {
		c.phone = "+" + b.phoneCC + strconv.Itoa(400000000+r.IntN(99999999))
	}
	c.createdAt = g.now.Add(-2*history + time.Duration(float64(2*history)*float64(id)/float64(g.customers+1)))
	return c
}

// asciiSlug folds s like the search does and keeps a-z0-9.
func asciiSlug(s string) string {
	var b strings.Builder
	for _, r := range tickets.Fold(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// message is one generated thread entry; its words are chunks[from:to] of
// the ticket's chunk buffer.
type message struct {
	kind      string // public, internal
	fromStaff bool
	authorID  int64 // staff author, or the customer
	createdAt time.Time
	from, to  int
}

// ticketData is one generated ticket with its thread. Its slices are reused
// from ticket to ticket.
type ticketData struct {
	id                   int64
	lang                 string
	status               tickets.Status
	priority             int16
	category             string
	channel              string
	customerID           int64
	teamID, ownerID      int64 // 0: none
	createdBy            int64 // 0: the customer (web, email)
	orderRef             string
	tags                 []string
	createdAt, updatedAt time.Time
	firstResponseAt      *time.Time
	solvedAt, closedAt   *time.Time
	subjectTo            int // the subject is chunks[:subjectTo]
	chunks               []string
	messages             []message
}

func (t *ticketData) subject() string { return strings.Join(t.chunks[:t.subjectTo], " ") }

func (t *ticketData) body(m message) string { return strings.Join(t.chunks[m.from:m.to], " ") }

// Statuses by age: the last two days are mostly still open, the last two
// weeks mostly solved, older tickets closed but for a few stragglers
// (weightOld: an open backlog of about 1.5 %, five days of intake) or, with
// -open (generator.openShare), for as many as a busy desk has: 15 % by
// default, as in the Libredesk comparison data.
var (
	statuses     = []tickets.Status{tickets.StatusNew, tickets.StatusOpen, tickets.StatusPending, tickets.StatusOnHold, tickets.StatusSolved, tickets.StatusClosed}
	weightNew    = []int{300, 400, 150, 50, 100, 0} // under 2 days old (per mille)
	weightRecent = []int{10, 80, 60, 30, 400, 420}  // under 14 days
	weightOld    = []int{0, 2, 2, 1, 10, 985}       // older

	priorityWeights = []int{20, 55, 20, 5} // low, normal, high, urgent
	channels        = []string{"email", "web", "phone", "chat", "walk_in", "api"}
	channelWeights  = []int{35, 25, 20, 15, 3, 2}
	tagChoices      = []string{"vip", "repeat", "fragile", "warranty"}
)

// ticket generates ticket id into t.
func (g *generator) ticket(id int64, t *ticketData) {
	r := g.rng(saltTicket, id)
	*t = ticketData{id: id, tags: t.tags[:0], chunks: t.chunks[:0], messages: t.messages[:0]}

	// Ids follow creation time over the year, with a little jitter.
	t.createdAt = g.now.Add(-history + time.Duration(float64(history)*float64(id)/float64(g.tickets+1))).
		Add(-time.Duration(r.IntN(60)) * time.Second).Truncate(time.Microsecond)
	age := g.now.Sub(t.createdAt)
	switch {
	case age < 2*24*time.Hour:
		t.status = statuses[pickWeighted(r, weightNew)]
	case age < 14*24*time.Hour:
		t.status = statuses[pickWeighted(r, weightRecent)]
	default:
		w := g.weightOld
		if w == nil {
			w = weightOld
		}
		t.status = statuses[pickWeighted(r, w)]
	}
	t.priority = int16(1 + pickWeighted(r, priorityWeights))
	t.channel = channels[pickWeighted(r, channelWeights)]
	t.category = tickets.Categories[r.IntN(len(tickets.Categories))]
	// A few customers write a lot: u² skews the pick towards low ids.
	u := r.Float64()
	t.customerID = 1 + int64(u*u*float64(g.customers))
	if t.customerID > int64(g.customers) {
		t.customerID = int64(g.customers)
	}
	lang := g.customerLang(t.customerID)
	b := g.books[lang]
	t.lang = b.lang

	team := g.teams[min(lang, len(g.teams)-1)]
	switch {
	case t.category == "billing" && r.IntN(10) < 7:
		team = g.teamNamed("Billing", team)
	case t.category == "delivery" && r.IntN(10) < 5:
		team = g.teamNamed("Delivery", team)
	}
	t.teamID = team.id
	unassigned := r.IntN(100) < 5 || (t.status == tickets.StatusNew && r.IntN(2) == 0)
	if !unassigned && len(team.reps) > 0 {
		t.ownerID = team.reps[r.IntN(len(team.reps))]
	}
	if t.channel != "web" && t.channel != "email" && t.ownerID != 0 {
		t.createdBy = t.ownerID
	}
	if r.IntN(2) == 0 {
		t.orderRef = "ORD" + strconv.Itoa(100000+r.IntN(900000))
	}
	if r.IntN(10) == 0 {
		t.tags = append(t.tags, tagChoices[r.IntN(len(tagChoices))])
	}

	// Activity: closed tickets were worked for hours to days; open ones lately.
	var span time.Duration
	if t.status.IsOpen() {
		span = time.Duration(r.Float64() * float64(3*24*time.Hour))
	} else {
		span = time.Hour + time.Duration(r.Float64()*float64(10*24*time.Hour))
	}
	t.updatedAt = t.createdAt.Add(min(span, age)).Truncate(time.Microsecond)

	// Subject, then the thread.
	g.sentence(r, t, b, b.subjT[r.IntN(len(b.subjT))])
	t.subjectTo = len(t.chunks)
	n := 1
	if t.status != tickets.StatusNew {
		n = 1 + int(math.Round(r.ExpFloat64()*(g.msgAvg-1)))
		n = min(n, 40)
	}
	step := t.updatedAt.Sub(t.createdAt) / time.Duration(n)
	staffTurn := true
	for k := 0; k < n; k++ {
		m := message{kind: "public", createdAt: t.createdAt.Add(time.Duration(k) * step).Truncate(time.Microsecond), from: len(t.chunks)}
		sentences := 1 + r.IntN(2)
		switch {
		case k == 0:
			m.authorID = t.customerID
			sentences = 2 + r.IntN(3)
			g.sentences(r, t, b, b.custT, sentences)
		case staffTurn && r.IntN(100) < 15:
			m.kind, m.fromStaff, m.authorID = "internal", true, g.staffAuthor(r, t, team)
			g.sentences(r, t, b, notes, 1+r.IntN(2))
		case staffTurn:
			m.fromStaff, m.authorID = true, g.staffAuthor(r, t, team)
			g.sentences(r, t, b, b.staffT, 2+r.IntN(2))
			staffTurn = false
		default:
			m.authorID = t.customerID
			g.sentences(r, t, b, b.custT, sentences)
			staffTurn = true
		}
		m.to = len(t.chunks)
		if m.fromStaff && m.kind == "public" && t.firstResponseAt == nil {
			at := m.createdAt
			t.firstResponseAt = &at
		}
		t.messages = append(t.messages, m)
	}
	switch t.status {
	case tickets.StatusSolved:
		at := t.updatedAt
		t.solvedAt = &at
	case tickets.StatusClosed:
		solved := t.updatedAt.Add(-time.Duration(1+r.IntN(72)) * time.Hour)
		if solved.Before(t.createdAt) {
			solved = t.createdAt
		}
		closed := t.updatedAt
		t.solvedAt, t.closedAt = &solved, &closed
	}
}

func (g *generator) teamNamed(name string, def benchTeam) benchTeam {
	for _, t := range g.teams {
		if t.name == name {
			return t
		}
	}
	return def
}

func (g *generator) staffAuthor(r *rand.Rand, t *ticketData, team benchTeam) int64 {
	if t.ownerID != 0 {
		return t.ownerID
	}
	if len(team.reps) > 0 {
		return team.reps[r.IntN(len(team.reps))]
	}
	return 0
}

func (g *generator) sentences(r *rand.Rand, t *ticketData, b *book, from []template, n int) {
	for range n {
		g.sentence(r, t, b, from[r.IntN(len(from))])
	}
}

// sentence appends one template's chunks, filling its slots.
func (g *generator) sentence(r *rand.Rand, t *ticketData, b *book, tpl template) {
	for _, c := range tpl.chunks {
		switch c {
		case slotRef:
			ref := t.orderRef
			if ref == "" {
				ref = "ORD" + strconv.Itoa(100000+r.IntN(900000))
			}
			t.chunks = append(t.chunks, ref)
		case slotN:
			t.chunks = append(t.chunks, smallNumbers[1+r.IntN(30)])
		case slotProduct:
			t.chunks = append(t.chunks, b.productChunks[r.IntN(len(b.productChunks))]...)
		default:
			t.chunks = append(t.chunks, c)
		}
	}
}

var smallNumbers = func() []string {
	out := make([]string, 32)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}()
