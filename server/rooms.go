package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	tt "tickertalk/app"
	"tickertalk/history"
)

// handleRooms serves GET /api/rooms?limit=&after=: a page of the rooms
// with history or people online, the default room always, by name, at
// most limit ([tt.DefaultRoomsLimit], at most [tt.MaxRoomsLimit]) after
// the name after.
func (s *Server) handleRooms(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return errMethod
	}
	q := r.URL.Query()
	limit := tt.DefaultRoomsLimit
	if v := q.Get(tt.QueryLimit); v != "" || q.Has(tt.QueryLimit) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > tt.MaxRoomsLimit {
			return errorf(http.StatusBadRequest, tt.CodeInvalidParameter,
				fmt.Sprintf("limit must be a number from 1 to %d", tt.MaxRoomsLimit))
		}
		limit = n
	}
	after := q.Get(tt.QueryAfter)
	if after != "" {
		if err := tt.ValidateRoom(after); err != nil {
			return errorf(http.StatusBadRequest, tt.CodeInvalidParameter, "after must be a room name (the next of the previous page)")
		}
	}
	// The page is the first limit names after the cursor among the rooms
	// with history, the rooms with people online and the default room;
	// one more tells whether more follow.
	sums, _ := s.opts.History.RoomsAfter(after, limit+1)
	byName := make(map[string]*tt.RoomInfo, len(sums)+1)
	if tt.DefaultRoom > after {
		byName[tt.DefaultRoom] = &tt.RoomInfo{Name: tt.DefaultRoom}
	}
	for _, sum := range sums {
		info := &tt.RoomInfo{Name: sum.Name}
		if !sum.LastMessageAt.IsZero() {
			at := sum.LastMessageAt
			info.LastMessageAt = &at
		}
		byName[sum.Name] = info
	}
	online := s.pres.counts()
	for name := range online {
		if name > after && byName[name] == nil {
			byName[name] = &tt.RoomInfo{Name: name}
		}
	}
	rooms := make([]tt.RoomInfo, 0, len(byName))
	for _, info := range byName {
		info.Online = online[info.Name]
		rooms = append(rooms, *info)
	}
	slices.SortFunc(rooms, func(a, b tt.RoomInfo) int { return strings.Compare(a.Name, b.Name) })
	out := tt.RoomList{Rooms: rooms}
	if len(rooms) > limit {
		out.Rooms, out.More, out.Next = rooms[:limit], true, rooms[limit-1].Name
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// handleRoomMessages serves GET /api/rooms/{room}/messages?before=&limit=.
func (s *Server) handleRoomMessages(w http.ResponseWriter, r *http.Request) error {
	rest := strings.TrimPrefix(r.URL.Path, tt.PathRooms+"/")
	room, tail, ok := strings.Cut(rest, "/")
	if !ok || tail != "messages" {
		return errNotFound
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return errMethod
	}
	if err := tt.ValidateRoom(room); err != nil {
		return invalidField(err, http.StatusBadRequest)
	}
	q := r.URL.Query()
	var before uint64
	if v := q.Get(tt.QueryBefore); v != "" {
		id, err := history.CheckID(v, s.logID)
		if errors.Is(err, history.ErrForeignID) {
			return errorf(http.StatusBadRequest, tt.CodeForeignID, "before is an id of another chat log: load the latest messages")
		}
		if err != nil {
			return errorf(http.StatusBadRequest, tt.CodeInvalidParameter, "before must be a message id")
		}
		before = id
	}
	limit := tt.DefaultPageLimit
	if v := q.Get(tt.QueryLimit); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > tt.MaxPageLimit {
			return errorf(http.StatusBadRequest, tt.CodeInvalidParameter, "limit must be a number from 1 to 200")
		}
		limit = n
	}
	entries, more, err := s.opts.History.BeforeEntries(room, before, limit)
	if err != nil {
		return fmt.Errorf("scrollback of %s: %w", room, err)
	}
	page := tt.MessagePage{Messages: make([]tt.ChatMessage, 0, len(entries)), More: more}
	for _, e := range entries {
		if e.IsMessage() {
			m := e.Msg
			m.ClientID = "" // the sender's alone: see Deliver
			page.Messages = append(page.Messages, m)
			continue
		}
		page.Events = append(page.Events, tt.StoredEvent{Kind: e.Kind, ID: e.Msg.ID, Data: e.JSON})
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}
