package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// ratio formats a/b.
func ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// latencyAt returns the median over the rounds of percentile i (0 p50,
// 1 p90, 2 p99) at rate.
func (s *samples) latencyAt(rate float64, i int) float64 {
	var v []float64
	for _, l := range s.latency[rate] {
		v = append(v, l[i])
	}
	return median(v)
}

// markdown is the table of ratios and the latencies at every rate.
func (r *results) markdown(s settings) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	tt, br := r.by[tickertalk], r.by[bare]
	pin := "not pinned"
	if r.pinned {
		pin = "server on core 0, loadgen on core 1 (taskset)"
	}
	p("Measured %s on %s; %s; one-minute load average %s before, %s after; median of %d rounds (A B alternated, a fresh server per figure); %d subscribers in one room, %v per run.",
		r.date.Format("2006-01-02 15:04 UTC"), r.machine, pin, r.loadStart, r.loadEnd, s.Rounds, s.Subscribers, s.Duration)
	p("")
	p("| figure | bare r3labs | Tickertalk | ratio | goal |")
	p("|---|---|---|---|---|")
	satT, satB := median(tt.saturation), median(br.saturation)
	p("| fan-out, deliveries/s at saturation (POST /send, %d in flight) | %.0fk | %.0fk | %s | ≥ 1.2× |", s.InFlight, satB/1000, satT/1000, ratio(satT, satB))
	for _, rate := range []float64{20, 100} {
		if _, ok := tt.latency[rate]; !ok {
			continue
		}
		a, c := br.latencyAt(rate, 2), tt.latencyAt(rate, 2)
		p("| latency p99 at %g msg/s (before the POST → subscriber's read) | %.1f ms | %.1f ms | %s | ≤ 1.0× |", rate, a, c, ratio(c, a))
	}
	if _, ok := tt.ackP99[100]; ok {
		p("| POST /send acknowledgement p99 at 100 msg/s | %.1f ms | %.1f ms | %s | ≤ 10 ms |", median(br.ackP99[100]), median(tt.ackP99[100]), ratio(median(tt.ackP99[100]), median(br.ackP99[100])))
	}
	if s.Idle > 0 {
		a, c := median(br.kbPerConn), median(tt.kbPerConn)
		p("| server RSS per idle connection, %d connections | %.1f KB | %.1f KB | %s | ≤ 1.0× |", s.Idle, a, c, ratio(c, a))
	}
	p("")
	p("Latency percentiles (ms) against message rate, %d subscribers:", s.Subscribers)
	p("")
	p("| msg/s | bare p50 | bare p90 | bare p99 | Tickertalk p50 | Tickertalk p90 | Tickertalk p99 |")
	p("|---|---|---|---|---|---|---|")
	for _, rate := range s.Rates {
		p("| %g | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |", rate,
			br.latencyAt(rate, 0), br.latencyAt(rate, 1), br.latencyAt(rate, 2),
			tt.latencyAt(rate, 0), tt.latencyAt(rate, 1), tt.latencyAt(rate, 2))
	}
	for _, n := range r.notes {
		p("")
		p("Note: %s.", n)
	}
	return b.String()
}

// svg draws p50 and p99 latency against message rate for both servers,
// the rates evenly spaced, the latency on a log scale.
func (r *results) svg() string {
	const w, h, left, right, top, bottom = 720, 420, 70, 170, 40, 60
	var rates []float64
	for rate := range r.by[tickertalk].latency {
		rates = append(rates, rate)
	}
	sortFloats(rates)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range r.by {
		for _, rate := range rates {
			for _, i := range []int{0, 2} {
				if v := s.latencyAt(rate, i); v > 0 {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 1, 10
	}
	lo, hi = math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))
	if hi <= lo {
		hi = lo * 10
	}
	x := func(i int) float64 {
		if len(rates) < 2 {
			return left + (w-left-right)/2
		}
		return left + float64(i)*float64(w-left-right)/float64(len(rates)-1)
	}
	y := func(v float64) float64 {
		return top + (math.Log10(hi)-math.Log10(math.Max(v, lo)))/(math.Log10(hi)-math.Log10(lo))*float64(h-top-bottom)
	}
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`, w, h, w, h)
	p(`<rect width="100%%" height="100%%" fill="white"/>`)
	p(`<text x="%d" y="22" font-size="14" font-weight="bold">%s</text>`, left, html.EscapeString("End-to-end latency against message rate ("+r.date.Format("2006-01-02")+")"))
	for d := lo; d <= hi*1.0001; d *= 10 {
		p(`<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%g ms</text>`, left, w-right, y(d), y(d), left-6, y(d)+4, d)
	}
	for i, rate := range rates {
		p(`<text x="%.1f" y="%d" text-anchor="middle">%g</text>`, x(i), h-bottom+18, rate)
	}
	p(`<text x="%d" y="%d" text-anchor="middle">messages per second (one room)</text>`, (left+w-right)/2, h-bottom+40)
	p(`<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="black"/>`, left, w-right, h-bottom, h-bottom)
	p(`<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="black"/>`, left, left, top, h-bottom)
	series := []struct {
		server, label, color, dash string
		pct                        int
	}{
		{tickertalk, "Tickertalk p99", "#1f6feb", "6 4", 2},
		{tickertalk, "Tickertalk p50", "#1f6feb", "", 0},
		{bare, "bare r3labs p99", "#d9480f", "6 4", 2},
		{bare, "bare r3labs p50", "#d9480f", "", 0},
	}
	for k, s := range series {
		var pts []string
		for i, rate := range rates {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(r.by[s.server].latencyAt(rate, s.pct))))
		}
		p(`<polyline fill="none" stroke="%s" stroke-width="2" stroke-dasharray="%s" points="%s"/>`, s.color, s.dash, strings.Join(pts, " "))
		for _, pt := range pts {
			xy := strings.Split(pt, ",")
			p(`<circle cx="%s" cy="%s" r="3" fill="%s"/>`, xy[0], xy[1], s.color)
		}
		ly := top + 10 + k*20
		p(`<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2" stroke-dasharray="%s"/><text x="%d" y="%d">%s</text>`,
			w-right+12, w-right+40, ly, ly, s.color, s.dash, w-right+46, ly+4, html.EscapeString(s.label))
	}
	p(`</svg>`)
	return b.String()
}

func sortFloats(v []float64) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}
