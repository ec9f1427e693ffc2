package tickets_test

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// The search that finds (issue #11), in the desk's four languages: stems,
// typo correction, prefixes, subject first, phones in any format, parts of
// emails, phones and names, ticket numbers in words, a found customer's
// tickets, pages, and the indexes behind it.

// hitIDs are the ids of a result's hits, in order.
func hitIDs(res tickets.SearchResult) []int64 {
	var out []int64
	for _, h := range res.Hits {
		out = append(out, h.Ticket.ID)
	}
	return out
}

// search runs a first page as actor and fails the test on an error.
func (b *bundle) search(t *testing.T, actor tickets.Actor, q string) tickets.SearchResult {
	t.Helper()
	res, err := b.store.Search(b.ctx, actor, q, 0)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return res
}

func TestSearchStems(t *testing.T) {
	b := setup(t)
	washer := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Aino Virtanen", CustomerLocale: "fi",
		Subject: "Pesukoneen luukku jumissa", Body: "Laskussa on virhe. Odotan hyvitystä."})
	bill := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Eero Mäkinen", CustomerLocale: "fi",
		Subject: "Lasku tuli kahdesti", Body: "Maksoin saman laskun kahteen kertaan."})
	kettle := b.create(t, b.repA, tickets.NewTicket{CustomerName: "John Smith", CustomerLocale: "en",
		Subject: "Kettle stopped working", Body: "I would like a replacement kettles are expensive."})
	vietnamese := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Trần Thị Bình", CustomerLocale: "vi",
		Subject: "Giao hàng chậm", Body: "Đơn hàng chưa tới."})

	tests := []struct {
		query string
		want  []int64
	}{
		// Finnish: the stem matches other inflections, also as a first word
		// (not a prefix there).
		{"pesukone luukku", []int64{washer.ID}},
		{"laskussa", []int64{washer.ID, bill.ID}}, // lasku, laskun, laskussa: one stem
		{"laskun virhe", []int64{washer.ID}},
		{"hyvitys", []int64{washer.ID}}, // hyvitystä: by prefix
		// English: kettles/kettle and replace/replacement.
		{"kettles stopped", []int64{kettle.ID}},
		{"replace kettle", []int64{kettle.ID}},
		// Vietnamese is not stemmed but still folded.
		{"giao hang cham", []int64{vietnamese.ID}},
	}
	for _, tc := range tests {
		res := b.search(t, b.repA, tc.query)
		if got := sorted(hitIDs(res)); !slices.Equal(got, sorted(tc.want)) {
			t.Errorf("Search(%q) = %v, want %v", tc.query, got, sorted(tc.want))
		}
		if res.Corrected {
			t.Errorf("Search(%q) was corrected to %q", tc.query, res.Searched)
		}
	}
	// Highlighting marks the inflected words the stems matched.
	res := b.search(t, b.repA, "pesukone luukku")
	if len(res.Hits) != 1 || render(res.Hits[0].Subject) != "[Pesukoneen] [luukku] jumissa" {
		t.Errorf("stem highlight = %+v", res.Hits)
	}
	// Replies are indexed in the customer's language too.
	if _, err := b.store.AddReply(b.ctx, b.repA, kettle.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "We are shipping two replacements."}); err != nil {
		t.Fatal(err)
	}
	if got := hitIDs(b.search(t, b.repA, "shipped replacement")); !slices.Equal(got, []int64{kettle.ID}) {
		t.Errorf("Search(shipped replacement) = %v, want the kettle", got)
	}
}

func TestSearchPrefix(t *testing.T) {
	b := setup(t)
	// The customers' names are not the names in the text: only words match here.
	an := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Khách Một", CustomerLocale: "vi",
		Subject: "Đơn hàng trễ", Body: "Tôi là Nguyễn Văn An."})
	other := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Khách Hai", CustomerLocale: "vi",
		Subject: "Nguyễn Văn Bảo gọi", Body: "Ông Nguyễn Văn Bảo hỏi về đơn hàng."})
	for q, want := range map[string][]int64{
		"nguyen van":    {an.ID, other.ID},
		"nguyen van a":  {an.ID}, // "a" is the beginning of "An" (and of nothing in the other ticket)
		"nguyen van an": {an.ID},
		"nguyen van b":  {other.ID},
		"đơn hà":        {an.ID, other.ID},
		"nguy":          {an.ID, other.ID},
	} {
		if got := sorted(hitIDs(b.search(t, b.repA, q))); !slices.Equal(got, sorted(want)) {
			t.Errorf("Search(%q) = %v, want %v", q, got, sorted(want))
		}
	}
	// Devanagari too: the beginning of a Hindi word finds it.
	hindi := b.create(t, b.repA, tickets.NewTicket{CustomerName: "ग्राहक", CustomerLocale: "hi",
		Subject: "मेरा ऑर्डर नहीं आया", Body: "कृपया स्थिति बताएं।"})
	for _, q := range []string{"ऑर्ड", "मेरा ऑर्डर", "स्थिति बता"} {
		if got := hitIDs(b.search(t, b.repA, q)); !slices.Equal(got, []int64{hindi.ID}) {
			t.Errorf("Search(%q) = %v, want %d", q, got, hindi.ID)
		}
	}
	// Only the last word is a prefix: "nguy van" is not "nguyen van".
	if got := hitIDs(b.search(t, b.repA, "nguy van")); len(got) != 0 {
		t.Errorf("Search(nguy van) = %v, want nothing", got)
	}
	// A one-letter word alone is a word, not every word beginning with it.
	if got := hitIDs(b.search(t, b.repA, "a")); len(got) != 0 {
		t.Errorf("Search(a) = %v, want nothing", got)
	}
}

func TestSearchSubjectFirst(t *testing.T) {
	b := setup(t)
	var body []int64
	for i := range 12 {
		tk := b.create(t, b.repA, tickets.NewTicket{CustomerName: fmt.Sprintf("Asiakas %d", i), CustomerLocale: "fi",
			Subject: fmt.Sprintf("Paketti %d", i), Body: strings.Repeat("Tilaus ei tullut, tilaus oli lahja. ", 3)})
		body = append(body, tk.ID)
	}
	subject := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Eero Mäkinen", CustomerLocale: "fi",
		Subject: "Tilaus myöhässä", Body: "Odotan yhä."})
	for range 3 { // newer tickets that only mention it
		body = append(body, b.create(t, b.repA, tickets.NewTicket{CustomerName: "Asiakas", CustomerLocale: "fi",
			Subject: "Kysymys", Body: "Tilaus tilaus tilaus tilaus."}).ID)
	}
	got := hitIDs(b.search(t, b.repA, "tilaus"))
	if len(got) != 16 || got[0] != subject.ID {
		t.Errorf("Search(tilaus) = %v, want %d first of 16", got, subject.ID)
	}
	// A subject that matches by its stem ranks first too.
	washer := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Aino", CustomerLocale: "fi", Subject: "Pesukone rikki", Body: "Ei toimi."})
	for range 3 {
		b.create(t, b.repA, tickets.NewTicket{CustomerName: "Asiakas", CustomerLocale: "fi",
			Subject: "Kysymys", Body: "Pesukoneen pesukoneen pesukoneen ovi."})
	}
	if got := hitIDs(b.search(t, b.repA, "pesukoneen")); len(got) != 4 || got[0] != washer.ID {
		t.Errorf("Search(pesukoneen) = %v, want %d first of 4", got, washer.ID)
	}
}

func TestSearchCorrectsTypos(t *testing.T) {
	b := setup(t)
	password := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Mary Jones", CustomerLocale: "en",
		Subject: "Password reset email never came", Body: "I am locked out of my account."})
	b.create(t, b.repA, tickets.NewTicket{CustomerName: "Tom Green", CustomerLocale: "en",
		Subject: "Change my account email", Body: "Please change the email on my account."})
	late := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Eero Mäkinen", CustomerLocale: "fi",
		Subject: "Tilaus myöhässä", Body: "Paketti on myöhässä."})
	// Kettle is in five tickets, and a customer misspelt it in one more.
	var kettles []int64
	for i := range 5 {
		kettles = append(kettles, b.create(t, b.repA, tickets.NewTicket{CustomerName: fmt.Sprintf("Kettle owner %d", i),
			CustomerLocale: "en", Subject: "Broken kettle", Body: "The kettle leaks."}).ID)
	}
	misspelt := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Typo Tim", CustomerLocale: "en",
		Subject: "Broken kettel", Body: "My kettel leaks."})
	// A word only in another team's ticket is never suggested to this team.
	b.create(t, b.repB, tickets.NewTicket{CustomerName: "Secret Sam", Subject: "Zeppelin delivery", Body: "Zeppelin parts."})

	tests := []struct {
		query, searched string
		want            []int64
	}{
		{"passwrd", "password", []int64{password.ID}},
		{"pasword reset", "password reset", []int64{password.ID}},
		{"locked acount", "locked account", []int64{password.ID}},
		{"myohasa paketti", "myohassa paketti", []int64{late.ID}},
		{"myöhäsä paketti", "myohassa paketti", []int64{late.ID}},
		// Few hits for a rare spelling: the common one finds more.
		{"broken kettel", "broken kettle", kettles},
	}
	for _, tc := range tests {
		res := b.search(t, b.repA, tc.query)
		if !res.Corrected || res.Searched != tc.searched {
			t.Errorf("Search(%q): corrected %v to %q, want %q", tc.query, res.Corrected, res.Searched, tc.searched)
		}
		if got := sorted(hitIDs(res)); !slices.Equal(got, sorted(tc.want)) {
			t.Errorf("Search(%q) = %v, want %v", tc.query, got, sorted(tc.want))
		}
		// Searching the words as typed finds what they match, uncorrected.
		asTyped, err := b.store.Find(b.ctx, b.repA, tickets.SearchRequest{Query: tc.query, AsTyped: true})
		if err != nil || asTyped.Corrected || asTyped.Searched != tc.query {
			t.Errorf("Find(%q, as typed) = corrected %v, searched %q, %v", tc.query, asTyped.Corrected, asTyped.Searched, err)
		}
	}
	// The rare spelling is still found as typed.
	if res, err := b.store.Find(b.ctx, b.repA, tickets.SearchRequest{Query: "kettel", AsTyped: true}); err != nil || !slices.Equal(hitIDs(res), []int64{misspelt.ID}) {
		t.Errorf("Find(kettel, as typed) = %v, %v", hitIDs(res), err)
	}
	// A last word is also a prefix, of the word or its stem: "myohasa"
	// finds "myöhässä" without a correction.
	if res := b.search(t, b.repA, "myohasa"); res.Corrected || !slices.Equal(hitIDs(res), []int64{late.ID}) {
		t.Errorf("Search(myohasa) = %v, corrected %v to %q", hitIDs(res), res.Corrected, res.Searched)
	}
	// Words that find enough are left alone; so are words with no near
	// neighbour in the visible tickets.
	for _, q := range []string{"password", "kettle", "account", "zepelin", "xqzvw"} {
		if res := b.search(t, b.repA, q); res.Corrected {
			t.Errorf("Search(%q) was corrected to %q", q, res.Searched)
		}
	}
	if res := b.search(t, b.sup, "zepelin"); !res.Corrected || res.Searched != "zeppelin" || len(res.Hits) != 1 {
		t.Errorf("supervisor Search(zepelin) = corrected %v to %q, %d hits", res.Corrected, res.Searched, len(res.Hits))
	}
	// The corrected words are highlighted.
	res := b.search(t, b.repA, "passwrd")
	if len(res.Hits) != 1 || render(res.Hits[0].Subject) != "[Password] reset email never came" {
		t.Errorf("corrected highlight = %+v", res.Hits)
	}
}

func TestSearchPhones(t *testing.T) {
	b := setup(t)
	aino := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Aino Virtanen", CustomerPhone: "040 123 4567", CustomerLocale: "fi",
		Subject: "Soittopyyntö", Body: "Soittakaa minulle."})
	if aino.Customer.Phone != "+358401234567" {
		t.Fatalf("stored phone %q, want E.164 +358401234567", aino.Customer.Phone)
	}
	// A customer saved before numbers were stored in E.164.
	legacy := ticketstest.Customer(b.ctx, t, b.db, tickets.Customer{Name: "Vanha Asiakas", Phone: "0507654321", Locale: "fi"})
	old := b.create(t, b.repA, tickets.NewTicket{CustomerID: legacy.ID, Subject: "Vanha numero", Body: "Hei."})
	vn := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Mai Trần", CustomerPhone: "+84 98 765 0001", CustomerLocale: "vi",
		Subject: "Gọi lại", Body: "Xin gọi lại."})

	for q, want := range map[string]int64{
		"+358 40 123 4567":  aino.ID,
		"040 123 4567":      aino.ID,
		"0401234567":        aino.ID,
		"358401234567":      aino.ID,
		"00358401234567":    aino.ID,
		"+358-40-1234567":   aino.ID,
		"(040) 123-45-67":   aino.ID,
		"123 4567":          aino.ID, // a part of the number
		"+358 50 765 4321":  old.ID,
		"050 765 4321":      old.ID,
		"+84 98 765 0001":   vn.ID,
		"0084987650001":     vn.ID,
		"765 0001":          vn.ID, // a part
		"+84 (98) 765-0001": vn.ID,
	} {
		res := b.search(t, b.repA, q)
		if got := hitIDs(res); !slices.Equal(got, []int64{want}) || len(res.Customers) != 1 || !res.Hits[0].OfCustomer {
			t.Errorf("Search(%q) = hits %v, %d customers; want ticket %d of its customer", q, got, len(res.Customers), want)
		}
	}
	// A short number is an order number rather than part of a phone.
	if res := b.search(t, b.repA, "234567"); len(res.Customers) != 0 {
		t.Errorf("Search(234567) found customers %+v", res.Customers)
	}
	// The desk's country reads numbers without a country code.
	vnStore := ticketstest.NewStore(b.db)
	if err := vnStore.SetRegion("VN"); err != nil {
		t.Fatal(err)
	}
	if res, err := vnStore.Search(b.ctx, b.repA, "098 765 0001", 0); err != nil || !slices.Equal(hitIDs(res), []int64{vn.ID}) {
		t.Errorf("VN desk Search(098 765 0001) = %v, %v; want %d", hitIDs(res), err, vn.ID)
	}
	if err := vnStore.SetRegion("XX"); err == nil {
		t.Error("SetRegion(XX) accepted an unknown country")
	}
	// Suggestions while typing find the E.164 number from its local form.
	got, err := b.store.SuggestCustomers(b.ctx, "040 12")
	if err != nil || len(got) != 1 || got[0].ID != aino.Customer.ID {
		t.Errorf("SuggestCustomers(040 12) = %+v, %v", got, err)
	}
}

func TestSearchFragmentsAndCustomerTickets(t *testing.T) {
	b := setup(t)
	first := b.create(t, b.repA, tickets.NewTicket{CustomerName: "John Smith", CustomerEmail: "john.smith.4711@example.com",
		CustomerLocale: "en", Subject: "Kettle stopped working", Body: "It broke."})
	second := b.create(t, b.repA, tickets.NewTicket{CustomerID: first.Customer.ID, Subject: "Invoice question", Body: "Why twice?"})
	hidden := b.create(t, b.repB, tickets.NewTicket{CustomerID: first.Customer.ID, Subject: "Billing dispute", Body: "Secret."})
	b.create(t, b.repA, tickets.NewTicket{CustomerName: "Jane Smithers", CustomerEmail: "jane@example.org", Subject: "Other", Body: "Other."})
	virtanen := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Aino Virtanen", CustomerLocale: "fi", Subject: "Kysymys", Body: "Hei."})

	for _, q := range []string{"john.smith.4711@example.com", "JOHN.SMITH.4711@EXAMPLE.COM", "smith.4711", "4711@example", "smith.4711@"} {
		res := b.search(t, b.repA, q)
		if len(res.Customers) != 1 || res.Customers[0].ID != first.Customer.ID {
			t.Errorf("Search(%q) customers = %+v, want John Smith", q, res.Customers)
		}
		// The customer's tickets are listed (only those this rep may see).
		if got := sorted(hitIDs(res)); !slices.Equal(got, sorted([]int64{first.ID, second.ID})) {
			t.Errorf("Search(%q) hits = %v, want %v", q, got, sorted([]int64{first.ID, second.ID}))
		}
	}
	if got := sorted(hitIDs(b.search(t, b.sup, "smith.4711"))); !slices.Equal(got, sorted([]int64{first.ID, second.ID, hidden.ID})) {
		t.Errorf("supervisor Search(smith.4711) = %v", got)
	}
	// A part of a name finds the customer and lists their tickets.
	res := b.search(t, b.repA, "virtan")
	if len(res.Customers) != 1 || res.Customers[0].ID != virtanen.Customer.ID || !slices.Equal(hitIDs(res), []int64{virtanen.ID}) {
		t.Errorf("Search(virtan) = customers %+v, hits %v", res.Customers, hitIDs(res))
	}
	// Tickets that hold the words come before a found customer's tickets.
	mention := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Colleague", Subject: "Call back", Body: "Please call John Smith back."})
	res = b.search(t, b.repA, "john smith")
	if got := hitIDs(res); !slices.Equal(got, []int64{mention.ID, second.ID, first.ID}) || res.Hits[0].OfCustomer || !res.Hits[1].OfCustomer {
		t.Errorf("Search(john smith) = %v, want %v", got, []int64{mention.ID, second.ID, first.ID})
	}
	if got := hitIDs(b.search(t, b.repA, "nobody@example.com")); len(got) != 0 {
		t.Errorf("unknown email found %v", got)
	}
}

func TestSearchTicketNumbers(t *testing.T) {
	b := setup(t)
	tk := b.create(t, b.repA, tickets.NewTicket{Subject: "Order missing", Body: "Where?"})
	hidden := b.create(t, b.repB, tickets.NewTicket{Subject: "Other team", Body: "Secret."})
	n := fmt.Sprint(tk.ID)
	for _, q := range []string{n, "#" + n, "ticket " + n, "Ticket #" + n, "ticket no. " + n, "TICKET: " + n, "support ticket " + n,
		"tiketti " + n, "tiketin " + n, "Tiketti nro " + n,
		"phiếu " + n, "phieu " + n, "Phiếu số " + n, "phiếu hỗ trợ " + n,
		"टिकट " + n, "टिकट नंबर " + n, "टिकट #" + n} {
		if res := b.search(t, b.repA, q); res.JumpTo != tk.ID {
			t.Errorf("Search(%q) = jump %d, want %d", q, res.JumpTo, tk.ID)
		}
	}
	for _, q := range []string{"ticket " + fmt.Sprint(hidden.ID), "tiketti 999999", "order " + n, "ticket"} {
		if res := b.search(t, b.repA, q); res.JumpTo != 0 {
			t.Errorf("Search(%q) = jump %d, want none", q, res.JumpTo)
		}
	}
}

func TestSearchPages(t *testing.T) {
	b := setup(t)
	var all []int64
	for i := range 23 {
		subject := "Kysymys"
		if i%4 == 0 {
			subject = "Lahjakortti hukassa"
		}
		all = append(all, b.create(t, b.repA, tickets.NewTicket{CustomerName: fmt.Sprintf("Asiakas %d", i), CustomerLocale: "fi",
			Subject: subject, Body: strings.Repeat("Lahjakortti ei toimi. ", 1+i%3)}).ID)
	}
	first, err := b.store.Find(b.ctx, b.repA, tickets.SearchRequest{Query: "lahjakortti", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var seen []int64
	page := first
	for pages := 1; ; pages++ {
		seen = append(seen, hitIDs(page)...)
		if page.Next == "" {
			if pages != 3 {
				t.Errorf("%d pages, want 3", pages)
			}
			break
		}
		if page, err = b.store.Find(b.ctx, b.repA, tickets.SearchRequest{Query: "lahjakortti", Limit: 10, After: page.Next}); err != nil {
			t.Fatal(err)
		}
	}
	if got := sorted(seen); !slices.Equal(got, sorted(all)) {
		t.Errorf("pages hold %v, want each of %v once", seen, sorted(all))
	}
	// Pages continue the first page's order: subjects first.
	for i, id := range seen[:6] {
		if (id-all[0])%4 != 0 {
			t.Errorf("hit %d is ticket %d, want a subject match among the first 6 (%v)", i, id, seen)
		}
	}
	// A corrected search pages through the corrected words.
	corrected, err := b.store.Find(b.ctx, b.repA, tickets.SearchRequest{Query: "lajhakortti", Limit: 10})
	if err != nil || !corrected.Corrected || corrected.Next == "" {
		t.Fatalf("Find(lajhakortti) = corrected %v, next %q, %v", corrected.Corrected, corrected.Next, err)
	}
	next, err := b.store.Find(b.ctx, b.repA, tickets.SearchRequest{Query: "lajhakortti", Limit: 10, After: corrected.Next})
	if err != nil || !next.Corrected || next.Searched != "lahjakortti" || len(next.Hits) != 10 {
		t.Errorf("second corrected page = corrected %v, %q, %d hits, %v", next.Corrected, next.Searched, len(next.Hits), err)
	}
	cursor := func(raw string) string { return base64.RawURLEncoding.EncodeToString([]byte(raw)) }
	for _, bad := range []string{"!!", cursor("s|3|0|1|"), cursor("s|1|0|0|"), cursor("q|1|0|1|"), cursor("s|1|2143289344|1|"),
		cursor("s|1|0|1|a\x00b"), cursor("s|1|0|1")} {
		_, err := b.store.Find(b.ctx, b.repA, tickets.SearchRequest{Query: "lahjakortti", After: bad})
		wantField(t, err, "after", "error_cursor_invalid")
	}
}

// TestSearchUsesIndexes checks that every search statement can be answered
// from its index: with sequential scans (and plain index scans, which the
// planner may prefer on a table this small) switched off, the plan must
// still not read a whole table.
func TestSearchUsesIndexes(t *testing.T) {
	b := setup(t)
	b.create(t, b.repA, tickets.NewTicket{CustomerName: "John Smith", CustomerEmail: "john.smith.4711@example.com",
		CustomerPhone: "040 123 4567", CustomerLocale: "en", Subject: "Kettle stopped working", Body: "It broke."})
	// Enough words that the word list's own index is worth reading.
	for _, sql := range []string{`INSERT INTO search_words (word) SELECT 'w' || md5(i::text) FROM generate_series(1, 5000) i`,
		`VACUUM ANALYZE search_words`} {
		if _, err := b.db.Exec(b.ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	a := b.repA
	kettle, kettleIndex := readQuery(t, b, "kettle stopped")
	short, shortIndex := readQuery(t, b, "kettle s")
	// The walk starts above ticket 0; older tickets are those at or
	// below an id far above any ticket's.
	const top = int64(1) << 40
	words := func(floor int64, index, match string) []any {
		return []any{floor, index, match != index, match, a.TeamIDs, a.UserID, 400, tickets.SearchStatements.SubjectQuery(match)}
	}
	tests := []struct {
		name, sql, index string
		args             []any
	}{
		{"words, a rep's newest tickets", tickets.SearchStatements.WordsNewest, "tickets_pkey", words(0, kettleIndex, kettle)},
		{"words, a rep's older tickets, dense", tickets.SearchStatements.WordsOlderWalk, "tickets_pkey", words(top, kettleIndex, kettle)},
		{"words, a rep's older tickets, sparse", tickets.SearchStatements.WordsOlderIndexed, "tickets_visible_words_idx",
			words(top, kettleIndex, kettle)},
		{"words, short last word", tickets.SearchStatements.WordsOlderIndexed, "tickets_visible_words_idx",
			words(top, shortIndex, short)},
		{"words, all tickets", tickets.SearchStatements.WordsAll, "tickets_search_idx",
			[]any{kettleIndex, kettle != kettleIndex, kettle, 400, tickets.SearchStatements.SubjectQuery(kettle)}},
		{"customer's tickets", tickets.SearchStatements.FoundCustomersTickets, "tickets_customer_idx",
			[]any{[]int64{1}, a.SeeAll, a.TeamIDs, a.UserID}},
		{"name or part of an email", tickets.SearchStatements.CustomersByName(nil), "customers_email_trgm_idx",
			[]any{"smith.4711", "%smith.4711%", "%smith.4711%", []string(nil)}},
		{"part of a name", tickets.SearchStatements.CustomersByName([]string{"john", "smith"}), "customers_name_trgm_idx",
			[]any{"john smith", "%john smith%", "", []string{"john", "smith"}}},
		{"name", tickets.SearchStatements.CustomersByName([]string{"john", "smith"}), "customers_name_words_idx",
			[]any{"john smith", "%john smith%", "", []string{"john", "smith"}}},
		{"words like a name's", tickets.SearchStatements.CustomersByName([]string{"jon", "smiht"}), "customer_name_words_trgm_idx",
			[]any{"jon smiht", "%jon smiht%", "", []string{"jon", "smiht"}}},
		{"a name with an initial", tickets.SearchStatements.CustomersByName([]string{"j", "smith"}), "customers_name_words_idx",
			[]any{"j smith", "%j smith%", "", []string{"j", "smith"}}},
		{"near words", tickets.SearchStatements.NearWords, "search_words_trgm_idx", []any{"kettel"}},
		{"near words of two words", tickets.NearWordsSQL(2), "search_words_trgm_idx", []any{"kettel", "stoped"}},
		{"words one edit away of short words", tickets.EditsAwaySQL(2), "search_words_pkey",
			[]any{"hnag", tickets.OneEditAway("hnag"), "gioa", tickets.OneEditAway("gioa")}},
		{"count words, a rep's newest tickets", tickets.SearchStatements.CountWords, "tickets_pkey",
			[]any{[]string{"kettle", "kettel", "stop"}, []string{"exact", "exact", "match"}, a.TeamIDs, a.UserID, top, "", nil}},
		{"count words, a rep's older tickets", tickets.SearchStatements.CountWords, "tickets_visible_words_idx",
			[]any{[]string{"kettle", "kettel", "stop"}, []string{"exact", "exact", "match"}, a.TeamIDs, a.UserID, top, "", nil}},
		{"count words, a rep's older held tickets", tickets.SearchStatements.CountWords, "tickets_holder_team_idx",
			[]any{[]string{"kettle", "kettel", "stop"}, []string{"exact", "exact", "match"}, a.TeamIDs, a.UserID, top, "", nil}},
		{"count a word, all tickets", tickets.SearchStatements.CountWordAll, "tickets_search_idx",
			[]any{"kettle", "exact"}},
	}
	for _, tc := range tests {
		var plan []string
		err := pgx.BeginTxFunc(b.ctx, b.db, pgx.TxOptions{}, func(tx pgx.Tx) error {
			for _, set := range []string{"SET LOCAL enable_seqscan = off", "SET LOCAL enable_indexscan = off"} {
				if _, err := tx.Exec(b.ctx, set); err != nil {
					return err
				}
			}
			rows, err := tx.Query(b.ctx, "EXPLAIN "+tc.sql, append([]any{pgx.QueryExecModeExec}, tc.args...)...)
			if err != nil {
				return err
			}
			plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, tc.index) || strings.Contains(text, "Seq Scan on tickets") || strings.Contains(text, "Seq Scan on customers") ||
			strings.Contains(text, "Seq Scan on search_words") || strings.Contains(text, "Seq Scan on customer_name_words") {
			t.Errorf("%s: plan does not use %s:\n%s", tc.name, tc.index, text)
		}
	}
}

// readQuery reads words into the tsqueries the search matches with, as
// Search reads them.
func readQuery(t *testing.T, b *bundle, words string) (match, index string) {
	t.Helper()
	var newest int64
	var indexed *string
	if err := b.db.QueryRow(b.ctx, tickets.SearchStatements.ReadQuery, words, tickets.SearchStatements.IndexMode(words)).
		Scan(&match, &indexed, &newest); err != nil {
		t.Fatal(err)
	}
	index = match
	if indexed != nil {
		index = *indexed
	}
	return match, index
}
