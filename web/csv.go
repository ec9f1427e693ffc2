package web

import (
	"encoding/csv"
	"io"
	"regexp"
	"strings"
)

// CSV downloads are opened in spreadsheets, which run a cell that starts
// with "=", "+", "-" or "@" (and, in some, a tab or carriage return) as a
// formula: a team or staff name like =HYPERLINK(...) would become a live link
// or worse on a supervisor's machine. Every cell of every CSV goes through
// csvCell.

// plainNumber matches a cell that is only a number ("-3", "12.5"): a
// spreadsheet reads it as that number and nothing else, so it keeps its sign.
var plainNumber = regexp.MustCompile(`^[-+]?[0-9]+(\.[0-9]+)?$`)

// csvCell returns s as a cell no spreadsheet runs as a formula: one that
// starts with a formula character is prefixed with a single quote, which
// spreadsheets show as text (and hide).
func csvCell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) || plainNumber.MatchString(s) {
		return s
	}
	return "'" + s
}

// writeCSV writes the header and rows to w as CSV, every cell through csvCell.
func writeCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	safe := func(row []string) []string {
		out := make([]string, len(row))
		for i, c := range row {
			out[i] = csvCell(c)
		}
		return out
	}
	if err := cw.Write(safe(header)); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(safe(r)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
