package server

import (
	"net"
	"syscall"
)

// DefaultUnsentBytes is how much of what a connection wrote may wait in
// the kernel, not yet sent, before the writer waits: about four ticker
// updates.
//
// A stream's writer conflates ticker and presence updates that wait in its
// queue (see conn.conflate), but only what the socket has not taken yet.
// Without a limit the kernel takes whatever the writer gives it, up to its
// send buffer (grown to megabytes on loopback), and a reader on a slow
// link then reads quotes tens of seconds old, with the chat stuck behind
// them. TCP_NOTSENT_LOWAT bounds only the bytes not yet sent: those in
// flight still grow with the congestion window, so a fast reader's
// throughput is not capped.
const DefaultUnsentBytes = 4 << 10

// LimitUnsent returns ln with the unsent bytes of each TCP connection it
// accepts limited to about n (TCP_NOTSENT_LOWAT; where the system has no
// such option, or for other connections, nothing changes). Accept has the
// concurrency of ln's.
func LimitUnsent(ln net.Listener, n int) net.Listener {
	if n <= 0 {
		return ln
	}
	return &unsentLimiter{Listener: ln, n: n}
}

type unsentLimiter struct {
	net.Listener
	n int
}

func (l *unsentLimiter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if sc, ok := c.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			// A connection that refuses the option works as before.
			_ = raw.Control(func(fd uintptr) { _ = setNotSentLowat(fd, l.n) })
		}
	}
	return c, nil
}
