//go:build !unix

package server

import "syscall"

// hasWriteFD: no write(2): rawResponse.writeNow is not used.
const hasWriteFD = false

// writeFD is writeNow's callback. Without write(2) it writes nothing and
// reports a full socket, so that every batch goes to the writer.
func (w *rawResponse) writeFD(uintptr) bool {
	w.rawN, w.rawErr = 0, syscall.EAGAIN
	return true
}
