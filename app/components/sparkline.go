package components

import (
	"strconv"
	"strings"
)

// Sparkline geometry, in SVG user units.
const (
	sparkWidth  = 120
	sparkHeight = 32
	sparkPoints = 60
)

// sparklinePath returns the SVG path data ("M x,y L x,y ...") drawing prices
// left to right across w×h, the lowest price at the bottom. It returns ""
// for fewer than two prices. A flat series is drawn across the middle.
func sparklinePath(prices []float64, w, h float64) string {
	if len(prices) < 2 {
		return ""
	}
	lo, hi := prices[0], prices[0]
	for _, p := range prices {
		lo, hi = min(lo, p), max(hi, p)
	}
	const pad = 1.0
	var b strings.Builder
	step := w / float64(len(prices)-1)
	for i, p := range prices {
		y := h / 2
		if hi > lo {
			y = pad + (hi-p)/(hi-lo)*(h-2*pad)
		}
		if i == 0 {
			b.WriteString("M")
		} else {
			b.WriteString(" L")
		}
		b.WriteString(strconv.FormatFloat(float64(i)*step, 'f', 1, 64))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(y, 'f', 1, 64))
	}
	return b.String()
}

// appendPrice returns a new slice holding series then p, keeping the last
// limit prices. It never modifies series' backing array, so a component
// holding the old slice still sees the old values.
func appendPrice(series []float64, p float64, limit int) []float64 {
	out := make([]float64, 0, min(len(series)+1, limit))
	start := max(0, len(series)+1-limit)
	if start < len(series) {
		out = append(out, series[start:]...)
	}
	return append(out, p)
}

// seriesFrom starts a sparkline from a server history (oldest first),
// ending with price unless the history already does, keeping the last
// limit prices.
func seriesFrom(history []float64, price float64, limit int) []float64 {
	if len(history) > 0 && history[len(history)-1] == price {
		return appendPrice(history[:len(history)-1], price, limit)
	}
	return appendPrice(history, price, limit)
}
