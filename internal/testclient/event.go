package testclient

import (
	"io"
	"time"

	"tickertalk/client"
)

// Event is one thing read from an SSE stream, in the order of the wire:
// either a comment line ([Event.IsComment]: Comment set, nothing else but
// LastEventID and Received), or a block of field lines ended by a blank
// line. Blocks are reported as sent, so that a test can check every one;
// what a browser would make of a block is said beside each field.
type Event struct {
	// Event is the block's event field as sent, "" when it had none (a
	// browser dispatches such a block as a "message" event).
	Event string
	// Data is the block's data fields joined with "\n"; HasData tells
	// whether it had any. A browser dispatches only a block with data.
	Data    string
	HasData bool
	// ID is the value of the block's last id field and HasID tells whether
	// it had one. An empty id line (HasID true, ID "") resets the browser's
	// last event id; an id containing NUL is ignored by the browser.
	ID    string
	HasID bool
	// LastEventID is the stream's last event id after this block, as a
	// browser's EventSource would send it on reconnect.
	LastEventID string
	// Retry is the block's retry field in milliseconds, or 0.
	Retry int
	// Comment is the text of a comment line after the colon (with one
	// leading space removed), e.g. "ok" or "ping".
	Comment string
	// Received is when the line ending the block (or the comment line) was
	// read; zero for events from the parser alone.
	Received time.Time

	comment bool
}

// IsComment reports whether e is a comment line rather than a block.
func (e Event) IsComment() bool { return e.comment }

// parse reads an event stream from r with [client.Decoder], starting from
// lastEventID, and calls emit for each comment line and each block (with
// or without data) until r ends. It returns the read error: io.EOF for a
// clean end.
func parse(r io.Reader, lastEventID string, emit func(Event)) error {
	d := client.NewDecoder(r, 16<<10)
	d.SetLastEventID(lastEventID)
	for {
		f, err := d.Next()
		if err != nil {
			return err
		}
		emit(frameEvent(f, d.LastEventID()))
	}
}

// frameEvent is the Event of a frame the decoder has just read, with
// the stream's last event id after it.
func frameEvent(f client.Frame, lastEventID string) Event {
	if f.IsComment {
		return Event{Comment: string(f.Comment), LastEventID: lastEventID, comment: true}
	}
	e := Event{
		Event: string(f.Event), Data: string(f.Data), HasData: f.HasData,
		ID: string(f.ID), HasID: f.HasID, LastEventID: lastEventID,
	}
	if f.HasRetry {
		e.Retry = int(f.Retry / time.Millisecond)
	}
	return e
}
