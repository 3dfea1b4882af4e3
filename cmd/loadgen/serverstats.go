package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// serverStats is one scrape of the server's /metrics.
type serverStats struct {
	RSSBytes    float64 `json:"rssBytes"`
	Goroutines  float64 `json:"goroutines"`
	Connections float64 `json:"sseConnections"`
	Evictions   float64 `json:"evictions"`
	Delivered   float64 `json:"eventsDelivered"`
	CPUSeconds  float64 `json:"cpuSeconds"`
}

// scrapedSeries maps the unlabelled series read to their field.
var scrapedSeries = map[string]func(*serverStats, float64){
	"process_resident_memory_bytes":     func(s *serverStats, v float64) { s.RSSBytes = v },
	"go_goroutines":                     func(s *serverStats, v float64) { s.Goroutines = v },
	"tickertalk_sse_connections":        func(s *serverStats, v float64) { s.Connections = v },
	"tickertalk_evictions_total":        func(s *serverStats, v float64) { s.Evictions = v },
	"tickertalk_events_delivered_total": func(s *serverStats, v float64) { s.Delivered = v },
	"process_cpu_seconds_total":         func(s *serverStats, v float64) { s.CPUSeconds = v },
}

// scrape reads the Prometheus text at url. Series it does not know are
// ignored; a missing series stays 0.
func scrape(ctx context.Context, client *http.Client, url string) (serverStats, error) {
	var st serverStats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return st, fmt.Errorf("metrics request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return st, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		set := scrapedSeries[name]
		if set == nil {
			continue
		}
		value, _, _ = strings.Cut(value, " ") // drop a timestamp
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			set(&st, v)
		}
	}
	if err := sc.Err(); err != nil {
		return st, fmt.Errorf("read %s: %w", url, err)
	}
	return st, nil
}

// selfCPU returns the user and system CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
