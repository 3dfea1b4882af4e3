package components

import (
	"errors"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// session is who the person is to the server, as the page knows it: the
// nickname, and the prompt that asks for one when there is none. The page
// owns it and reads and writes it on the UI goroutine only; the handlers
// below change it as the server answers.
type session struct {
	nick     string // "" until a session exists (or is remembered offline)
	needNick bool   // the prompt is shown instead of the composer
	err      string // why the last nickname was refused, shown in the prompt
	busy     bool   // a nickname is being submitted: the prompt's button waits
}

// signedIn reports whether messages can be sent: a nickname is known and
// the prompt is not asking for another.
func (s session) signedIn() bool { return s.nick != "" && !s.needNick }

// checkSession asks the server who we are. Without a session it re-creates
// the remembered nickname (the server's data may have been wiped), or asks
// for one. Offline, a remembered nickname is trusted until the server
// answers.
func (p *page) checkSession(ctx app.Context) {
	fetch("GET", tt.PathSession, nil, func(r response) {
		ctx.Dispatch(func(ctx app.Context) {
			var s tt.Session
			switch {
			case r.decode(&s) == nil && s.Nick != "":
				p.setSession(ctx, s.Nick, false)
			case errors.Is(r.Err, errNetwork) && p.session.nick != "":
				// offline: keep the remembered nickname, the outbox waits
			case p.st.nick() != "":
				p.createSession(ctx, p.st.nick(), nil)
			default:
				p.session.needNick = true
			}
		})
	})
}

// handleNick submits the nickname typed in the prompt.
func (p *page) handleNick(ctx app.Context, a app.Action) {
	nick, _ := a.Value.(string)
	nick = strings.TrimSpace(nick)
	if err := tt.ValidateNick(nick); err != nil {
		p.session.err = err.Error()
		return
	}
	p.createSession(ctx, nick, nil)
}

// createSession POSTs nick to the session API, then runs next (if any) on
// success. On failure it shows the prompt with the reason.
func (p *page) createSession(ctx app.Context, nick string, next func(app.Context)) {
	p.session.busy = true
	fetch("POST", tt.PathSession, tt.Session{Nick: nick}, func(r response) {
		ctx.Dispatch(func(ctx app.Context) {
			p.session.busy = false
			var s tt.Session
			if err := r.decode(&s); err != nil {
				p.session.needNick = true
				p.session.err = r.sentence()
				if r.Err != nil {
					p.session.err += ": try again when the connection returns"
				}
				return
			}
			if s.Nick == "" {
				s.Nick = nick
			}
			p.setSession(ctx, s.Nick, true)
			if next != nil {
				next(ctx)
			}
		})
	})
}

// setSession records the session's nickname. A new session reconnects the
// stream so the room's presence counts us.
func (p *page) setSession(ctx app.Context, nick string, created bool) {
	p.session.nick = nick
	p.session.needNick = false
	p.session.err = ""
	p.st.setNick(nick)
	if created {
		p.stream.roomsChanged(true, true)
	}
	p.sendOutbox(ctx)
}
