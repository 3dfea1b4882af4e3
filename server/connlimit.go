package server

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"syscall"
)

// LimitListener returns ln accepting at most perAddr connections at once
// from one client address (an IPv4 address or an IPv6 /64; loopback
// addresses are not capped, as in [Options.MaxStreamsPerIP]); 0 returns
// ln itself. A connection past the cap is closed as soon as it is
// accepted, before it costs a goroutine or a read: a flood of connections
// from one address, idle or not, cannot take the process's every file
// descriptor while the others' requests wait. (It counts the TCP peer:
// behind a proxy, every client shares the proxy's address, usually
// loopback.) Accept is safe for one caller at a time, as http.Server
// calls it.
func LimitListener(ln net.Listener, perAddr int) net.Listener {
	return limitListener(ln, perAddr, false)
}

func limitListener(ln net.Listener, perAddr int, capLoopback bool) net.Listener {
	if perAddr <= 0 {
		return ln
	}
	return &connLimiter{Listener: ln, limits: newStreamLimits(0, perAddr, capLoopback)}
}

type connLimiter struct {
	net.Listener
	limits *streamLimits
}

// Accept returns the next connection within the cap, closing those past
// it.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := netip.Addr{}
		if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
			key = streamKey(ap.Addr())
		}
		if key.IsLoopback() && !l.limits.capLoopback {
			return c, nil // not capped: not counted, not wrapped
		}
		if l.limits.acquire(key) != nil {
			_ = c.Close()
			continue
		}
		return &limitedConn{Conn: c, limits: l.limits, key: key}, nil
	}
}

// limitedConn gives its place back once, on its first Close. It keeps the
// optional methods net/http uses on a *net.TCPConn: ReadFrom (sendfile for
// static files) and CloseWrite; and SyscallConn, through which LimitUnsent
// sets the socket's option and a stream writes without waiting.
type limitedConn struct {
	net.Conn
	limits *streamLimits
	key    netip.Addr
	once   sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.limits.release(c.key) })
	return err
}

func (c *limitedConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// SyscallConn returns the socket of the connection it wraps, or an error
// when that has none.
func (c *limitedConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errNoSocket
}

// errNoSocket: a connection with no socket of its own (a net.Pipe).
var errNoSocket = errors.New("no socket")

func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
