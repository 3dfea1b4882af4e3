package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	tt "tickertalk/app"
	"tickertalk/history"
)

// kindHeader names the durable kind of a chat log entry that is not a
// chat message. The log holds every durable kind of a room on the room's
// subject, so that one sequence orders them all and one Last-Event-ID
// resumes them all; an entry without the header is a message, as every
// entry written before other kinds existed is.
const kindHeader = "Tt-Kind"

// eventRecord is an event of a durable kind other than message as the log
// stores it: the payload and its envelope.
type eventRecord struct {
	Data     json.RawMessage `json:"data"`
	Sender   string          `json:"sender,omitempty"`
	ClientID string          `json:"clientId,omitempty"`
	Time     time.Time       `json:"time"`
}

// errNotDurable reports an entry whose kind is not a declared durable
// kind other than message.
var errNotDurable = errors.New("not a declared durable kind")

// PublishEntry stores e, an event of the durable kind e.Kind (declared,
// and not message: use Publish) on the subject of e.Msg.Room, with its
// payload e.JSON and its envelope's Sender, ClientID and Time, and waits
// for the acknowledgement, with Publish's deduplication, damage handling
// and errors. It returns the stream sequence, the event's id.
func (s *Store) PublishEntry(ctx context.Context, e history.Entry, dedupID string) (seq uint64, duplicate bool, err error) {
	if err := tt.ValidateRoom(e.Msg.Room); err != nil {
		return 0, false, fmt.Errorf("store: publish %s: %w", e.Kind, err)
	}
	if k, ok := tt.LookupKind(e.Kind); !ok || k.Class != tt.Durable || k.Name == tt.EventMessage {
		return 0, false, fmt.Errorf("store: publish %q: %w", e.Kind, errNotDurable)
	}
	data, err := json.Marshal(eventRecord{Data: e.JSON, Sender: e.Msg.Sender, ClientID: e.Msg.ClientID, Time: e.Msg.Time})
	if err != nil {
		return 0, false, fmt.Errorf("store: publish %s: encode: %w", e.Kind, err)
	}
	msg := &nats.Msg{Subject: chatPrefix + e.Msg.Room, Data: data, Header: nats.Header{}}
	msg.Header.Set(kindHeader, e.Kind)
	return s.publish(ctx, e.Msg.Room, msg, dedupID)
}

// deliverEvent decodes the entry of kind at seq and hands it to h.Event,
// or counts it as skipped when it is not a valid event of a durable kind
// this program declares (or h takes none).
func (s *Store) deliverEvent(h Hooks, kind, subject string, data []byte, seq uint64) {
	e, err := decodeEvent(s.logID, kind, subject, data, seq)
	if err == nil && h.Event != nil {
		h.Event(e)
		return
	}
	if err != nil {
		s.log.Error("skipping an invalid event", "seq", seq, "kind", kind, "err", err)
	}
	s.skip(h, subject, seq)
}

// skip reports an entry of a valid room's subject that is not delivered.
func (s *Store) skip(h Hooks, subject string, seq uint64) {
	if room, ok := strings.CutPrefix(subject, chatPrefix); ok && h.Skipped != nil && tt.ValidateRoom(room) == nil {
		h.Skipped(room, seq)
	}
}

// decodeEntry decodes the entry at seq of any durable kind ("": a
// message) into a history entry, its JSON as clients see it.
func decodeEntry(logID, kind, subject string, data []byte, seq uint64) (history.Entry, error) {
	if kind != "" {
		return decodeEvent(logID, kind, subject, data, seq)
	}
	m, err := decodeChat(logID, subject, data, seq)
	if err != nil {
		return history.Entry{}, err
	}
	public := m
	public.ClientID = "" // the sender's alone, as server.Deliver encodes it
	js, err := json.Marshal(public)
	if err != nil {
		return history.Entry{}, fmt.Errorf("store: message %d: encode: %w", seq, err)
	}
	return history.Entry{Seq: seq, Msg: m, JSON: js}, nil
}

// decodeEvent decodes the event of kind stored at seq on subject. The log
// is shared with whatever else can publish on the NATS server, so it is
// checked as the server checks what it publishes: the kind is a declared
// durable one, the payload decodes into its type, names the subject's
// room, and passes its Validate; the envelope is valid. The payload is
// encoded again from the decoded value: clients get only its fields.
func decodeEvent(logID, kind, subject string, data []byte, seq uint64) (history.Entry, error) {
	k, ok := tt.LookupKind(kind)
	if !ok || k.Class != tt.Durable || k.Name == tt.EventMessage {
		return history.Entry{}, fmt.Errorf("store: event %d of kind %q: %w", seq, kind, errNotDurable)
	}
	var rec eventRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return history.Entry{}, fmt.Errorf("store: event %d: decode: %w", seq, err)
	}
	v, err := k.Decode(rec.Data)
	if err != nil {
		return history.Entry{}, fmt.Errorf("store: event %d: %w", seq, err)
	}
	room, _ := strings.CutPrefix(subject, chatPrefix)
	if r, ok := v.(tt.Roomed); !ok || r.EventRoom() != room || tt.ValidateRoom(room) != nil {
		return history.Entry{}, fmt.Errorf("store: event %d: not of the room of subject %q", seq, subject)
	}
	if val, ok := v.(tt.Validator); ok {
		if err := val.Validate(); err != nil {
			return history.Entry{}, fmt.Errorf("store: event %d: %w", seq, err)
		}
	}
	if len(rec.Sender) > 64 {
		return history.Entry{}, fmt.Errorf("store: event %d: sender id too long", seq)
	}
	if rec.ClientID != "" {
		if err := tt.ValidateClientID(rec.ClientID); err != nil {
			return history.Entry{}, fmt.Errorf("store: event %d: %w", seq, err)
		}
	}
	public, err := json.Marshal(v)
	if err != nil {
		return history.Entry{}, fmt.Errorf("store: event %d: encode: %w", seq, err)
	}
	id := tt.MessageID{Log: logID, Seq: seq}.String()
	return history.Entry{
		Seq: seq, Kind: k.Name, JSON: public,
		Msg: tt.ChatMessage{ID: id, Room: room, Time: rec.Time, Sender: rec.Sender, ClientID: rec.ClientID},
	}, nil
}
