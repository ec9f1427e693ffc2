package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/announce"
	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/staff"
)

// demoComments are what customers write beside a rating, in their language.
var demoComments = map[string]map[string][]string{
	"good": {
		"en": {"Quick and friendly, thank you!", "Sorted out in one call.", ""},
		"fi": {"Nopeaa ja ystävällistä palvelua, kiitos!", "Asia hoitui yhdellä soitolla.", ""},
		"vi": {"Nhân viên hỗ trợ rất nhiệt tình, cảm ơn!", "Giải quyết nhanh gọn.", ""},
		"hi": {"बहुत जल्दी मदद मिली, धन्यवाद!", "एक ही कॉल में समस्या हल हो गई।", ""},
	},
	"bad": {
		"en": {"I had to explain everything twice.", "It took far too long."},
		"fi": {"Jouduin selittämään kaiken kahteen kertaan.", "Kesti aivan liian kauan."},
		"vi": {"Tôi phải giải thích lại hai lần.", "Chờ quá lâu mới được xử lý."},
		"hi": {"मुझे सब कुछ दो बार समझाना पड़ा।", "बहुत ज़्यादा समय लगा।"},
	},
}

// LoadFeedback answers the CSAT survey of about half the demo desk's solved
// tickets (mostly good, a few bad — each bad one notifies the owner and their
// supervisor and opens a follow-up, through the real code path, answered a
// few hours after the solve) and posts two team announcements. It does
// nothing the second time.
func LoadFeedback(ctx context.Context, db *pgxpool.Pool, esc *escalation.Service, st *staff.Store, baseURL string) error {
	var done bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM csat_responses) OR EXISTS (SELECT 1 FROM announcements)`).Scan(&done); err != nil || done {
		return err
	}
	rows, err := db.Query(ctx, `
SELECT t.id, t.solved_at, c.locale
FROM tickets t JOIN customers c ON c.id = t.customer_id
WHERE t.solved_at IS NOT NULL AND t.status IN ('solved', 'closed')
ORDER BY t.id`)
	if err != nil {
		return fmt.Errorf("demo solved tickets: %w", err)
	}
	type solved struct {
		id     int64
		at     time.Time
		locale string
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (solved, error) {
		var s solved
		return s, r.Scan(&s.id, &s.at, &s.locale)
	})
	if err != nil {
		return fmt.Errorf("demo solved tickets: %w", err)
	}
	r := rand.New(rand.NewPCG(7, 11)) // the same desk every time
	var answered time.Time            // the store's clock: each answer's own time
	store := csat.NewStore(db, esc, func() time.Time { return answered }, baseURL)
	bad := 0
	for _, t := range list {
		if r.IntN(100) >= 55 {
			continue // most customers never answer
		}
		rating := "good"
		if r.IntN(100) < 12 && bad < 6 {
			rating, bad = "bad", bad+1
		}
		comments := demoComments[rating][t.locale]
		a := csat.Answer{Rating: rating, Comment: pickOf(r, comments)}
		if rating == "bad" {
			a.Reason = pickOf(r, []string{"speed", "communication"})
		} else if r.IntN(2) == 0 {
			a.Reason = pickOf(r, []string{"speed", "solution", "staff"})
		}
		answered = t.at.Add(time.Duration(1+r.IntN(20)) * time.Hour)
		if answered.After(time.Now()) {
			answered = time.Now()
		}
		if _, err := store.Answer(ctx, t.id, a); err != nil {
			return fmt.Errorf("demo csat answer of ticket %d: %w", t.id, err)
		}
	}
	return postAnnouncements(ctx, db, st)
}

func postAnnouncements(ctx context.Context, db *pgxpool.Pool, st *staff.Store) error {
	var supID, deliveryID int64
	if err := db.QueryRow(ctx, `
SELECT (SELECT id FROM users WHERE email = $1), (SELECT id FROM teams WHERE name = 'Delivery')`, supervisorEmail).Scan(&supID, &deliveryID); err != nil {
		return fmt.Errorf("demo announcement author: %w", err)
	}
	sup, err := st.Get(ctx, supID)
	if err != nil {
		return err
	}
	news := announce.NewStore(db, time.Now)
	for _, d := range []announce.Draft{
		{Title: "Returns: 60 days from December", Body: "From 1 December customers may return unused items within 60 days. " +
			"Refunds go back to the original payment method within 5 business days; tell the customer the date."},
		{TeamID: deliveryID, Title: "Courier strike on Friday", Body: "Parcels booked for Friday arrive on Monday. " +
			"Tell callers before they ask, offer a pick-up point, and tag the ticket 'strike'."},
	} {
		if _, err := news.Post(ctx, sup, d); err != nil {
			return fmt.Errorf("demo announcement: %w", err)
		}
	}
	return nil
}
