package market

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	tt "tickertalk/app"
)

// Defaults of [Config] fields left zero.
const (
	// DefaultHistoryLen is how many recent prices per symbol a snapshot
	// carries for sparklines.
	DefaultHistoryLen = 60
	// DefaultDrift is the expected return per simulated year.
	DefaultDrift = 0.05
	// DefaultVolatility is the standard deviation of the log return per
	// simulated year.
	DefaultVolatility = 0.4
	// DefaultYear is the wall-clock length of a simulated year. With the
	// other defaults a one-second tick moves a price by about 0.27% (one
	// standard deviation): visible on every tick, yet not wild.
	DefaultYear = 6 * time.Hour
	// MaxHistoryLen bounds [Config.HistoryLen].
	MaxHistoryLen = 10000
	// MinPrice is the floor of every price: prices never reach zero.
	MinPrice = 0.01
)

// ErrInvalidConfig reports a [Config] field out of range; New wraps it with
// the field and the value.
var ErrInvalidConfig = errors.New("market: invalid config")

// Config describes a market. Zero fields take the defaults above.
type Config struct {
	// Symbols in display order; nil means [DefaultSymbols]. See
	// [ValidateSymbols].
	Symbols []string
	// Seed of the random source; 0 picks one from the clock (see
	// [Market.Seed]).
	Seed int64
	// Tick is the interval of [Market.Run] and the time step of the
	// simulation; 0 means [tt.DefaultTick].
	Tick time.Duration
	// HistoryLen is how many recent prices per symbol [Market.Snapshot]
	// returns, 1 to [MaxHistoryLen]; 0 means [DefaultHistoryLen].
	HistoryLen int
	// Drift (mu) and Volatility (sigma, >= 0) are per simulated year; 0
	// means [DefaultDrift] and [DefaultVolatility].
	Drift, Volatility float64
	// Year is the wall-clock length of a simulated year; 0 means
	// [DefaultYear].
	Year time.Duration
}

// stock is the state of one symbol. price is kept unrounded so that rounding
// to cents never biases the walk; quote is what was last published.
type stock struct {
	price float64
	quote tt.Quote
	hist  ring
}

// Market is a simulated market. Its methods are safe for concurrent use.
type Market struct {
	symbols []string
	tick    time.Duration
	seed    int64
	// mean and stddev of the log return of one tick.
	mu, sigma float64

	lock   sync.Mutex
	rng    *rand.Rand
	stocks []stock
	index  map[string]int
}

// New returns a market whose opening prices (20 to 500) and the pre-opening
// history (HistoryLen-1 prices ending at the opening price, so sparklines
// draw from the first snapshot) are drawn from the seed. It fails with
// [ErrNoSymbols], [ErrInvalidSymbol], [ErrDuplicateSymbol],
// [ErrTooManySymbols] or [ErrInvalidConfig].
func New(cfg Config) (*Market, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Seed == 0 {
		cfg.Seed = time.Now().UnixNano()
	}
	dt := float64(cfg.Tick) / float64(cfg.Year)
	m := &Market{
		symbols: append([]string(nil), cfg.Symbols...),
		tick:    cfg.Tick,
		seed:    cfg.Seed,
		mu:      (cfg.Drift - cfg.Volatility*cfg.Volatility/2) * dt,
		sigma:   cfg.Volatility * math.Sqrt(dt),
		rng:     rand.New(rand.NewPCG(uint64(cfg.Seed), 0x7469636b65727461)),
		stocks:  make([]stock, len(cfg.Symbols)),
		index:   make(map[string]int, len(cfg.Symbols)),
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i, sym := range m.symbols {
		m.index[sym] = i
		open := roundCents(20 + 480*m.rng.Float64())
		s := &m.stocks[i]
		s.price = open
		s.quote = quote(sym, open, open, now)
		s.hist = newRing(cfg.HistoryLen)
		m.prefill(s, cfg.HistoryLen-1)
	}
	return m, nil
}

// withDefaults fills zero fields and validates the others.
func withDefaults(cfg Config) (Config, error) {
	if cfg.Symbols == nil {
		cfg.Symbols = DefaultSymbols()
	}
	if err := ValidateSymbols(cfg.Symbols); err != nil {
		return cfg, err
	}
	if cfg.Tick == 0 {
		cfg.Tick = tt.DefaultTick
	}
	if cfg.HistoryLen == 0 {
		cfg.HistoryLen = DefaultHistoryLen
	}
	if cfg.Drift == 0 {
		cfg.Drift = DefaultDrift
	}
	if cfg.Volatility == 0 {
		cfg.Volatility = DefaultVolatility
	}
	if cfg.Year == 0 {
		cfg.Year = DefaultYear
	}
	switch {
	case cfg.Tick < 0:
		return cfg, fmt.Errorf("%w: Tick %v must be positive", ErrInvalidConfig, cfg.Tick)
	case cfg.HistoryLen < 1 || cfg.HistoryLen > MaxHistoryLen:
		return cfg, fmt.Errorf("%w: HistoryLen %d must be 1 to %d", ErrInvalidConfig, cfg.HistoryLen, MaxHistoryLen)
	case math.IsNaN(cfg.Drift) || math.IsInf(cfg.Drift, 0):
		return cfg, fmt.Errorf("%w: Drift %v must be finite", ErrInvalidConfig, cfg.Drift)
	case !(cfg.Volatility > 0) || math.IsInf(cfg.Volatility, 0):
		return cfg, fmt.Errorf("%w: Volatility %v must be positive and finite", ErrInvalidConfig, cfg.Volatility)
	case cfg.Year < 0:
		return cfg, fmt.Errorf("%w: Year %v must be positive", ErrInvalidConfig, cfg.Year)
	}
	return cfg, nil
}

// prefill walks n ticks backwards from the opening price and records them
// oldest first, then the opening price.
func (m *Market) prefill(s *stock, n int) {
	back := make([]float64, n)
	p := s.price
	for i := n - 1; i >= 0; i-- {
		p = math.Max(p/math.Exp(m.mu+m.sigma*m.rng.NormFloat64()), MinPrice)
		back[i] = roundCents(p)
	}
	for _, p := range back {
		s.hist.push(p)
	}
	s.hist.push(s.quote.Price)
}

// Seed returns the seed in use: the configured one, or the one picked from
// the clock. A market made with it replays the same prices.
func (m *Market) Seed() int64 { return m.seed }

// Tick returns the interval of [Market.Run].
func (m *Market) Tick() time.Duration { return m.tick }

// Symbols returns the symbols in display order (a copy).
func (m *Market) Symbols() []string { return append([]string(nil), m.symbols...) }

// quote builds a consistent quote: Change and ChangePct follow from the
// rounded price and open.
func quote(sym string, price, open float64, now time.Time) tt.Quote {
	change := roundCents(price - open)
	return tt.Quote{
		Symbol:    sym,
		Price:     price,
		Open:      open,
		Change:    change,
		ChangePct: roundCents(100 * change / open),
		Time:      now,
	}
}

// roundCents rounds x to two decimals.
func roundCents(x float64) float64 { return math.Round(x*100) / 100 }
