package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	tt "tickertalk/app"
	"tickertalk/history"
)

// ErrNotFound reports that no message is stored at the requested sequence
// (never stored, or dropped by the per-room history bound).
var ErrNotFound = errors.New("store: not found")

// progressEvery is how often a follower that is catching up logs where
// it is.
const progressEvery = 2 * time.Second

// pullExpiry is how long one pull of a follower waits for entries.
const pullExpiry = time.Second

// publishTimeout bounds the wait for JetStream's acknowledgement of a chat
// message: a cluster without a quorum never acknowledges, and the sender
// must hear "try again" within a few seconds, not hang.
const publishTimeout = 3 * time.Second

// followResets is how many times a follower's ordered consumer tries to
// recreate itself (at once, then after a second) before follow does.
const followResets = 2

// stallCheck is how often a follower of a replicated log checks that it
// keeps up with the log.
const stallCheck = 2 * time.Second

// followRetry is how long Follow waits before recreating a consumer that
// failed for good (the ordered consumer already retries on its own).
const followRetry = time.Second

// Publish stores m (its ID field ignored) on subject chat.<m.Room> with the
// JetStream header Nats-Msg-Id set to dedupID (none when empty), and waits
// for the acknowledgement. It returns the stream sequence, the sequence of
// the message's id ([Store.LogID] is its log part). When JetStream has already stored a message with dedupID
// within the last 2 minutes, nothing is stored, duplicate is true and seq
// is the original's. The room must pass [tt.ValidateRoom]. The wait for
// the acknowledgement (on a cluster: the message stored on a majority of
// the replicas) is bounded by ctx and by 3 seconds; a timeout is an error
// wrapping context.DeadlineExceeded, and the message may still be stored
// later (a retry with the same dedupID then finds it).
func (s *Store) Publish(ctx context.Context, m tt.ChatMessage, dedupID string) (seq uint64, duplicate bool, err error) {
	if err := tt.ValidateRoom(m.Room); err != nil {
		return 0, false, fmt.Errorf("store: publish: %w", err)
	}
	m.ID = ""
	data, err := json.Marshal(record{ChatMessage: m, Sender: m.Sender})
	if err != nil {
		return 0, false, fmt.Errorf("store: publish: encode: %w", err)
	}
	return s.publish(ctx, m.Room, &nats.Msg{Subject: chatPrefix + m.Room, Data: data}, dedupID)
}

// publish stores msg, an entry of room's subject, as Publish describes.
func (s *Store) publish(ctx context.Context, room string, msg *nats.Msg, dedupID string) (seq uint64, duplicate bool, err error) {
	var opts []jetstream.PublishOpt
	if dedupID != "" {
		opts = append(opts, jetstream.WithMsgID(dedupID))
	}
	if err := s.health.check(); err != nil {
		return 0, false, fmt.Errorf("store: publish to %s: %w", msg.Subject, err)
	}
	wait := publishTimeout
	if s.isDamaged(room) {
		wait = damagedAckWait
	}
	ack, err := s.publishAcked(ctx, msg, dedupID, wait, opts)
	if err != nil && s.writeFailure(err) {
		if seq, ok := s.landed(msg, dedupID); ok {
			s.markDamaged(room, err)
			return seq, false, nil
		}
	}
	if err != nil {
		err = s.quorumFailure(err)
		s.noteWrite(err)
		return 0, false, fmt.Errorf("store: publish to %s: %w", msg.Subject, err)
	}
	return ack.Sequence, ack.Duplicate, nil
}

// publishAcked publishes msg and waits up to wait for its
// acknowledgement. On a replicated log, a message with a dedupID is sent
// again, once, when half of wait passed without an answer: a leader that
// steps down (a node that stops hands its leaderships over) drops the
// proposals it had not committed, whose publishers would otherwise hear
// nothing until wait ends; the duplicate window makes the second send
// store the message once. A second send that finds the first one stored
// is acknowledged as the first would have been, not as a duplicate.
func (s *Store) publishAcked(ctx context.Context, msg *nats.Msg, dedupID string, wait time.Duration, opts []jetstream.PublishOpt) (*jetstream.PubAck, error) {
	attempts := 1
	if s.cfg.Replicas > 1 && dedupID != "" {
		attempts, wait = 2, wait/2
	}
	for i := 1; ; i++ {
		pctx, cancel := context.WithTimeout(ctx, wait)
		ack, err := s.js.PublishMsg(pctx, msg, opts...)
		cancel()
		if err == nil && i > 1 && ack.Duplicate {
			ack.Duplicate = false // the first send, stored unacknowledged
		}
		if err == nil || i == attempts || ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
			return ack, err
		}
	}
}

// Message returns the message stored at sequence seq, its ID set. It
// returns [ErrNotFound] when there is none.
func (s *Store) Message(ctx context.Context, seq uint64) (tt.ChatMessage, error) {
	raw, err := s.stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return tt.ChatMessage{}, fmt.Errorf("store: message %d: %w", seq, ErrNotFound)
	}
	if err != nil {
		return tt.ChatMessage{}, fmt.Errorf("store: message %d: %w", seq, err)
	}
	m, err := decodeChat(s.logID, raw.Subject, raw.Data, raw.Sequence)
	if err != nil {
		return tt.ChatMessage{}, err
	}
	return m, nil
}

// record is a message as the log stores it: the message and the id of the
// session that sent it, which [tt.ChatMessage] never encodes for clients.
type record struct {
	tt.ChatMessage
	Sender string `json:"sender,omitempty"`
}

// decodeChat decodes the message stored at seq on subject and sets its ID
// to seq's in the log whose identity is logID. The log is shared with whatever else can publish on the NATS
// server, so a message is checked as /send checks one: its room is its
// subject's, and room, nick, text and clientId are valid.
func decodeChat(logID, subject string, data []byte, seq uint64) (tt.ChatMessage, error) {
	var rec record
	if err := json.Unmarshal(data, &rec); err != nil {
		return tt.ChatMessage{}, fmt.Errorf("store: message %d: decode: %w", seq, err)
	}
	m := rec.ChatMessage
	m.Sender = rec.Sender
	if err := validStored(subject, m); err != nil {
		return tt.ChatMessage{}, fmt.Errorf("store: message %d: %w", seq, err)
	}
	m.ID = tt.MessageID{Log: logID, Seq: seq}.String()
	return m, nil
}

// validStored reports why m, read on subject, is not a message that /send
// could have stored (nil when it is).
func validStored(subject string, m tt.ChatMessage) error {
	if room, _ := strings.CutPrefix(subject, chatPrefix); room != m.Room {
		return fmt.Errorf("room %q on subject %q", m.Room, subject)
	}
	if err := tt.ValidateRoom(m.Room); err != nil {
		return err
	}
	if err := tt.ValidateNick(m.Nick); err != nil {
		return err
	}
	if text, err := tt.NormalizeText(m.Text); err != nil {
		return err
	} else if text != m.Text {
		return errors.New("text not normalized")
	}
	if len(m.Sender) > 64 {
		return errors.New("sender id too long")
	}
	if m.ClientID != "" {
		return tt.ValidateClientID(m.ClientID)
	}
	return nil
}

// Follow delivers every retained message of every room, from the oldest,
// then every new one, in stream order and exactly once, calling fn from one
// goroutine with m.ID set to its id (the stream sequence in this log, see
// [Store.LogID]). It returns nil
// once fn has returned for every message stored when Follow was called
// (caught up); delivery then goes on in the background until ctx is done or
// the Store is closed. It survives NATS reconnects without a gap or a
// duplicate. fn is not called once ctx is done or Close has begun, except
// for a call already running. It returns an error when it cannot start, or
// when ctx ends before it has caught up (delivery then stops). A message
// that cannot be decoded is logged and skipped. fn must not call Close.
func (s *Store) Follow(ctx context.Context, fn func(tt.ChatMessage)) error {
	return s.FollowSkipping(ctx, fn, nil)
}

// FollowSkipping is Follow, and it also calls skipped, in stream order
// with the messages, for each log entry on a valid room's subject that is
// not a valid message: such an entry is never delivered, but it takes one
// of the room's places in the log, which an index of the log must count
// (history.Index.Skip). skipped may be nil.
func (s *Store) FollowSkipping(ctx context.Context, fn func(tt.ChatMessage), skipped func(room string, seq uint64)) error {
	return s.FollowWith(ctx, Hooks{Message: fn, Skipped: skipped})
}

// Hooks are what [Store.FollowWith] calls, all from one goroutine.
type Hooks struct {
	// Message receives each message, as with Follow. Required.
	Message func(tt.ChatMessage)
	// Event receives each event of a durable kind other than message (an
	// entry with a kind header, see [Store.PublishEntry]), in stream order
	// with the messages. nil counts such entries as Skipped.
	Event func(history.Entry)
	// Skipped is as with FollowSkipping; nil ignores such entries.
	Skipped func(room string, seq uint64)
	// Lost is called before FollowWith returns, once per range of the
	// log (first..last, in stream order) that held count entries which
	// are gone or cannot be read (damaged files): their rooms are unknown,
	// and a client that may have missed them must reload (history.Index.Lost).
	// The Store also logs them at ERROR. nil ignores them.
	Lost func(first, last, count uint64)
}

// FollowWith is [Store.FollowSkipping] with every hook. While catching up
// it logs its progress at info level every few seconds, and it accounts
// for every entry of the log: one that is neither delivered, skipped nor
// removed by the log's own limits is lost, reported to h.Lost. With the
// embedded server it also compares the log's end with the highest id ever
// seen (kept in DataDir/chat-watermark): a lost end is reported too, and
// the log's sequence moved past it, so that no id is ever given twice.
func (s *Store) FollowWith(ctx context.Context, h Hooks) error {
	if err := s.checkLostEnd(ctx, h.Lost); err != nil {
		return fmt.Errorf("store: follow: %w", err)
	}
	// The stream's state first: every entry up to its last one is
	// accounted for, also past the last chat entry (lost entries at the
	// end of a block leave the log's last sequence where it was).
	info, err := s.stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("store: follow: stream info: %w", err)
	}
	target, err := s.lastChatSeq(ctx)
	if err != nil {
		return fmt.Errorf("store: follow: %w", err)
	}
	if !s.track() {
		return fmt.Errorf("store: follow: %w", nats.ErrConnectionClosed)
	}
	fctx, cancel := context.WithCancel(ctx)
	stopOnClose := context.AfterFunc(s.ctx, cancel)
	caught := make(chan struct{})
	done := make(chan struct{})
	gaps := newGapTracker(info.State.FirstSeq, max(target, info.State.LastSeq))
	go func() {
		defer s.wg.Done()
		defer close(done)
		defer stopOnClose()
		defer cancel()
		s.follow(fctx, target, caught, gaps, h)
	}()
	select {
	case <-caught:
		return nil
	case <-done:
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("store: follow: before catching up: %w", err)
		}
		return fmt.Errorf("store: follow: store closed before catching up: %w", nats.ErrConnectionClosed)
	}
}

// lastChatSeq returns the sequence of the last entry on chat.> (0: none),
// which a follower must reach to have caught up: the stream's last entry
// may be elsewhere (a probe write). When that entry cannot be read, it
// returns the stream's last sequence, which the follower reaches or, with
// nothing pending, counts as reached.
func (s *Store) lastChatSeq(ctx context.Context) (uint64, error) {
	last, err := s.stream.GetLastMsgForSubject(ctx, chatWildcard)
	switch {
	case err == nil:
		return last.Sequence, nil
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return 0, nil
	}
	info, ierr := s.stream.Info(ctx)
	if ierr != nil {
		return 0, fmt.Errorf("stream info: %w (last entry: %w)", ierr, err)
	}
	if info.State.Msgs == 0 {
		return 0, nil
	}
	return info.State.LastSeq, nil
}

// follow runs ordered consumers on chat.> until ctx is done, recreating one
// after the last delivered sequence when it fails for good. Once the
// message at target (or the end of the stream) was handed over, it reports
// the entries lost on the way and closes caught.
func (s *Store) follow(ctx context.Context, target uint64, caught chan<- struct{}, gaps *gapTracker, h Hooks) {
	var last uint64
	isCaught := false
	start, lastLog := time.Now(), time.Now()
	markCaught := func() {
		if !isCaught {
			isCaught = true
			s.reportLost(ctx, gaps, h.Lost)
			close(caught)
		}
	}
	if target == 0 {
		markCaught()
	}
	for ctx.Err() == nil {
		err := s.consume(ctx, &last, func(seq, pending uint64, subject string) {
			if isCaught {
				return
			}
			gaps.saw(seq, subject)
			if seq >= target || pending == 0 {
				markCaught()
			} else if time.Since(lastLog) >= progressEvery {
				lastLog = time.Now()
				s.log.Info("loading the chat log", "at", seq, "of", target, "pending", pending,
					"took", time.Since(start).Round(time.Millisecond))
			}
		}, h)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("chat follower restarting", "after", last, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(followRetry):
		}
	}
}

// consume runs one ordered consumer starting after *last until ctx is done
// or it fails, advancing *last and calling progress after each message.
func (s *Store) consume(ctx context.Context, last *uint64, progress func(seq, pending uint64, subject string), h Hooks) error {
	// A restart of JetStream drops the consumer: start again at once.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	restarted := s.restartSignal()
	go func() {
		select {
		case <-restarted:
			cancel()
		case <-ctx.Done():
		}
	}()
	cfg := jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{chatWildcard},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		// nats.go's own resets back off up to a minute, so a follower
		// whose consumer went with a lost server (or a lost quorum) would
		// lag long after the cluster recovered: past two failed resets it
		// fails, and follow recreates it every second.
		MaxResetAttempts: followResets,
	}
	if *last > 0 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = *last + 1
	}
	cons, err := s.js.OrderedConsumer(ctx, streamName, cfg)
	if err != nil {
		return fmt.Errorf("ordered consumer: %w", err)
	}
	// Pulls expire every second: JetStream does not wake consumers for an
	// entry it stored without acknowledging it (see landed), so a new pull
	// is what finds one.
	it, err := cons.Messages(jetstream.PullExpiry(pullExpiry))
	if err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	defer it.Stop()
	var at atomic.Uint64 // *last, for the watchdog
	at.Store(*last)
	if s.cfg.Replicas > 1 {
		// Stopping the iterator too ends a reset nats.go may be in the
		// middle of (its retries wait up to 10 s each, deaf to ctx).
		go s.watchStall(ctx, func() { cancel(); it.Stop() }, &at)
	}
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return fmt.Errorf("next: %w", err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		meta, err := msg.Metadata()
		if err != nil {
			s.log.Error("chat message without metadata", "subject", msg.Subject(), "err", err)
			continue
		}
		seq := meta.Sequence.Stream
		if seq <= *last {
			continue // never twice, whatever the consumer does
		}
		*last = seq
		at.Store(seq)
		s.noteSeen(seq)
		if kind := msg.Headers().Get(kindHeader); kind != "" {
			s.deliverEvent(h, kind, msg.Subject(), msg.Data(), seq)
		} else if m, err := decodeChat(s.logID, msg.Subject(), msg.Data(), seq); err == nil {
			h.Message(m)
		} else {
			s.log.Error("skipping an invalid chat message", "seq", seq, "err", err)
			s.skip(h, msg.Subject(), seq)
		}
		progress(seq, meta.NumPending, msg.Subject())
	}
}

// Messages returns, ascending and at most max, the valid messages of room
// with a stream sequence from from to to (both included), their ID set:
// [Store.Entries] without the other durable kinds.
func (s *Store) Messages(ctx context.Context, room string, from, to uint64, max int) ([]tt.ChatMessage, error) {
	entries, err := s.Entries(ctx, room, from, to, max)
	if err != nil {
		return nil, err
	}
	var out []tt.ChatMessage
	for _, e := range entries {
		if e.IsMessage() {
			out = append(out, e.Msg)
		}
	}
	return out, nil
}

// Entries returns, ascending and at most max, the valid durable events of
// every kind of room with a stream sequence from from to to (both
// included), as history entries (the [history.Source] of an index). It
// reads them in batches through one short-lived ordered consumer filtered
// on the room's subject, so a sparse room costs no more than its own
// entries. Entries the log no longer holds are simply absent; an entry
// that cannot be decoded is left out too.
func (s *Store) Entries(ctx context.Context, room string, from, to uint64, max int) ([]history.Entry, error) {
	if err := tt.ValidateRoom(room); err != nil {
		return nil, fmt.Errorf("store: messages: %w", err)
	}
	if from == 0 {
		from = 1
	}
	if max < 1 || to < from {
		return nil, nil
	}
	cons, err := s.js.OrderedConsumer(ctx, streamName, jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{chatPrefix + room},
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       from,
		InactiveThreshold: 5 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("store: messages of %s: consumer: %w", room, err)
	}
	defer func() {
		if info := cons.CachedInfo(); info != nil {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			_ = s.js.DeleteConsumer(dctx, streamName, info.Name)
			cancel()
		}
	}()
	var out []history.Entry
	for len(out) < max {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("store: messages of %s: %w", room, err)
		}
		batch, err := cons.FetchNoWait(max - len(out))
		if err != nil {
			return nil, fmt.Errorf("store: messages of %s: fetch: %w", room, err)
		}
		n, done := 0, false
		for msg := range batch.Messages() {
			n++
			meta, err := msg.Metadata()
			if err != nil {
				continue
			}
			seq := meta.Sequence.Stream
			if seq > to {
				done = true
				continue
			}
			if e, err := decodeEntry(s.logID, msg.Headers().Get(kindHeader), msg.Subject(), msg.Data(), seq); err == nil {
				out = append(out, e)
			}
			if seq == to || meta.NumPending == 0 {
				done = true
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, jetstream.ErrNoMessages) {
			return nil, fmt.Errorf("store: messages of %s: %w", room, err)
		}
		if done || n == 0 {
			break
		}
	}
	return out, nil
}

// FirstSeq returns the lowest sequence the chat log holds (the next one to
// be assigned when it is empty): everything below it was discarded.
func (s *Store) FirstSeq(ctx context.Context) (uint64, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: stream info: %w", err)
	}
	return info.State.FirstSeq, nil
}

// watchStall cancels a follower's consumer (cancel) that has not moved
// past at while the log holds newer chat entries, checked every
// stallCheck until ctx ends: an R1 consumer of a replicated log may sit on
// a replica that a lost leader left behind, getting heartbeats but no
// messages; follow then creates another one.
func (s *Store) watchStall(ctx context.Context, cancel func(), at *atomic.Uint64) {
	t := time.NewTicker(stallCheck)
	defer t.Stop()
	prev := at.Load()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur := at.Load()
		if cur != prev {
			prev = cur
			continue
		}
		lctx, lcancel := context.WithTimeout(ctx, readyTimeout)
		last, err := s.lastChatSeq(lctx)
		lcancel()
		if err == nil && last > cur {
			s.log.Warn("chat follower stalled: recreating its consumer", "at", cur, "log_last", last)
			cancel()
			return
		}
	}
}
