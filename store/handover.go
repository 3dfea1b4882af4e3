package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ErrCatchingUp reports that this node's replicas of the chat log or of a
// bucket, or its copy of JetStream's metadata, are behind the cluster's:
// the node can write (through the leaders), but stopping another node
// before it caught up would leave those groups without a majority.
var ErrCatchingUp = errors.New("store: this node's replicas are catching up with the cluster")

const (
	// handOverTimeout bounds how long a stopping clustered server waits
	// for the leaderships it gave up to be taken elsewhere. JetStream's
	// own election, without a hand-over, takes 4 to 9 s.
	handOverTimeout = 5 * time.Second
	handOverPoll    = 20 * time.Millisecond
	// lameDuckDuration and lameDuckGrace are the embedded server's lame
	// duck timings on a cluster: what it spends closing its remaining
	// TCP clients (other nodes, tools) once its JetStream has stopped,
	// and the pause before it starts. NATS's defaults (2 min and 10 s)
	// are for servers with thousands of clients.
	lameDuckDuration = time.Second
	lameDuckGrace    = 100 * time.Millisecond
)

// group is a RAFT group this server led: a stream, or a consumer of one.
type group struct{ stream, consumer string }

func (g group) String() string {
	if g.consumer == "" {
		return "stream " + g.stream
	}
	return "consumer " + g.stream + " > " + g.consumer
}

// handOver, on a clustered embedded server, steps down from every stream
// and consumer group it leads (the chat log, every bucket) and waits,
// until ctx ends, for each to have a leader on another server. Leadership
// moves at once that way: JetStream hands it to a current follower,
// which the others follow without waiting for an election timeout.
// Writes are refused meanwhile for no more than the hand-over. It
// returns the groups still without a leader elsewhere when ctx ended.
func (s *Store) handOver(ctx context.Context) error {
	if s.srv == nil || !s.cfg.clustered() || s.cfg.Replicas <= 1 {
		return nil
	}
	const acc = server.DEFAULT_GLOBAL_ACCOUNT
	var led []group
	next := map[string]string{} // stream → the replica to lead it
	for _, st := range s.localStreams(true) {
		if electable(st.Cluster) && s.srv.JetStreamIsStreamLeader(acc, st.Name) {
			led = append(led, group{stream: st.Name})
			next[st.Name] = successor(st.Cluster)
		}
		for _, c := range st.Consumer {
			if c != nil && electable(c.Cluster) && s.srv.JetStreamIsConsumerLeader(acc, st.Name, c.Name) {
				led = append(led, group{stream: st.Name, consumer: c.Name})
			}
		}
	}
	if len(led) == 0 {
		return nil
	}
	for _, g := range led {
		var err error
		if g.consumer == "" {
			err = s.stepDownStream(ctx, g.stream, next[g.stream])
		} else {
			err = s.srv.JetStreamStepdownConsumer(acc, g.stream, g.consumer)
		}
		if err != nil {
			s.log.Warn("hand over the leadership", "group", g.String(), "err", err)
		}
	}
	start := time.Now()
	for {
		left := s.ledHere(led)
		if len(left) == 0 {
			s.log.Info("leaderships handed over", "groups", len(led), "took", time.Since(start).Round(time.Millisecond))
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("store: hand over %v: no leader elsewhere after %v", left, time.Since(start).Round(time.Millisecond))
		case <-time.After(handOverPoll):
		}
	}
}

// electable reports whether a group this server leads, whose cluster
// information is ci, can elect a leader elsewhere: it has other replicas,
// and enough of them are online to make a majority with this server's
// vote. A group whose other replicas are all gone (the last node of a
// cluster that stops) is not handed over: no one could take it.
func electable(ci *server.ClusterInfo) bool {
	if ci == nil || len(ci.Replicas) == 0 {
		return false
	}
	online := 0
	for _, p := range ci.Replicas {
		if p != nil && !p.Offline {
			online++
		}
	}
	size := len(ci.Replicas) + 1 // the replicas and this server, the leader
	return online > 0 && online+1 >= size/2+1
}

// successor returns the name of the replica best placed to lead a group
// this server leads, whose cluster information is ci: online, current and
// the least behind; "" when none is. JetStream's own choice, the first
// replica it heard from recently, may be one that rejoined a moment ago
// and is still catching up: it then takes the hand-over only once it
// caught up, or an election does after 4 to 9 s.
func successor(ci *server.ClusterInfo) string {
	var best *server.PeerInfo
	for _, p := range ci.Replicas {
		if p == nil || p.Offline || !p.Current {
			continue
		}
		if best == nil || p.Lag < best.Lag || (p.Lag == best.Lag && p.Active < best.Active) {
			best = p
		}
	}
	if best == nil {
		return ""
	}
	return best.Name
}

// stepDownStream makes this server step down from leading stream, in
// favour of the replica called preferred when it is not empty (through
// JetStream's API, which takes a preferred successor), else of
// JetStream's choice.
func (s *Store) stepDownStream(ctx context.Context, stream, preferred string) error {
	if preferred != "" && s.nc.IsConnected() {
		err := s.requestStepDown(ctx, stream, preferred)
		if err == nil {
			return nil
		}
		s.log.Warn("step down in favour of a chosen replica: leaving the choice to JetStream", "stream", stream, "preferred", preferred, "err", err)
	}
	return s.srv.JetStreamStepdownStream(server.DEFAULT_GLOBAL_ACCOUNT, stream)
}

// requestStepDown asks the leader of stream, through JetStream's API, to
// hand it to the replica called preferred.
func (s *Store) requestStepDown(ctx context.Context, stream, preferred string) error {
	req, err := json.Marshal(server.JSApiLeaderStepdownRequest{Placement: &server.Placement{Preferred: preferred}})
	if err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	msg, err := s.nc.RequestWithContext(rctx, fmt.Sprintf(server.JSApiStreamLeaderStepDownT, stream), req)
	if err != nil {
		return err
	}
	var resp server.JSApiStreamLeaderStepDownResponse
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		return err
	}
	if resp.Error != nil {
		return resp.Error
	}
	if !resp.Success {
		return errors.New("not stepped down")
	}
	return nil
}

// ledHere returns the groups of led that have no leader on another
// server, as this server knows them.
func (s *Store) ledHere(led []group) []group { return s.ledBy(led, s.srv.Name()) }

// ledBy returns the groups of gs that this server sees led by the server
// called name, or without a leader.
func (s *Store) ledBy(gs []group, name string) []group {
	leaders := map[group]string{}
	for _, st := range s.localStreams(true) {
		if st.Cluster != nil {
			leaders[group{stream: st.Name}] = st.Cluster.Leader
		}
		for _, c := range st.Consumer {
			if c != nil && c.Cluster != nil {
				leaders[group{stream: st.Name, consumer: c.Name}] = c.Cluster.Leader
			}
		}
	}
	var out []group
	for _, g := range gs {
		if leader, known := leaders[g]; known && (leader == "" || leader == name) {
			out = append(out, g)
		}
	}
	return out
}

// localStreams returns the streams of which the embedded server holds a
// replica, with their consumers when consumers is set.
func (s *Store) localStreams(consumers bool) []*server.StreamDetail {
	acc, err := s.srv.JszAccount(&server.JSzOptions{Account: server.DEFAULT_GLOBAL_ACCOUNT, Streams: true, Consumer: consumers})
	if err != nil || acc == nil {
		return nil
	}
	out := make([]*server.StreamDetail, 0, len(acc.Streams))
	for i := range acc.Streams {
		out = append(out, &acc.Streams[i])
	}
	return out
}

// caughtUp returns nil when the clustered embedded server is current with
// JetStream's metadata and each of its replicas (the chat log, every
// bucket) is current with its leader; otherwise [ErrCatchingUp] naming
// what is behind. Without a clustered embedded server it returns nil.
func (s *Store) caughtUp() error {
	if s.srv == nil || !s.cfg.clustered() {
		return nil
	}
	if !s.srv.JetStreamIsCurrent() {
		return fmt.Errorf("%w: JetStream's metadata", ErrCatchingUp)
	}
	for _, st := range s.localStreams(false) {
		if !s.srv.JetStreamIsStreamCurrent(server.DEFAULT_GLOBAL_ACCOUNT, st.Name) {
			return fmt.Errorf("%w: stream %s", ErrCatchingUp, st.Name)
		}
	}
	return nil
}

// shutdownServer shuts the embedded server down and waits for it. A
// clustered one goes through NATS's lame duck mode: it stops taking
// clients, moves every leadership it still holds (JetStream's metadata
// among them) to another server and waits for that, stops JetStream,
// and only then leaves the cluster.
func (s *Store) shutdownServer() {
	if s.cfg.clustered() {
		s.srv.LameDuckShutdown()
	}
	s.srv.Shutdown() // no-op after a lame duck shutdown
	s.srv.WaitForShutdown()
}
