package main

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"
)

func sampleResults() *results {
	mk := func(sat, p99, kb float64) *samples {
		return &samples{
			saturation: []float64{sat, sat * 1.1, sat * 0.9},
			latency: map[float64][][3]float64{
				20:  {{1, 2, p99}, {1, 2, p99}},
				100: {{2, 4, p99 * 2}, {2, 4, p99 * 2}},
			},
			ackP99:    map[float64][]float64{100: {3}},
			kbPerConn: []float64{kb},
		}
	}
	return &results{
		by:      map[string]*samples{tickertalk: mk(300000, 10, 20), bare: mk(200000, 20, 25)},
		machine: "test CPU", date: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC),
	}
}

// TestMarkdownRatios: the table divides Tickertalk's figure by bare
// r3labs's, from the medians.
func TestMarkdownRatios(t *testing.T) {
	s := settings{Rounds: 3, Subscribers: 1000, Rates: []float64{20, 100}, Idle: 10000, InFlight: 4, Duration: time.Second}
	md := sampleResults().markdown(s)
	for _, want := range []string{
		"| 200k | 300k | 1.50× |",
		"| latency p99 at 20 msg/s (before the POST → subscriber's read) | 20.0 ms | 10.0 ms | 0.50× |",
		"| 25.0 KB | 20.0 KB | 0.80× |",
		"test CPU",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("table lacks %q:\n%s", want, md)
		}
	}
}

// TestSVGIsWellFormed: the chart parses as XML and has the four series.
func TestSVGIsWellFormed(t *testing.T) {
	svg := sampleResults().svg()
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG does not parse: %v\n%s", err, svg)
		}
	}
	if n := strings.Count(svg, "<polyline"); n != 4 {
		t.Errorf("%d series, want 4", n)
	}
}

func TestSettingsRefuse(t *testing.T) {
	for _, args := range [][]string{{"--rates", "0"}, {"--rates", "x"}, {"--rounds", "0"}, {"--idle", "20000"}, {"--duration", "10ms"}} {
		if _, err := parseSettings(args, io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
