package nickname

import (
	"errors"
	"testing"

	tt "tickertalk/app"
)

// TestKeyLookAlikes: every look-alike of "alice" listed in issue 7 has
// alice's key, and nicks that only share letters with it do not.
func TestKeyLookAlikes(t *testing.T) {
	want := Key("alice")
	for _, tc := range []struct {
		name, nick string
		same       bool
	}{
		{"case", "ALICE", true},
		{"cyrillic a", "\u0430lice", true},
		{"fullwidth", "ａｌｉｃｅ", true},
		{"mathematical bold", "𝐚𝐥𝐢𝐜𝐞", true},
		{"greek capital alpha", "\u0391lice", true},
		{"digit one for l", "a1ice", true},
		{"another name", "alicia", false},
		{"accented", "alicé", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Key(tc.nick) == want; got != tc.same {
				t.Errorf("Key(%q) = %q, Key(alice) = %q: same %v, want %v", tc.nick, Key(tc.nick), want, got, tc.same)
			}
		})
	}
}

func TestEnforce(t *testing.T) {
	for _, tc := range []struct {
		name, nick, want string
		ok               bool
	}{
		{"ascii", "alice", "alice", true},
		{"latin with diaeresis", "Zoë", "Zoë", true},
		{"han", "山田", "山田", true},
		{"cyrillic", "Борис", "Борис", true},
		{"fullwidth is folded to its plain form", "ａｌｉｃｅ", "alice", true},
		{"mathematical letters are folded", "𝐚𝐥𝐢𝐜𝐞", "alice", true},
		{"hangul filler alone", "\u3164", "", false},
		{"hangul filler after a name", "alice\u3164", "", false},
		{"halfwidth hangul filler", "bob\uFFA0", "", false},
		{"zero width joiner", "al\u200dice", "", false},
		{"space", "a b", "", false},
		{"empty", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Enforce(tc.nick)
			if !tc.ok {
				var ie *tt.InvalidError
				if !errors.As(err, &ie) || ie.Code != tt.CodeInvalidNick {
					t.Fatalf("Enforce(%q) = %q, %v; want an invalid_nick error", tc.nick, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Enforce(%q) = %q, %v; want %q", tc.nick, got, err, tc.want)
			}
		})
	}
}
