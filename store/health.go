package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrUnwritable reports that the store cannot write: the disk or
// JetStream's storage limit is full, or its files fail. Writes are refused
// at once until a probe write succeeds again, which the Store tries by
// itself every second; callers answer "try again later".
var ErrUnwritable = errors.New("store: cannot write")

const (
	// probeSubject is where probe writes go: in the chat stream, so that
	// they exercise its files, but outside chat.>, so no follower sees them.
	probeSubject  = "health.chat"
	probeInterval = time.Second
	probeTimeout  = 2 * time.Second
	// repairAfter is how long writes must have failed before the embedded
	// server's JetStream is restarted in-process; it doubles up to
	// repairMax while that does not help.
	repairAfter = 5 * time.Second
	repairMax   = 2 * time.Minute
)

// health is whether the store can write, and since when it cannot.
type health struct {
	mu    sync.Mutex
	err   error // nil: writable; else wraps ErrUnwritable
	since time.Time
	kick  chan struct{} // wakes the prober; capacity 1
}

func newHealth() *health { return &health{kick: make(chan struct{}, 1)} }

// check returns the current write error (nil: writable).
func (h *health) check() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// fail records that a write failed for reason; it reports whether the
// store was writable until then.
func (h *health) fail(reason error) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		return false
	}
	h.err = fmt.Errorf("%w: %w", ErrUnwritable, reason)
	h.since = time.Now()
	select {
	case h.kick <- struct{}{}:
	default:
	}
	return true
}

// recover records that writing works again and returns how long it did not.
func (h *health) recover() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.err = nil
	return time.Since(h.since)
}

// resourceCodes are the JetStream errors that mean "no room to write".
var resourceCodes = []jetstream.ErrorCode{
	jetstream.ErrorCode(server.JSInsufficientResourcesErr),
	jetstream.ErrorCode(server.JSAccountResourcesExceededErr),
	jetstream.ErrorCode(server.JSStorageResourcesExceededErr),
	jetstream.ErrorCode(server.JSStreamStoreFailedF),
}

// writeFailure reports whether err, returned by a JetStream write while
// connected, means that the store cannot write (rather than a bad request
// or a caller that gave up): a full store, a failing file, or a JetStream
// that no longer answers writes (it answers none after an I/O error).
func (s *Store) writeFailure(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		for _, c := range resourceCodes {
			if apiErr.ErrorCode == c {
				return true
			}
		}
		return false
	}
	if !s.nc.IsConnected() {
		return false // Ready reports the disconnection
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders)
}

// noteWrite records the outcome of a write: a failure that means the store
// cannot write makes it unwritable until a probe succeeds.
func (s *Store) noteWrite(err error) {
	if err == nil || !s.writeFailure(err) {
		return
	}
	if s.cfg.Replicas > 1 && s.quorumHolds() {
		// A write lost in a change of leader (a node stopping hands its
		// leaderships over): the log has its quorum, the next write
		// goes through; refusing writes until the next probe would turn
		// one lost write into a second of 503s.
		s.log.Debug("a write got no acknowledgement, but the chat log has its quorum", "err", err)
		return
	}
	err = s.quorumFailure(err)
	if s.health.fail(err) {
		s.log.Error("the store cannot write: refusing writes until a probe write succeeds", "err", err)
	}
}

// quorumCheckTimeout bounds the quorum check after a failed write: it
// adds to the time the write's sender waits for its 503.
const quorumCheckTimeout = 500 * time.Millisecond

// quorumHolds reports whether the replicated chat log has its quorum now
// (one [Store.quorum] check, bounded by quorumCheckTimeout).
func (s *Store) quorumHolds() bool {
	ctx, cancel := context.WithTimeout(s.ctx, quorumCheckTimeout)
	defer cancel()
	return s.quorum(ctx) == nil
}

// watchHealth probes an unwritable store every second until a probe write
// succeeds, and repairs the embedded server when writes keep failing. It
// runs until Close.
func (s *Store) watchHealth() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.health.kick:
		}
		wait := repairAfter
		lastRepair := time.Now()
		for s.health.check() != nil {
			err := s.probe()
			if err == nil {
				s.log.Info("the store writes again", "unwritable_for", s.health.recover().Round(time.Millisecond))
				break
			}
			// In a cluster a failing write is mostly a lost quorum, which
			// restarting this server's JetStream cannot mend.
			if s.ownsData() && !s.cfg.clustered() && time.Since(lastRepair) >= wait {
				s.log.Warn("the store still cannot write: restarting the embedded JetStream", "err", err)
				if rerr := s.restartJetStream(); rerr != nil {
					s.log.Error("restart the embedded JetStream", "err", rerr)
				}
				lastRepair, wait = time.Now(), min(2*wait, repairMax)
			}
			select {
			case <-s.ctx.Done():
				return
			case <-time.After(probeInterval):
			}
		}
	}
}

// probe writes one message on the chat stream's probe subject, then purges
// it, and returns the write's error. A replicated chat log is probed
// without a write instead: its leader and a majority of current replicas
// (see [Store.quorum]). A probe write takes a sequence, which the other
// nodes, that did not record it, would take for a lost entry.
func (s *Store) probe() error {
	ctx, cancel := context.WithTimeout(s.ctx, probeTimeout)
	defer cancel()
	if s.cfg.Replicas > 1 {
		return s.quorum(ctx)
	}
	ack, err := s.js.Publish(ctx, probeSubject, nil)
	if err != nil {
		return err
	}
	if err := s.probes.add(ack.Sequence, ack.Sequence); err != nil {
		s.log.Warn("record the store's probe write: its id will be reported lost", "seq", ack.Sequence, "err", err)
	}
	if err := s.stream.Purge(ctx, jetstream.WithPurgeSubject(probeSubject)); err != nil {
		s.log.Warn("purge the store's probe write", "err", err)
	}
	return nil
}

// restartJetStream restarts the embedded server's JetStream in-process and
// declares the stream and buckets again. That is what a restart of the
// process would do, without dropping clients: JetStream keeps a write
// error of a stream's files for good, and computes its default storage
// limit from the free disk space only as it starts.
func (s *Store) restartJetStream() error {
	cfg := server.JetStreamConfig{
		StoreDir:   filepath.Join(s.cfg.DataDir, "jetstream"),
		MaxStore:   s.cfg.jetStreamMaxStore(),
		SyncAlways: s.cfg.SyncAlways,
	}
	if err := s.srv.ShutdownJetStream(); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := s.srv.EnableJetStream(&cfg); err != nil {
		return fmt.Errorf("enable: %w", err)
	}
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	_, _, _, err := declareAssets(ctx, s.js, s.cfg)
	s.mu.Lock()
	close(s.restarted)
	s.restarted = make(chan struct{})
	s.mu.Unlock()
	return err
}

// restartSignal returns a channel closed when JetStream next restarts.
func (s *Store) restartSignal() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restarted
}
