package server

import "sync"

// maxPooledBuffer is the largest event buffer kept for reuse: a ticker
// update or a few chat messages. The rare larger one (a replay, a batch
// that piled up) goes to the garbage collector.
const maxPooledBuffer = 4 << 10

// buffers recycles the byte slices that carry events from r3labs to the
// socket, so that an idle connection holds none of them between events and
// a busy one does not allocate one per event. Safe for concurrent use.
//
// sync.Pool holds interface values, and a slice header put in one escapes
// to the heap: a 24-byte allocation on every put, several times a second
// per connection (the ticker alone is one put a second per connection).
// So the pool holds *[]byte boxes, and the boxes emptied by get go to a
// second pool for put to fill: in the steady state neither get nor put
// allocates.
type buffers struct {
	pool  sync.Pool // *[]byte holding a buffer
	boxes sync.Pool // *[]byte holding nil, for put to reuse
}

// get returns an empty buffer.
func (b *buffers) get() []byte {
	if p, ok := b.pool.Get().(*[]byte); ok {
		buf := (*p)[:0]
		*p = nil // the box must not keep the buffer alive
		b.boxes.Put(p)
		return buf
	}
	return make([]byte, 0, 512)
}

// put gives buf back; the caller must not touch it again. Nil and oversized
// buffers are dropped without an allocation: put runs several times per
// event and connection, most often with nil.
func (b *buffers) put(buf []byte) {
	if cap(buf) == 0 || cap(buf) > maxPooledBuffer {
		return
	}
	p, ok := b.boxes.Get().(*[]byte)
	if !ok {
		p = new([]byte) // not &buf: that would move buf to the heap on every call
	}
	*p = buf
	b.pool.Put(p)
}
