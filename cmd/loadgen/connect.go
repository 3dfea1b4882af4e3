package main

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/time/rate"
)

// handshakeTimeout bounds dialing and reading up to :ok for one stream.
const handshakeTimeout = 15 * time.Second

// maxHandshakes bounds the streams being opened at once.
const maxHandshakes = 256

// fleet is the run's subscribers: it opens them at the ramp rate, keeps
// them reading until closed, and counts why some could not connect.
// Methods other than the counters' reads are for the run's goroutine.
type fleet struct {
	subs      []*subscriber
	roomSubs  []atomic.Int64 // connected subscribers per room
	attempted atomic.Int64   // opens finished, with success or not
	wg        sync.WaitGroup
	closing   context.Context // done once the run closes every stream
	closeAll  context.CancelFunc

	mu       sync.Mutex
	failures map[string]int    // by kind
	examples map[string]string // one error text per kind
}

func newFleet(n, rooms int) *fleet {
	ctx, cancel := context.WithCancel(context.Background())
	return &fleet{
		subs:     make([]*subscriber, 0, n),
		roomSubs: make([]atomic.Int64, rooms),
		closing:  ctx,
		closeAll: cancel,
		failures: map[string]int{},
		examples: map[string]string{},
	}
}

// connect opens n streams spread round-robin over the rooms, at most ramp
// a second, and returns once every open has finished or ctx is done. It
// returns how many opens it started.
func (f *fleet) connect(ctx context.Context, d *streamDialer, n int, ramp float64, t *tally) int {
	burst := max(1, int(ramp/20))
	lim := rate.NewLimiter(rate.Limit(ramp), burst)
	sem := make(chan struct{}, maxHandshakes)
	started := 0
	for i := range n {
		if lim.Wait(ctx) != nil {
			break
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		s := &subscriber{room: i % len(f.roomSubs)}
		f.subs = append(f.subs, s)
		started++
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			conn, p, err := d.open(ctx, i, roomName(s.room))
			<-sem
			if err != nil {
				s.err = err
				f.fail(err)
				f.attempted.Add(1)
				return
			}
			s.connected = true
			f.roomSubs[s.room].Add(1)
			t.connected.Add(1)
			t.open.Add(1)
			f.attempted.Add(1)
			stop := context.AfterFunc(f.closing, func() { conn.Close() })
			err = s.read(p, t)
			t.open.Add(-1)
			if stop() { // the stream ended before the run closed it
				s.dropped = true
				s.err = err
				conn.Close()
			}
		}()
	}
	for f.attempted.Load() < int64(started) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	return started
}

// close ends every stream and waits for the readers to return.
func (f *fleet) close() {
	f.closeAll()
	f.wg.Wait()
}

func (f *fleet) fail(err error) {
	kind := failureKind(err)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[kind]++
	if _, ok := f.examples[kind]; !ok {
		f.examples[kind] = err.Error()
	}
}

// failureKind names the cause of a failed open for the report.
func failureKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, ErrBadStatus):
		return "bad status"
	case errors.Is(err, ErrNoPreamble):
		return "no :ok preamble"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "too many open files"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no free local port"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	default:
		return "other"
	}
}
