package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	tt "tickertalk/app"
	"tickertalk/history"
)

// handleRooms serves GET /api/rooms: rooms with history or people online,
// the default room always, by name.
func (s *Server) handleRooms(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return errMethod
	}
	online := s.pres.counts()
	byName := map[string]*tt.RoomInfo{tt.DefaultRoom: {Name: tt.DefaultRoom}}
	for _, sum := range s.opts.History.Rooms() {
		info := &tt.RoomInfo{Name: sum.Name}
		if !sum.LastMessageAt.IsZero() {
			at := sum.LastMessageAt
			info.LastMessageAt = &at
		}
		byName[sum.Name] = info
	}
	for name, n := range online {
		if byName[name] == nil {
			byName[name] = &tt.RoomInfo{Name: name}
		}
		byName[name].Online = n
	}
	out := tt.RoomList{Rooms: make([]tt.RoomInfo, 0, len(byName))}
	for _, info := range byName {
		out.Rooms = append(out.Rooms, *info)
	}
	slices.SortFunc(out.Rooms, func(a, b tt.RoomInfo) int { return strings.Compare(a.Name, b.Name) })
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
		id, ok := history.ParseID(v)
		if !ok {
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
	msgs, more := s.opts.History.Before(room, before, limit)
	for i := range msgs {
		msgs[i].ClientID = "" // the sender's alone: see Deliver
	}
	writeJSON(w, http.StatusOK, tt.MessagePage{Messages: msgs, More: more})
	return nil
}
