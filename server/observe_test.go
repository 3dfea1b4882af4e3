package server

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/history"
	"tickertalk/internal/wait"
	"tickertalk/store"
)

// observed records what an Observe function is given.
type observed struct {
	mu  sync.Mutex
	ids []string
	rs  []tt.Reaction
}

func (o *observed) add(id string, r tt.Reaction) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ids, o.rs = append(o.ids, id), append(o.rs, r)
}

func (o *observed) get() ([]string, []tt.Reaction) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.ids), slices.Clone(o.rs)
}

// observingServer runs a server on a store in dir, with an observer of
// reactions registered before it follows the log, as node.WithServer does.
// stop closes it, as does the test's end.
func observingServer(t *testing.T, dir string) (srv *Server, o *observed, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, store.Config{DataDir: dir, History: 1000})
	if err != nil {
		t.Fatal(err)
	}
	index := history.New(1000)
	srv = New(Options{Log: st, Sessions: st, History: index, Ready: st.Ready, Events: st})
	var once sync.Once
	stop = func() {
		once.Do(func() {
			srv.Close()
			cancel()
			if err := st.Close(); err != nil {
				t.Errorf("close store: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	o = &observed{}
	Observe(srv, tt.KindReaction, o.add)
	if err := st.FollowWith(ctx, store.Hooks{
		Message: func(m tt.ChatMessage) {
			if err := srv.Deliver(m); err != nil {
				t.Errorf("deliver message: %v", err)
			}
		},
		Event: func(e history.Entry) {
			if err := srv.DeliverEvent(e); err != nil {
				t.Errorf("deliver event: %v", err)
			}
		},
	}); err != nil {
		t.Fatal(err)
	}
	return srv, o, stop
}

// TestObserve: an observer gets every reaction in log order with its id,
// also those a restarted server loads from the log.
func TestObserve(t *testing.T) {
	dir := t.TempDir()
	srv, o, stop := observingServer(t, dir)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	msg, err := Publish(ctx, srv, tt.KindMessage, tt.ChatMessage{Room: "lobby", Nick: "ann", Text: "hi"}, From{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, on := range []bool{true, false, true} {
		id, err := Publish(ctx, srv, tt.KindReaction, tt.Reaction{Room: "lobby", MessageID: msg, Emoji: "👍", On: on, Nick: "ann"}, From{})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	wait.For(t, 10*time.Second, "three reactions observed", func() bool { ids, _ := o.get(); return len(ids) >= 3 })
	ids, rs := o.get()
	if !slices.Equal(ids, want) || !rs[0].On || rs[1].On || !rs[2].On || rs[0].MessageID != msg {
		t.Fatalf("observed %v %+v, want ids %v on, off, on", ids, rs, want)
	}

	// A server started on the same log observes the stored reactions as
	// it loads it.
	stop()
	_, again, _ := observingServer(t, dir)
	wait.For(t, 10*time.Second, "three reactions observed after a restart", func() bool { ids, _ := again.get(); return len(ids) >= 3 })
	if ids, _ := again.get(); !slices.Equal(ids, want) {
		t.Fatalf("observed %v after a restart, want %v", ids, want)
	}
}
