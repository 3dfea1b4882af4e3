package components

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	tt "tickertalk/app"
)

// maxUnread bounds the unread ids kept per room; the count shows "99+"
// beyond it.
const maxUnread = 99

// unreadRoom is what the browser keeps of one room's unread messages:
// those newer than the newest message a tab showed (Read), by others.
// Ids are kept rather than counted, so that the same message counted by
// several tabs, or replayed after a reconnect, counts once.
type unreadRoom struct {
	Read     string   `json:"read,omitempty"`
	IDs      []string `json:"ids,omitempty"`      // ascending, each newer than Read
	Mentions []string `json:"mentions,omitempty"` // those of IDs that mention us
}

// unreadState is the unread messages of every room, shared by the tabs
// of the browser in localStorage. Its methods return a new state and
// modify neither the receiver nor their arguments.
type unreadState map[string]unreadRoom

// add counts the messages of room among msgs that are not by nick and
// newer than what was read; those that mention nick count as mentions too.
func (u unreadState) add(msgs []tt.ChatMessage, nick string) unreadState {
	out := u.clone()
	for _, m := range msgs {
		r := out[m.Room]
		if m.ID == "" || (nick != "" && m.Nick == nick) || !idLess(r.Read, m.ID) || slices.Contains(r.IDs, m.ID) {
			continue
		}
		r.IDs = insertID(slices.Clone(r.IDs), m.ID)
		if mentions(m.Text, nick) {
			r.Mentions = insertID(slices.Clone(r.Mentions), m.ID)
		}
		if len(r.IDs) > maxUnread {
			r.IDs = r.IDs[len(r.IDs)-maxUnread:]
			r.Mentions = slices.DeleteFunc(r.Mentions, func(id string) bool { return idLess(id, r.IDs[0]) })
		}
		out[m.Room] = r
	}
	return out
}

// read marks everything in room up to id, and every message it counted,
// as read: the room is on screen.
func (u unreadState) read(room, id string) unreadState {
	out := u.clone()
	r := out[room]
	for _, c := range []string{id, lastOf(r.IDs)} {
		if idLess(r.Read, c) {
			r.Read = c
		}
	}
	if r.Read == "" {
		delete(out, room)
		return out
	}
	out[room] = unreadRoom{Read: r.Read}
	return out
}

// forget drops room (left).
func (u unreadState) forget(room string) unreadState {
	out := u.clone()
	delete(out, room)
	return out
}

// counts returns the unread and mention counts of room.
func (u unreadState) counts(room string) (unread, mentioned int) {
	r := u[room]
	return len(r.IDs), len(r.Mentions)
}

// total is the unread count of every room but except.
func (u unreadState) total(except string) int {
	n := 0
	for room, r := range u {
		if room != except {
			n += len(r.IDs)
		}
	}
	return n
}

func (u unreadState) clone() unreadState {
	out := make(unreadState, len(u))
	for k, v := range u {
		out[k] = v
	}
	return out
}

func insertID(ids []string, id string) []string {
	i, found := slices.BinarySearchFunc(ids, id, idCompare)
	if found {
		return ids
	}
	return slices.Insert(ids, i, id)
}

func lastOf(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[len(ids)-1]
}

// mentions reports whether text names nick as @nick: case folded, not
// inside a word or an e-mail address (the character before @ is not a
// letter or digit) and not the start of a longer name.
func mentions(text, nick string) bool {
	if nick == "" {
		return false
	}
	for i := 0; i < len(text); i++ {
		if text[i] != '@' {
			continue
		}
		if i > 0 {
			if r, _ := utf8.DecodeLastRuneInString(text[:i]); nickRune(r) {
				continue
			}
		}
		rest := text[i+1:]
		if len(rest) < len(nick) || !strings.EqualFold(rest[:len(nick)], nick) {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(rest[len(nick):]); r != utf8.RuneError && nickRune(r) && r != '.' {
			continue
		}
		return true
	}
	return false
}

// nickRune reports whether r can be part of a nickname.
func nickRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.'
}

// unreadLabel is a count as shown: "99+" past maxUnread.
func unreadLabel(n int) string {
	if n >= maxUnread {
		return "99+"
	}
	return strconv.Itoa(n)
}

// titleWith is the document title with n unread messages.
func titleWith(n int) string {
	if n == 0 {
		return "Tickertalk"
	}
	return "(" + unreadLabel(n) + ") Tickertalk"
}
