package tickets_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// TestSearchProbe is the multilingual probe of issue #11: eight tickets in
// English, Finnish, Vietnamese and Hindi and 26 queries a rep would type,
// each with the ticket it should find (first, for "tilaus"). It logs how
// many queries find what they should and fails on every one that does not.
// It uses only Search's first page, so it runs unchanged on older code to
// measure it.
func TestSearchProbe(t *testing.T) {
	b := setup(t)
	kettle := b.create(t, b.repA, tickets.NewTicket{CustomerName: "John Smith", CustomerEmail: "john.smith.4711@example.com", CustomerLocale: "en",
		Subject: "Kettle stopped working", Body: "My kettle broke after two days. I would like a replacement."})
	password := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Mary Jones", CustomerLocale: "en",
		Subject: "Password reset email never came", Body: "I am locked out of my account and the reset link never arrived."})
	washer := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Aino Virtanen", CustomerPhone: "+358 40 123 4567", CustomerLocale: "fi",
		Subject: "Pesukoneen luukku jumissa", Body: "Uuden pesukoneen luukku ei aukea. Äiti odottaa vastausta."})
	order := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Eero Mäkinen", CustomerLocale: "fi",
		Subject: "Tilaus myöhässä", Body: "Tilaukseni on ollut matkalla jo viikon."})
	invoice := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Liisa Korhonen", CustomerLocale: "fi",
		Subject: "Laskussa väärä summa", Body: "Tilaus tuli, mutta tilaus laskutettiin kahdesti. Tilaus numero 5531. Odotan hyvitystä."})
	parcel := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Matti Nieminen", CustomerLocale: "fi",
		Subject: "Paketti kadonnut", Body: "Tilaus ei tullut. Tilaus oli lahja. Tilaus, tilaus, tilaus: missä on tilaus?"})
	vietnamese := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Nguyễn Văn An", CustomerLocale: "vi",
		Subject: "Đơn hàng giao chậm", Body: "Tôi là Nguyễn Văn An, đơn hàng của tôi chưa tới."})
	hindi := b.create(t, b.repA, tickets.NewTicket{CustomerName: "प्रिया शर्मा", CustomerLocale: "hi",
		Subject: "मेरा ऑर्डर नहीं आया", Body: "कृपया मेरे ऑर्डर की स्थिति बताएं।"})

	type probe struct {
		query string
		want  int64
		first bool // want must be the first hit
		jump  bool // want is a jump to the ticket
	}
	id := func(n int64) string { return fmt.Sprint(n) }
	probes := []probe{
		{query: "pesukone", want: washer.ID},
		{query: "lasku", want: invoice.ID},
		{query: "hyvitys", want: invoice.ID},
		{query: "kettles", want: kettle.ID},
		{query: "replace", want: kettle.ID},
		{query: "passwrd", want: password.ID},
		{query: "pasword reset", want: password.ID},
		{query: "kettel", want: kettle.ID},
		{query: "myohasa", want: order.ID},
		{query: "locked acount", want: password.ID},
		{query: "nguyen van", want: vietnamese.ID},
		{query: "nguyen van a", want: vietnamese.ID},
		{query: "tilaus", want: order.ID, first: true},
		{query: "040 123 4567", want: washer.ID},
		{query: "0401234567", want: washer.ID},
		{query: "358401234567", want: washer.ID},
		{query: "smith.4711", want: kettle.ID},
		{query: "john.smith.4711@example.com", want: kettle.ID},
		{query: "aiti", want: washer.ID},
		{query: "don hang", want: vietnamese.ID},
		{query: "ऑर्डर", want: hindi.ID},
		{query: "#" + id(parcel.ID), want: parcel.ID, jump: true},
		{query: "ticket " + id(kettle.ID), want: kettle.ID, jump: true},
		{query: "tiketti " + id(washer.ID), want: washer.ID, jump: true},
		{query: "phiếu " + id(vietnamese.ID), want: vietnamese.ID, jump: true},
		{query: "टिकट " + id(hindi.ID), want: hindi.ID, jump: true},
	}
	found := 0
	for _, p := range probes {
		res, err := b.store.Search(b.ctx, b.repA, p.query, 0)
		if err != nil {
			t.Errorf("Search(%q): %v", p.query, err)
			continue
		}
		var ids []int64
		for _, h := range res.Hits {
			ids = append(ids, h.Ticket.ID)
		}
		var ok bool
		switch {
		case p.jump:
			ok = res.JumpTo == p.want
		case p.first:
			ok = len(ids) > 0 && ids[0] == p.want
		default:
			ok = slices.Contains(ids, p.want)
		}
		if ok {
			found++
		} else {
			t.Errorf("Search(%q) = hits %v, jump %d; want ticket %d", p.query, ids, res.JumpTo, p.want)
		}
	}
	t.Logf("search probe: %d of %d queries find what they should", found, len(probes))
}
