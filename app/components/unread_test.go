package components

import (
	"slices"
	"strconv"
	"testing"

	tt "tickertalk/app"
)

func TestMentions(t *testing.T) {
	for _, tc := range []struct {
		text, nick string
		want       bool
	}{
		{"hi @ann", "ann", true},
		{"@Ann: look", "ann", true},
		{"hey @ann.", "ann", true},
		{"hey @anna", "ann", false},
		{"mail ann@ann.org", "ann", false},
		{"@ann_b here", "ann", false},
		{"@ann", "", false},
		{"@été!", "ÉTÉ", true},
		{"@zoë, hi", "zoë", true},
		{"no mention", "ann", false},
	} {
		if got := mentions(tc.text, tc.nick); got != tc.want {
			t.Errorf("mentions(%q, %q) = %v, want %v", tc.text, tc.nick, got, tc.want)
		}
	}
}

func TestUnreadCountsOnceAndClears(t *testing.T) {
	msg := func(room, id, nick, text string) tt.ChatMessage {
		return tt.ChatMessage{ID: id, Room: room, Nick: nick, Text: text}
	}
	batch := []tt.ChatMessage{
		msg("dev", "10", "bob", "hello"),
		msg("dev", "12", "bob", "@ann look"),
		msg("dev", "13", "ann", "mine, not unread"),
		msg("ops", "11", "carl", "ops news"),
	}
	var u unreadState
	u = u.add(batch, "ann")
	u = u.add(batch, "ann") // another tab, or a replay: counted once
	if n, m := u.counts("dev"); n != 2 || m != 1 {
		t.Fatalf("dev: %d unread, %d mentions; want 2, 1", n, m)
	}
	if got := u.total("ops"); got != 2 {
		t.Errorf("total but ops = %d, want 2", got)
	}
	if got := u.total(""); got != 3 {
		t.Errorf("total = %d, want 3", got)
	}
	u = u.read("dev", "12")
	if n, m := u.counts("dev"); n != 0 || m != 0 {
		t.Fatalf("dev after read: %d, %d", n, m)
	}
	// A late copy of a message read already does not count again.
	u = u.add(batch[:2], "ann")
	if n, _ := u.counts("dev"); n != 0 {
		t.Errorf("dev after a late copy: %d unread, want 0", n)
	}
	// Read clears what it counted even past the id given (a tab whose
	// list is behind the counts).
	u = u.read("ops", "")
	if n, _ := u.counts("ops"); n != 0 || u["ops"].Read != "11" {
		t.Errorf("ops after read: %d unread, read %q", n, u["ops"].Read)
	}
	u = u.forget("ops")
	if _, ok := u["ops"]; ok {
		t.Error("ops still kept after forget")
	}

	var many []tt.ChatMessage
	for i := 1; i <= maxUnread+20; i++ {
		many = append(many, msg("big", strconv.Itoa(1000+i), "bob", "@ann "+strconv.Itoa(i)))
	}
	u = u.add(many, "ann")
	if n, m := u.counts("big"); n != maxUnread || m != maxUnread || unreadLabel(n) != "99+" {
		t.Errorf("big: %d unread, %d mentions (%s); want the cap %d", n, m, unreadLabel(n), maxUnread)
	}
	if got := titleWith(3); got != "(3) Tickertalk" || titleWith(0) != "Tickertalk" {
		t.Errorf("titles %q, %q", got, titleWith(0))
	}
}

func TestJoinedRooms(t *testing.T) {
	j := joinRoom(nil, "lobby")
	j = joinRoom(j, "dev")
	j = joinRoom(j, "lobby")
	if !slices.Equal(j, []string{"lobby", "dev"}) {
		t.Fatalf("joined %v, want lobby dev", j)
	}
	if got := streamRooms(j); !slices.Equal(got, []string{"dev", "lobby"}) {
		t.Errorf("stream rooms %v, want them sorted", got)
	}
	for i := range tt.MaxStreamRooms + 3 {
		j = joinRoom(j, "r"+strconv.Itoa(i))
	}
	if len(j) != tt.MaxStreamRooms || j[0] != "r"+strconv.Itoa(tt.MaxStreamRooms+2) {
		t.Errorf("joined %d rooms, first %q; want the %d most recent", len(j), j[0], tt.MaxStreamRooms)
	}
	if got := leaveRoom([]string{"a", "b"}, "a"); !slices.Equal(got, []string{"b"}) {
		t.Errorf("leave: %v", got)
	}
	if got := joinRoom([]string{"Bad Room", "ok"}, "x"); !slices.Equal(got, []string{"x", "ok"}) {
		t.Errorf("a stored room that is not valid stays: %v", got)
	}
}
