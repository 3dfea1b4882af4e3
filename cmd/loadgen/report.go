package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sort"
	"time"
)

// result is everything a run measured. Latencies are milliseconds.
type result struct {
	URL         string  `json:"url"`
	Subscribers int     `json:"subscribers"`
	Rooms       int     `json:"rooms"`
	Rate        float64 `json:"rate"`
	InFlight    int     `json:"inFlight,omitempty"`
	Senders     int     `json:"senders"`
	Duration    string  `json:"duration"`
	Size        int     `json:"size"`

	Connections connStats `json:"connections"`
	Messages    sendStats `json:"messages"`
	Deliveries  delivery  `json:"deliveries"`
	Latency     latency   `json:"latencyMs"`
	Server      memory    `json:"server"`
}

type connStats struct {
	Attempted      int               `json:"attempted"`
	Established    int64             `json:"established"`
	Failed         int               `json:"failed"`
	FailedByKind   map[string]int    `json:"failedByKind,omitempty"`
	FailureExample map[string]string `json:"failureExample,omitempty"`
	Dropped        int               `json:"droppedDuringRun"`
	Seconds        float64           `json:"connectSeconds"`
}

type sendStats struct {
	Attempted      int64             `json:"attempted"`
	Created        int64             `json:"created"`
	Skipped        int64             `json:"skipped"`
	ErrorsByStatus map[string]int    `json:"errorsByStatus,omitempty"`
	ErrorExample   map[string]string `json:"errorExample,omitempty"`
	AckLatency     latency           `json:"ackLatencyMs"`
}

type delivery struct {
	Expected            int64   `json:"expected"`
	Received            int64   `json:"received"`
	Lost                int64   `json:"lost"`
	Duplicates          uint64  `json:"duplicates"`
	OutOfOrder          uint64  `json:"outOfOrder"`
	BadIDs              uint64  `json:"badIds"`
	Unacknowledged      int64   `json:"unacknowledged"`
	SubscribersWithLoss int     `json:"subscribersWithLoss"`
	OtherEvents         int64   `json:"otherEvents"`
	PerSecond           float64 `json:"perSecond"`
	Seconds             float64 `json:"seconds"`
}

type latency struct {
	Count uint64  `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
	Mean  float64 `json:"mean"`
}

type memory struct {
	Before        *serverStats `json:"before,omitempty"`
	Connected     *serverStats `json:"connected,omitempty"`
	After         *serverStats `json:"after,omitempty"`
	KBPerConn     float64      `json:"kbPerIdleConnection"`
	GoroutinesPer float64      `json:"goroutinesPerConnection"`
	Evictions     float64      `json:"evictions"`
	// CPUPercent is the server's CPU use from connected to after the run,
	// in percent of one core; LoadgenCPUPercent the same for this process.
	CPUPercent        float64 `json:"cpuPercent"`
	LoadgenCPUPercent float64 `json:"loadgenCpuPercent"`
	ScrapeError       string  `json:"scrapeError,omitempty"`
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

func latencyOf(h *histogram) latency {
	return latency{
		Count: h.Count(),
		P50:   ms(h.Quantile(0.50)),
		P90:   ms(h.Quantile(0.90)),
		P99:   ms(h.Quantile(0.99)),
		P999:  ms(h.Quantile(0.999)),
		Max:   ms(h.Max()),
		Mean:  ms(h.Mean()),
	}
}

// tallyDeliveries compares what each connected subscriber received with
// what was acknowledged in its room.
func tallyDeliveries(subs []*subscriber, acked []uint64, ackedRooms []int64) delivery {
	var d delivery
	for _, s := range subs {
		if !s.connected {
			continue
		}
		d.Expected += ackedRooms[s.room]
		var got int64
		for i, w := range s.seen {
			if i < len(acked) {
				got += int64(bits.OnesCount64(w & acked[i]))
			}
		}
		d.Received += got
		d.Unacknowledged += int64(s.got) - got
		if lost := ackedRooms[s.room] - got; lost > 0 {
			d.Lost += lost
			d.SubscribersWithLoss++
		}
		d.Duplicates += s.dups
		d.OutOfOrder += s.ooo
		d.BadIDs += s.badID
	}
	return d
}

// ok reports whether the run saw nothing wrong: every connection opened
// and stayed, every message was acknowledged and delivered once, in order.
func (r *result) ok() bool {
	return r.Connections.Failed == 0 && r.Connections.Dropped == 0 &&
		len(r.Messages.ErrorsByStatus) == 0 && r.Messages.Skipped == 0 &&
		r.Deliveries.Lost == 0 && r.Deliveries.Duplicates == 0 &&
		r.Deliveries.OutOfOrder == 0 && r.Deliveries.BadIDs == 0
}

func (r *result) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (r *result) writeText(w io.Writer) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	load := fmt.Sprintf("rate=%g/s", r.Rate)
	if r.InFlight > 0 {
		load = fmt.Sprintf("saturation (%d in flight)", r.InFlight)
	}
	p("target        %s  subscribers=%d rooms=%d %s senders=%d duration=%s size=%d",
		r.URL, r.Subscribers, r.Rooms, load, r.Senders, r.Duration, r.Size)
	c := r.Connections
	p("connections   established %d/%d in %.2fs, failed %d, dropped during run %d", c.Established, c.Attempted, c.Seconds, c.Failed, c.Dropped)
	for _, k := range sortedKeys(c.FailedByKind) {
		p("              failed %-20s %d  e.g. %s", k, c.FailedByKind[k], c.FailureExample[k])
	}
	m := r.Messages
	p("messages      attempted %d, created (201) %d, skipped (%d posts in flight) %d", m.Attempted, m.Created, maxInFlight, m.Skipped)
	for _, k := range sortedKeys(m.ErrorsByStatus) {
		p("              status %-8s %d  %s", k, m.ErrorsByStatus[k], m.ErrorExample[k])
	}
	p("ack latency   p50 %.2f ms  p99 %.2f ms  max %.2f ms", m.AckLatency.P50, m.AckLatency.P99, m.AckLatency.Max)
	d := r.Deliveries
	p("deliveries    received %d of %d expected, lost %d (%d subscribers), duplicates %d, out of order %d, bad ids %d, unacknowledged %d",
		d.Received, d.Expected, d.Lost, d.SubscribersWithLoss, d.Duplicates, d.OutOfOrder, d.BadIDs, d.Unacknowledged)
	p("throughput    %.0f deliveries/s over %.2fs (plus %d other events: ticker, presence, pings)", d.PerSecond, d.Seconds, d.OtherEvents)
	l := r.Latency
	p("latency       p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms  (mean %.2f ms, %d samples)",
		l.P50, l.P90, l.P99, l.P999, l.Max, l.Mean, l.Count)
	s := r.Server
	if s.ScrapeError != "" {
		p("server        metrics unavailable: %s", s.ScrapeError)
	}
	if s.Before != nil && s.Connected != nil {
		p("server        RSS %.1f MB before, %.1f MB connected → %.1f KB per idle connection; goroutines %.0f → %.0f (%.2f per connection)",
			s.Before.RSSBytes/1e6, s.Connected.RSSBytes/1e6, s.KBPerConn, s.Before.Goroutines, s.Connected.Goroutines, s.GoroutinesPer)
	}
	if s.After != nil {
		p("server        RSS %.1f MB after the run, evictions during the run %.0f; CPU while running: server %.0f%%, loadgen %.0f%% of one core",
			s.After.RSSBytes/1e6, s.Evictions, s.CPUPercent, s.LoadgenCPUPercent)
	}
	verdict := "OK"
	if !r.ok() {
		verdict = "FAILED (see above)"
	}
	p("verdict       %s", verdict)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
