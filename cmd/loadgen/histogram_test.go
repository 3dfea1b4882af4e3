package main

import (
	"sync"
	"testing"
	"time"
)

func TestHistogramBuckets(t *testing.T) {
	for _, v := range []uint64{0, 1, 63, 127, 128, 129, 255, 256, 1000, 12345, 999999, 1 << 30, 1<<39 + 12345} {
		idx := bucketOf(v)
		if high := bucketHigh(idx); high < v {
			t.Errorf("value %d: bucket %d ends at %d, below the value", v, idx, high)
		}
		if idx > 0 {
			if prev := bucketHigh(idx - 1); prev >= v {
				t.Errorf("value %d: previous bucket %d already ends at %d", v, idx-1, prev)
			}
		}
		if high := bucketHigh(idx); float64(high-v) > float64(v)/histSub+1 {
			t.Errorf("value %d: bucket bound %d more than 1/%d away", v, high, histSub)
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	tests := []struct {
		name    string
		samples func(record func(time.Duration))
		q       float64
		want    time.Duration
	}{
		{"empty", func(func(time.Duration)) {}, 0.99, 0},
		{"one sample is every quantile", func(r func(time.Duration)) { r(7 * time.Millisecond) }, 0.5, 7 * time.Millisecond},
		{"uniform p50", uniform(10000), 0.50, 5000 * time.Microsecond},
		{"uniform p90", uniform(10000), 0.90, 9000 * time.Microsecond},
		{"uniform p99", uniform(10000), 0.99, 9900 * time.Microsecond},
		{"uniform p100 is the max", uniform(10000), 1, 10000 * time.Microsecond},
		{"outlier beyond p99", func(r func(time.Duration)) {
			for range 999 {
				r(time.Millisecond)
			}
			r(time.Second)
		}, 0.99, time.Millisecond},
		{"negative counts as zero", func(r func(time.Duration)) { r(-time.Second) }, 0.5, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h histogram
			tc.samples(h.Record)
			got := h.Quantile(tc.q)
			tol := tc.want / histSub
			if got < tc.want || got > tc.want+tol+time.Microsecond {
				t.Errorf("Quantile(%v) = %v, want %v (within +%v)", tc.q, got, tc.want, tol)
			}
		})
	}
}

func uniform(n int) func(func(time.Duration)) {
	return func(r func(time.Duration)) {
		for i := 1; i <= n; i++ {
			r(time.Duration(i) * time.Microsecond)
		}
	}
}

func TestHistogramConcurrentRecord(t *testing.T) {
	var h histogram
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				h.Record(time.Duration(g*1000+i) * time.Microsecond)
			}
		})
	}
	wg.Wait()
	if got, want := h.Count(), uint64(8000); got != want {
		t.Errorf("Count = %d, want %d", got, want)
	}
	if got, want := h.Max(), 7999*time.Microsecond; got != want {
		t.Errorf("Max = %v, want %v", got, want)
	}
	if got, want := h.Mean(), 3999*time.Microsecond; got != want {
		t.Errorf("Mean = %v, want %v", got, want)
	}
}
