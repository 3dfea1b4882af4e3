package server

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	tt "tickertalk/app"
	"tickertalk/history"
)

// roomSep joins the rooms of one stream into its key: room names never
// hold it.
const roomSep = ","

// parseStreamRooms reads every room= of a stream request's raw query: none
// (the ticker only), or 1 to tt.MaxStreamRooms distinct valid rooms. It
// returns them as the stream's key, sorted and joined by roomSep (the
// same set of rooms is the same key), or a 400 that says which rule the
// query breaks. Pairs url.ParseQuery would refuse (a semicolon, a bad
// escape) are skipped as queryValue does.
func parseStreamRooms(raw string) (key string, err error) {
	var rooms []string
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if k, err = url.QueryUnescape(k); err != nil || k != tt.QueryRoom {
			continue
		}
		if v, err = url.QueryUnescape(v); err != nil {
			continue
		}
		if err := tt.ValidateRoom(v); err != nil {
			return "", invalidField(err, http.StatusBadRequest)
		}
		if slices.Contains(rooms, v) {
			return "", errorf(http.StatusBadRequest, tt.CodeInvalidParameter,
				fmt.Sprintf("room %q is given more than once", v))
		}
		if len(rooms) == tt.MaxStreamRooms {
			return "", errorf(http.StatusBadRequest, tt.CodeTooManyRooms,
				fmt.Sprintf("a stream carries at most %d rooms", tt.MaxStreamRooms))
		}
		rooms = append(rooms, v)
	}
	slices.Sort(rooms)
	return strings.Join(rooms, roomSep), nil
}

// eachRoom calls f with every room of a stream's key, without allocating.
func eachRoom(key string, f func(room string)) {
	for key != "" {
		var room string
		room, key, _ = strings.Cut(key, roomSep)
		f(room)
	}
}

// gapReason is why a room whose retained history no longer reaches the
// resume point resyncs.
const gapReason = "Last-Event-ID is outside the retained history"

// backlogOf sizes the resume after after of the rooms of key, for
// checkReplay: the messages and bytes to replay, and the plan. One room
// past its history resyncs the stream as before; among several, such a
// room resyncs alone (its messages after the index's last id when checked
// are new, and replayed with the others), unless every room is.
func backlogOf(idx *history.Index, key string, after uint64) (messages, size int, plan replayPlan, err error) {
	plan.floor, plan.gapReason = idx.Last(), gapReason
	rooms := 0
	for room := range strings.SplitSeq(key, roomSep) {
		rooms++
		n, b, err := idx.Backlog(room, after)
		switch {
		case errors.Is(err, history.ErrGap):
			plan.gaps = append(plan.gaps, room)
		case err != nil:
			return 0, 0, plan, fmt.Errorf("size the replay of %s after %d: %w", room, after, err)
		}
		messages, size = messages+n, size+b
	}
	if len(plan.gaps) == rooms {
		plan.resync, plan.gaps = gapReason, nil
	}
	return messages, size, plan, nil
}

// pageOf returns up to limit messages of the rooms of key after after, in
// id order: ids are one sequence across rooms, so the first limit of the
// rooms' pages merged are the stream's next page, and the next call reads
// each room after the last of them. A room of plan.gaps is read after
// plan.floor.
func pageOf(idx *history.Index, key string, plan *replayPlan, after uint64, limit int) ([]history.Entry, error) {
	if !strings.Contains(key, roomSep) {
		return idx.Page(key, after, limit)
	}
	var all []history.Entry
	for room := range strings.SplitSeq(key, roomSep) {
		from := after
		if slices.Contains(plan.gaps, room) {
			from = max(after, plan.floor)
		}
		page, err := idx.Page(room, from, limit)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
	}
	slices.SortFunc(all, func(a, b history.Entry) int { return cmp.Compare(a.Seq, b.Seq) })
	if len(all) > limit {
		clear(all[limit:]) // the rest is read again by the next page
		all = all[:limit]
	}
	return all, nil
}

// appendResyncFrame appends the resync event of room.
func appendResyncFrame(b []byte, room, reason string) []byte {
	data, _ := json.Marshal(tt.Resync{Room: room, Reason: reason})
	return appendFrame(b, tt.KindResync.Info(), "", data)
}
