package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"time"

	tt "tickertalk/app"
)

// ErrNickTaken reports that no nickname could be claimed for a sender.
var ErrNickTaken = errors.New("nickname taken")

// sender posts chat messages with a session of its own. Post is safe for
// concurrent use (the HTTP client is).
type sender struct {
	nick   string
	base   *url.URL
	origin string
	client *http.Client
}

// newTransport returns an HTTP transport whose sockets use source as their
// local address (nil: any), keeping up to idle connections for reuse.
func newTransport(source net.IP, idle int) *http.Transport {
	d := sourceDialer(source, 10*time.Second)
	return &http.Transport{
		DialContext:         d.DialContext,
		MaxIdleConns:        idle,
		MaxIdleConnsPerHost: idle,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
}

// newSender signs in as nick (or, when another session holds it, as nick
// with a random suffix) and returns the sender.
func newSender(ctx context.Context, base *url.URL, tr http.RoundTripper, nick, suffix string) (*sender, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("cookie jar: %w", err)
	}
	s := &sender{
		base:   base,
		origin: base.Scheme + "://" + base.Host,
		client: &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second},
	}
	for _, n := range []string{nick, nick + "-" + suffix} {
		status, _, err := s.post(ctx, tt.PathSession, tt.Session{Nick: n})
		if err != nil {
			return nil, fmt.Errorf("sign in as %s: %w", n, err)
		}
		switch status {
		case http.StatusOK, http.StatusCreated:
			s.nick = n
			return s, nil
		case http.StatusConflict:
			continue
		default:
			return nil, fmt.Errorf("sign in as %s: status %d", n, status)
		}
	}
	return nil, fmt.Errorf("sign in as %s: %w", nick, ErrNickTaken)
}

// send posts one message and returns the HTTP status (0 with an error when
// no answer came) and, for a 201 or 200, the message's server id. Any other
// status comes with an error holding the server's sentence.
func (s *sender) send(ctx context.Context, room, text, clientID string) (int, uint64, error) {
	status, body, err := s.post(ctx, tt.PathSend, tt.SendRequest{Room: room, Text: text, ClientID: clientID})
	if err != nil {
		return status, 0, err
	}
	if status != http.StatusCreated && status != http.StatusOK {
		var apiErr tt.APIError
		if json.Unmarshal(body, &apiErr) == nil && apiErr.Error != "" {
			return status, 0, fmt.Errorf("status %d: %s (%s)", status, apiErr.Error, apiErr.Code)
		}
		return status, 0, fmt.Errorf("status %d", status)
	}
	var m tt.ChatMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return status, 0, fmt.Errorf("decode answer: %w", err)
	}
	id, ok := parseID([]byte(m.ID))
	if !ok {
		return status, 0, fmt.Errorf("answer id %q: not a message id", m.ID)
	}
	return status, id, nil
}

// signOut ends the session so that the nick is free for the next run.
func (s *sender) signOut(ctx context.Context) {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, s.base.JoinPath(tt.PathSession).String(), nil)
	if err != nil {
		return
	}
	req.Header.Set("Origin", s.origin)
	if resp, err := s.client.Do(req); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	s.client.CloseIdleConnections()
}

// post sends v as JSON to path with the Origin of the server and returns
// the status and up to 64 KiB of the answer.
func (s *sender) post(ctx context.Context, path string, v any) (int, []byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return 0, nil, fmt.Errorf("encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base.JoinPath(path).String(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", s.origin)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read answer: %w", err)
	}
	return resp.StatusCode, data, nil
}
