package market

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
)

// t0 is a fixed clock for deterministic comparisons.
var t0 = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

func mustNew(tb testing.TB, cfg Config) *Market {
	tb.Helper()
	m, err := New(cfg)
	if err != nil {
		tb.Fatalf("New(%+v): %v", cfg, err)
	}
	return m
}

// prices returns the prices of u in order.
func prices(u tt.TickerUpdate) []float64 {
	out := make([]float64, len(u.Quotes))
	for i, q := range u.Quotes {
		out[i] = q.Price
	}
	return out
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"empty symbols", Config{Symbols: []string{}}, ErrNoSymbols},
		{"blank symbol", Config{Symbols: []string{"ACME", ""}}, ErrInvalidSymbol},
		{"lower case", Config{Symbols: []string{"acme"}}, ErrInvalidSymbol},
		{"too long", Config{Symbols: []string{"ABCDEFGHIJK"}}, ErrInvalidSymbol},
		{"duplicate", Config{Symbols: []string{"ACME", "GLOBEX", "ACME"}}, ErrDuplicateSymbol},
		{"negative tick", Config{Tick: -time.Second}, ErrInvalidConfig},
		{"negative history", Config{HistoryLen: -1}, ErrInvalidConfig},
		{"huge history", Config{HistoryLen: MaxHistoryLen + 1}, ErrInvalidConfig},
		{"NaN drift", Config{Drift: math.NaN()}, ErrInvalidConfig},
		{"infinite drift", Config{Drift: math.Inf(1)}, ErrInvalidConfig},
		{"negative volatility", Config{Volatility: -0.1}, ErrInvalidConfig},
		{"NaN volatility", Config{Volatility: math.NaN()}, ErrInvalidConfig},
		{"infinite volatility", Config{Volatility: math.Inf(1)}, ErrInvalidConfig},
		{"negative year", Config{Year: -time.Hour}, ErrInvalidConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := New(tc.cfg)
			if !errors.Is(err, tc.want) {
				t.Fatalf("New() = %v, %v; want error %v", m, err, tc.want)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	m := mustNew(t, Config{})
	if got, want := m.Symbols(), DefaultSymbols(); !slices.Equal(got, want) {
		t.Errorf("Symbols() = %q, want %q", got, want)
	}
	if got, want := m.Tick(), tt.DefaultTick; got != want {
		t.Errorf("Tick() = %v, want %v", got, want)
	}
	if m.Seed() == 0 {
		t.Error("Seed() = 0, want one picked from the clock")
	}
	snap := m.Snapshot()
	for _, q := range snap.Quotes {
		if q.Price < 20 || q.Price > 500 || q.Open != q.Price || q.Change != 0 || q.ChangePct != 0 {
			t.Errorf("opening quote %+v: want price in 20..500, equal to open, no change", q)
		}
		if q.Time.IsZero() || q.Time.Location() != time.UTC {
			t.Errorf("opening quote time %v: want now in UTC", q.Time)
		}
		h := snap.History[q.Symbol]
		if len(h) != DefaultHistoryLen || h[len(h)-1] != q.Price {
			t.Errorf("history of %s = %d values ending %v, want %d ending at the open %v",
				q.Symbol, len(h), h[len(h)-1], DefaultHistoryLen, q.Price)
		}
	}
}

func TestDeterminism(t *testing.T) {
	type run struct {
		open    []float64
		history map[string][]float64
		steps   [][]float64
	}
	play := func(seed int64) run {
		m := mustNew(t, Config{Seed: seed})
		snap := m.Snapshot()
		r := run{open: prices(snap), history: snap.History}
		for i := range 500 {
			r.steps = append(r.steps, prices(m.Step(t0.Add(time.Duration(i)*time.Second))))
		}
		return r
	}
	a, b, c := play(42), play(42), play(43)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two markets with seed 42 differ")
	}
	if reflect.DeepEqual(a.open, c.open) || reflect.DeepEqual(a.history, c.history) || reflect.DeepEqual(a.steps, c.steps) {
		t.Fatal("seeds 42 and 43 give the same market")
	}
	// The time passed to Step must not influence prices.
	m1, m2 := mustNew(t, Config{Seed: 7}), mustNew(t, Config{Seed: 7})
	for i := range 100 {
		p1 := prices(m1.Step(t0))
		p2 := prices(m2.Step(t0.Add(time.Duration(i) * time.Hour)))
		if !slices.Equal(p1, p2) {
			t.Fatalf("step %d: prices depend on the clock: %v vs %v", i, p1, p2)
		}
	}
}

func TestStepQuotes(t *testing.T) {
	syms := []string{"ZED", "ACME", "BRK.B"}
	m := mustNew(t, Config{Symbols: syms, Seed: 1})
	opens := prices(m.Snapshot())
	moved := false
	for i := range 1000 {
		now := t0.Add(time.Duration(i) * time.Second).In(time.FixedZone("X", 3600)).Add(123456 * time.Nanosecond)
		u := m.Step(now)
		if u.History != nil {
			t.Fatalf("Step returned History %v", u.History)
		}
		if len(u.Quotes) != len(syms) {
			t.Fatalf("step %d: %d quotes, want %d", i, len(u.Quotes), len(syms))
		}
		for j, q := range u.Quotes {
			if q.Symbol != syms[j] {
				t.Fatalf("step %d quote %d: symbol %q, want %q", i, j, q.Symbol, syms[j])
			}
			if q.Open != opens[j] {
				t.Fatalf("%s open %v, want the opening price %v", q.Symbol, q.Open, opens[j])
			}
			if got, want := q.Change, roundCents(q.Price-q.Open); got != want {
				t.Fatalf("%+v: change %v, want %v", q, got, want)
			}
			if got, want := q.ChangePct, roundCents(100*q.Change/q.Open); got != want {
				t.Fatalf("%+v: changePct %v, want %v", q, got, want)
			}
			if q.Price != roundCents(q.Price) {
				t.Fatalf("%+v: price not in cents", q)
			}
			if want := now.UTC().Truncate(time.Millisecond); !q.Time.Equal(want) || q.Time.Location() != time.UTC {
				t.Fatalf("%+v: time %v, want %v", q, q.Time, want)
			}
			if q.Price != q.Open {
				moved = true
			}
		}
	}
	if !moved {
		t.Fatal("prices never moved")
	}
}

func TestTickMovesVisibly(t *testing.T) {
	m := mustNew(t, Config{Seed: 3})
	prev := prices(m.Snapshot())
	var sum, sumSq float64
	n := 0
	for range 2000 {
		cur := prices(m.Step(t0))
		for i := range cur {
			r := math.Log(cur[i] / prev[i])
			sum += r
			sumSq += r * r
			n++
		}
		prev = cur
	}
	sd := math.Sqrt(sumSq/float64(n) - (sum/float64(n))*(sum/float64(n)))
	if sd < 0.001 || sd > 0.005 {
		t.Fatalf("standard deviation of a 1 s tick's return = %.4f%%, want 0.1%%..0.5%%", 100*sd)
	}
	t.Logf("one tick moves a price by %.3f%% (one standard deviation)", 100*sd)
}

func TestHistoryCappedOldestFirst(t *testing.T) {
	const n = 5
	m := mustNew(t, Config{Symbols: []string{"A", "B"}, Seed: 9, HistoryLen: n})
	var steps [][]float64
	for i := range 12 {
		steps = append(steps, prices(m.Step(t0)))
		snap := m.Snapshot()
		for j, sym := range []string{"A", "B"} {
			h := snap.History[sym]
			if len(h) != n {
				t.Fatalf("after %d steps: history of %s has %d values, want %d", i+1, sym, len(h), n)
			}
			if h[n-1] != snap.Quotes[j].Price {
				t.Fatalf("history of %s ends %v, want the latest price %v", sym, h[n-1], snap.Quotes[j].Price)
			}
			k := min(len(steps), n)
			for x := range k {
				if got, want := h[n-k+x], steps[len(steps)-k+x][j]; got != want {
					t.Fatalf("after %d steps: history of %s = %v, want oldest first ending with %v", i+1, sym, h, steps[len(steps)-k:])
				}
			}
		}
	}
	one := mustNew(t, Config{Symbols: []string{"A"}, HistoryLen: 1})
	one.Step(t0)
	if h := one.Snapshot().History["A"]; len(h) != 1 {
		t.Fatalf("HistoryLen 1: history %v", h)
	}
}

func TestSnapshotIsACopy(t *testing.T) {
	m := mustNew(t, Config{Seed: 5})
	s1 := m.Snapshot()
	want := slices.Clone(s1.History["ACME"])
	s1.History["ACME"][0] = -1
	s1.Quotes[0].Price = -1
	s2 := m.Snapshot()
	if !slices.Equal(s2.History["ACME"], want) || s2.Quotes[0].Price <= 0 {
		t.Fatal("changing a snapshot changed the market")
	}
}

func TestPricesStayPositive(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"defaults", Config{Seed: 11}},
		{"wild", Config{Seed: 12, Volatility: 40, Drift: -20}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mustNew(t, tc.cfg)
			lo, hi := math.Inf(1), 0.0
			for range 100_000 {
				for _, q := range m.Step(t0).Quotes {
					if !(q.Price >= MinPrice) || math.IsInf(q.Price, 0) || math.IsNaN(q.ChangePct) {
						t.Fatalf("bad quote %+v", q)
					}
					lo, hi = min(lo, q.Price), max(hi, q.Price)
				}
			}
			t.Logf("prices over 100k steps: %.2f .. %.2f", lo, hi)
		})
	}
}

func TestRestore(t *testing.T) {
	leader := mustNew(t, Config{Seed: 1, HistoryLen: 10})
	for i := range 25 {
		leader.Step(t0.Add(time.Duration(i) * time.Second))
	}
	follower := mustNew(t, Config{Seed: 2, HistoryLen: 10})
	follower.Restore(leader.Snapshot())
	if got, want := follower.Snapshot(), leader.Snapshot(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after Restore(snapshot):\n got %+v\nwant %+v", got, want)
	}

	// Live updates append once, even when restored twice.
	u := leader.Step(t0.Add(time.Hour))
	follower.Restore(u)
	follower.Restore(u)
	if got, want := follower.Snapshot(), leader.Snapshot(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after Restore(update) twice:\n got %+v\nwant %+v", got, want)
	}

	// The follower takes over from the leader's prices: no jump.
	last := prices(leader.Snapshot())
	next := follower.Step(t0.Add(2 * time.Hour))
	for i, q := range next.Quotes {
		if r := q.Price / last[i]; r < 0.9 || r > 1.1 {
			t.Errorf("%s jumped from %v to %v after taking over", q.Symbol, last[i], q.Price)
		}
		if q.Open != leader.Snapshot().Quotes[i].Open {
			t.Errorf("%s open %v, want the leader's %v", q.Symbol, q.Open, leader.Snapshot().Quotes[i].Open)
		}
	}

	// Unknown symbols, bad prices and absent symbols change nothing.
	before := follower.Snapshot()
	follower.Restore(tt.TickerUpdate{
		Quotes: []tt.Quote{
			{Symbol: "NOPE", Price: 1, Open: 1, Time: t0},
			{Symbol: "ACME", Price: 0, Open: 1, Time: t0},
			{Symbol: "GLOBEX", Price: -3, Open: 1, Time: t0},
			{Symbol: "HOOLI", Price: math.NaN(), Open: 1, Time: t0},
			{Symbol: "STARK", Price: math.Inf(1), Open: 1, Time: t0},
		},
		History: map[string][]float64{"NOPE": {1, 2}, "WAYNE": {}, "TYRELL": {-1, math.NaN()}},
	})
	if after := follower.Snapshot(); !reflect.DeepEqual(after, before) {
		t.Fatalf("invalid Restore changed the market:\n got %+v\nwant %+v", after, before)
	}

	// A longer history keeps its newest values; a bad open keeps ours.
	long := make([]float64, 30)
	for i := range long {
		long[i] = float64(i + 1)
	}
	follower.Restore(tt.TickerUpdate{
		Quotes:  []tt.Quote{{Symbol: "ACME", Price: 30.004, Open: -1, Time: t0}},
		History: map[string][]float64{"ACME": long},
	})
	snap := follower.Snapshot()
	if got, want := snap.History["ACME"], long[20:]; !slices.Equal(got, want) {
		t.Errorf("history = %v, want %v", got, want)
	}
	q := snap.Quotes[0]
	if q.Price != 30 || q.Open != before.Quotes[0].Open || q.Change != roundCents(30-q.Open) || !q.Time.Equal(t0) {
		t.Errorf("restored quote %+v, want price 30, open %v and consistent change", q, before.Quotes[0].Open)
	}
}

func TestConcurrentUse(t *testing.T) {
	m := mustNew(t, Config{Seed: 4})
	src := mustNew(t, Config{Seed: 5})
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			for range 500 {
				switch g {
				case 0:
					m.Step(time.Now())
				case 1:
					if s := m.Snapshot(); len(s.Quotes) != 8 || len(s.History) != 8 {
						t.Errorf("snapshot with %d quotes", len(s.Quotes))
						return
					}
				case 2:
					m.Restore(src.Step(time.Now()))
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkStep(b *testing.B) {
	m := mustNew(b, Config{Seed: 1})
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		m.Step(now)
	}
}

func BenchmarkSnapshot(b *testing.B) {
	m := mustNew(b, Config{Seed: 1})
	b.ReportAllocs()
	for b.Loop() {
		m.Snapshot()
	}
}
