package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	tt "tickertalk/app"
	"tickertalk/client"
	"tickertalk/internal/wait"
)

// pacedReader reads at most chunk bytes per tick: a client on a slow link.
type pacedReader struct {
	r     io.Reader
	chunk int
	tick  <-chan time.Time
	read  atomic.Int64 // bytes read so far
}

func (p *pacedReader) Read(b []byte) (int, error) {
	<-p.tick
	n, err := p.r.Read(b[:min(len(b), p.chunk)])
	p.read.Add(int64(n))
	return n, err
}

// slowStream is what a slow reader of one room's stream has seen.
type slowStream struct {
	mu       sync.Mutex
	messages []string  // message ids, in the order read
	prices   []float64 // the first quote's price of each update, in order
	ended    error     // why the stream ended, if it did
	// readAt is how many bytes of the socket had been read when each
	// update in prices was parsed.
	readAt []int64
	paced  *pacedReader
}

// openSlowStream opens room's stream with a 4 KB receive buffer and reads
// it at about chunk bytes per interval, until the test ends.
func openSlowStream(t *testing.T, base, room string, chunk int, interval time.Duration) *slowStream {
	t.Helper()
	conn := dialSmallBuffer(t, base)
	ticker := time.NewTicker(interval)
	t.Cleanup(func() { conn.Close(); ticker.Stop() })
	req, err := http.NewRequest(http.MethodGet, base+"/eventstream?room="+room, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	paced := &pacedReader{r: conn, chunk: chunk, tick: ticker.C}
	br := bufio.NewReaderSize(paced, chunk)
	resp, err := http.ReadResponse(br, req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("slow stream: %v, %v", resp, err)
	}
	s := &slowStream{paced: paced}
	go s.read(resp.Body)
	return s
}

func (s *slowStream) read(body io.ReadCloser) {
	defer body.Close()
	dec := client.NewDecoder(body, 64<<10)
	var err error
	for {
		var f client.Frame
		if f, err = dec.Next(); err != nil {
			break
		}
		s.mu.Lock()
		switch string(f.Event) {
		case tt.EventMessage:
			s.messages = append(s.messages, string(f.ID))
		case tt.EventUpdate:
			var u tt.TickerUpdate
			if err := json.Unmarshal(f.Data, &u); err == nil && len(u.Quotes) > 0 {
				s.prices = append(s.prices, u.Quotes[0].Price)
				s.readAt = append(s.readAt, s.paced.read.Load())
			}
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	s.ended = fmt.Errorf("stream ended: %v", err)
	s.mu.Unlock()
}

// TestSlowReaderKeepsUpWithTheTicker: a reader on a slow link, offered
// ticker updates many times faster than it reads, is never evicted: the
// updates it has not read yet give way to the newest, so it sees every
// price in increasing order ending with the last one, and every chat
// message sent meanwhile, once and in order. Without conflation the
// updates fill its queue and it is evicted.
func TestSlowReaderKeepsUpWithTheTicker(t *testing.T) {
	const (
		queueBytes = 16 << 10
		symbols    = 8
		updates    = 4000 // ~1 KB each: far more than the queue and the socket buffers
		messages   = 60
	)
	n := startNode(t, "", func(o *Options) { o.QueueBytes, o.SparklineLen = queueBytes, 1 })
	// ~200 KB/s: the updates are offered much faster.
	slow := openSlowStream(t, n.URL, "lobby", 1024, 5*time.Millisecond)

	quotes := make([]tt.Quote, symbols)
	for i := range quotes {
		quotes[i] = tt.Quote{Symbol: fmt.Sprintf("S%d", i), Open: 1, Time: time.Now()}
	}
	start := time.Now()
	sent := 0
	for i := 1; i <= updates; i++ {
		for j := range quotes {
			quotes[j].Price = float64(i)
		}
		data, err := json.Marshal(tt.TickerUpdate{Quotes: quotes})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.srv.Ticker(data); err != nil {
			t.Fatal(err)
		}
		if i%(updates/messages) == 0 {
			sent++
			m := tt.ChatMessage{ID: n.id(sent), Room: "lobby", Nick: "n", Text: "hello", Time: time.Now()}
			if err := n.srv.Deliver(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	offered := time.Since(start)
	readWhenOffered := slow.paced.read.Load()

	wait.For(t, 60*time.Second, "the last update and the last message, or the stream's end", func() bool {
		slow.mu.Lock()
		defer slow.mu.Unlock()
		return slow.ended != nil || (len(slow.prices) > 0 && slow.prices[len(slow.prices)-1] == updates &&
			len(slow.messages) > 0 && slow.messages[len(slow.messages)-1] == n.id(messages))
	})
	slow.mu.Lock()
	defer slow.mu.Unlock()
	behind := slow.readAt[len(slow.readAt)-1] - readWhenOffered
	t.Logf("%d updates offered in %v; the reader got %d updates and %d messages in %v, the last %d bytes after the last was offered",
		updates, offered, len(slow.prices), len(slow.messages), time.Since(start), behind)
	if ev := testutil.ToFloat64(n.srv.metrics.evictions); ev != 0 || slow.ended != nil {
		t.Fatalf("the slow reader was evicted (%v evictions): %v", ev, slow.ended)
	}
	for i, id := range slow.messages {
		if id != n.id(i+1) {
			t.Fatalf("message %d has id %s: messages read %v", i+1, id, slow.messages)
		}
	}
	if len(slow.messages) != messages {
		t.Fatalf("read %d messages, want %d", len(slow.messages), messages)
	}
	// What stood between the server and the reader when the last update
	// was offered: the queue (one update, the messages), the unsent limit,
	// what was in flight and the reader's own 4 KB buffer (doubled by the
	// kernel). Without the unsent limit the kernel holds megabytes of
	// stale updates on loopback.
	if behind > 64<<10 {
		t.Errorf("the reader read %d bytes after the last update was offered before reaching it: stale updates waited in the socket", behind)
	}
	for i := 1; i < len(slow.prices); i++ {
		if slow.prices[i] <= slow.prices[i-1] {
			t.Fatalf("update %d has price %v after %v: an older state after a newer one", i, slow.prices[i], slow.prices[i-1])
		}
	}
}
