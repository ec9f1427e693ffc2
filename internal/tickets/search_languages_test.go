package tickets_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// TestSearchInFourLanguages is issue #11's search suite: each case of
// "search that finds" (stems, typos, a prefix being typed, the subject
// first, phones in any format, parts of an email, phone or name, ticket
// numbers in words, a found customer's tickets) in each of the desk's
// languages where it applies, on one desk, as a rep who must not see
// another team's ticket of the same customers and words. Vietnamese is
// searched with and without its diacritics, Finnish with and without ä/ö;
// Hindi in Devanagari. Vietnamese and Hindi are not stemmed (their words
// do not inflect so): their stem cases check the folded words instead.
func TestSearchInFourLanguages(t *testing.T) {
	b := setup(t)
	type desk map[string]int64
	d := desk{}
	create := func(key string, a tickets.Actor, n tickets.NewTicket) tickets.Ticket {
		tk := b.create(t, a, n)
		d[key] = tk.ID
		return tk
	}
	kettle := create("en kettle", b.repA, tickets.NewTicket{CustomerName: "John Smith", CustomerEmail: "john.smith.4711@example.com",
		CustomerPhone: "+44 20 7946 0958", CustomerLocale: "en",
		Subject: "Kettle stopped working", Body: "My kettle broke after two days. I would like a replacement."})
	create("en password", b.repA, tickets.NewTicket{CustomerName: "Mary Jones", CustomerLocale: "en",
		Subject: "Password reset email never came", Body: "I am locked out of my account and the reset link never arrived."})
	washer := create("fi washer", b.repA, tickets.NewTicket{CustomerName: "Aino Virtanen", CustomerEmail: "aino.virtanen@example.fi",
		CustomerPhone: "+358 40 123 4567", CustomerLocale: "fi",
		Subject: "Pesukoneen luukku jumissa", Body: "Uuden pesukoneen luukku ei aukea. Laskussa on virhe, odotan hyvitystä."})
	create("fi order", b.repA, tickets.NewTicket{CustomerName: "Eero Mäkinen", CustomerLocale: "fi",
		Subject: "Tilaus myöhässä", Body: "Tilaukseni on ollut matkalla jo viikon."})
	create("fi refund", b.repA, tickets.NewTicket{CustomerName: "Matti Nieminen", CustomerLocale: "fi",
		Subject: "Hyvitys puuttuu", Body: "Hyvityksen piti tulla viikossa."})
	an := create("vi order", b.repA, tickets.NewTicket{CustomerName: "Nguyễn Văn An", CustomerEmail: "an.nguyen.vn@example.vn",
		CustomerPhone: "+84 98 765 0001", CustomerLocale: "vi",
		Subject: "Đơn hàng giao chậm", Body: "Tôi là Nguyễn Văn An, đơn hàng của tôi chưa tới. Mã khuyến mãi không dùng được."})
	priya := create("hi order", b.repA, tickets.NewTicket{CustomerName: "प्रिया शर्मा", CustomerEmail: "priya.sharma.88@example.in",
		CustomerPhone: "+91 98765 43210", CustomerLocale: "hi",
		Subject: "मेरा ऑर्डर नहीं आया", Body: "कृपया मेरे ऑर्डर की स्थिति बताएं। मुझे रिफंड चाहिए।"})
	// Each customer's second ticket, and one of another team that holds the
	// same words: the rep sees neither the latter nor its words.
	for _, c := range []struct {
		lang    string
		of      tickets.Ticket
		subject string
	}{
		{"en", kettle, "Invoice question"}, {"fi", washer, "Laskun eräpäivä"}, {"vi", an, "Hóa đơn sai"}, {"hi", priya, "बिल में गलती"},
	} {
		create(c.lang+" second", b.repA, tickets.NewTicket{CustomerID: c.of.Customer.ID, Subject: c.subject, Body: c.subject + "."})
		create(c.lang+" hidden", b.repB, tickets.NewTicket{CustomerID: c.of.Customer.ID, Subject: c.of.Subject, Body: c.of.Subject + "."})
	}
	// Newer tickets that only mention a subject's words in their bodies,
	// over and over: the subject's ticket still comes first.
	for i, body := range []string{"The kettle, the kettle, the kettle again.", "Tilaus tilaus tilaus, missä tilaus on?",
		"Đơn hàng, đơn hàng, đơn hàng nữa.", "ऑर्डर ऑर्डर ऑर्डर फिर से।"} {
		for j := range 3 {
			create(fmt.Sprintf("mention %d %d", i, j), b.repA, tickets.NewTicket{CustomerName: fmt.Sprintf("Other %d %d", i, j),
				CustomerLocale: []string{"en", "fi", "vi", "hi"}[i], Subject: "Question", Body: body})
		}
	}

	type want int
	const (
		finds      want = iota // the tickets are among the hits
		exactly                // the hits are exactly the tickets
		first                  // the first ticket is the first hit
		jump                   // the search jumps to the ticket
		customerOf             // the ticket's customer is found and the hits are exactly the tickets
	)
	tests := []struct {
		what, lang, query string
		want              want
		tickets           []string
		corrected         string // the words searched instead, when a correction is expected
	}{
		// Stems: an inflected form finds another, in any place of the query
		// (the last word is also a prefix: a word before it is not).
		{"stem", "en", "kettles broke", exactly, []string{"en kettle"}, ""},
		{"stem", "en", "replace kettle", exactly, []string{"en kettle"}, ""},
		{"stem", "en", "replacements", exactly, []string{"en kettle"}, ""},
		{"stem", "fi", "pesukone luukku", exactly, []string{"fi washer"}, ""},
		{"stem", "fi", "lasku virhe", exactly, []string{"fi washer"}, ""},
		{"stem", "fi", "hyvitys odotan", exactly, []string{"fi washer"}, ""},
		{"stem", "fi", "hyvitysta odotan", exactly, []string{"fi washer"}, ""},
		{"stem", "fi", "tilaus matkalla", exactly, []string{"fi order"}, ""},
		{"stem", "fi", "tilauksen matkalla", exactly, []string{"fi order"}, ""},
		{"stem", "fi", "myöhässä tilaukset", exactly, []string{"fi order"}, ""},
		{"stem", "fi", "hyvitystä piti", exactly, []string{"fi refund"}, ""},
		{"stem", "fi", "hyvitystäni puuttuu", exactly, []string{"fi refund"}, ""},
		{"stem", "fi", "hyvitykseni puuttuu", exactly, []string{"fi refund"}, ""},
		{"stem", "fi", "hyvitys puuttuu", exactly, []string{"fi refund"}, ""},
		{"folded words", "vi", "don hang cham", exactly, []string{"vi order"}, ""},
		{"folded words", "vi", "đơn hàng chậm", exactly, []string{"vi order"}, ""},
		{"folded words", "vi", "khuyen mai", exactly, []string{"vi order"}, ""},
		{"folded words", "vi", "mã khuyễn mãi", exactly, []string{"vi order"}, ""}, // a wrong tone mark: folded away
		{"words", "hi", "ऑर्डर स्थिति", exactly, []string{"hi order"}, ""},
		{"words", "hi", "रिफंड", exactly, []string{"hi order"}, ""},
		// Typos: corrected from the desk's words, and said so.
		{"typo", "en", "passwrd", exactly, []string{"en password"}, "password"},
		{"typo", "en", "pasword reset", exactly, []string{"en password"}, "password reset"},
		{"typo", "en", "locked acount", exactly, []string{"en password"}, "locked account"},
		{"typo", "en", "kettel broke", exactly, []string{"en kettle"}, "kettle broke"},
		{"typo", "fi", "myöhäsä tilaus", finds, []string{"fi order"}, "myohassa tilaus"},
		{"typo", "fi", "hyvitystaa odotan", exactly, []string{"fi washer"}, "hyvitysta odotan"},
		{"typo", "vi", "ma khuyne mai", exactly, []string{"vi order"}, "ma khuyen mai"},
		{"typo", "hi", "रिफ़ंड", exactly, []string{"hi order"}, "रिफंड"},
		// The last word is a prefix while it is being typed.
		{"prefix", "en", "kettle sto", exactly, []string{"en kettle"}, ""},
		{"prefix", "fi", "pesukoneen luu", exactly, []string{"fi washer"}, ""},
		{"prefix", "fi", "tilaus myöh", exactly, []string{"fi order"}, ""},
		{"prefix", "vi", "nguyen van a", finds, []string{"vi order"}, ""},
		{"prefix", "vi", "nguyễn văn a", finds, []string{"vi order"}, ""},
		{"prefix", "hi", "ऑर्डर स्थि", exactly, []string{"hi order"}, ""},
		// The subject above words repeated in newer bodies.
		{"subject first", "en", "kettle", first, []string{"en kettle"}, ""},
		{"subject first", "fi", "tilaus", first, []string{"fi order"}, ""},
		{"subject first", "vi", "don hang", first, []string{"vi order"}, ""},
		{"subject first", "hi", "ऑर्डर", first, []string{"hi order"}, ""},
		// Phones in any format: the customer and their tickets the rep sees.
		{"phone", "en", "+44 20 7946 0958", customerOf, []string{"en kettle", "en second"}, ""},
		{"phone", "en", "0044 20 7946 0958", customerOf, []string{"en kettle", "en second"}, ""},
		{"phone", "fi", "040 123 4567", customerOf, []string{"fi washer", "fi second"}, ""},
		{"phone", "fi", "0401234567", customerOf, []string{"fi washer", "fi second"}, ""},
		{"phone", "fi", "358401234567", customerOf, []string{"fi washer", "fi second"}, ""},
		{"phone", "fi", "+358 40 123 4567", customerOf, []string{"fi washer", "fi second"}, ""},
		{"phone", "vi", "+84 98 765 0001", customerOf, []string{"vi order", "vi second"}, ""},
		{"phone", "vi", "0084 98 765 0001", customerOf, []string{"vi order", "vi second"}, ""},
		{"phone", "vi", "84987650001", customerOf, []string{"vi order", "vi second"}, ""},
		{"phone", "hi", "+91 98765 43210", customerOf, []string{"hi order", "hi second"}, ""},
		{"phone", "hi", "919876543210", customerOf, []string{"hi order", "hi second"}, ""},
		{"phone", "hi", "0091 98765 43210", customerOf, []string{"hi order", "hi second"}, ""},
		// Parts of an email, a phone or a name.
		{"fragment", "en", "smith.4711", customerOf, []string{"en kettle", "en second"}, ""},
		{"fragment", "en", "7946 0958", customerOf, []string{"en kettle", "en second"}, ""},
		{"fragment", "fi", "aino.virt", customerOf, []string{"fi washer", "fi second"}, ""},
		{"fragment", "fi", "123 4567", customerOf, []string{"fi washer", "fi second"}, ""},
		{"fragment", "fi", "virtan", customerOf, []string{"fi washer", "fi second"}, ""},
		{"fragment", "vi", "nguyen.vn@", customerOf, []string{"vi order", "vi second"}, ""},
		{"fragment", "vi", "765 0001", customerOf, []string{"vi order", "vi second"}, ""},
		{"fragment", "vi", "văn an", finds, []string{"vi order", "vi second"}, ""},
		{"fragment", "hi", "sharma.88", customerOf, []string{"hi order", "hi second"}, ""},
		{"fragment", "hi", "98765 43210", customerOf, []string{"hi order", "hi second"}, ""},
		{"fragment", "hi", "शर्मा", customerOf, []string{"hi order", "hi second"}, ""},
		// A whole email lists the customer's tickets the rep may see.
		{"customer's email", "en", "john.smith.4711@example.com", customerOf, []string{"en kettle", "en second"}, ""},
		{"customer's email", "fi", "Aino.Virtanen@example.fi", customerOf, []string{"fi washer", "fi second"}, ""},
		{"customer's email", "vi", "an.nguyen.vn@example.vn", customerOf, []string{"vi order", "vi second"}, ""},
		{"customer's email", "hi", "priya.sharma.88@example.in", customerOf, []string{"hi order", "hi second"}, ""},
		// A ticket number with the word for a ticket.
		{"ticket number", "en", "ticket %d", jump, []string{"en kettle"}, ""},
		{"ticket number", "en", "Ticket no. %d", jump, []string{"en kettle"}, ""},
		{"ticket number", "fi", "tiketti %d", jump, []string{"fi washer"}, ""},
		{"ticket number", "fi", "tiketin nro %d", jump, []string{"fi washer"}, ""},
		{"ticket number", "vi", "phiếu %d", jump, []string{"vi order"}, ""},
		{"ticket number", "vi", "phieu so %d", jump, []string{"vi order"}, ""},
		{"ticket number", "hi", "टिकट %d", jump, []string{"hi order"}, ""},
		{"ticket number", "hi", "टिकट नंबर %d", jump, []string{"hi order"}, ""},
	}
	hidden := map[int64]bool{}
	for k, id := range d {
		if strings.HasSuffix(k, " hidden") {
			hidden[id] = true
		}
	}
	for _, tc := range tests {
		var ids []int64
		for _, k := range tc.tickets {
			id, ok := d[k]
			if !ok {
				t.Fatalf("no ticket %q", k)
			}
			ids = append(ids, id)
		}
		q := tc.query
		if tc.want == jump {
			q = fmt.Sprintf(q, ids[0])
		}
		name := fmt.Sprintf("%s (%s) %q", tc.what, tc.lang, q)
		res := b.search(t, b.repA, q)
		got := hitIDs(res)
		for _, id := range got {
			if hidden[id] {
				t.Errorf("%s: lists ticket %d of another team", name, id)
			}
		}
		switch tc.want {
		case finds:
			for _, id := range ids {
				if !slices.Contains(got, id) {
					t.Errorf("%s = %v, want %d among them", name, got, id)
				}
			}
		case exactly:
			if !slices.Equal(sorted(got), sorted(ids)) {
				t.Errorf("%s = %v, want %v", name, got, ids)
			}
		case first:
			if len(got) < 4 || got[0] != ids[0] {
				t.Errorf("%s = %v, want %d first of 4 or more", name, got, ids[0])
			}
		case jump:
			if res.JumpTo != ids[0] {
				t.Errorf("%s jumps to %d, want %d", name, res.JumpTo, ids[0])
			}
		case customerOf:
			want := b.get(t, ids[0]).Customer.ID
			if len(res.Customers) != 1 || res.Customers[0].ID != want || !slices.Equal(sorted(got), sorted(ids)) {
				t.Errorf("%s = customers %+v, hits %v; want customer %d and tickets %v", name, res.Customers, got, want, ids)
			}
		}
		if tc.corrected != "" && (!res.Corrected || res.Searched != tc.corrected) {
			t.Errorf("%s: corrected %v to %q, want %q", name, res.Corrected, res.Searched, tc.corrected)
		}
		if tc.corrected == "" && res.Corrected {
			t.Errorf("%s: corrected to %q, want the words as typed", name, res.Searched)
		}
	}
}

// TestSearchFindsANameAfterATitle: a rep who types a customer's name as a
// letter or a call gives it ("Mr John Smith", "rouva Aino Virtanen", "ông
// Nguyễn Văn An", "श्रीमती प्रिया शर्मा", "Priya Sharma ji") finds the
// customer and their tickets: a title before the name, or an honorific
// after it, is not a word of the name. A name that holds the word is still
// found first ("Anh Trần" for "anh tran"); any other extra word ("john
// smith kettle") is a word to search, not a name.
func TestSearchFindsANameAfterATitle(t *testing.T) {
	b := setup(t)
	john := b.create(t, b.repA, tickets.NewTicket{CustomerName: "John Smith", CustomerLocale: "en", Subject: "Kettle stopped working", Body: "It broke."})
	aino := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Aino Virtanen", CustomerLocale: "fi", Subject: "Pesukone rikki", Body: "Hei."})
	an := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Nguyễn Văn An", CustomerLocale: "vi", Subject: "Đơn hàng", Body: "Chưa tới."})
	priya := b.create(t, b.repA, tickets.NewTicket{CustomerName: "प्रिया शर्मा", CustomerLocale: "hi", Subject: "ऑर्डर", Body: "नहीं आया।"})
	priyaLatin := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Priya Sharma", CustomerLocale: "hi", Subject: "Order", Body: "Late."})
	anhTran := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Anh Trần", CustomerLocale: "vi", Subject: "Hóa đơn", Body: "Sai."})
	tran := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Trần Thị Mai", CustomerLocale: "vi", Subject: "Giao hàng", Body: "Chậm."})
	hang := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Lê Thị Hằng", CustomerLocale: "vi", Subject: "Đổi trả", Body: "Hàng lỗi."})
	for q, want := range map[string]tickets.Ticket{
		"mr john smith":       john,
		"Mr. John Smith":      john,
		"Dear Mr Smith":       john,
		"dr smith":            john,
		"herra john smith":    john,
		"rouva Aino Virtanen": aino,
		"Hyvä Aino Virtanen":  aino,
		"ông Nguyễn Văn An":   an,
		"anh nguyen van an":   an,
		"chị Trần Thị Mai":    tran,
		"श्रीमती प्रिया शर्मा": priya,
		"प्रिया शर्मा जी":      priya,
		"श्री प्रिया शर्मा जी": priya,
		"Smt. Priya Sharma": priyaLatin,
		"Priya Sharma ji":   priyaLatin,
		"bạn Hằng":          hang,
		"anh tran":          anhTran, // a name that holds the word comes first
	} {
		res := b.search(t, b.repA, q)
		if len(res.Customers) == 0 || res.Customers[0].ID != want.Customer.ID || !slices.Contains(hitIDs(res), want.ID) {
			t.Errorf("Search(%q) = customers %+v, hits %v; want %q and ticket %d", q, res.Customers, hitIDs(res), want.Customer.Name, want.ID)
		}
	}
	for _, q := range []string{"mr xavier smith", "john smith kettle", "mr", "mr dr", "ông bà",
		// Folded, "bán" (to sell) and "chỉ" (only) would be "ban" and
		// "chi": they are words of a search, not titles.
		"bán hàng", "ban hang", "chỉ hằng"} {
		if res := b.search(t, b.repA, q); len(res.Customers) != 0 {
			t.Errorf("Search(%q) found customers %+v", q, res.Customers)
		}
	}
}

// TestSearchCorrectsShortWords: a typo in a short word leaves it few
// trigrams in common with the word meant ("hnag" and "hang" share one of
// five), so pg_trgm alone does not find it; Vietnamese words are short. A
// rare word of up to 5 letters is also corrected to the listed words one
// edit away: two letters swapped, one left out, one too many or one
// wrong.
func TestSearchCorrectsShortWords(t *testing.T) {
	b := setup(t)
	giao := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Trần Thị Mai", CustomerLocale: "vi",
		Subject: "Giao hàng chậm", Body: "Đơn hàng của tôi chưa tới."})
	for range 2 {
		b.create(t, b.repA, tickets.NewTicket{CustomerName: "Lê Văn Nam", CustomerLocale: "vi", Subject: "Đổi hàng", Body: "Hàng bị lỗi."})
	}
	lock := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Mary Jones", CustomerLocale: "en",
		Subject: "Login locked", Body: "My login is locked after three tries."})
	fi := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Aino Virtanen", CustomerLocale: "fi",
		Subject: "Kenkä rikki", Body: "Vasen kenkä hajosi."})
	for q, want := range map[string]struct {
		searched string
		ids      []int64
	}{
		"giao hnag":   {"giao hang", []int64{giao.ID}}, // swapped
		"hnag cham":   {"hang cham", []int64{giao.ID}},
		"giao hng":    {"giao hang", []int64{giao.ID}}, // left out
		"giaao hang":  {"giao hang", []int64{giao.ID}}, // one too many
		"gioa hang":   {"giao hang", []int64{giao.ID}},
		"don hagn":    {"don hang", []int64{giao.ID}},
		"lgoin lockd": {"login locked", []int64{lock.ID}},
		"kneka rikki": {"kenka rikki", []int64{fi.ID}},
	} {
		res := b.search(t, b.repA, q)
		if !res.Corrected || res.Searched != want.searched || !slices.Equal(sorted(hitIDs(res)), sorted(want.ids)) {
			t.Errorf("Search(%q) = corrected %v to %q, hits %v; want %q, %v", q, res.Corrected, res.Searched, hitIDs(res), want.searched, want.ids)
		}
	}
	// A word two edits from any listed word stays as typed.
	if res := b.search(t, b.repA, "giao xqzh"); res.Corrected {
		t.Errorf("Search(giao xqzh) corrected to %q", res.Searched)
	}
}

func TestOneEditAway(t *testing.T) {
	got := tickets.OneEditAway("hnag")
	for _, w := range []string{"hang", "nhag", "hnga", "hag", "nag", "hng", "hna", "hnang", "hnagx", "ahnag", "hnog", "bnag"} {
		if !slices.Contains(got, w) {
			t.Errorf("OneEditAway(hnag) lacks %q", w)
		}
	}
	seen := map[string]bool{}
	for _, w := range got {
		if seen[w] || w == "hnag" || len([]rune(w)) < 3 || tickets.EditDistance("hnag", w) != 1 {
			t.Errorf("OneEditAway(hnag) holds %q", w)
		}
		seen[w] = true
	}
	if got := tickets.OneEditAway("kettle"); got != nil {
		t.Errorf("OneEditAway(kettle) = %d words, want none: trigrams find its typos", len(got))
	}
	// Devanagari: swapped or left out, never a Latin letter.
	got = tickets.OneEditAway("रिफंड")
	if !slices.Contains(got, "रफिंड") || !slices.Contains(got, "रिफड") || slices.ContainsFunc(got, func(w string) bool { return strings.ContainsAny(w, "abcxyz") }) {
		t.Errorf("OneEditAway(रिफंड) = %q", got)
	}
}
