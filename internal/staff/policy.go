package staff

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// The password policy (OWASP ASVS 4, section 2.1): at least 12 characters,
// at most 128, any characters, no composition rules; not a known common or
// breached password, not one character or block repeated, not a plain
// sequence, not the member's own email or name. It applies wherever a
// password is set: creating staff (web and `loopdesk user add`), an admin's
// reset, and changing one's own.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 128
)

// commonPasswordsFile lists common passwords of 12 or more characters,
// lowercased and sorted; see its header for where it comes from.
//
//go:embed commonpasswords.txt
var commonPasswordsFile string

// commonPasswords is the list's lines, past the header.
var commonPasswords = sync.OnceValue(func() string {
	_, body, _ := strings.Cut(commonPasswordsFile, "\n\n")
	return strings.TrimSpace(body)
})

// isCommonPassword reports whether pw, ignoring ASCII case, is in the list:
// a binary search over the embedded lines themselves (a slice of the
// 44,000 lines would hold 0.7 MB of heap for the life of the process).
func isCommonPassword(pw string) bool {
	want, list := strings.ToLower(pw), commonPasswords()
	lo, hi := 0, len(list) // lo and hi are line starts (or the end)
	for lo < hi {
		mid := lo + (hi-lo)/2
		start := lo + strings.LastIndexByte(list[lo:mid], '\n') + 1
		end := strings.IndexByte(list[start:], '\n')
		if end < 0 {
			end = len(list)
		} else {
			end += start
		}
		switch c := strings.Compare(list[start:end], want); {
		case c == 0:
			return true
		case c < 0:
			lo = end + 1
		default:
			hi = start
		}
	}
	return false
}

// PasswordProblem returns the message id of the first rule pw breaks, or ""
// when it is acceptable. email and name are the member's (either may be
// empty).
func PasswordProblem(pw, email, name string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return "error_password_short"
	case n > MaxPasswordLen:
		return "trust_error_password_long"
	case isPattern(pw):
		return "trust_error_password_pattern"
	case isCommonPassword(pw):
		return "trust_error_password_common"
	case isPersonal(pw, email, name):
		return "trust_error_password_personal"
	}
	return ""
}

// isPattern reports whether pw is one block repeated ("aaaaaaaaaaaa",
// "abcabcabcabc", "passwordpassword") or a run along the alphabet, the
// digits or a keyboard row, either way ("123456789012", "qwertyuiopas").
func isPattern(pw string) bool {
	r := []rune(strings.ToLower(pw))
	for p := 1; p <= len(r)/2; p++ {
		if len(r)%p != 0 {
			continue
		}
		repeated := true
		for i := p; i < len(r) && repeated; i++ {
			repeated = r[i] == r[i-p]
		}
		if repeated {
			return true
		}
	}
	s := string(r)
	for _, run := range sequences {
		if strings.Contains(run, s) || strings.Contains(reverse(run), s) {
			return true
		}
	}
	return false
}

// sequences are runs a password must not be a piece of.
var sequences = []string{
	strings.Repeat("abcdefghijklmnopqrstuvwxyz", 6),
	strings.Repeat("0123456789", 14),
	strings.Repeat("qwertyuiop", 14), strings.Repeat("asdfghjkl", 15), strings.Repeat("zxcvbnm", 19),
	"qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
	"`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./",
}

func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

// isPersonal reports whether pw is the email address, its local part or the
// name, ignoring case and spaces.
func isPersonal(pw, email, name string) bool {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "")) }
	p := norm(pw)
	local, _, _ := strings.Cut(email, "@")
	for _, s := range []string{email, local, name} {
		if s = norm(s); s != "" && p == s {
			return true
		}
	}
	return false
}
