package history

// ReserveRoom reports whether a message to room may be stored under a cap
// of max rooms, counting the rooms the log holds entries of and the rooms
// reserved by sends still on their way: true when room is one of them, or
// when there are fewer than max; room is then reserved until a message of
// it is added (or [Index.CancelRoom]). So concurrent first sends to new
// rooms cannot pass the cap on this node (other nodes' can, by the sends
// they have in flight). max below 1 means no cap.
func (x *Index) ReserveRoom(room string, max int) bool {
	if max < 1 {
		return true
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.rooms[room]; ok {
		return true
	}
	if _, ok := x.reserved[room]; ok {
		return true
	}
	if len(x.rooms)+len(x.reserved) >= max {
		return false
	}
	if x.reserved == nil {
		x.reserved = make(map[string]struct{})
	}
	x.reserved[room] = struct{}{}
	return true
}

// CancelRoom drops the reservation of room, for a send that stored
// nothing. A room that exists is not affected.
func (x *Index) CancelRoom(room string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.reserved, room)
}
