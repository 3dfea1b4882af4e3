package main

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Health probes of a storm, as a load balancer makes them: one every
// probeEvery on a new connection, each given probeTimeout.
const (
	probeEvery   = 20 * time.Millisecond
	probeTimeout = 5 * time.Second
	// maxProbes bounds the probes outstanding at once; a tick that finds
	// them all waiting is counted as "skipped".
	maxProbes = 256
)

// healthProbes measures /healthz during a storm.
type healthProbes struct {
	lat    histogram
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	failed map[string]int
}

// startHealthProbes probes url from now until stop.
func startHealthProbes(ctx context.Context, url string) *healthProbes {
	ctx, cancel := context.WithCancel(ctx)
	h := &healthProbes{cancel: cancel, failed: map[string]int{}}
	client := &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true},
		Timeout:   probeTimeout,
	}
	sem := make(chan struct{}, maxProbes)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		tk := time.NewTicker(probeEvery)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
			}
			select {
			case sem <- struct{}{}:
			default:
				h.fail("skipped (256 outstanding)")
				continue
			}
			h.wg.Add(1)
			go func() {
				defer h.wg.Done()
				defer func() { <-sem }()
				h.probe(ctx, client, url)
			}()
		}
	}()
	return h
}

func (h *healthProbes) probe(ctx context.Context, client *http.Client, url string) {
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, url, nil)
	if err != nil {
		h.fail("other")
		return
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		h.fail(failureKind(err))
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.fail("status " + resp.Status)
		return
	}
	h.lat.Record(time.Since(start))
}

func (h *healthProbes) fail(kind string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failed[kind]++
}

// stop ends the probing and waits for the probes under way.
func (h *healthProbes) stop() {
	h.cancel()
	h.wg.Wait()
}

// result returns the latencies of the probes answered 200 and the count of
// the others by kind.
func (h *healthProbes) result() (latency, map[string]int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.failed) == 0 {
		return latencyOf(&h.lat), nil
	}
	return latencyOf(&h.lat), h.failed
}
