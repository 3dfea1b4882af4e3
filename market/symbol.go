package market

import (
	"errors"
	"fmt"
	"strings"
)

// Symbol rules.
const (
	// MaxSymbolLen is the longest symbol accepted.
	MaxSymbolLen = 10
	// MaxSymbols bounds the symbols of one market, and so the size of every
	// update sent to every connection.
	MaxSymbols = 100
)

// Errors of symbol lists. New and [ParseSymbols] wrap them with the
// offending value.
var (
	// ErrNoSymbols reports an empty symbol list.
	ErrNoSymbols = errors.New("market: no symbols")
	// ErrInvalidSymbol reports a symbol that breaks [ValidateSymbol].
	ErrInvalidSymbol = errors.New("market: invalid symbol")
	// ErrDuplicateSymbol reports a symbol listed twice.
	ErrDuplicateSymbol = errors.New("market: duplicate symbol")
	// ErrTooManySymbols reports more than [MaxSymbols] symbols.
	ErrTooManySymbols = errors.New("market: too many symbols")
)

// DefaultSymbols returns the symbols of a market configured without any, in
// display order. The slice is new on every call.
func DefaultSymbols() []string {
	return []string{"ACME", "GLOBEX", "INITECH", "UMBRELLA", "STARK", "WAYNE", "HOOLI", "TYRELL"}
}

// ValidateSymbol reports whether s is a ticker symbol: 1 to [MaxSymbolLen]
// characters of A-Z, 0-9 and '.', starting with a letter or digit (BRK.B is
// one). The error wraps [ErrInvalidSymbol].
func ValidateSymbol(s string) error {
	if s == "" || len(s) > MaxSymbolLen {
		return fmt.Errorf("%w %q: must be 1 to %d characters", ErrInvalidSymbol, s, MaxSymbolLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.' && i > 0:
		default:
			return fmt.Errorf("%w %q: may hold only A-Z, 0-9 and '.', and must start with a letter or digit", ErrInvalidSymbol, s)
		}
	}
	return nil
}

// ValidateSymbols reports whether symbols is a usable list: 1 to
// [MaxSymbols] valid, distinct symbols.
func ValidateSymbols(symbols []string) error {
	if len(symbols) == 0 {
		return ErrNoSymbols
	}
	if len(symbols) > MaxSymbols {
		return fmt.Errorf("%w: %d, at most %d", ErrTooManySymbols, len(symbols), MaxSymbols)
	}
	seen := make(map[string]bool, len(symbols))
	for _, s := range symbols {
		if err := ValidateSymbol(s); err != nil {
			return err
		}
		if seen[s] {
			return fmt.Errorf("%w %q", ErrDuplicateSymbol, s)
		}
		seen[s] = true
	}
	return nil
}

// ParseSymbols splits a comma-separated list such as "ACME, GLOBEX" into
// symbols, trimming spaces around each, and validates it with
// [ValidateSymbols]. Symbols are case-sensitive: "acme" is rejected rather
// than silently upper-cased.
func ParseSymbols(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		return nil, ErrNoSymbols
	}
	parts := strings.Split(list, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	if err := ValidateSymbols(parts); err != nil {
		return nil, err
	}
	return parts, nil
}
