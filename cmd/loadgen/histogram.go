package main

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram layout: values below histLinear are counted exactly; above,
// each power of two is split into histSub buckets, so a bucket is at most
// 1/histSub (1.6%) of its values wide, like HdrHistogram with two
// significant digits. Values are microseconds; the last bucket holds
// everything from about 2^40 µs (12 days) up.
const (
	histSubBits = 6
	histSub     = 1 << histSubBits // 64
	histLinear  = 2 * histSub      // 128
	histMaxExp  = 40
	histBuckets = histLinear + (histMaxExp-histSubBits)*histSub
)

// histogram counts durations in fixed logarithmic buckets: constant
// memory (about 18 KB) whatever the number of samples, percentiles within
// 1.6%, and an exact maximum. Record is safe for concurrent use and lock
// free; the read methods may run concurrently with Record and then see a
// recent, not necessarily consistent, state.
type histogram struct {
	counts [histBuckets]atomic.Uint64
	total  atomic.Uint64
	sumUS  atomic.Uint64
	maxUS  atomic.Uint64
}

// bucketOf returns the bucket index of v microseconds.
func bucketOf(v uint64) int {
	if v < histLinear {
		return int(v)
	}
	k := bits.Len64(v) - (histSubBits + 1) // bits shifted out, >= 1
	idx := histLinear + (k-1)*histSub + int(v>>uint(k)) - histSub
	if idx >= histBuckets {
		return histBuckets - 1
	}
	return idx
}

// bucketHigh returns the largest value that falls in bucket idx.
func bucketHigh(idx int) uint64 {
	if idx < histLinear {
		return uint64(idx)
	}
	k := (idx-histLinear)/histSub + 1
	sub := uint64((idx-histLinear)%histSub + histSub)
	return (sub+1)<<uint(k) - 1
}

// Record counts one duration; negative durations count as zero.
func (h *histogram) Record(d time.Duration) {
	us := uint64(0)
	if d > 0 {
		us = uint64(d / time.Microsecond)
	}
	h.counts[bucketOf(us)].Add(1)
	h.total.Add(1)
	h.sumUS.Add(us)
	for {
		m := h.maxUS.Load()
		if us <= m || h.maxUS.CompareAndSwap(m, us) {
			return
		}
	}
}

// Count returns the number of recorded samples.
func (h *histogram) Count() uint64 { return h.total.Load() }

// Max returns the largest recorded duration, exact to the microsecond.
func (h *histogram) Max() time.Duration { return time.Duration(h.maxUS.Load()) * time.Microsecond }

// Mean returns the mean of the recorded durations, 0 when empty.
func (h *histogram) Mean() time.Duration {
	n := h.total.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sumUS.Load()/n) * time.Microsecond
}

// Quantile returns the smallest bucket bound below which at least q (0..1)
// of the samples fall, never more than the maximum; 0 when empty.
func (h *histogram) Quantile(q float64) time.Duration {
	var n uint64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	high := uint64(0)
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			high = bucketHigh(i)
			break
		}
	}
	if m := h.maxUS.Load(); high > m {
		high = m
	}
	return time.Duration(high) * time.Microsecond
}
