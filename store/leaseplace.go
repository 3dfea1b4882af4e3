package store

import (
	"context"
	"fmt"
	"time"
)

// leaderCheckEvery is how often a lease holder on an embedded cluster
// checks where the LEASES bucket's RAFT leader is.
const leaderCheckEvery = 5 * time.Second

// keepBucketLeaderAway runs while this node holds a lease, on an embedded
// NATS cluster only: whenever this node's own NATS server leads the LEASES
// bucket, it asks it to step down, so that another server leads it. A
// holder that is lost (killed, frozen) then takes only itself away, not
// also the leader that the next holder needs to write the record: without
// a leader, the others could take the lease over only after JetStream's
// election (4 to 9 s), and the ticker would stop for that long.
func (s *Store) keepBucketLeaderAway(ctx context.Context) {
	if s.srv == nil || !s.cfg.clustered() {
		return
	}
	stream := "KV_" + leaseBucket
	t := time.NewTicker(leaderCheckEvery)
	defer t.Stop()
	for {
		if err := s.stepDownIfLeader(ctx, stream); err != nil && ctx.Err() == nil {
			s.log.Debug("lease bucket leader check", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// stepDownIfLeader asks stream's leader to step down when it is this
// node's server.
func (s *Store) stepDownIfLeader(ctx context.Context, stream string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	st, err := s.js.Stream(ctx, stream)
	if err != nil {
		return fmt.Errorf("stream %s: %w", stream, err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return fmt.Errorf("stream %s info: %w", stream, err)
	}
	if info.Cluster == nil || info.Cluster.Leader != s.srv.Name() || len(info.Cluster.Replicas) == 0 {
		return nil
	}
	if _, err := s.nc.RequestWithContext(ctx, fmt.Sprintf("$JS.API.STREAM.LEADER.STEPDOWN.%s", stream), nil); err != nil {
		return fmt.Errorf("stream %s step down: %w", stream, err)
	}
	s.log.Info("lease bucket leader moved off the lease holder's NATS server", "stream", stream)
	return nil
}
