package store

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"tickertalk/internal/wait"
)

// TestPresenceReachesEveryNode: a payload published by one store reaches
// the subscribers of every store on the server, its own included, per room
// subject; a bad room is refused; stop ends the calls.
func TestPresenceReachesEveryNode(t *testing.T) {
	t.Parallel()
	a := openTest(t, testConfig(t))
	b := attachTest(t, a)

	type sink struct {
		mu  sync.Mutex
		got []string
	}
	sinks := []*sink{{}, {}}
	var stops []func()
	for i, s := range []*Store{a, b} {
		k := sinks[i]
		stop, err := s.SubscribePresence(func(data []byte) {
			k.mu.Lock()
			k.got = append(k.got, string(data))
			k.mu.Unlock()
		})
		if err != nil {
			t.Fatal(err)
		}
		stops = append(stops, stop)
	}
	got := func(k *sink) []string { k.mu.Lock(); defer k.mu.Unlock(); return slices.Clone(k.got) }

	var want []string
	for i, room := range []string{"lobby", "a-b", "lobby"} {
		p := fmt.Sprintf(`{"n":%d}`, i)
		want = append(want, p)
		if err := b.PublishPresence(room, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	for i, k := range sinks {
		wait.For(t, 5*time.Second, fmt.Sprint("subscriber ", i), func() bool { return len(got(k)) >= len(want) })
		if g := got(k); !slices.Equal(g, want) {
			t.Fatalf("subscriber %d got %q, want %q", i, g, want)
		}
	}

	for _, bad := range []string{"", "a.b", "*", ">", "Lobby", "a b"} {
		if err := a.PublishPresence(bad, []byte("{}")); !errors.Is(err, ErrInvalidRoom) {
			t.Errorf("PublishPresence(%q) = %v, want ErrInvalidRoom", bad, err)
		}
	}

	stops[1]()
	if err := a.PublishPresence("lobby", []byte("after-stop")); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 5*time.Second, "live subscriber", func() bool { return len(got(sinks[0])) == len(want)+1 })
	if err := b.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if g := got(sinks[1]); len(g) != len(want) {
		t.Fatalf("stopped subscriber got %d payloads, want %d", len(g), len(want))
	}
}
