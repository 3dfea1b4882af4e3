// Package market simulates a stock market for the ticker: each symbol's
// price follows a geometric Brownian motion, advanced one tick at a time.
//
// A [Market] is deterministic for a given seed and sequence of calls, safe
// for concurrent use, and can adopt the prices another node published
// ([Market.Restore]) so that a node taking over the cluster's ticker goes on
// from the last prices instead of jumping.
package market
