package client

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"time"
)

// DefaultMaxLine is the longest line a [Decoder] accepts unless told
// otherwise: a server that never ends a line cannot make a reader grow
// without limit.
const DefaultMaxLine = 1 << 20

// ErrLineTooLong reports a stream line longer than the [Decoder]'s limit.
var ErrLineTooLong = errors.New("event stream line too long")

// Frame is one unit of an event stream as the wire carries it: a comment
// line, or a block of field lines ended by a blank line. Its byte slices
// belong to the [Decoder] and stay valid only until its next call of Next.
type Frame struct {
	// IsComment tells a comment line (":ok", ": ping"); Comment is its text
	// after the colon, one leading space removed, and no other field is set.
	IsComment bool
	Comment   []byte
	// Event is the block's event field as sent, empty when it had none (an
	// EventSource dispatches such a block as a "message" event).
	Event []byte
	// Data is the block's data fields joined with "\n"; HasData tells
	// whether it had any. An EventSource dispatches only a block with data.
	Data    []byte
	HasData bool
	// ID is the value of the block's last id field and HasID whether it had
	// one. An id containing NUL is reported here but, as the spec says, does
	// not change [Decoder.LastEventID].
	ID    []byte
	HasID bool
	// Retry is the block's last valid retry field (ASCII digits only), and
	// HasRetry whether it had one.
	Retry    time.Duration
	HasRetry bool
}

// Decoder reads an event stream as the HTML spec's event-stream
// interpretation does (section 9.2.6): lines end with CRLF, LF or CR, a
// leading BOM is skipped, fields split at the first colon with one
// optional space, a blank line ends a block, unknown fields are ignored,
// and an unterminated last block is discarded. Unlike an EventSource it
// also reports comments and the blocks it would not dispatch (no data), so
// that tests can see the whole wire.
//
// It never reads ahead of a CR to look for an LF (that could block on a
// live stream), and allocates only while its buffers grow: a line longer
// than the read buffer, or a block larger than any before. Not safe for
// concurrent use.
type Decoder struct {
	br      *bufio.Reader
	maxLine int
	win     []byte // the part of br's buffer lines are cut from
	off     int    // how much of win is consumed
	long    []byte // a line longer than br's buffer, assembled
	skipLF  bool   // the last line ended with CR: skip an LF right after
	started bool   // the first line (and its BOM) has been read

	event, id, data        []byte
	fields, hasID, hasData bool
	retry                  time.Duration
	hasRetry               bool

	lastID   []byte // the spec's last event id
	retryAll time.Duration
	retrySet bool
}

// NewDecoder returns a Decoder reading r through a buffer of size bytes
// (16 KiB when size is 0 or less, 16 bytes at least), accepting lines up
// to [DefaultMaxLine].
func NewDecoder(r io.Reader, size int) *Decoder {
	if size <= 0 {
		size = 16 << 10
	}
	return &Decoder{br: bufio.NewReaderSize(r, size), maxLine: DefaultMaxLine}
}

// SetMaxLine bounds a line at n bytes: a longer one ends Next with
// [ErrLineTooLong].
func (d *Decoder) SetMaxLine(n int) { d.maxLine = n }

// SetLastEventID sets the last event id the stream starts from (the one a
// client sent as Last-Event-ID), as an EventSource keeps it across
// reconnections.
func (d *Decoder) SetLastEventID(id string) { d.lastID = append(d.lastID[:0], id...) }

// LastEventID returns the stream's last event id after the frames read so
// far: what an EventSource would send as Last-Event-ID on reconnection.
func (d *Decoder) LastEventID() string { return string(d.lastID) }

// ReconnectDelay returns the reconnection time the stream set with its
// latest valid retry field, and false when it sent none.
func (d *Decoder) ReconnectDelay() (time.Duration, bool) { return d.retryAll, d.retrySet }

var (
	fieldEvent = []byte("event")
	fieldData  = []byte("data")
	fieldID    = []byte("id")
	fieldRetry = []byte("retry")
)

// Next reads until one comment line or one block is complete and returns
// it. It returns the read error: io.EOF for a clean end of the stream,
// [ErrLineTooLong], or the reader's error.
func (d *Decoder) Next() (Frame, error) {
	for {
		line, err := d.readLine()
		if err != nil {
			return Frame{}, err
		}
		if !d.started {
			d.started = true
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
		}
		if len(line) == 0 {
			if !d.fields {
				continue
			}
			f := Frame{
				Event: d.event, ID: d.id, HasID: d.hasID,
				Data: d.data, HasData: d.hasData,
				Retry: d.retry, HasRetry: d.hasRetry,
			}
			if n := len(f.Data); n > 0 && f.Data[n-1] == '\n' {
				f.Data = f.Data[:n-1]
			}
			if d.hasID && bytes.IndexByte(d.id, 0) < 0 {
				d.lastID = append(d.lastID[:0], d.id...)
			}
			d.event, d.id, d.data = d.event[:0], d.id[:0], d.data[:0]
			d.fields, d.hasID, d.hasData, d.hasRetry, d.retry = false, false, false, false, 0
			return f, nil
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		if len(field) == 0 {
			return Frame{IsComment: true, Comment: value}, nil
		}
		d.fields = true
		switch {
		case bytes.Equal(field, fieldData):
			d.data = append(append(d.data, value...), '\n')
			d.hasData = true
		case bytes.Equal(field, fieldEvent):
			d.event = append(d.event[:0], value...)
		case bytes.Equal(field, fieldID):
			d.id = append(d.id[:0], value...)
			d.hasID = true
		case bytes.Equal(field, fieldRetry):
			if ms, ok := parseRetry(value); ok {
				d.retry, d.hasRetry = ms, true
				d.retryAll, d.retrySet = ms, true
			}
		}
	}
}

// parseRetry reads a retry value: ASCII digits only, in milliseconds
// (bounded, so that a huge value cannot overflow).
func parseRetry(v []byte) (time.Duration, bool) {
	if len(v) == 0 || len(v) > 12 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return time.Duration(n) * time.Millisecond, true
}

// readLine returns the next line without its ending; the slice is valid
// until the next call. It looks only at bytes already read for the line's
// end, so a CR at the end of what has arrived ends the line at once. Lines
// are cut from a window of the reader's buffer, handed back to it only
// when more must be read.
func (d *Decoder) readLine() ([]byte, error) {
	d.long = d.long[:0]
	for {
		buf := d.win[d.off:]
		if d.skipLF && len(buf) > 0 {
			d.skipLF = false
			if buf[0] == '\n' {
				d.off++
				continue
			}
		}
		if i := indexLineEnd(buf); i >= 0 {
			d.skipLF = buf[i] == '\r'
			d.off += i + 1
			line := buf[:i]
			if len(d.long) > 0 {
				d.long = append(d.long, line...)
				line = d.long
			}
			if len(line) > d.maxLine {
				return nil, ErrLineTooLong
			}
			return line, nil
		}
		if err := d.fill(); err != nil {
			return nil, err
		}
	}
}

// fill hands the consumed part of the window back to the reader and
// waits for at least one more byte. The unconsumed part holds no line end;
// when it fills the whole buffer it is kept aside (d.long) as the start of
// a long line.
func (d *Decoder) fill() error {
	pending := len(d.win) - d.off
	_, _ = d.br.Discard(d.off)
	d.win, d.off = nil, 0
	if pending == d.br.Size() {
		head, _ := d.br.Peek(pending)
		d.long = append(d.long, head...)
		_, _ = d.br.Discard(pending)
		pending = 0
		if len(d.long) > d.maxLine {
			return ErrLineTooLong
		}
	}
	_, err := d.br.Peek(pending + 1)
	d.win, _ = d.br.Peek(d.br.Buffered())
	if err != nil && len(d.win) == pending {
		return err
	}
	return nil
}

// indexLineEnd returns the index of the first CR or LF in b, or -1: two
// vectorised searches, the LF first (servers end lines with LF), then a
// CR before it.
func indexLineEnd(b []byte) int {
	lf := bytes.IndexByte(b, '\n')
	head := b
	if lf >= 0 {
		head = b[:lf]
	}
	if cr := bytes.IndexByte(head, '\r'); cr >= 0 {
		return cr
	}
	return lf
}
