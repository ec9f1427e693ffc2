package staff

import (
	"context"
	"strings"
	"testing"
)

func TestPasswordProblem(t *testing.T) {
	tests := []struct {
		pw, email, name string
		want            string
	}{
		{"correct horse battery", "", "", ""},
		{"Grüße aus Jyväskylä", "", "", ""},  // any characters
		{"tämä on hyvä lause", "", "", ""},   // no composition rules
		{"lowercase only words", "", "", ""}, //
		{"short pass", "", "", "error_password_short"},
		{"elevenchars", "", "", "error_password_short"}, // 11
		{"पासवर्डपासवर्डछोटा", "", "", ""},              // 18 runes
		{"पासवर्ड", "", "", "error_password_short"},     // 7 runes, 21 bytes
		{strings.Repeat("x", 64) + "a long tail of words", "", "", ""},
		{strings.Repeat("ab1 ", 33), "", "", "trust_error_password_long"},
		{"aaaaaaaaaaaa", "", "", "trust_error_password_pattern"},
		{"abcabcabcabc", "", "", "trust_error_password_pattern"},
		{"PasswordPassword", "", "", "trust_error_password_pattern"},
		{"123456789012", "", "", "trust_error_password_pattern"},
		{"abcdefghijklmn", "", "", "trust_error_password_pattern"},
		{"zyxwvutsrqpo", "", "", "trust_error_password_pattern"},
		{"qwertyuiopasdf", "", "", "trust_error_password_pattern"},
		{"1qaz2wsx3edc4rfv", "", "", "trust_error_password_pattern"},
		{"qwerty123456", "", "", "trust_error_password_common"},
		{"iloveyou1234", "", "", "trust_error_password_common"},
		{"Iloveyou1234", "", "", "trust_error_password_common"}, // case does not help
		{"password1234", "", "", "trust_error_password_common"},
		{"anna.virtanen@example.com", "Anna.Virtanen@example.com", "Anna Virtanen", "trust_error_password_personal"},
		{"annavirtanen", "anna@example.com", "Anna Virtanen", "trust_error_password_personal"},
		{"anna.virtanen", "anna.virtanen@example.com", "", "trust_error_password_personal"},
		{"anna virtanen loves tea", "anna.virtanen@example.com", "Anna Virtanen", ""},
	}
	for _, tc := range tests {
		if got := PasswordProblem(tc.pw, tc.email, tc.name); got != tc.want {
			t.Errorf("PasswordProblem(%q) = %q, want %q", tc.pw, got, tc.want)
		}
	}
	list := strings.Split(commonPasswords(), "\n")
	if n := len(list); n < 40000 {
		t.Fatalf("only %d common passwords loaded", n)
	}
	listed := make(map[string]bool, len(list))
	for _, pw := range list {
		listed[pw] = true
	}
	// Every line is found, and nothing between two lines is.
	for i, pw := range list {
		if !isCommonPassword(pw) {
			t.Fatalf("%q from the list is not found", pw)
		}
		for _, near := range []string{pw + "!", pw[:len(pw)-1], "~" + pw} {
			if isCommonPassword(near) != listed[near] {
				t.Fatalf("%q (near line %d) found: %v, listed: %v", near, i, !listed[near], listed[near])
			}
		}
	}
}

// Every place a password is set applies the policy.
func TestPasswordPolicyEverywhere(t *testing.T) {
	s, _, users := newTokenStore(t)
	ctx := context.Background()
	rep, admin := users[RoleRep], users[RoleAdmin]
	const common = "qwerty123456"
	tests := []struct {
		name  string
		set   func(pw string) error
		field string
	}{
		{"create", func(pw string) error {
			_, err := s.Create(ctx, admin.ID, NewUser{Email: "new@example.com", Name: "New Member", Role: RoleRep, Password: pw})
			return err
		}, "password"},
		{"admin reset", func(pw string) error {
			e := editOf(rep)
			e.Password = pw
			_, err := s.Update(ctx, admin.ID, rep.ID, e)
			return err
		}, "password"},
		{"own change", func(pw string) error {
			return s.ChangePassword(ctx, users[RoleSenior].ID, "long enough password", pw)
		}, "new_password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantFields(t, tc.set(common), map[string]string{tc.field: "trust_error_password_common"})
			wantFields(t, tc.set("elevenchars"), map[string]string{tc.field: "error_password_short"})
			wantFields(t, tc.set("aaaaaaaaaaaaaaaa"), map[string]string{tc.field: "trust_error_password_pattern"})
		})
	}
	// The reset checks the member's own email, which the form does not carry.
	e := editOf(rep)
	e.Password = "REP@example.com"
	_, err := s.Update(ctx, admin.ID, rep.ID, e)
	wantFields(t, err, map[string]string{"password": "trust_error_password_personal"})
}
