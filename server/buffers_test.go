package server

import (
	"runtime"
	"testing"
)

// TestBuffersRecycleWithoutAllocating: once warm, giving a buffer back and
// taking one out allocates nothing. Every event on every connection does
// both, the ticker alone once a second per idle connection.
func TestBuffersRecycleWithoutAllocating(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	var b buffers
	buf := b.get()
	// sync.Pool keeps items per P: stay on one, and keep a GC from
	// emptying the pools in the middle of the count.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	allocs := testing.AllocsPerRun(1000, func() {
		b.put(append(buf, "data: {}\n\n"...))
		buf = b.get()
	})
	if allocs != 0 {
		t.Errorf("put then get allocates %v times, want 0", allocs)
	}
	if len(buf) != 0 || cap(buf) == 0 {
		t.Errorf("get returned len %d cap %d, want an empty buffer with room", len(buf), cap(buf))
	}
}

// TestBuffersDropOversizedAndNil: put keeps neither nil nor a buffer
// larger than maxPooledBuffer, and get then makes a fresh one.
func TestBuffersDropOversizedAndNil(t *testing.T) {
	var b buffers
	b.put(nil)
	b.put(make([]byte, 0, maxPooledBuffer+1))
	if got := b.get(); cap(got) > maxPooledBuffer {
		t.Errorf("get returned a buffer of cap %d, over maxPooledBuffer", cap(got))
	}
}

// BenchmarkBuffers is one put and one get, as each event on a connection
// costs: 0 allocs/op.
func BenchmarkBuffers(b *testing.B) {
	var p buffers
	buf := p.get()
	b.ReportAllocs()
	for b.Loop() {
		p.put(buf)
		buf = p.get()
	}
}
