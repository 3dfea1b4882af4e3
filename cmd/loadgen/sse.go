package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"time"
)

// maxLineBytes bounds one line of the stream: a server that never ends a
// line cannot make the load generator grow without limit.
const maxLineBytes = 1 << 20

// ErrLineTooLong reports a stream line over [maxLineBytes].
var ErrLineTooLong = errors.New("event stream line too long")

// sseEvent is one dispatched event or one comment line of an SSE stream.
// Its byte slices belong to the [sseParser] and are valid only until the
// callback that received it returns.
type sseEvent struct {
	// Name is the event field; "message" when the block had none.
	Name []byte
	// ID is the id field of the block and HasID tells whether it had one.
	ID    []byte
	HasID bool
	// Data is the data fields joined with "\n".
	Data []byte
	// Comment is set (and nothing else) for a comment line: the text after
	// the colon, one leading space removed.
	Comment   []byte
	IsComment bool
}

// sseParser reads an event stream as the HTML spec's event-stream
// interpretation does, for the subset a load test needs: lines end with LF
// or CRLF (a lone CR is not treated as a line end), fields are split at
// the first colon with one optional space, a blank line dispatches, a
// block without data dispatches nothing. It allocates only when a line is
// longer than its reader's buffer. Not safe for concurrent use.
type sseParser struct {
	br   *bufio.Reader
	long []byte // a line longer than br's buffer, assembled

	name, id, data []byte
	hasID, hasData bool

	// retry is the latest retry field's value, in milliseconds; -1 until
	// the stream sent one.
	retry int64
}

// newSSEParser returns a parser reading r through a buffer of size bytes.
func newSSEParser(r io.Reader, size int) *sseParser {
	return &sseParser{br: bufio.NewReaderSize(r, size), retry: -1}
}

// reconnectDelay returns the reconnection time the stream set with its
// latest retry field, and false when it sent none.
func (p *sseParser) reconnectDelay() (time.Duration, bool) {
	if p.retry < 0 {
		return 0, false
	}
	return time.Duration(p.retry) * time.Millisecond, true
}

var (
	fieldEvent = []byte("event")
	fieldData  = []byte("data")
	fieldID    = []byte("id")
	fieldRetry = []byte("retry")
	nameMsg    = []byte("message")
)

// next reads until one event or comment is complete and passes it to fn.
// It returns the read error: io.EOF for a clean end of the stream (an
// unterminated last block is discarded, as the spec says).
func (p *sseParser) next(fn func(*sseEvent)) error {
	for {
		line, err := p.readLine()
		if err != nil {
			return err
		}
		if len(line) == 0 {
			if !p.hasData {
				p.resetBlock()
				continue
			}
			ev := sseEvent{Name: p.name, ID: p.id, HasID: p.hasID, Data: p.data}
			if len(ev.Name) == 0 {
				ev.Name = nameMsg
			}
			if n := len(ev.Data); n > 0 && ev.Data[n-1] == '\n' {
				ev.Data = ev.Data[:n-1]
			}
			fn(&ev)
			p.resetBlock()
			return nil
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch {
		case len(field) == 0:
			fn(&sseEvent{Comment: value, IsComment: true})
			return nil
		case bytes.Equal(field, fieldData):
			p.data = append(append(p.data, value...), '\n')
			p.hasData = true
		case bytes.Equal(field, fieldEvent):
			p.name = append(p.name[:0], value...)
		case bytes.Equal(field, fieldRetry):
			// The spec: only ASCII digits set the reconnection time.
			if n, rest, ok := leadingUint(value); ok && len(rest) == 0 && n < 1<<40 {
				p.retry = int64(n)
			}
		case bytes.Equal(field, fieldID):
			if bytes.IndexByte(value, 0) < 0 {
				p.id = append(p.id[:0], value...)
				p.hasID = true
			}
		}
	}
}

func (p *sseParser) resetBlock() {
	p.name, p.id, p.data = p.name[:0], p.id[:0], p.data[:0]
	p.hasID, p.hasData = false, false
}

// readLine returns the next line without its LF or CRLF; the slice is
// valid until the next call.
func (p *sseParser) readLine() ([]byte, error) {
	line, err := p.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		p.long = append(p.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = p.br.ReadSlice('\n')
			p.long = append(p.long, line...)
			if len(p.long) > maxLineBytes {
				return nil, ErrLineTooLong
			}
		}
		line = p.long
	}
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}
