// Package nickname decides, on the server, which nicknames may be held and
// which of them name the same person: a nickname is enforced under the
// PRECIS Nickname profile (RFC 8266) and compared by its UTS #39 confusable
// skeleton, so that look-alikes of a held nick ("аlice" in Cyrillic,
// fullwidth "ａｌｉｃｅ", mathematical "𝐚𝐥𝐢𝐜𝐞") cannot be held beside it.
//
// Package app keeps the cheap checks the page runs itself
// ([tt.ValidateNick]); this package adds the Unicode tables, which the
// WebAssembly page does not carry.
package nickname

import (
	"strings"

	"github.com/mtibben/confusables"
	"golang.org/x/text/secure/precis"

	tt "tickertalk/app"
)

// Enforce returns nick in the form it is held and shown: the PRECIS
// Nickname profile's enforcement (width mapping, NFKC, spaces trimmed), for
// example "ａｌｉｃｅ" becomes "alice". It fails with a *[tt.InvalidError]
// of code [tt.CodeInvalidNick] when nick, before or after enforcement,
// breaks [tt.ValidateNick] or the profile refuses it (disallowed or
// invisible code points such as U+3164).
func Enforce(nick string) (string, error) {
	if err := tt.ValidateNick(nick); err != nil {
		return "", err
	}
	out, err := precis.Nickname.String(nick)
	if err != nil {
		return "", &tt.InvalidError{Code: tt.CodeInvalidNick, Msg: "nick holds a character that is not allowed in a nickname"}
	}
	if err := tt.ValidateNick(out); err != nil {
		return "", err
	}
	return out, nil
}

// Key is the uniqueness key of a nickname: two nicks with the same key look
// alike to the people reading the chat, so only one of them may be held at
// a time. It is the confusable skeleton (UTS #39, Unicode 13 data) of the
// PRECIS Nickname comparison form (case folded, NFKC), skeletonised until
// it no longer changes (at most twice: a skeleton may hold upper case).
// Key is deterministic and safe for concurrent use; for a nick that
// Enforce refuses it still returns a key (of its lower case), so that
// callers holding old records can release them.
func Key(nick string) string {
	k, err := precis.Nickname.CompareKey(nick)
	if err != nil {
		k = strings.ToLower(nick)
	}
	for range 2 {
		next := strings.ToLower(confusables.Skeleton(k))
		if next == k {
			break
		}
		k = next
	}
	return k
}
