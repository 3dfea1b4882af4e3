package app

import "time"

// Typing says that Nick is typing in Room. It is a signal: the page shows
// "ann is typing…" for [TypingTTL] after the last one, and never to Nick.
type Typing struct {
	Room string `json:"room"`
	// Nick is set by the server from the session.
	Nick string `json:"nick,omitempty"`
}

// KindTyping is a typing indicator: a signal, never stored.
var KindTyping = Declare[Typing]("typing", Signal,
	"Someone is typing in a room; shown for a few seconds after the last.")

// TypingTTL is how long a typing signal is shown without a new one; a
// page sends one at most every [TypingEvery] while its person types.
const (
	TypingTTL   = 4 * time.Second
	TypingEvery = 2 * time.Second
)

// EventRoom is the room typed in.
func (t Typing) EventRoom() string { return t.Room }

// Validate checks the room.
func (t Typing) Validate() error { return ValidateRoom(t.Room) }
