//go:build e2e

package app

// Probe is the payload of the test-only kind [KindProbe], declared only in
// builds for the browser tests (-tags e2e): it shows that a kind declared
// in one file reaches the page typed, with no listener or decoder written
// for it anywhere else.
type Probe struct {
	Room string `json:"room"`
	Text string `json:"text"`
	N    int    `json:"n"`
	// Nick is set by the server from the session.
	Nick string `json:"nick,omitempty"`
}

// KindProbe is the test-only kind: durable.
var KindProbe = Declare[Probe]("e2e-probe", Durable, "A test-only event of the browser tests.")

// EventRoom is the probe's room.
func (p Probe) EventRoom() string { return p.Room }

// Validate checks the room.
func (p Probe) Validate() error { return ValidateRoom(p.Room) }
