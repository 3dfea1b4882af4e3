package app

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// InvalidError reports an input that breaks one of the rules below. Code is
// the [APIError] code the server answers with; Error is a sentence for people.
type InvalidError struct {
	Code string
	Msg  string
}

func (e *InvalidError) Error() string { return e.Msg }

func invalid(code, msg string) error { return &InvalidError{Code: code, Msg: msg} }

// ValidateRoom reports whether name is a room name: 1 to 32 characters of
// a-z, 0-9 and '-', not starting with '-'.
func ValidateRoom(name string) error {
	if name == "" {
		return invalid(CodeInvalidRoom, "room must not be empty")
	}
	if len(name) > MaxRoomLen {
		return invalid(CodeInvalidRoom, "room must be at most 32 characters")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0:
		default:
			return invalid(CodeInvalidRoom, "room may hold only a-z, 0-9 and '-', and must start with a letter or digit")
		}
	}
	return nil
}

// ValidateNick reports whether nick is a nickname: 1 to 24 letters (any
// script), digits, '_', '-' or '.', none of them invisible (a letter that
// is a default-ignorable code point, such as the Hangul filler U+3164,
// shows as nothing). These are the checks the page can run cheaply; the
// server also enforces the PRECIS Nickname profile and refuses look-alikes
// of held nicks (package nickname).
func ValidateNick(nick string) error {
	if nick == "" {
		return invalid(CodeInvalidNick, "nick must not be empty")
	}
	if !utf8.ValidString(nick) {
		return invalid(CodeInvalidNick, "nick must be valid UTF-8")
	}
	if utf8.RuneCountInString(nick) > MaxNickRunes {
		return invalid(CodeInvalidNick, "nick must be at most 24 characters")
	}
	for _, r := range nick {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' && r != '.' {
			return invalid(CodeInvalidNick, "nick may hold only letters, digits, '_', '-' and '.'")
		}
		if unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) {
			return invalid(CodeInvalidNick, "nick must not hold invisible characters")
		}
	}
	return nil
}

// NickKey folds the case of a nickname, for lists that must name each
// person once (presence): "Alice" and "alice" are the same person. Held
// nicks are unique under a stricter key (package nickname: look-alikes
// too), so two live nicks never share a NickKey.
func NickKey(nick string) string { return strings.ToLower(nick) }

// NormalizeText trims text and reports whether the result is a valid chat
// text: 1 to 2000 characters of valid UTF-8 with no control characters but
// newline and tab, and no bidirectional controls (see [IsBidiControl]),
// which would change how the rest of the page reads. CR LF and lone CR
// become LF first.
func NormalizeText(text string) (string, error) {
	if !utf8.ValidString(text) {
		return "", invalid(CodeInvalidText, "text must be valid UTF-8")
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	text = strings.TrimSpace(text)
	if text == "" {
		return "", invalid(CodeInvalidText, "text must not be empty")
	}
	if utf8.RuneCountInString(text) > MaxTextRunes {
		return "", invalid(CodeInvalidText, "text must be at most 2000 characters")
	}
	for _, r := range text {
		if r == '\n' || r == '\t' {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", invalid(CodeInvalidText, "text must not contain control characters")
		}
		if IsBidiControl(r) {
			return "", invalid(CodeInvalidText, "text must not contain bidirectional control characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C)")
		}
	}
	return text, nil
}

// IsBidiControl reports whether r is a bidirectional formatting character
// (Unicode's Bidi_Control property): the embeddings and overrides
// U+202A-U+202E, the isolates U+2066-U+2069, and the marks U+200E, U+200F
// and U+061C. An override in a message ("hello \u202egnp.exe") would make
// it read as something else ("hello exe.png").
func IsBidiControl(r rune) bool { return unicode.Is(unicode.Bidi_Control, r) }

// ValidateClientID reports whether id can serve as an idempotency key: 1 to
// 64 characters of letters, digits and '-' (a UUID fits).
func ValidateClientID(id string) error {
	if id == "" {
		return invalid(CodeInvalidClientID, "clientId must not be empty")
	}
	if len(id) > MaxClientIDLen {
		return invalid(CodeInvalidClientID, "clientId must be at most 64 characters")
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return invalid(CodeInvalidClientID, "clientId may hold only letters, digits and '-'")
		}
	}
	return nil
}

// Validate checks every field of r and returns it with its text normalised.
func (r SendRequest) Validate() (SendRequest, error) {
	if err := ValidateRoom(r.Room); err != nil {
		return r, err
	}
	text, err := NormalizeText(r.Text)
	if err != nil {
		return r, err
	}
	if err := ValidateClientID(r.ClientID); err != nil {
		return r, err
	}
	r.Text = text
	return r, nil
}
