package testclient

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"time"
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

// parser implements the event-stream interpretation of the HTML spec
// (section 9.2.6): fields per line, a blank line ends a block, comments
// start with a colon. Unlike a browser it also reports the blocks it would
// not dispatch (no data field), marked HasData false.
type parser struct {
	lastEventID string
}

// parse reads r and calls emit for each comment line and each block until
// r ends or emit returns false. It returns the read error (nil when emit
// stopped it, io.EOF for a clean end).
func (p *parser) parse(r io.Reader, emit func(Event) bool) error {
	lr := lineReader{br: bufio.NewReaderSize(r, 16<<10)}
	var (
		cur      Event
		fields   bool // cur has at least one field line
		data     bytes.Buffer
		idBuf    string // the spec's last event id buffer
		idBufSet bool
		first    = true
	)
	for {
		line, err := lr.readLine()
		if err != nil {
			return err
		}
		if first {
			line = strings.TrimPrefix(line, "\ufeff")
			first = false
		}
		if line == "" { // end of block
			if idBufSet {
				p.lastEventID = idBuf
			}
			if fields {
				cur.Data = strings.TrimSuffix(data.String(), "\n")
				cur.LastEventID = p.lastEventID
				if !emit(cur) {
					return nil
				}
			}
			cur, fields, idBufSet = Event{}, false, false
			data.Reset()
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		if name == "" { // comment
			if !emit(Event{Comment: value, LastEventID: p.lastEventID, comment: true}) {
				return nil
			}
			continue
		}
		fields = true
		switch name {
		case "event":
			cur.Event = value
		case "data":
			data.WriteString(value)
			data.WriteByte('\n')
			cur.HasData = true
		case "id":
			cur.ID, cur.HasID = value, true
			if !strings.ContainsRune(value, 0) {
				idBuf, idBufSet = value, true
			}
		case "retry":
			n := 0
			for _, c := range value {
				if c < '0' || c > '9' {
					n = -1
					break
				}
				n = n*10 + int(c-'0')
			}
			if n >= 0 && value != "" {
				cur.Retry = n
			}
		}
	}
}

// lineReader splits a stream into lines ended by CRLF, LF or CR. It never
// reads ahead of a CR to look for an LF (that could block on a live
// stream): it remembers to skip an LF that comes right after.
type lineReader struct {
	br     *bufio.Reader
	skipLF bool
}

// readLine returns the next line without its ending. An unterminated last
// line is discarded, as the spec says, and io.EOF returned.
func (l *lineReader) readLine() (string, error) {
	var sb strings.Builder
	for {
		b, err := l.br.ReadByte()
		if err != nil {
			return "", err
		}
		if l.skipLF {
			l.skipLF = false
			if b == '\n' {
				continue
			}
		}
		switch b {
		case '\n':
			return sb.String(), nil
		case '\r':
			l.skipLF = true
			return sb.String(), nil
		}
		sb.WriteByte(b)
	}
}
