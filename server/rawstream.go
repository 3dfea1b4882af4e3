package server

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// rawResponse is the response of an HTTP/1 stream taken over from
// net/http (hijacked): what r3labs and the conn write goes straight to the
// socket. An idle connection served by net/http keeps its goroutine (the
// frames of the handler chain, a stack of 4–8 KB), its 4 KB read buffer,
// its 4 KB write buffer, the response's 2 KB buffer and its background
// reader; a stream is written in whole batches by its conn, which needs
// none of those buffers, so they go when the handler returns, and the
// stream lives on a goroutine of its own (see serveRaw) beside a reader
// that only watches for the client going away (watch).
//
// The body is delimited by the connection's close (no chunked framing):
// an event stream has no end the server knows in advance, and a
// connection serves no request after it.
//
// Header, WriteHeader and Write are for one goroutine at a time, as a
// ResponseWriter's: r3labs's before the first Flush, then the conn's
// writer of the moment.
type rawResponse struct {
	nc     net.Conn
	header http.Header // until the head is sent
	status int
	sent   bool

	// For writeNow, set by canWriteNow: the socket, the callback that
	// writes to it (a method value made once, not per write), and the
	// callback's argument and results.
	raw    syscall.RawConn
	rawFn  func(fd uintptr) bool
	rawP   []byte
	rawN   int
	rawErr error
}

// hijackStream takes an HTTP/1 GET without a body over from net/http, or
// returns nil (HTTP/2, a body to read, a ResponseWriter that cannot), in
// which case w is as it was. pending: the client already sent bytes after
// its request (a pipelined request), which the stream would never let be
// answered.
func hijackStream(w http.ResponseWriter, r *http.Request) (raw *rawResponse, pending bool) {
	if r.ProtoMajor != 1 || r.ContentLength != 0 {
		return nil, false
	}
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, false
	}
	// brw's buffers are net/http's and are dropped here: nothing is read
	// from a stream's client, and the conn writes whole batches.
	return &rawResponse{nc: nc}, brw.Reader.Buffered() > 0
}

// Header returns the header to send with the head; after that, a map that
// goes nowhere.
func (w *rawResponse) Header() http.Header {
	if w.header == nil {
		w.header = make(http.Header)
	}
	return w.header
}

// WriteHeader sets the status of the head; only the first call counts.
func (w *rawResponse) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

// Write writes p to the socket, after the head on the first call.
func (w *rawResponse) Write(p []byte) (int, error) {
	if !w.sent {
		return w.writeHead(p)
	}
	return w.nc.Write(p)
}

// FlushError sends the head if it has not gone yet; there is nothing
// else to flush (the http.ResponseController's Flush).
func (w *rawResponse) FlushError() error {
	if w.sent {
		return nil
	}
	_, err := w.writeHead(nil)
	return err
}

// canWriteNow reports whether the socket can be written without waiting
// (writeNow): a TCP or Unix socket can where write(2) is, a net.Pipe
// cannot. Call it before writeNow.
func (w *rawResponse) canWriteNow() bool {
	sc, ok := w.nc.(syscall.Conn)
	if !ok || !hasWriteFD {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	w.raw, w.rawFn = raw, w.writeFD
	return true
}

// writeNow writes as much of p as the socket takes at once, with one
// write(2) on the non-blocking socket, and returns how much: a full
// socket gives syscall.EAGAIN. Like Write, for one goroutine at a time,
// and only once canWriteNow said yes.
func (w *rawResponse) writeNow(p []byte) (int, error) {
	w.rawP = p
	err := w.raw.Write(w.rawFn)
	n, werr := w.rawN, w.rawErr
	w.rawP, w.rawN, w.rawErr = nil, 0, nil
	if err != nil {
		return n, err
	}
	return n, werr
}

// SetWriteDeadline bounds the writes to come (the
// http.ResponseController's).
func (w *rawResponse) SetWriteDeadline(t time.Time) error { return w.nc.SetWriteDeadline(t) }

// writeHead writes the status line and the header, then p, in one write,
// and forgets the header.
func (w *rawResponse) writeHead(p []byte) (int, error) {
	w.sent = true
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Del("Transfer-Encoding")
	h.Set("Connection", "close") // the close ends the body
	if h.Get("Date") == "" {
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	var b bytes.Buffer
	b.Grow(256 + len(p))
	b.WriteString("HTTP/1.1 ")
	b.WriteString(strconv.Itoa(status))
	b.WriteByte(' ')
	b.WriteString(http.StatusText(status))
	b.WriteString("\r\n")
	_ = h.Write(&b) // values cleaned of CR and LF
	b.WriteString("\r\n")
	head := b.Len()
	b.Write(p)
	w.header = nil
	n, err := w.nc.Write(b.Bytes())
	return max(n-head, 0), err
}

// watch calls stop when the client goes away: its read returns at the
// connection's end or error, or at the first byte the client sends, which
// a stream's client never does (a pipelined request would never be
// answered). It returns once the connection is closed.
func (w *rawResponse) watch(stop func()) {
	var b [1]byte
	_, _ = w.nc.Read(b[:])
	stop()
}

// drain ends the sending side of the connection after an answer and
// reads what the client still sends, for at most drainFor and drainBytes:
// closing a socket with unread bytes resets the connection, and the
// client may then lose the answer.
func (w *rawResponse) drain() {
	if cw, ok := w.nc.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = w.nc.SetReadDeadline(time.Now().Add(drainFor))
	_, _ = io.CopyN(io.Discard, w.nc, drainBytes)
}

// drainFor and drainBytes bound drain.
const (
	drainFor   = 500 * time.Millisecond
	drainBytes = 256 << 10
)

// close closes the connection, which ends watch.
func (w *rawResponse) close() { _ = w.nc.Close() }
