package store

import (
	"errors"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// logIdentity is the identity of the chat log created at created, the
// log part of every message id it issues ([tt.MessageID]): the creation
// time in microseconds since the Unix epoch, in base 36 (10 characters
// until the year 2086). JetStream keeps a stream's creation time with the
// stream, the same on every server of a cluster (its meta group assigns
// it), across restarts and in a snapshot restored on one server. A new
// stream has a new one: a wiped data dir, another cluster, a snapshot
// restored into a cluster (JetStream gives it the time of the restore).
// Later-created logs have greater identities.
func logIdentity(created time.Time) string {
	return strconv.FormatInt(created.UnixMicro(), 36)
}

// streamIdentity is the identity of the chat log behind stream, as
// declared.
func streamIdentity(stream jetstream.Stream) (string, error) {
	info := stream.CachedInfo()
	if info == nil || info.Created.UnixMicro() <= 0 {
		return "", errors.New("store: the chat stream has no creation time")
	}
	return logIdentity(info.Created), nil
}

// LogID returns the identity of the chat log, the log part of the ids of
// its messages ([tt.MessageID].Log): the same on every node that shares
// the log, and for the Store's lifetime.
func (s *Store) LogID() string { return s.logID }
