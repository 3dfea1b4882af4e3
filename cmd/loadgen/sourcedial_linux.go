package main

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// bindAddressNoPort sets IP_BIND_ADDRESS_NO_PORT on the socket of c: its
// bind takes the address only, and connect picks the port knowing the
// destination, as for a socket never bound. It is a [net.Dialer.Control].
func bindAddressNoPort(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	}); err != nil {
		return fmt.Errorf("bind address without port: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("bind address without port: %w", serr)
	}
	return nil
}
