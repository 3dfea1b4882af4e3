package server

import (
	"net"
	"syscall"
	"testing"
)

// TestLimitUnsentSetsTheLowWaterMark: every TCP connection the listener
// accepts has TCP_NOTSENT_LOWAT at the limit given, also one that
// LimitListener wrapped (as node stacks them); 0 leaves the listener as it
// is.
func TestLimitUnsentSetsTheLowWaterMark(t *testing.T) {
	tests := []struct {
		name    string
		limit   int
		want    int  // 0: the kernel's default, read from a plain listener
		limited bool // accepted through limitListener first, wrapped
	}{
		{"the default limit", DefaultUnsentBytes, DefaultUnsentBytes, false},
		{"another limit", 16 << 10, 16 << 10, false},
		{"behind the per-address cap", DefaultUnsentBytes, DefaultUnsentBytes, true},
		{"no limit", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			if tc.limited {
				inner = limitListener(inner, 2, true) // loopback capped: wrapped
			}
			ln := LimitUnsent(inner, tc.limit)
			t.Cleanup(func() { ln.Close() })
			if tc.limit == 0 && ln != inner {
				t.Fatal("LimitUnsent(ln, 0) wrapped the listener")
			}
			_, c := dialAccepted(t, ln)
			sc, ok := c.(syscall.Conn)
			if !ok {
				t.Fatalf("the accepted %T has no socket to reach", c)
			}
			raw, err := sc.SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			var got int
			var gerr error
			if err := raw.Control(func(fd uintptr) { got, gerr = notSentLowat(fd) }); err != nil || gerr != nil {
				t.Fatal(err, gerr)
			}
			want := tc.want
			if want == 0 { // unset: the system-wide net.ipv4.tcp_notsent_lowat
				want = got
				if got == DefaultUnsentBytes {
					t.Fatalf("an unlimited connection has the limit %d", got)
				}
			}
			if got != want {
				t.Errorf("TCP_NOTSENT_LOWAT = %d, want %d", got, want)
			}
		})
	}
}
