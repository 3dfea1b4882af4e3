//go:build unix

package server

import "syscall"

// hasWriteFD: write(2) is there: see writeFD.
const hasWriteFD = true

// writeFD is writeNow's callback: one write, and done whatever it gave
// (true: RawConn.Write must not wait for the socket).
func (w *rawResponse) writeFD(fd uintptr) bool {
	for {
		n, err := syscall.Write(int(fd), w.rawP)
		if err == syscall.EINTR {
			continue
		}
		w.rawN, w.rawErr = max(n, 0), err
		return true
	}
}
