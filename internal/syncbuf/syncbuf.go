// Package syncbuf is a byte buffer safe for concurrent writes: a log
// destination for a test that reads back what the code under test logged.
//
// Only tests import it (internal/testclient's TestOnlyTestsImportInternal
// checks that).
package syncbuf

import (
	"bytes"
	"sync"
)

// Buffer is a log destination safe for concurrent writes. Its zero value
// is empty and ready to use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
