package app

import "time"

// SSE event names of the built-in kinds, sent on [PathEventStream]; each
// is declared once with its payload type and class in kinds.go.
const (
	// EventUpdate carries a [TickerUpdate].
	EventUpdate = "update"
	// EventMessage carries a [ChatMessage]; its SSE id is the message id.
	EventMessage = "message"
	// EventPresence carries a [Presence].
	EventPresence = "presence"
	// EventResync carries a [Resync]: the requested Last-Event-ID was
	// malformed, an id of another chat log (see [MessageID]) or older than
	// the retained history, so the client must reload the room's history
	// rather than trust the stream to fill a gap.
	EventResync = "resync"
)

// HTTP paths of the contract.
const (
	PathEventStream = "/eventstream"
	PathSend        = "/send"
	PathSession     = "/api/session"
	PathRooms       = "/api/rooms"
	PathHealth      = "/healthz"
	PathReady       = "/readyz"
	PathMetrics     = "/metrics"
	// PathRoomPage prefixes the deep link of a room in the UI: /rooms/{room}.
	PathRoomPage = "/rooms/"
)

// RoomMessagesPath is the scrollback path of a room.
func RoomMessagesPath(room string) string { return PathRooms + "/" + room + "/messages" }

// Query parameters of [PathEventStream] and the scrollback API.
const (
	QueryRoom        = "room"
	QueryLastEventID = "lastEventId"
	QueryBefore      = "before"
	QueryLimit       = "limit"
)

// Limits and defaults shared by both halves.
const (
	DefaultRoom = "lobby"
	// MaxStreamRooms is the most rooms one event stream carries (room=
	// repeated); a browser's tabs share one stream for all their rooms.
	MaxStreamRooms    = 16
	MaxTextRunes      = 2000
	MaxNickRunes      = 24
	MaxRoomLen        = 32
	MaxClientIDLen    = 64
	MaxBodyBytes      = 16 << 10
	DefaultPageLimit  = 50
	MaxPageLimit      = 200
	PresenceListCap   = 100
	DefaultHistory    = 10000
	DefaultHeartbeat  = 15 * time.Second
	DefaultTick       = time.Second
	SessionCookieName = "tt_session"
)

// Error codes of [APIError].
const (
	CodeBadJSON          = "bad_json"
	CodeBadRequest       = "bad_request"
	CodeInvalidRoom      = "invalid_room"
	CodeInvalidNick      = "invalid_nick"
	CodeInvalidText      = "invalid_text"
	CodeInvalidClientID  = "invalid_client_id"
	CodeInvalidParameter = "invalid_parameter"
	CodeTooManyRooms     = "too_many_rooms"
	CodeNickTaken        = "nick_taken"
	CodeNoSession        = "no_session"
	CodeCrossOrigin      = "cross_origin"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeTooLarge         = "body_too_large"
	CodeUnsupportedType  = "unsupported_media_type"
	CodeRateLimited      = "rate_limited"
	CodeNotFound         = "not_found"
	CodeUnavailable      = "unavailable"
	CodeTooManySessions  = "too_many_sessions"
	// CodeTooManyStreams answers a stream past the node's or the client
	// address's cap (503 with Retry-After).
	CodeTooManyStreams = "too_many_streams"
	// CodeBodyTimeout answers a request whose body did not arrive within
	// the body timeout (408).
	CodeBodyTimeout = "body_timeout"
)

// QueryAfter is the cursor of GET /api/rooms: the last name of the
// previous page ([RoomList].Next).
const QueryAfter = "after"

// DefaultRoomsLimit and MaxRoomsLimit are the default and the largest page
// of GET /api/rooms.
const (
	DefaultRoomsLimit = 100
	MaxRoomsLimit     = 1000
)

// CodeForeignID answers (400) a scrollback whose before is the id of a
// message of another chat log (a wiped store, another cluster) or a bare
// number from before ids named their log: the client holds messages this
// server never had, and reloads the room's latest page instead.
const CodeForeignID = "foreign_id"

// CodeRoomLimit is the code of a send (409) to a room that does not exist
// yet while the server holds as many rooms as it is configured to.
const CodeRoomLimit = "room_limit"

// PathEvents takes an event of a kind that clients may publish
// (POST, an [EventRequest]): the application's handler for the kind checks
// it and publishes it. An unknown kind is answered 400 [CodeUnknownKind].
const PathEvents = "/api/events"

// CodeUnknownKind answers an [EventRequest] whose kind is not declared or
// not accepted from clients.
const CodeUnknownKind = "unknown_kind"
