package components

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Direction classes of a price change, used as CSS classes.
const (
	dirUp   = "up"
	dirDown = "down"
	dirFlat = "flat"
)

// formatPrice renders a price with two decimals and thousands separators.
func formatPrice(p float64) string {
	s := strconv.FormatFloat(math.Abs(p), 'f', 2, 64)
	intPart, frac := s[:len(s)-3], s[len(s)-3:]
	var out []byte
	for i := range len(intPart) {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, intPart[i])
	}
	sign := ""
	if p < 0 {
		sign = "-"
	}
	return sign + string(out) + frac
}

// direction classifies a change as up, down or flat (below a cent is flat).
func direction(change float64) string {
	switch {
	case change >= 0.005:
		return dirUp
	case change <= -0.005:
		return dirDown
	default:
		return dirFlat
	}
}

// arrow is the glyph shown before a change.
func arrow(change float64) string {
	switch direction(change) {
	case dirUp:
		return "▲"
	case dirDown:
		return "▼"
	default:
		return "•"
	}
}

// formatChange renders an absolute and percent change with explicit signs:
// "+1.23 (+1.23%)".
func formatChange(change, pct float64) string {
	return fmt.Sprintf("%s (%s%%)", signed(change), signed(pct))
}

func signed(v float64) string {
	if math.Abs(v) < 0.005 {
		return "0.00"
	}
	if v > 0 {
		return "+" + formatPrice(v)
	}
	return formatPrice(v)
}

// formatClock renders the local time of a message as HH:MM in loc.
func formatClock(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("15:04")
}
