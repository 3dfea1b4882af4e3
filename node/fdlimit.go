//go:build !wasm

package node

// Descriptors kept for what is not a stream, when the stream cap is derived
// from the descriptor limit: other requests (sends, sessions, health
// checks, the page and its files), the store (NATS and JetStream's files)
// and logs. At least minFDReserve, or a 32nd of the limit if more, but
// never more than half of it. A few hundred are plenty for the requests
// beside the streams (their connections are short, and capped per address
// by the listener) and for the store; the 32nd keeps the reserve growing
// with the limit, and leaves 19,375 streams at a limit of 20,000.
const minFDReserve = 512

// streamCap derives the default of --max-streams from the process's file
// descriptor limit: every stream holds one descriptor, and past the limit
// the listener can accept nothing at all, health checks included.
func streamCap(fdLimit uint64) int {
	reserve := max(minFDReserve, fdLimit/32)
	reserve = min(reserve, fdLimit/2)
	return int(min(fdLimit-reserve, 1<<31-1))
}
