package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// demoCanned are the demo desk's canned replies: everyday answers in the four
// languages, some for everyone and some for one team ("" is everyone).
var demoCanned = []struct {
	team string
	d    tickets.CannedDraft
}{
	{"", tickets.CannedDraft{Locale: "en", Title: "Delivery times",
		Body: "Hello {{customer_name}},\n\nThank you for your patience. Orders are delivered in 2–4 business days; " +
			"you will get a tracking link by email as soon as your parcel leaves our warehouse.\n\n" +
			"Your ticket number is {{ticket_number}}.\n\nBest regards,\n{{agent_name}}"}},
	{"", tickets.CannedDraft{Locale: "fi", Title: "Toimitusaika",
		Body: "Hei {{customer_name}},\n\nkiitos kärsivällisyydestäsi. Tilaukset toimitetaan 2–4 arkipäivässä, " +
			"ja saat seurantalinkin sähköpostiisi heti, kun paketti lähtee varastoltamme.\n\n" +
			"Tikettisi numero on {{ticket_number}}.\n\nYstävällisin terveisin\n{{agent_name}}"}},
	{"Billing", tickets.CannedDraft{Locale: "vi", Title: "Hoàn tiền",
		Body: "Chào {{customer_name}},\n\nChúng tôi đã xử lý yêu cầu hoàn tiền của anh/chị. " +
			"Tiền sẽ về phương thức thanh toán ban đầu trong vòng 5 ngày làm việc.\n\n" +
			"Mã phiếu hỗ trợ: {{ticket_number}}.\n\nTrân trọng,\n{{agent_name}}"}},
	{"Billing", tickets.CannedDraft{Locale: "hi", Title: "रिफ़ंड की जानकारी",
		Body: "नमस्ते {{customer_name}},\n\nआपका रिफ़ंड शुरू कर दिया गया है। राशि 5 कार्यदिवसों के भीतर " +
			"आपके मूल भुगतान माध्यम में वापस आ जाएगी।\n\nआपकी टिकट संख्या {{ticket_number}} है।\n\nधन्यवाद,\n{{agent_name}}"}},
	{"Technical", tickets.CannedDraft{Locale: "en", Title: "Reset a device",
		Body: "Hello {{customer_name}},\n\nPlease try a reset: switch the device off, hold the power button " +
			"for 10 seconds, then switch it on again. Your settings are kept.\n\n" +
			"If the problem continues, reply to this message (ticket {{ticket_number}}) and we will help further.\n\n{{agent_name}}"}},
	{"Technical", tickets.CannedDraft{Locale: "fi", Title: "Laitteen nollaus",
		Body: "Hei {{customer_name}},\n\nkokeile nollausta: sammuta laite, pidä virtapainiketta pohjassa " +
			"10 sekuntia ja käynnistä laite uudelleen. Asetuksesi säilyvät.\n\n" +
			"Jos ongelma jatkuu, vastaa tähän viestiin (tiketti {{ticket_number}}), niin autamme eteenpäin.\n\n{{agent_name}}"}},
}

// LoadCanned saves the demo canned replies, written by the demo supervisor,
// through the real code path (with their events). It does nothing when the
// desk already has canned replies, or before the demo staff exist.
func LoadCanned(ctx context.Context, db *pgxpool.Pool) error {
	var done bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM canned_replies)`).Scan(&done); err != nil || done {
		return err
	}
	var supID int64
	err := db.QueryRow(ctx, `SELECT coalesce((SELECT id FROM users WHERE email = $1), 0)`, supervisorEmail).Scan(&supID)
	if err != nil || supID == 0 {
		return err
	}
	all, err := staff.NewStore(db, time.Now).Teams(ctx)
	if err != nil {
		return fmt.Errorf("demo canned teams: %w", err)
	}
	teams := map[string]int64{}
	for _, t := range all {
		teams[t.Name] = t.ID
	}
	ts := tickets.NewStore(db, time.Now, "")
	sup := tickets.Actor{UserID: supID, SeeAll: true}
	for _, c := range demoCanned {
		d := c.d
		if c.team != "" {
			d.TeamID = teams[c.team] // 0 (everyone) if the team is missing
		}
		if _, err := ts.CreateCanned(ctx, sup, d); err != nil {
			return fmt.Errorf("demo canned reply %q: %w", d.Title, err)
		}
	}
	return nil
}
