package node

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/config"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// TestRoomsCapRefusesNewRoomsAndStoresNothing: with --max-rooms 3, a
// message to a fourth room is refused with 409 room_limit and the log
// stores nothing (the next message takes the very next id); existing
// rooms still take messages.
func TestRoomsCapRefusesNewRoomsAndStoresNothing(t *testing.T) {
	base := startNode(t, func(c *config.Config) { c.MaxRooms = 3 })
	alice := testclient.NewSession(t, base, "alice", curl...)
	var last tt.ChatMessage
	for _, room := range []string{"a", "b", "c"} {
		last = alice.Send(t, room, "hi "+room, "")
	}
	for _, room := range []string{"d", "e"} {
		status, err := alice.PostJSON(t.Context(), tt.PathSend, tt.SendRequest{Room: room, Text: "one too many", ClientID: testclient.NewClientID()}, nil)
		var se *testclient.StatusError
		if !errors.As(err, &se) || status != http.StatusConflict || se.APIError().Code != tt.CodeRoomLimit || se.APIError().Error == "" {
			t.Fatalf("send to new room %s past the cap: %d %v; want 409 %s", room, status, err, tt.CodeRoomLimit)
		}
	}
	next := alice.Send(t, "a", "still here", "")
	id, ok := tt.ParseMessageID(last.ID)
	if !ok {
		t.Fatalf("id %q", last.ID)
	}
	if want := (tt.MessageID{Log: id.Log, Seq: id.Seq + 1}).String(); next.ID != want {
		t.Fatalf("next message id %s, want %s: the refused sends stored something", next.ID, want)
	}
	var page tt.MessagePage
	if _, err := alice.Request(t.Context(), http.MethodGet, tt.RoomMessagesPath("d"), "", nil, &page); err != nil || len(page.Messages) != 0 {
		t.Fatalf("room d: %v, %v; want no messages", page.Messages, err)
	}
	wait.For(t, 10*time.Second, "a, b, c and lobby listed", func() bool { return len(alice.Rooms(t)) == 4 })
	if rooms := alice.Rooms(t); len(rooms) != 4 {
		t.Fatalf("rooms %v, want a, b, c and lobby", rooms)
	}
}

// TestRoomsArePaged walks GET /api/rooms with ?limit= and the after
// cursor: every room once, in name order, more and next on every page
// but the last. Bad queries get 400 with a JSON error.
func TestRoomsArePaged(t *testing.T) {
	base := startNode(t, nil)
	alice := testclient.NewSession(t, base, "alice", curl...)
	want := []string{tt.DefaultRoom}
	for i := range 7 {
		room := fmt.Sprintf("room-%d", i)
		alice.Send(t, room, "hi", "")
		want = append(want, room)
	}
	slices.Sort(want)
	// A send is acknowledged once stored; the index follows the log.
	wait.For(t, 10*time.Second, "every room indexed", func() bool { return len(alice.Rooms(t)) == len(want) })

	var got []string
	after, pages := "", 0
	for pages = 1; pages <= 10; pages++ {
		q := url.Values{tt.QueryLimit: {"3"}}
		if after != "" {
			q.Set(tt.QueryAfter, after)
		}
		var list tt.RoomList
		if _, err := alice.Request(t.Context(), http.MethodGet, tt.PathRooms+"?"+q.Encode(), "", nil, &list); err != nil {
			t.Fatal(err)
		}
		if len(list.Rooms) > 3 {
			t.Fatalf("page of %d rooms with limit 3", len(list.Rooms))
		}
		for _, r := range list.Rooms {
			got = append(got, r.Name)
		}
		if !list.More {
			if list.Next != "" {
				t.Fatalf("last page has next %q", list.Next)
			}
			break
		}
		if list.Next != list.Rooms[len(list.Rooms)-1].Name {
			t.Fatalf("next %q, want the page's last name", list.Next)
		}
		after = list.Next
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Fatalf("rooms over %d pages: %v, want %v over 3", pages, got, want)
	}

	for _, q := range []string{
		"limit=0", "limit=-1", "limit=x", "limit=", "limit=1001", "limit=1.5",
		"after=Room!", "after=" + url.QueryEscape("a b"), "after=" + strings.Repeat("a", 40),
	} {
		status, err := alice.Request(t.Context(), http.MethodGet, tt.PathRooms+"?"+q, "", nil, nil)
		var se *testclient.StatusError
		if !errors.As(err, &se) || status != http.StatusBadRequest || se.APIError().Code != tt.CodeInvalidParameter {
			t.Errorf("GET %s?%s: %d %v; want 400 %s", tt.PathRooms, q, status, err, tt.CodeInvalidParameter)
		}
	}
}
