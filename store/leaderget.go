package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
)

// getSession reads the session bucket's key like sessions.Get, and on a
// replicated bucket confirms a miss with the leader. A direct get may be
// answered by any replica, also one that has not applied the latest
// acknowledged write yet (it was not in the majority, or the leader went
// before it caught up): a session just created on one node would read as
// missing (401) on another. The leader has every acknowledged write.
func (s *Store) getSession(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	e, err := s.sessions.Get(ctx, key)
	if !errors.Is(err, jetstream.ErrKeyNotFound) || s.cfg.Replicas <= 1 {
		return e, err
	}
	return s.leaderGet(ctx, sessionBucket, key)
}

// leaderGet reads the last value of key in bucket from the leader of the
// bucket's stream (the non-direct message API), bounded to 2 s. A key
// never written, deleted or purged is [jetstream.ErrKeyNotFound].
func (s *Store) leaderGet(ctx context.Context, bucket, key string) (jetstream.KeyValueEntry, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	req, err := json.Marshal(server.JSApiMsgGetRequest{LastFor: "$KV." + bucket + "." + key})
	if err != nil {
		return nil, err
	}
	msg, err := s.nc.RequestWithContext(ctx, fmt.Sprintf(server.JSApiMsgGetT, "KV_"+bucket), req)
	if err != nil {
		return nil, fmt.Errorf("store: %s leader get: %w", bucket, err)
	}
	var resp server.JSApiMsgGetResponse
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		return nil, fmt.Errorf("store: %s leader get: %w", bucket, err)
	}
	switch {
	case resp.Error != nil && resp.Error.Code == 404:
		return nil, jetstream.ErrKeyNotFound
	case resp.Error != nil:
		return nil, fmt.Errorf("store: %s leader get: %d %s", bucket, resp.Error.Code, resp.Error.Description)
	case resp.Message == nil:
		return nil, fmt.Errorf("store: %s leader get: an answer without a message", bucket)
	}
	if h := string(resp.Message.Header); strings.Contains(h, "KV-Operation: DEL") || strings.Contains(h, "KV-Operation: PURGE") {
		return nil, jetstream.ErrKeyNotFound
	}
	return kvEntry{bucket: bucket, key: key, value: resp.Message.Data, rev: resp.Message.Sequence, created: resp.Message.Time}, nil
}

// kvEntry is a value read by leaderGet.
type kvEntry struct {
	bucket, key string
	value       []byte
	rev         uint64
	created     time.Time
}

func (e kvEntry) Bucket() string                  { return e.bucket }
func (e kvEntry) Key() string                     { return e.key }
func (e kvEntry) Value() []byte                   { return e.value }
func (e kvEntry) Revision() uint64                { return e.rev }
func (e kvEntry) Created() time.Time              { return e.created }
func (e kvEntry) Delta() uint64                   { return 0 }
func (e kvEntry) Operation() jetstream.KeyValueOp { return jetstream.KeyValuePut }
