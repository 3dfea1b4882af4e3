//go:build unix

package node

import (
	"fmt"
	"syscall"
)

// raiseFDLimit raises the soft limit of open files to the hard one, and
// returns both as they then are. (The Go runtime usually raised it already
// at start; this makes sure and reports it.)
func raiseFDLimit() (soft, hard uint64, err error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, 0, fmt.Errorf("read RLIMIT_NOFILE: %w", err)
	}
	if l.Cur < l.Max {
		raised := l
		raised.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
			return uint64(l.Cur), uint64(l.Max), fmt.Errorf("raise RLIMIT_NOFILE from %d to %d: %w", l.Cur, l.Max, err)
		}
		l = raised
	}
	return uint64(l.Cur), uint64(l.Max), nil
}
