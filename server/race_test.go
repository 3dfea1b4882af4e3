//go:build race

package server

// raceEnabled: under the race detector sync.Pool drops a random quarter of
// what it is given, so allocation counts mean nothing there.
const raceEnabled = true
