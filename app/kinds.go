package app

// The built-in event kinds. An application declares its own the same way,
// next to their payload types (see [Declare]).
var (
	// KindUpdate is the ticker: a state of no room, sent to every
	// connection.
	KindUpdate = Declare[TickerUpdate](EventUpdate, State,
		"The quotes of every symbol; the first of a connection also carries recent prices.")
	// KindMessage is a chat message: durable, its SSE id its log position.
	KindMessage = Declare[ChatMessage](EventMessage, Durable,
		"One chat message, stored before it is acknowledged.")
	// KindPresence is who is online in a room: a state derived from the
	// open connections of every node.
	KindPresence = Declare[Presence](EventPresence, State,
		"Who is online in a room.")
	// KindResync tells one connection to reload a room's history.
	KindResync = Declare[Resync](EventResync, Control,
		"The requested Last-Event-ID cannot be resumed for a room: reload its history.")
)

// EventRoom is the room of the message.
func (m ChatMessage) EventRoom() string { return m.Room }

// EventRoom is the room whose people are listed.
func (p Presence) EventRoom() string { return p.Room }

// EventRoom is the room to reload.
func (r Resync) EventRoom() string { return r.Room }
