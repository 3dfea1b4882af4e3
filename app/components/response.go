package components

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	tt "tickertalk/app"
)

// errNetwork reports a request that got no HTTP answer at all: the browser
// is offline, the server is down, or the request was blocked.
var errNetwork = errors.New("network unavailable")

// response is what the UI keeps of one HTTP answer: copied out of the
// JavaScript Response so it can cross to the UI goroutine.
type response struct {
	Status     int
	Body       []byte
	RetryAfter string
	Err        error // errNetwork (wrapped) when no answer arrived
}

// ok reports a 2xx answer.
func (r response) ok() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// transient reports a failure that the same request may get past later: no
// answer at all, or the server (or a proxy before it) unavailable for now.
// A 4xx is the server's verdict on the request and is not transient.
func (r response) transient() bool {
	return r.Err != nil || r.Status == 408 || r.Status >= 500
}

// decode unmarshals the body of a successful answer into v.
func (r response) decode(v any) error {
	if r.Err != nil {
		return fmt.Errorf("no answer: %w", r.Err)
	}
	if !r.ok() {
		return fmt.Errorf("status %d", r.Status)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("decoding answer: %w", err)
	}
	return nil
}

// retryAfterSeconds is the Retry-After delay in whole seconds, at least 1.
func (r response) retryAfterSeconds() int {
	n, err := strconv.Atoi(strings.TrimSpace(r.RetryAfter))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// sentence is the message shown to people for a failed answer: a fixed
// sentence for the statuses the UI knows, the server's own sentence
// otherwise.
func (r response) sentence() string {
	if r.Err != nil {
		return "you are offline"
	}
	var apiErr tt.APIError
	_ = json.Unmarshal(r.Body, &apiErr)
	switch r.Status {
	case 429:
		return fmt.Sprintf("slow down, retry in %d s", r.retryAfterSeconds())
	case 409:
		return "that nickname is taken"
	case 413:
		return "that message is too large"
	case 401:
		return "your session has expired: choose your nickname again"
	}
	if apiErr.Error != "" {
		return apiErr.Error
	}
	return fmt.Sprintf("the server answered %d", r.Status)
}

// messagesURL is the scrollback URL of room: the latest limit messages, or
// those before the id before when it is not empty.
func messagesURL(room, before string, limit int) string {
	q := url.Values{}
	if before != "" {
		q.Set(tt.QueryBefore, before)
	}
	q.Set(tt.QueryLimit, strconv.Itoa(limit))
	return tt.RoomMessagesPath(room) + "?" + q.Encode()
}

// streamURL is the event stream URL of rooms, resuming after lastID when
// it is not empty.
func streamURL(rooms []string, lastID string) string {
	q := url.Values{}
	for _, room := range rooms {
		q.Add(tt.QueryRoom, room)
	}
	if lastID != "" {
		q.Set(tt.QueryLastEventID, lastID)
	}
	return tt.PathEventStream + "?" + q.Encode()
}
