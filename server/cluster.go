package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	tt "tickertalk/app"
)

// PresenceBus carries presence between the nodes of a cluster. The server
// announces its own people per room and merges what the other nodes
// announce; the bus only has to deliver, at most once, to every node
// subscribed (its own messages included: the server ignores them).
type PresenceBus interface {
	// PublishPresence sends data to every subscriber of the cluster. It must
	// not block on slow subscribers; it fails only when data cannot be sent.
	PublishPresence(room string, data []byte) error
	// SubscribePresence calls fn with every payload published after it
	// returns, from one goroutine at a time. stop unsubscribes.
	SubscribePresence(fn func(data []byte)) (stop func(), err error)
}

// DefaultPresenceHeartbeat is how often a clustered node re-announces the
// rooms where it has people; another node forgets one room's people after
// about three missed heartbeats (a withdrawal lost on the bus). A lost node
// is forgotten much sooner, by its beats (see [Server.aliveTTL]).
const DefaultPresenceHeartbeat = 10 * time.Second

// aliveBeats is how many beats in a row a node may miss before the others
// drop all its people; minAliveTTL keeps very short test intervals from
// dropping a node that a loaded machine merely paused.
const (
	aliveBeats  = 3
	minAliveTTL = time.Second
)

// Bounds of what is accepted from the presence bus.
const (
	maxAnnouncementBytes = 16 << 10 // 100 nicks of 24 four-byte runes fit
	maxNodeIDLen         = 64
	maxAnnouncedCount    = 10_000_000
	minAnnouncedTTL      = 10 * time.Millisecond
	maxAnnouncedTTL      = 10 * time.Minute
)

// errBadAnnouncement reports a presence bus message that breaks the rules
// of [announcement]; such messages are ignored.
var errBadAnnouncement = errors.New("bad presence announcement")

// announcement is one message on the presence bus: node's own people in
// room (sorted, at most tt.PresenceListCap of them) and their full count,
// valid for TTLms unless announced again. Count 0 withdraws the node from
// the room. Hello, sent once when a node joins the cluster (with Count 0),
// asks every node to announce all its rooms now. Bye, sent once when a node
// stops (with Count 0), withdraws it from every room at once, rather than
// when its announcements expire.
//
// AliveMs, on every message of a node that beats, promises another message
// from it within that time: a node silent for longer is gone (killed,
// frozen, cut off), and the others drop all its people at once. Beat, sent
// every PresenceInterval, is such a message and nothing else; its Room is
// empty, so that nodes that predate beats ignore it as malformed rather
// than taking it for an empty room.
type announcement struct {
	Node    string   `json:"node"`
	Room    string   `json:"room"`
	Online  []string `json:"online"`
	Count   int      `json:"count"`
	TTLms   int64    `json:"ttlMs"`
	AliveMs int64    `json:"aliveMs,omitempty"`
	Hello   bool     `json:"hello,omitempty"`
	Bye     bool     `json:"bye,omitempty"`
	Beat    bool     `json:"beat,omitempty"`
}

// decodeAnnouncement parses and checks one bus message; every error wraps
// errBadAnnouncement. Online comes back sorted.
func decodeAnnouncement(data []byte) (announcement, error) {
	var a announcement
	if len(data) > maxAnnouncementBytes {
		return a, fmt.Errorf("%w: %d bytes", errBadAnnouncement, len(data))
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return a, fmt.Errorf("%w: %w", errBadAnnouncement, err)
	}
	if err := validNodeID(a.Node); err != nil {
		return a, err
	}
	if alive := time.Duration(a.AliveMs) * time.Millisecond; a.AliveMs != 0 && (alive < minAnnouncedTTL || alive > maxAnnouncedTTL) {
		return a, fmt.Errorf("%w: alive %d ms", errBadAnnouncement, a.AliveMs)
	}
	if a.Beat {
		if a.Room != "" || a.Count != 0 || len(a.Online) != 0 || a.Hello || a.Bye || a.AliveMs == 0 {
			return a, fmt.Errorf("%w: a beat carries a node and its aliveMs alone", errBadAnnouncement)
		}
		return a, nil
	}
	if err := tt.ValidateRoom(a.Room); err != nil {
		return a, fmt.Errorf("%w: %w", errBadAnnouncement, err)
	}
	if len(a.Online) > tt.PresenceListCap || a.Count < len(a.Online) || a.Count > maxAnnouncedCount {
		return a, fmt.Errorf("%w: %d names for a count of %d", errBadAnnouncement, len(a.Online), a.Count)
	}
	for _, n := range a.Online {
		if err := tt.ValidateNick(n); err != nil {
			return a, fmt.Errorf("%w: %w", errBadAnnouncement, err)
		}
	}
	if (a.Hello || a.Bye) && (a.Count != 0 || a.Hello == a.Bye) {
		return a, fmt.Errorf("%w: hello or bye, alone and with count 0", errBadAnnouncement)
	}
	if ttl := time.Duration(a.TTLms) * time.Millisecond; ttl < minAnnouncedTTL || ttl > maxAnnouncedTTL {
		return a, fmt.Errorf("%w: ttl %d ms", errBadAnnouncement, a.TTLms)
	}
	slices.Sort(a.Online)
	return a, nil
}

func validNodeID(id string) error {
	if id == "" || len(id) > maxNodeIDLen {
		return fmt.Errorf("%w: node id of %d bytes", errBadAnnouncement, len(id))
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("%w: node id %q", errBadAnnouncement, id)
		}
	}
	return nil
}

// aliveTTL is how long other nodes wait for this node's next message
// before they drop its people: [aliveBeats] beats, at least [minAliveTTL].
func (s *Server) aliveTTL() time.Duration {
	return max(aliveBeats*s.opts.PresenceInterval, minAliveTTL)
}

// presenceTTL is how long other nodes keep an announcement of this node:
// three and a half heartbeats, plus the flush interval that paces them.
func (s *Server) presenceTTL() time.Duration {
	return 3*s.opts.PresenceHeartbeat + s.opts.PresenceHeartbeat/2 + s.opts.PresenceInterval
}

// joinCluster subscribes to the presence bus and says hello so that the
// other nodes announce their rooms at their next flush. leave says goodbye,
// so that the other nodes drop this node's people now, and unsubscribes;
// it must run after the last announcement. Without a bus both do nothing.
func (s *Server) joinCluster() (leave func()) {
	bus := s.opts.Presence
	if bus == nil {
		return func() {}
	}
	stop, err := bus.SubscribePresence(s.receivePresence)
	if err != nil {
		s.log.Error("presence bus: subscribe; presence stays local", "err", err)
		return func() {}
	}
	s.announce(announcement{Room: tt.DefaultRoom, Online: []string{}, Hello: true})
	return func() {
		s.announce(announcement{Room: tt.DefaultRoom, Online: []string{}, Bye: true})
		stop()
	}
}

// receivePresence applies one bus message to the peer table. Messages from
// this node, malformed or oversized ones are dropped (logged at debug).
// It runs on the bus's goroutine, concurrently with everything else.
func (s *Server) receivePresence(data []byte) {
	a, err := decodeAnnouncement(data)
	if err != nil {
		s.log.Debug("presence bus: message ignored", "err", err)
		return
	}
	if a.Node == s.opts.NodeID {
		return
	}
	now := time.Now()
	if a.AliveMs > 0 && !a.Bye {
		s.pres.peers.alive(a.Node, now.Add(time.Duration(a.AliveMs)*time.Millisecond))
	}
	if a.Beat {
		return
	}
	if a.Bye {
		s.pres.peers.forget(a.Node)
		return
	}
	if a.Hello {
		s.pres.announceAll.Store(true)
	}
	ttl := time.Duration(a.TTLms) * time.Millisecond
	snap := peerSnapshot{node: a.Node, online: a.Online, count: a.Count, expires: now.Add(ttl)}
	if !s.pres.peers.apply(a.Room, snap) {
		s.log.Debug("presence bus: too many peer entries; announcement ignored", "node", a.Node, "room", a.Room)
	}
}

// announce publishes a on the presence bus as this node. A beat, which
// names no room, goes on the default room's subject.
func (s *Server) announce(a announcement) {
	a.Node = s.opts.NodeID
	a.TTLms = s.presenceTTL().Milliseconds()
	if !a.Bye {
		a.AliveMs = s.aliveTTL().Milliseconds()
	}
	data, err := json.Marshal(a)
	if err != nil {
		s.log.Error("encode presence announcement", "err", err)
		return
	}
	subject := a.Room
	if a.Beat {
		subject = tt.DefaultRoom
	}
	if err := s.opts.Presence.PublishPresence(subject, data); err != nil {
		s.log.Warn("presence bus: publish", "room", a.Room, "err", err)
	}
}

// flushPresence runs every PresenceInterval from Run: it beats, announces
// this node's changed rooms (and all of them every heartbeat, or after a
// pause long enough for the others to have dropped them) and sends each
// room whose merged presence changed one presence event.
func (s *Server) flushPresence(now time.Time) {
	changed, own := s.pres.flush(now, s.aliveTTL())
	if s.opts.Presence != nil {
		s.announce(announcement{Beat: true})
	}
	for _, p := range own {
		s.announce(announcement{Room: p.Room, Online: p.Online, Count: p.Count})
	}
	for _, p := range changed {
		s.publishPresence(p)
	}
}
