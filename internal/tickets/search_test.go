package tickets_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

func TestFold(t *testing.T) {
	tests := map[string]string{
		"Nguyễn ĐẶNG Äiti":  "nguyen dang aiti",
		"Tilaus":            "tilaus",
		"ÄITI äiti":         "aiti aiti",
		"Crème Brûlée":      "creme brulee",
		"ऑर्डर नहीं आया":    "ऑर्डर नहीं आया",
		"नमस्ते DEVANAGARI": "नमस्ते devanagari",
		"#42":               "#42",
	}
	for in, want := range tests {
		if got := tickets.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHighlight(t *testing.T) {
	tests := []struct {
		text, query string
		want        string // marked words in [brackets]
	}{
		{"Xin chào, tôi là Nguyễn Văn An.", "nguyen van an", "Xin chào, tôi là [Nguyễn] [Văn] [An]."},
		{"Äiti tilasi Tilaus-123", "aiti tilaus", "[Äiti] tilasi [Tilaus]-123"},
		{"मेरा ऑर्डर नहीं आया", "ऑर्डर", "मेरा [ऑर्डर] नहीं आया"},
		{"Banana and ban", "ban", "Banana and [ban]"},
		{"<b>bold</b>", "bold", "<b>[bold]</b>"},
		{"nothing here", "zebra", "nothing here"},
	}
	for _, tc := range tests {
		if got := render(tickets.Highlight(tc.text, tickets.Terms(tc.query))); got != tc.want {
			t.Errorf("Highlight(%q, %q) = %q, want %q", tc.text, tc.query, got, tc.want)
		}
	}
}

func render(segs []tickets.Segment) string {
	var b strings.Builder
	for _, s := range segs {
		if s.Mark {
			b.WriteString("[" + s.Text + "]")
		} else {
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

func TestSearch(t *testing.T) {
	b := setup(t)
	an := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Nguyễn Văn An", CustomerEmail: "an.nguyen@example.vn",
		Subject: "Đơn hàng của Nguyễn Văn An bị trễ", Body: "Giao chậm."})
	anBody := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Trần Thị Bình",
		Subject: "Giao hàng", Body: "Tôi gọi thay cho Nguyễn Văn An, anh tôi."})
	finnish := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Aino Virtanen", CustomerPhone: "+358 40 123 4567",
		Subject: "Tilaus myöhässä", Body: "Äiti odottaa pakettia."})
	hindi := b.create(t, b.repA, tickets.NewTicket{CustomerName: "प्रिया शर्मा",
		Subject: "मेरा ऑर्डर नहीं आया", Body: "कृपया मदद करें।"})
	hidden := b.create(t, b.repB, tickets.NewTicket{Subject: "Tilaus toiselle tiimille", Body: "Salainen."})
	replied := b.create(t, b.repA, tickets.NewTicket{Subject: "Kettle", Body: "Broken."})
	if _, err := b.store.AddReply(b.ctx, b.repA, replied.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Vaihdamme vedenkeittimen."}); err != nil {
		t.Fatal(err)
	}

	long := b.create(t, b.repA, tickets.NewTicket{Subject: "Sähkökatko",
		Body: strings.Repeat("Sähkö katkesi taas illalla. ", 20) + "Aurinkopaneeli ei lataa. " + strings.Repeat("Kiitos avusta. ", 20)})

	hitIDs := func(res tickets.SearchResult) []int64 {
		var out []int64
		for _, h := range res.Hits {
			out = append(out, h.Ticket.ID)
		}
		return sorted(out)
	}
	tests := []struct {
		query string
		want  []int64
	}{
		{"nguyen van an", []int64{an.ID, anBody.ID}},
		{"NGUYỄN văn", []int64{an.ID, anBody.ID}},
		{"tilaus", []int64{finnish.ID}}, // the other team's "Tilaus" stays hidden
		{"aiti", []int64{finnish.ID}},
		{"äiti", []int64{finnish.ID}},
		{"ऑर्डर", []int64{hindi.ID}},
		{"vedenkeittimen", []int64{replied.ID}}, // replies are searchable too
		{"zebra", nil},
	}
	for _, tc := range tests {
		res, err := b.store.Search(b.ctx, b.repA, tc.query, 0)
		if err != nil {
			t.Errorf("Search(%q): %v", tc.query, err)
			continue
		}
		if got := hitIDs(res); !slices.Equal(got, sorted(tc.want)) || res.JumpTo != 0 {
			t.Errorf("Search(%q) = %v (jump %d), want %v", tc.query, got, res.JumpTo, tc.want)
		}
	}
	if res, _ := b.store.Search(b.ctx, b.sup, "tilaus", 0); !slices.Equal(hitIDs(res), []int64{finnish.ID, hidden.ID}) {
		t.Errorf("supervisor Search(tilaus) = %v, want %v", hitIDs(res), []int64{finnish.ID, hidden.ID})
	}

	// Snippets mark the matching words in their original spelling.
	res, err := b.store.Search(b.ctx, b.repA, "nguyen van an", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		switch h.Ticket.ID {
		case an.ID:
			if got := render(h.Subject); got != "Đơn hàng của [Nguyễn] [Văn] [An] bị trễ" {
				t.Errorf("subject segments = %q", got)
			}
		case anBody.ID:
			if got := render(h.Snippet); got != "Tôi gọi thay cho [Nguyễn] [Văn] [An], anh tôi." {
				t.Errorf("snippet segments = %q", got)
			}
		}
	}
	res, _ = b.store.Search(b.ctx, b.repA, "aiti", 0)
	if len(res.Hits) != 1 || render(res.Hits[0].Snippet) != "[Äiti] odottaa pakettia." {
		t.Errorf("aiti snippet = %+v", res.Hits)
	}

	// A long message is cut around its first match.
	res, _ = b.store.Search(b.ctx, b.repA, "aurinkopaneeli", 0)
	if len(res.Hits) != 1 || res.Hits[0].Ticket.ID != long.ID {
		t.Fatalf("aurinkopaneeli hits = %+v", res.Hits)
	}
	snippet := render(res.Hits[0].Snippet)
	if !strings.HasPrefix(snippet, "…") || !strings.HasSuffix(snippet, "…") || !strings.Contains(snippet, "[Aurinkopaneeli] ei lataa.") ||
		len([]rune(snippet)) > 210 {
		t.Errorf("long snippet = %q", snippet)
	}

	// A number jumps to a ticket the actor may see, and only then.
	for _, q := range []string{fmt.Sprint(an.ID), fmt.Sprintf("#%d", an.ID), fmt.Sprintf(" # %d ", an.ID)} {
		if res, err := b.store.Search(b.ctx, b.repA, q, 0); err != nil || res.JumpTo != an.ID || len(res.Hits) != 0 {
			t.Errorf("Search(%q) = jump %d, %d hits, %v; want jump %d", q, res.JumpTo, len(res.Hits), err, an.ID)
		}
	}
	for _, q := range []string{fmt.Sprintf("#%d", hidden.ID), "999999", "#0"} {
		if res, err := b.store.Search(b.ctx, b.repA, q, 0); err != nil || res.JumpTo != 0 {
			t.Errorf("Search(%q) as rep A = jump %d, %v; want no jump", q, res.JumpTo, err)
		}
	}
	if res, _ := b.store.Search(b.ctx, b.repB, fmt.Sprint(hidden.ID), 0); res.JumpTo != hidden.ID {
		t.Errorf("Search(%d) as its team's rep = jump %d", hidden.ID, res.JumpTo)
	}

	// Customers: by email, by phone in any spelling, by a fuzzy name.
	customers := func(q string) []string {
		t.Helper()
		res, err := b.store.Search(b.ctx, b.repA, q, 0)
		if err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
		var out []string
		for _, c := range res.Customers {
			out = append(out, c.Name)
		}
		return out
	}
	for q, want := range map[string]string{
		"an.nguyen@example.vn": "Nguyễn Văn An",
		"AN.NGUYEN@example.vn": "Nguyễn Văn An",
		"+358 40 123 4567":     "Aino Virtanen",
		"+358-40-1234567":      "Aino Virtanen",
		"nguyen van":           "Nguyễn Văn An",
		"aino virtanen":        "Aino Virtanen",
		"virtanen aino":        "Aino Virtanen",
		"nguyen vann an":       "Nguyễn Văn An", // a misspelt whole name
		"nguyen":               "Nguyễn Văn An", // one word: part of a name
		"aino - virtanen":      "Aino Virtanen", // punctuation between the words
		"aino\u00a0virtanen":   "Aino Virtanen", // a no-break space
		"a. virtanen":          "Aino Virtanen", // an initial
		"virtanen, aino":       "Aino Virtanen",
		"ng. van an":           "Nguyễn Văn An",
	} {
		if got := customers(q); len(got) == 0 || got[0] != want {
			t.Errorf("Search(%q) customers = %q, want %q first", q, got, want)
		}
	}
	if got := customers("nobody@example.com"); len(got) != 0 {
		t.Errorf("unknown email found customers %q", got)
	}

	// Bad input is refused or ignored, never a server error.
	if res, err := b.store.Search(b.ctx, b.repA, "   ", 0); err != nil || len(res.Hits) != 0 {
		t.Errorf("blank search: %+v, %v", res, err)
	}
	wantField(t, func() error { _, err := b.store.Search(b.ctx, b.repA, strings.Repeat("a", 201), 0); return err }(), "q", "error_too_long")
	for _, q := range []string{"ti\x00laus", "ti\xfflaus", "a & b | !c", "'\"\\%_"} {
		if _, err := b.store.Search(b.ctx, b.repA, q, 0); err != nil && !isInvalid(err) {
			t.Errorf("Search(%q) = %v, want a result or invalid input", q, err)
		}
	}
}

func TestSuggestCustomers(t *testing.T) {
	b := setup(t)
	for _, c := range []tickets.Customer{
		{Name: "Nguyễn Văn An", Email: "an.nguyen@example.vn"},
		{Name: "Mai Trần", Phone: "+84901234567"},
		{Name: "100% Cotton Oy", Email: "sales@cotton.fi"},
		{Name: "a_b Shop"},
		{Name: "axb Shop"},
		{Name: `Back\slash Ltd`},
	} {
		ticketstest.Customer(b.ctx, t, b.db, c)
	}
	tests := []struct {
		q    string
		want []string
	}{
		{"nguy", []string{"Nguyễn Văn An"}},
		{"NGUYỄN", []string{"Nguyễn Văn An"}},
		{"van a", []string{"Nguyễn Văn An"}},
		{"AN.NGUYEN@EX", []string{"Nguyễn Văn An"}},
		{"an.nguyen@ex", []string{"Nguyễn Văn An"}},
		{"sales@", []string{"100% Cotton Oy"}},
		{"+849012", []string{"Mai Trần"}},
		{"+84 90 123", []string{"Mai Trần"}},
		{"tran", []string{"Mai Trần"}},
		{"100%", []string{"100% Cotton Oy"}},
		{"%%", nil},
		{"0%C", nil},
		{"a_b", []string{"a_b Shop"}},
		{"__", nil},
		{`k\s`, []string{`Back\slash Ltd`}},
		{"shop", []string{"a_b Shop", "axb Shop"}},
		{"x", nil},
		{" a ", nil},
	}
	for _, tc := range tests {
		got, err := b.store.SuggestCustomers(b.ctx, tc.q)
		if err != nil {
			t.Errorf("SuggestCustomers(%q): %v", tc.q, err)
			continue
		}
		var names []string
		for _, c := range got {
			names = append(names, c.Name)
		}
		slices.Sort(names)
		if !slices.Equal(names, tc.want) {
			t.Errorf("SuggestCustomers(%q) = %q, want %q", tc.q, names, tc.want)
		}
	}
	for _, q := range []string{"a\x00b", "a\xffb"} {
		if _, err := b.store.SuggestCustomers(b.ctx, q); err != nil && !isInvalid(err) {
			t.Errorf("SuggestCustomers(%q) = %v, want a result or invalid input", q, err)
		}
	}
}
