package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/r3labs/sse/v2"

	tt "tickertalk/app"
)

// maxSendBody bounds a POST /send body.
const maxSendBody = 64 << 10

// sendHandlers lets cmd/loadgen publish to the bare server the way it
// publishes to Tickertalk: POST /api/session answers 201 with a cookie
// (never checked), POST /send decodes the message, numbers it and hands it
// to r3labs, and answers 201 with it. Nothing is stored or validated
// beyond the JSON: this is the reference without guarantees.
func sendHandlers(mux *http.ServeMux, s *sse.Server) {
	mux.HandleFunc(tt.PathSession, func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: tt.SessionCookieName, Value: "bare", Path: "/"})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"nick":"bare"}`)
	})
	// One lock numbers and publishes, so that ids reach the stream in
	// order, as any server that numbers messages must do.
	var mu sync.Mutex
	var nextID uint64
	mux.HandleFunc(tt.PathSend, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		var req tt.SendRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, maxSendBody)).Decode(&req); err != nil {
			http.Error(w, "bad JSON", http.StatusBadRequest)
			return
		}
		mu.Lock()
		nextID++
		m := tt.ChatMessage{
			ID: strconv.FormatUint(nextID, 10), Room: req.Room, Nick: "bare",
			Text: req.Text, Time: time.Now().UTC(), ClientID: req.ClientID,
		}
		data, err := json.Marshal(m)
		if err == nil {
			s.Publish("lobby", &sse.Event{ID: []byte(m.ID), Event: []byte(tt.EventMessage), Data: data})
		}
		mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write(data)
	})
}
