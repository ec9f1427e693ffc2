package escalation

import (
	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/textcheck"
)

// maxNote is the longest escalation note, guidance or follow-up note, in
// characters.
const maxNote = 4000

// checkNote checks a note (several lines, at most maxNote characters, no
// control characters) and adds its problem to f under field.
func checkNote(f *apperr.Fields, field, note string, required bool) {
	textcheck.Field(f, field, note, textcheck.Lines, required, maxNote)
}

// noteError is checkNote for an action whose only text is the note: its
// Invalid error, or nil.
func noteError(field, note string) error {
	var f apperr.Fields
	checkNote(&f, field, note, true)
	return f.Err()
}

// checkName checks a one-line name (team, calendar, policy) of at most max
// characters and adds its problem to f under field.
func checkName(f *apperr.Fields, field, name string, required bool, max int) {
	textcheck.Field(f, field, name, textcheck.Line, required, max)
}

// checkSkill checks a team's skill: one line of at most maxSkillLen characters.
func checkSkill(f *apperr.Fields, skill string) {
	switch textcheck.Check(skill, textcheck.Line, false, maxSkillLen) {
	case textcheck.OK:
	case textcheck.TooLong:
		f.Add("skill", "error_skill_too_long")
	default:
		f.Add("skill", textcheck.Invalid.MsgID())
	}
}
