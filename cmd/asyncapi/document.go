package main

import (
	"reflect"
	"strconv"

	tt "tickertalk/app"
)

// AsyncAPIVersion is the version of the AsyncAPI specification the
// document follows.
const AsyncAPIVersion = "3.0.0"

// ProtocolVersion is the version of the Tickertalk protocol the document
// describes (info.version).
const ProtocolVersion = "1.0.0"

// Extension fields of a message: its kind's delivery class, and whether
// its events carry an SSE id.
const (
	ExtClass = "x-tickertalk-class"
	ExtSSEID = "x-tickertalk-sse-id"
)

// Names of the channels, operations and messages that are not event kinds.
const (
	chanStream = "eventStream"
	chanEvents = "events"
	chanSend   = "send"
	chanSess   = "session"
	chanScroll = "scrollback"

	msgSendRequest = "sendRequest"
	msgSent        = "sentMessage"
	msgError       = "error"
	msgSession     = "session"
	msgPage        = "messagePage"
)

// classDocs describes each delivery class for a reader of the document;
// app.Class's doc comments are the source.
var classDocs = map[tt.Class]string{
	tt.Durable: "Durable: stored in the room's log before the publisher is acknowledged; " +
		"carries the log position as its SSE `id`, is replayed on resume after `Last-Event-ID` " +
		"and paged by scrollback, and is deduplicated by the sender's `clientId`.",
	tt.State: "State: only the latest value matters; a connection gets the current one when it " +
		"opens and then every change. Never stored per event, never carries an SSE `id`; a newer " +
		"value may replace one still queued for a slow reader.",
	tt.Signal: "Signal: sent to the room's current listeners and forgotten: never stored, never " +
		"replayed, no SSE `id`.",
	tt.Control: "Control: made by the server for one connection; never published, stored or " +
		"replayed, no SSE `id`.",
}

// Document returns the AsyncAPI 3.0 document of the Tickertalk protocol
// for kinds (app.Kinds(), sorted by name): the event stream with one message
// per kind, the commands that publish events and send messages, the session
// and scrollback. The same kinds give the same document, byte for byte once
// encoded. The schemas' descriptions are the doc comments of the types and
// fields in src, the module's source (nil: none).
func Document(kinds []*tt.KindInfo, src *comments) map[string]any {
	s := newSchemas(src)
	messages := map[string]any{}
	streamMsgs := map[string]any{}
	var streamOps []any
	eventMsgs := map[string]any{}
	var eventOps []any
	for _, k := range kinds {
		messages[k.Name] = kindMessage(s, k)
		streamMsgs[k.Name] = ref("#/components/messages/" + k.Name)
		streamOps = append(streamOps, ref("#/channels/"+chanStream+"/messages/"+k.Name))
		if clientPublishable(k) {
			name := k.Name + "Request"
			messages[name] = requestMessage(s, k)
			eventMsgs[name] = ref("#/components/messages/" + name)
			eventOps = append(eventOps, ref("#/channels/"+chanEvents+"/messages/"+name))
		}
	}
	messages[msgSendRequest] = jsonMessage(msgSendRequest, "Send a chat message",
		"The body of POST "+tt.PathSend+": a retry with the same clientId returns the original message.",
		s.of(reflect.TypeFor[tt.SendRequest]()))
	sent := jsonMessage(msgSent, "The stored chat message",
		"201: stored now; 200: a retry of a clientId this session already sent. Only this answer carries clientId.",
		s.of(reflect.TypeFor[tt.ChatMessage]()))
	sent["bindings"] = map[string]any{"http": map[string]any{"statusCode": 201, "bindingVersion": httpBindingVersion}}
	messages[msgSent] = sent
	messages[msgError] = jsonMessage(msgError, "An error",
		"Every 4xx and 503 answer: a sentence for people and a stable code for programs (see docs/protocol.md).",
		s.of(reflect.TypeFor[tt.APIError]()))
	eventMsgs[msgError] = ref("#/components/messages/" + msgError)
	messages[msgSession] = jsonMessage(msgSession, "A nickname",
		"The body of POST "+tt.PathSession+" and its answer (201 a new session, 200 renamed), and the answer of GET.",
		s.of(reflect.TypeFor[tt.Session]()))
	messages[msgPage] = jsonMessage(msgPage, "A page of scrollback",
		"Messages oldest first, and whether older ones exist.",
		s.of(reflect.TypeFor[tt.MessagePage]()))

	doc := map[string]any{
		"asyncapi": AsyncAPIVersion,
		"info": map[string]any{
			"title":   "Tickertalk",
			"version": ProtocolVersion,
			"description": "Real-time events over Server-Sent Events: one `GET " + tt.PathEventStream +
				"` stream per browser carries every declared event kind; commands are JSON POSTs. " +
				"Generated from the event registry (package `tickertalk/app`) by `make docs`; " +
				"docs/protocol.md describes the whole HTTP contract (sessions, scrollback, errors, limits).\n\n" +
				"Each message has `" + ExtClass + "` (its delivery class) and `" + ExtSSEID +
				"` (whether its SSE block carries an `id:` line).\n\n" +
				"- " + classDocs[tt.Durable] + "\n- " + classDocs[tt.State] + "\n- " +
				classDocs[tt.Signal] + "\n- " + classDocs[tt.Control],
		},
		"defaultContentType": "application/json",
		"servers": map[string]any{
			"local": map[string]any{
				"host": "localhost:8000", "protocol": "http",
				"description": "`make run`: one node on its default address.",
			},
		},
		"channels": map[string]any{
			chanStream: map[string]any{
				"address": tt.PathEventStream,
				"title":   "The event stream",
				"description": "`text/event-stream`. Each event is a block `event: <kind>`, `data: <one line of JSON>`, " +
					"and `id: <log position>` for durable kinds only. Query: `room` (repeated, at most " +
					strconv.Itoa(tt.MaxStreamRooms) + " distinct rooms) and `lastEventId` (used only without a " +
					"`Last-Event-ID` header). A resume gets every retained durable event after the id, in id " +
					"order, before anything live, or a `resync` of each room that cannot be resumed. A `: ping` " +
					"comment every 15 s by default.",
				"messages": streamMsgs,
			},
			chanEvents: map[string]any{
				"address": tt.PathEvents,
				"title":   "Events published by clients",
				"description": "POST, `Content-Type: application/json`, same origin, with the session cookie: " +
					"an `EventRequest` naming a declared kind that clients may publish. A kind that is not " +
					"declared or not accepted from clients is answered 400 `" + tt.CodeUnknownKind + "`.",
				"messages": eventMsgs,
			},
			chanSess: map[string]any{
				"address":     tt.PathSession,
				"title":       "The session",
				"description": "POST chooses a nickname (same origin, `Content-Type: application/json`); GET answers the current one (`\"\"` without a session); DELETE ends it (204).",
				"messages":    componentMessages(msgSession, msgError),
			},
			chanScroll: map[string]any{
				"address": tt.PathRooms + "/{room}/messages",
				"title":   "Scrollback",
				"parameters": map[string]any{
					"room": map[string]any{"description": "The room: 1 to " + strconv.Itoa(tt.MaxRoomLen) + " of a-z, 0-9 and '-', not starting with '-'."},
				},
				"messages": componentMessages(msgPage, msgError),
			},
			chanSend: map[string]any{
				"address":     tt.PathSend,
				"title":       "Chat messages",
				"description": "POST, `Content-Type: application/json`, same origin, with the session cookie.",
				"messages":    componentMessages(msgSendRequest, msgSent, msgError),
			},
		},
		"operations": map[string]any{
			"chooseNickname": map[string]any{
				"action":   "receive",
				"channel":  ref("#/channels/" + chanSess),
				"title":    "Choose a nickname",
				"summary":  "Sets the session cookie with a new token; 409 nick_taken when another live session holds the nickname or a look-alike.",
				"messages": channelMessages(chanSess, msgSession),
				"bindings": httpBinding("POST", nil),
				"reply":    reply(chanSess, msgSession, msgError),
			},
			"readScrollback": map[string]any{
				"action":  "receive",
				"channel": ref("#/channels/" + chanScroll),
				"title":   "Page back through a room's messages",
				"bindings": httpBinding("GET", map[string]any{
					tt.QueryBefore: queryParam(idPattern, "Messages before this id; without it, the latest."),
					tt.QueryLimit: queryParam("^[0-9]+$",
						"1 to "+strconv.Itoa(tt.MaxPageLimit)+" messages, "+strconv.Itoa(tt.DefaultPageLimit)+" by default."),
				}),
				"reply": reply(chanScroll, msgPage, msgError),
			},
			"streamEvents": map[string]any{
				"action":   "send",
				"channel":  ref("#/channels/" + chanStream),
				"title":    "Stream the events of rooms",
				"summary":  "The server sends every declared kind on the stream: ticker states to all, the rest to the stream's rooms.",
				"messages": streamOps,
				"bindings": httpBinding("GET", map[string]any{
					tt.QueryRoom: queryParam("^[a-z0-9][a-z0-9-]{0,31}$",
						"A room whose events the stream carries; repeat it for several."),
					tt.QueryLastEventID: queryParam(idPattern,
						"Resume after this durable event id when the Last-Event-ID header is absent."),
				}),
			},
			"publishEvent": map[string]any{
				"action":   "receive",
				"channel":  ref("#/channels/" + chanEvents),
				"title":    "Publish an event",
				"summary":  "A client publishes an event of a kind the application accepts from clients.",
				"security": []any{ref("#/components/securitySchemes/session")},
				"messages": eventOps,
				"bindings": httpBinding("POST", nil),
				"reply":    reply(chanEvents, msgError),
			},
			"sendMessage": map[string]any{
				"action":   "receive",
				"channel":  ref("#/channels/" + chanSend),
				"title":    "Post a chat message",
				"security": []any{ref("#/components/securitySchemes/session")},
				"messages": channelMessages(chanSend, msgSendRequest),
				"bindings": httpBinding("POST", nil),
				"reply":    reply(chanSend, msgSent, msgError),
			},
		},
		"components": map[string]any{
			"messages": messages,
			"schemas":  s.defs,
			"securitySchemes": map[string]any{
				"session": map[string]any{
					"type": "httpApiKey", "in": "cookie", "name": tt.SessionCookieName,
					"description": "The HttpOnly session cookie that POST " + tt.PathSession + " sets when a person chooses a nickname.",
				},
			},
		},
	}
	if len(eventOps) == 0 {
		// No kind is published by clients: the operation lists only the
		// channel's error, which it cannot receive; leave it out.
		delete(doc["operations"].(map[string]any), "publishEvent")
	}
	return doc
}

// kindMessage is the message of one event kind on the stream.
func kindMessage(s *schemas, k *tt.KindInfo) map[string]any {
	id := "It carries no `id:` line."
	if k.Class.HasID() {
		id = "Its `id:` line is the event's position in the room's log, which a client resumes from."
	}
	return map[string]any{
		"name":        k.Name,
		"title":       k.Name,
		"summary":     k.Doc,
		"description": classDocs[k.Class] + " " + id,
		"contentType": "application/json",
		"payload":     s.of(k.Type),
		ExtClass:      k.Class.String(),
		ExtSSEID:      k.Class.HasID(),
	}
}

// clientPublishable reports whether clients may send events of k through
// POST /api/events: a durable or signal kind whose payload checks a
// client's value ([tt.Validator]).
func clientPublishable(k *tt.KindInfo) bool {
	if k.Class != tt.Durable && k.Class != tt.Signal {
		return false
	}
	v := reflect.TypeFor[tt.Validator]()
	return k.Type.Implements(v) || reflect.PointerTo(k.Type).Implements(v)
}

// requestMessage is the EventRequest that publishes an event of k.
func requestMessage(s *schemas, k *tt.KindInfo) map[string]any {
	props := map[string]any{
		"kind":     map[string]any{"const": k.Name},
		"data":     s.of(k.Type),
		"clientId": map[string]any{"type": "string", "minLength": 1, "maxLength": tt.MaxClientIDLen},
	}
	required := []any{"kind", "data"}
	desc := "Fields the server sets from the session (such as `nick`) are ignored or refused."
	if k.Class == tt.Durable {
		desc = "`clientId` makes a retry idempotent within a session. " + desc
	}
	return map[string]any{
		"name":        k.Name + "Request",
		"title":       "Publish " + k.Name,
		"summary":     "POST " + tt.PathEvents + " with a " + k.Name + " event (" + k.Class.String() + ").",
		"description": desc,
		"contentType": "application/json",
		"payload": map[string]any{
			"type": "object", "properties": props, "required": required, "additionalProperties": false,
		},
		ExtClass: k.Class.String(),
	}
}

func ref(to string) map[string]any { return map[string]any{"$ref": to} }

// httpBindingVersion is the version of the AsyncAPI HTTP bindings used.
const httpBindingVersion = "0.3.0"

// idPattern matches a durable event id as a query parameter gives it.
const idPattern = "^(0|[1-9][0-9]{0,19})$"

// jsonMessage is a message with a JSON payload.
func jsonMessage(name, title, summary string, payload any) map[string]any {
	return map[string]any{
		"name": name, "title": title, "contentType": "application/json",
		"summary": summary, "payload": payload,
	}
}

// componentMessages is a channel's messages: names of
// #/components/messages, each under its own name.
func componentMessages(names ...string) map[string]any {
	out := make(map[string]any, len(names))
	for _, n := range names {
		out[n] = ref("#/components/messages/" + n)
	}
	return out
}

// channelMessages refers to messages of channel ch, in order.
func channelMessages(ch string, names ...string) []any {
	out := make([]any, 0, len(names))
	for _, n := range names {
		out = append(out, ref("#/channels/"+ch+"/messages/"+n))
	}
	return out
}

// reply is an operation's reply: messages of channel ch.
func reply(ch string, names ...string) map[string]any {
	return map[string]any{"channel": ref("#/channels/" + ch), "messages": channelMessages(ch, names...)}
}

// httpBinding is an operation's HTTP binding: its method and, when given,
// the query parameters' schemas (by name).
func httpBinding(method string, query map[string]any) map[string]any {
	b := map[string]any{"method": method, "bindingVersion": httpBindingVersion}
	if query != nil {
		b["query"] = map[string]any{"type": "object", "properties": query}
	}
	return map[string]any{"http": b}
}

// queryParam is the schema of a string query parameter.
func queryParam(pattern, description string) map[string]any {
	return map[string]any{"type": "string", "pattern": pattern, "description": description}
}
