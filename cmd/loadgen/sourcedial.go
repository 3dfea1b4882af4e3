package main

import (
	"net"
	"time"
)

// sourceDialer returns a dialer whose sockets have source as their local
// address (nil: the kernel's choice), each dial bounded by timeout.
//
// A local address means a bind before the connect, and a bind with port 0
// makes the kernel search its ephemeral range for a port no other socket
// holds, under a lock that also holds off the machine's loopback traffic:
// with 10,000 streams open that search took 90 % of the load generator's
// CPU in a storm, the server starved beside it, and dials timed out with
// no SYN lost (see docs/performance.md, "Reconnect storms"). So the socket
// asks for the port to be chosen at connect instead
// ([bindAddressNoPort]), as a dial without a local address does.
func sourceDialer(source net.IP, timeout time.Duration) *net.Dialer {
	d := &net.Dialer{Timeout: timeout}
	if source != nil {
		d.LocalAddr = &net.TCPAddr{IP: source}
		d.Control = bindAddressNoPort
	}
	return d
}
