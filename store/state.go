package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// stateBucket keeps the latest value of each state that is not derived from
// live connections (the ticker): one record per name, no history, on disk
// and replicated like the chat log, so that a restarted node, or a new one
// of the cluster, goes on from it.
const stateBucket = "STATE"

// MaxStateBytes bounds one stored state value: NATS's default largest
// message less room for the headers.
const MaxStateBytes = 1<<20 - 4<<10

// ErrNoState reports that no value is stored under a state's name.
var ErrNoState = errors.New("store: no state stored")

// ErrInvalidStateName reports a state name that cannot name a record.
var ErrInvalidStateName = errors.New("store: invalid state name")

// declareStates creates or updates the state bucket of cfg.
func declareStates(ctx context.Context, js jetstream.JetStream, cfg Config) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:       stateBucket,
		Description:  "Tickertalk latest values of states (the ticker), one per name",
		History:      1,
		MaxValueSize: MaxStateBytes,
		Storage:      jetstream.FileStorage,
		Replicas:     cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("store: bucket %s: %w", stateBucket, err)
	}
	return kv, nil
}

// SaveState stores data as the latest value of the state name, replacing
// the one before, and returns once JetStream has acknowledged it: a
// SIGKILL of the process then leaves it for [Store.LoadState]. Writers of
// one name are expected to be one at a time (the holder of a lease): of two
// concurrent saves, either may be the one kept. It fails with
// [ErrInvalidStateName] for a name outside 1-64 of a-z, A-Z, 0-9, '-' and
// '_', for data over [MaxStateBytes], and when the store cannot write.
func (s *Store) SaveState(ctx context.Context, name string, data []byte) error {
	if !validStateName(name) {
		return fmt.Errorf("%w: %q", ErrInvalidStateName, name)
	}
	if len(data) > MaxStateBytes {
		return fmt.Errorf("store: state %s of %d bytes is over %d", name, len(data), MaxStateBytes)
	}
	if _, err := s.states.Put(ctx, name, data); err != nil {
		return fmt.Errorf("store: save state %s: %w", name, err)
	}
	return nil
}

// LoadState returns the latest value saved under name by any node of the
// cluster, or [ErrNoState] when there is none. The value is the caller's
// to keep.
func (s *Store) LoadState(ctx context.Context, name string) ([]byte, error) {
	if !validStateName(name) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidStateName, name)
	}
	e, err := s.states.Get(ctx, name)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, ErrNoState
	}
	if err != nil {
		return nil, fmt.Errorf("store: load state %s: %w", name, err)
	}
	return e.Value(), nil
}

// validStateName accepts names that are one KV key token.
func validStateName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
