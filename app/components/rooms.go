package components

import (
	"slices"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// roomList shows the rooms with their online counts, the current one
// marked, and a form to create or join a room by name ([actionJoin]).
// Rooms are links to /rooms/{name}: go-app turns a click into an in-app
// navigation, and they work with the keyboard and in a new tab.
type roomList struct {
	app.Compo

	Rooms   []tt.RoomInfo
	Current string
}

func (r *roomList) Render() app.UI {
	return app.Nav().Class("rooms-pane").Aria("label", "rooms").Body(
		app.H2().Text("Rooms"),
		app.Ul().ID("rooms").Body(
			app.Range(r.Rooms).Slice(func(i int) app.UI {
				return roomRow(r.Rooms[i], r.Rooms[i].Name == r.Current)
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

func roomRow(room tt.RoomInfo, current bool) app.UI {
	link := app.A().Href(tt.PathRoomPage+room.Name).Body(
		app.Span().Class("room-name").Text("#"+room.Name),
		app.Span().Class("online").Aria("label", strconv.Itoa(room.Online)+" online").Text(room.Online),
	)
	if current {
		link = link.Aria("current", "page")
	}
	class := "room"
	if current {
		class = "room current"
	}
	return app.Li().Class(class).DataSet("room", room.Name).Body(link)
}

func (r *roomList) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx.NewActionWithValue(actionJoin, fieldValue("room-input", true))
}

// roomsShown is the list to display: the server's rooms, plus the current
// room and the default room when the server did not list them, with the
// current room's count taken from its live presence when known.
func roomsShown(rooms []tt.RoomInfo, current string, presence tt.Presence) []tt.RoomInfo {
	out := slices.Clone(rooms)
	for _, name := range []string{tt.DefaultRoom, current} {
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
