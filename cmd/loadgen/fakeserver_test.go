package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tt "tickertalk/app"
)

// fault makes the fake server misbehave towards its first subscriber.
type fault int

const (
	faultNone      fault = iota
	faultDrop            // skip the 3rd message
	faultDuplicate       // send the 3rd message twice
	faultReorder         // swap the 3rd and 4th messages
)

// fakeServer imitates the parts of Tickertalk that loadgen uses: a
// session, POST /send that stores and fans out in id order, /eventstream
// with the :ok preamble, and a few /metrics series.
type fakeServer struct {
	fault fault

	// sending and maxSending count the POST /send being answered at once.
	sending, maxSending atomic.Int64

	mu     sync.Mutex
	nextID uint64
	subs   map[string][]chan []byte // by room
	first  chan []byte              // the subscriber the fault targets
	held   []byte                   // the 3rd frame, kept back by faultReorder
}

func startFakeServer(t *testing.T, f fault) *httptest.Server {
	t.Helper()
	hs, _ := startFake(t, f)
	return hs
}

func startFake(t *testing.T, f fault) (*httptest.Server, *fakeServer) {
	t.Helper()
	fs := &fakeServer{fault: f, subs: map[string][]chan []byte{}}
	mux := http.NewServeMux()
	mux.HandleFunc(tt.PathEventStream, fs.stream)
	mux.HandleFunc(tt.PathSend, fs.send)
	mux.HandleFunc(tt.PathSession, func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: tt.SessionCookieName, Value: "S", Path: "/"})
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"nick":"x"}`)
	})
	mux.HandleFunc(tt.PathMetrics, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "# HELP go_goroutines x\ngo_goroutines 10\nprocess_resident_memory_bytes 1.5e+07\n")
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(func() { hs.CloseClientConnections(); hs.Close() })
	return hs, fs
}

func (fs *fakeServer) stream(w http.ResponseWriter, r *http.Request) {
	ch := make(chan []byte, 4096)
	room := r.URL.Query().Get(tt.QueryRoom)
	fs.mu.Lock()
	fs.subs[room] = append(fs.subs[room], ch)
	if fs.first == nil {
		fs.first = ch
	}
	fs.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprint(w, ":ok\n\nevent: update\ndata: {\"quotes\":[]}\n\n")
	w.(http.Flusher).Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case b := <-ch:
			if _, err := w.Write(b); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}
}

func (fs *fakeServer) send(w http.ResponseWriter, r *http.Request) {
	storeMax(&fs.maxSending, fs.sending.Add(1))
	defer fs.sending.Add(-1)
	// Long enough that a closed loop has every post outstanding at once.
	time.Sleep(2 * time.Millisecond)
	var req tt.SendRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.Header.Get("Origin") != "http://"+r.Host {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.nextID++
	m := tt.ChatMessage{ID: strconv.FormatUint(fs.nextID, 10), Room: req.Room, Nick: "x", Text: req.Text, Time: time.Now(), ClientID: req.ClientID}
	data, _ := json.Marshal(m)
	frame := []byte("id: " + m.ID + "\ndata: " + string(data) + "\nevent: message\n\n")
	for _, ch := range fs.subs[req.Room] {
		out := [][]byte{frame}
		if ch == fs.first {
			out = fs.faulty(frame)
		}
		for _, b := range out {
			ch <- b
		}
	}
	w.WriteHeader(http.StatusCreated)
	w.Write(data)
}

func (fs *fakeServer) faulty(frame []byte) [][]byte {
	switch {
	case fs.fault == faultDrop && fs.nextID == 3:
		return nil
	case fs.fault == faultDuplicate && fs.nextID == 3:
		return [][]byte{frame, frame}
	case fs.fault == faultReorder && fs.nextID == 3:
		fs.held = frame
		return nil
	case fs.fault == faultReorder && fs.nextID == 4:
		return [][]byte{frame, fs.held}
	}
	return [][]byte{frame}
}
