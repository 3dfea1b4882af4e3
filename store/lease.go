package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A lease is one record of the LEASES bucket, whose entries expire LeaseTTL
// after their last write. The holder creates it with KV Create (which fails
// while another holder's record lives), rewrites it every LeaseTTL/3 with
// KV Update on its revision, and deletes it on its way out so that the next
// holder need not wait for the expiry. Candidates retry every LeaseTTL/6.
//
// The holder counts its lease lost when a refresh finds another revision,
// or when no refresh has succeeded for 5/6 of LeaseTTL, measured from the
// moment the last successful write was sent: the record cannot expire
// before then, so fn has LeaseTTL/6 to stop before anyone else can start.
//
// Cancelling fn's context is not enough to keep a frozen holder quiet: a
// process stopped (SIGSTOP, a long pause) past its deadline wakes with its
// goroutines racing, and one may act before the one that cancels. So fn
// also gets the [Lease], which it checks before every act ([Lease.Held]:
// a clock comparison, no round trip) and whose [Lease.Epoch] it stamps on
// what it sends, so that receivers drop what an older holder sent late.

// ErrLeaseLost reports an act refused because this node cannot prove that
// it still holds the lease the act needs.
var ErrLeaseLost = errors.New("store: lease lost")

// Lease is one term of a lease held by this node, given to the function
// that [Store.Lead] runs. Its methods are safe for concurrent use.
type Lease struct {
	epoch uint64

	mu       sync.Mutex
	deadline time.Time // with a monotonic reading; zero once the term ended
}

// Epoch is the revision at which this term's record was created: larger
// than every revision of every earlier term of the same lease, as long as
// the LEASES bucket is not deleted. Receivers use it as a fencing token.
func (l *Lease) Epoch() uint64 { return l.epoch }

// Held reports whether the term still holds: its record was last written
// less than 5/6 of LeaseTTL ago, and the term has not ended. It compares
// the monotonic clock, which keeps running while the process is stopped,
// so a holder that wakes after its record expired sees false at once,
// before its refresh has even been tried. A check is only as good as the
// moment it is made: act right after it.
func (l *Lease) Held() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Now().Before(l.deadline)
}

// extend moves the deadline to d, unless the term has ended.
func (l *Lease) extend(d time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.deadline.IsZero() {
		l.deadline = d
	}
}

// end makes Held false for good.
func (l *Lease) end() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.deadline = time.Time{}
}

// leaseKey maps a lease name to a KV key: names of letters, digits, '-'
// and '_' stay readable, anything else is hex-encoded.
func leaseKey(name string) string {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "hex." + hex.EncodeToString([]byte(name))
		}
	}
	if name == "" {
		return "hex."
	}
	return "name." + name
}

// Lead blocks until ctx is done or the Store is closed, and runs fn while
// this Store holds the cluster-wide lease name: at most one fn runs at a
// time per name in the whole cluster (given clocks that tick at the same
// rate). fn's ctx is cancelled when the lease is lost or ctx ends; fn must
// then return promptly (within LeaseTTL/6) and Lead waits for it. fn must
// check lease.Held right before each act, and stop when it is false:
// after a freeze, fn may run again before its ctx is cancelled. After a
// loss, Lead campaigns again. If fn returns while the lease is held, the
// lease is released and Lead campaigns again. An uncontested lease is taken
// at once; one whose holder vanished without releasing it, within LeaseTTL
// plus LeaseTTL/6.
func (s *Store) Lead(ctx context.Context, name string, fn func(ctx context.Context, lease *Lease)) {
	if !s.track() {
		return
	}
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.ctx, cancel)()

	key := leaseKey(name)
	id := []byte(rand.Text())
	ttl := s.cfg.LeaseTTL
	for ctx.Err() == nil {
		sent := time.Now()
		opCtx, opCancel := context.WithTimeout(ctx, ttl/3)
		rev, err := s.leases.Create(opCtx, key, id)
		opCancel()
		if err == nil {
			s.log.Info("lease acquired", "lease", name)
			s.hold(ctx, name, key, id, rev, sent, fn)
		} else if !errors.Is(err, jetstream.ErrKeyExists) && ctx.Err() == nil {
			s.log.Warn("lease campaign failed", "lease", name, "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(ttl / 6):
		}
	}
}

// hold runs fn while the lease record at revision rev, written at sent, is
// ours, refreshing it; then it stops fn, waits for it and releases the
// record if it still is ours.
func (s *Store) hold(ctx context.Context, name, key string, id []byte, rev uint64, sent time.Time, fn func(context.Context, *Lease)) {
	ttl := s.cfg.LeaseTTL
	lctx, lcancel := context.WithCancel(ctx)
	defer lcancel()
	deadline := sent.Add(ttl - ttl/6)
	lease := &Lease{epoch: rev, deadline: deadline}
	defer lease.end()
	fnDone := make(chan struct{})
	go func() {
		defer close(fnDone)
		fn(lctx, lease)
	}()
	placed := make(chan struct{})
	go func() {
		defer close(placed)
		s.keepBucketLeaderAway(lctx)
	}()
	defer func() { <-placed }()

	refresh := time.NewTicker(ttl / 3)
	defer refresh.Stop()
	ours := true
loop:
	for {
		expire := time.NewTimer(time.Until(deadline))
		select {
		case <-ctx.Done():
			expire.Stop()
			break loop
		case <-fnDone:
			expire.Stop()
			break loop
		case <-expire.C:
			s.log.Warn("lease lost: no refresh in time", "lease", name)
			ours = false
			break loop
		case <-refresh.C:
			expire.Stop()
			t := time.Now()
			opCtx, opCancel := context.WithDeadline(ctx, deadline)
			next, err := s.leases.Update(opCtx, key, id, rev)
			opCancel()
			switch {
			case err == nil:
				rev, deadline = next, t.Add(ttl-ttl/6)
				lease.extend(deadline)
			case errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists):
				s.log.Warn("lease lost: taken over", "lease", name)
				ours = false
				break loop
			case ctx.Err() == nil:
				s.log.Warn("lease refresh failed", "lease", name, "err", err)
			}
		}
	}
	lease.end()
	lcancel()
	<-fnDone
	if !ours {
		return
	}
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), ttl/3)
	defer rcancel()
	err := s.leases.Delete(rctx, key, jetstream.LastRevision(rev))
	if err != nil {
		// A refresh cut short by ctx may have landed after all, at a
		// revision we never learnt: the record is still ours if it holds
		// our id (unique to this Lead). Left there, it would keep the next
		// holder waiting for the whole TTL.
		if e, gerr := s.leases.Get(rctx, key); gerr == nil && bytes.Equal(e.Value(), id) {
			err = s.leases.Delete(rctx, key, jetstream.LastRevision(e.Revision()))
		}
	}
	if err != nil {
		s.log.Debug("lease release failed", "lease", name, "err", err)
		return
	}
	s.log.Info("lease released", "lease", name)
}
