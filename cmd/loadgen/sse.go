package main

import (
	"bytes"
	"io"
	"time"

	"tickertalk/client"
)

// maxLineBytes bounds one line of the stream: a server that never ends a
// line cannot make the load generator grow without limit.
const maxLineBytes = client.DefaultMaxLine

// ErrLineTooLong reports a stream line over [maxLineBytes].
var ErrLineTooLong = client.ErrLineTooLong

// sseEvent is one dispatched event or one comment line of an SSE stream.
// Its byte slices belong to the [sseParser] and are valid only until the
// callback that received it returns.
type sseEvent struct {
	// Name is the event field; "message" when the block had none.
	Name []byte
	// ID is the id field of the block and HasID tells whether it had one
	// (an id with NUL counts as none, as EventSource ignores it).
	ID    []byte
	HasID bool
	// Data is the data fields joined with "\n".
	Data []byte
	// Comment is set (and nothing else) for a comment line: the text after
	// the colon, one leading space removed.
	Comment   []byte
	IsComment bool
}

// sseParser is the public client's [client.Decoder] (the spec's
// event-stream interpretation, without an allocation per event) with what
// an EventSource dispatches: comments and blocks with data; blocks
// without data are skipped. Not safe for concurrent use.
type sseParser struct {
	d  *client.Decoder
	ev sseEvent // what next passes to its callback, reused: no allocation per event
}

// newSSEParser returns a parser reading r through a buffer of size bytes.
func newSSEParser(r io.Reader, size int) *sseParser {
	d := client.NewDecoder(r, size)
	d.SetMaxLine(maxLineBytes)
	return &sseParser{d: d}
}

// reconnectDelay returns the reconnection time the stream set with its
// latest retry field, and false when it sent none.
func (p *sseParser) reconnectDelay() (time.Duration, bool) { return p.d.ReconnectDelay() }

var nameMsg = []byte("message")

// next reads until one event or comment is complete and passes it to fn.
// It returns the read error: io.EOF for a clean end of the stream (an
// unterminated last block is discarded, as the spec says).
func (p *sseParser) next(fn func(*sseEvent)) error {
	for {
		f, err := p.d.Next()
		if err != nil {
			return err
		}
		if f.IsComment {
			p.ev = sseEvent{Comment: f.Comment, IsComment: true}
			fn(&p.ev)
			return nil
		}
		if !f.HasData {
			continue
		}
		p.ev = sseEvent{Name: f.Event, Data: f.Data}
		if len(p.ev.Name) == 0 {
			p.ev.Name = nameMsg
		}
		if f.HasID && bytes.IndexByte(f.ID, 0) < 0 {
			p.ev.ID, p.ev.HasID = f.ID, true
		}
		fn(&p.ev)
		return nil
	}
}
