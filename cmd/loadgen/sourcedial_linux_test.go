package main

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestSourceDialerLeavesThePortToConnect checks that a socket bound to a
// source address asks the kernel to pick its port at connect: a bind with
// port 0 searches the whole ephemeral range under a lock, which made the
// load generator its own bottleneck in a storm of 10,000.
func TestSourceDialerLeavesThePortToConnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	for _, tc := range []struct {
		name   string
		source net.IP
		want   int
	}{
		{"with a source address", net.IPv4(127, 0, 0, 1), 1},
		{"without one (no bind at all)", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := sourceDialer(tc.source, 5*time.Second).Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			if tc.source != nil {
				if got := conn.LocalAddr().(*net.TCPAddr).IP; !got.Equal(tc.source) {
					t.Errorf("local address %v, want %v", got, tc.source)
				}
			}
			rc, err := conn.(*net.TCPConn).SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			var v int
			var gerr error
			if err := rc.Control(func(fd uintptr) {
				v, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT)
			}); err != nil {
				t.Fatal(err)
			}
			if gerr != nil {
				t.Fatal(gerr)
			}
			if v != tc.want {
				t.Errorf("IP_BIND_ADDRESS_NO_PORT = %d, want %d", v, tc.want)
			}
		})
	}
}
