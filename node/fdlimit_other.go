//go:build !unix && !wasm

package node

import "errors"

// raiseFDLimit is not available here: the stream cap must be set with
// --max-streams.
func raiseFDLimit() (soft, hard uint64, err error) {
	return 0, 0, errors.ErrUnsupported
}
