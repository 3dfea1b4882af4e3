package market

// ring holds the last len(buf) prices of a symbol without allocating per
// tick.
type ring struct {
	buf   []float64
	start int // index of the oldest value
	n     int // number of values held
}

func newRing(size int) ring { return ring{buf: make([]float64, size)} }

// push appends p, dropping the oldest value when full.
func (r *ring) push(p float64) {
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = p
		r.n++
		return
	}
	r.buf[r.start] = p
	r.start = (r.start + 1) % len(r.buf)
}

// reset replaces the content with the newest len(r.buf) values of ps.
func (r *ring) reset(ps []float64) {
	r.start, r.n = 0, 0
	if len(ps) > len(r.buf) {
		ps = ps[len(ps)-len(r.buf):]
	}
	for _, p := range ps {
		r.push(p)
	}
}

// values returns a new slice of the values, oldest first.
func (r *ring) values() []float64 {
	out := make([]float64, r.n)
	for i := range out {
		out[i] = r.buf[(r.start+i)%len(r.buf)]
	}
	return out
}
