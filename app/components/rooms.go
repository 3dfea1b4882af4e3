package components

import (
	"context"
	"slices"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// roomList shows the rooms with their online counts, the current one
// marked, the unread and mention counts of the other joined rooms with a
// button to leave each ([actionLeave]), and a form to create or join a
// room by name ([actionJoin]).
// Rooms are links to /rooms/{name}: go-app turns a click into an in-app
// navigation, and they work with the keyboard and in a new tab.
//
// It owns the list of the server's rooms: loaded when it mounts, when the
// current room changes and every roomsEvery. The count of the current room
// is its live presence, heard on Bus.
type roomList struct {
	app.Compo

	Bus     *eventBus
	Current string
	Joined  []string
	Unread  unreadState

	rooms   []tt.RoomInfo // the server's, as last loaded
	loaded  string        // the current room when they were loaded
	unsub   stopFunc
	stopped context.CancelFunc
}

// OnMount loads the rooms, reloads them every roomsEvery, and hears the
// presences: the current room's count follows them.
func (r *roomList) OnMount(ctx app.Context) {
	r.unsub = Subscribe(ctx, r.Bus, tt.KindPresence, func(app.Context, tt.Presence, string) {})
	r.refresh(ctx)
	r.stopped = every(ctx, roomsEvery, r.refresh)
}

// OnUpdate reloads the rooms when the current room changed: a new room
// may have come to be.
func (r *roomList) OnUpdate(ctx app.Context) {
	if r.Current != r.loaded {
		r.refresh(ctx)
	}
}

// OnDismount stops the reloads and the presences.
func (r *roomList) OnDismount() {
	r.unsub.stop()
	if r.stopped != nil {
		r.stopped()
	}
}

// refresh reloads the server's rooms.
func (r *roomList) refresh(ctx app.Context) {
	r.loaded = r.Current
	fetch("GET", tt.PathRooms, nil, func(resp response) {
		var list tt.RoomList
		if resp.decode(&list) != nil {
			return
		}
		ctx.Dispatch(func(app.Context) { r.rooms = list.Rooms })
	})
}

func (r *roomList) Render() app.UI {
	pr, _ := Latest(r.Bus, tt.KindPresence, r.Current)
	rooms := roomsShown(r.rooms, r.Joined, r.Current, pr)
	return app.Nav().Class("rooms-pane").Aria("label", "rooms").Body(
		app.H2().Text("Rooms"),
		app.Ul().ID("rooms").Body(
			app.Range(rooms).Slice(func(i int) app.UI {
				name := rooms[i].Name
				unread, mentioned := r.Unread.counts(name)
				if name == r.Current {
					unread, mentioned = 0, 0
				}
				return roomRow(rooms[i], name == r.Current, slices.Contains(r.Joined, name), unread, mentioned, r.onLeave)
			}),
		),
		app.Form().Class("room-form").OnSubmit(r.onSubmit).Body(
			app.Label().For("room-input").Text("Join or create a room"),
			app.Div().Class("row").Body(
				app.Input().ID("room-input").
					Type("text").
					Name("room").
					MaxLength(tt.MaxRoomLen).
					Placeholder("my-room").
					AutoComplete(false),
				app.Button().ID("room-submit").Type("submit").Text("Go"),
			),
		),
	)
}

func roomRow(room tt.RoomInfo, current, joined bool, unread, mentioned int, leave func(string) app.EventHandler) app.UI {
	link := app.A().Href(tt.PathRoomPage+room.Name).Body(
		app.Span().Class("room-name").Text("#"+room.Name),
		app.If(mentioned > 0, func() app.UI {
			return app.Span().Class("mentions").Aria("label", strconv.Itoa(mentioned)+" mentions").Text("@" + unreadLabel(mentioned))
		}),
		app.If(unread > 0, func() app.UI {
			return app.Span().Class("unread").Aria("label", strconv.Itoa(unread)+" unread").Text(unreadLabel(unread))
		}),
		app.Span().Class("online").Aria("label", strconv.Itoa(room.Online)+" online").Text(room.Online),
	)
	if current {
		link = link.Aria("current", "page")
	}
	class := "room"
	if current {
		class = "room current"
	}
	return app.Li().Class(class).DataSet("room", room.Name).Body(
		link,
		app.If(joined && !current, func() app.UI {
			return app.Button().Class("leave").Type("button").Title("leave #"+room.Name).
				Aria("label", "leave #"+room.Name).OnClick(leave(room.Name)).Text("×")
		}),
	)
}

// onLeave returns the click handler of a room's leave button.
func (r *roomList) onLeave(room string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		ctx.NewActionWithValue(actionLeave, room)
	}
}

func (r *roomList) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx.NewActionWithValue(actionJoin, fieldValue("room-input", true))
}

// roomsShown is the list to display: the server's rooms, plus the current
// room, the joined rooms and the default room when the server did not list
// them, with the current room's count taken from its live presence when
// known.
func roomsShown(rooms []tt.RoomInfo, joined []string, current string, presence tt.Presence) []tt.RoomInfo {
	out := slices.Clone(rooms)
	for _, name := range append([]string{tt.DefaultRoom, current}, joined...) {
		if !slices.ContainsFunc(out, func(r tt.RoomInfo) bool { return r.Name == name }) {
			out = append(out, tt.RoomInfo{Name: name})
		}
	}
	for i := range out {
		if out[i].Name == current && presence.Room == current {
			out[i].Online = presence.Count
		}
	}
	return out
}
