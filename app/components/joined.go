package components

import (
	"slices"

	tt "tickertalk/app"
)

// joinRoom returns joined (most recently opened first) with room first,
// and the least recently opened rooms past tt.MaxStreamRooms left out: the
// browser's one stream carries the joined rooms, and the server takes at
// most that many. It returns a new slice.
func joinRoom(joined []string, room string) []string {
	out := append([]string{room}, slices.DeleteFunc(slices.Clone(joined), func(r string) bool {
		return r == room || tt.ValidateRoom(r) != nil
	})...)
	if len(out) > tt.MaxStreamRooms {
		out = out[:tt.MaxStreamRooms]
	}
	return out
}

// leaveRoom returns joined without room, as a new slice.
func leaveRoom(joined []string, room string) []string {
	return slices.DeleteFunc(slices.Clone(joined), func(r string) bool { return r == room })
}

// streamRooms is the rooms the stream asks for: joined, sorted, so that
// the same set is the same URL whatever the order of opening.
func streamRooms(joined []string) []string {
	out := slices.Clone(joined)
	slices.Sort(out)
	return slices.Compact(out)
}
