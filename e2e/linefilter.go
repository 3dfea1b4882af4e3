package e2e

import (
	"bytes"
	"io"
)

// lineFilter passes whole lines to w, leaving out those that contain any of
// drop: Chromium's harmless complaints (no D-Bus in a container) would
// otherwise bury what matters in a failure's log. It is used by one writer
// at a time (the browser's output copier).
type lineFilter struct {
	w       io.Writer
	drop    []string
	partial []byte
}

// Write buffers p and writes every complete line that is not dropped.
func (f *lineFilter) Write(p []byte) (int, error) {
	f.partial = append(f.partial, p...)
	for {
		i := bytes.IndexByte(f.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := f.partial[:i+1]
		if !f.dropped(line) {
			if _, err := f.w.Write(line); err != nil {
				return len(p), err
			}
		}
		f.partial = f.partial[i+1:]
	}
}

func (f *lineFilter) dropped(line []byte) bool {
	for _, d := range f.drop {
		if bytes.Contains(line, []byte(d)) {
			return true
		}
	}
	return false
}
