package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// DefaultRequestTimeout bounds each command (not a stream) whose context
// has no deadline of its own.
const DefaultRequestTimeout = 30 * time.Second

// maxAnswer is the most of an answer's body the client reads.
const maxAnswer = 8 << 20

// Client talks to one Tickertalk server as one person: its cookie jar
// holds that person's session. It is safe for concurrent use; Close
// releases its idle connections.
type Client struct {
	base    *url.URL
	http    *http.Client
	own     *http.Transport // the transport Close releases, nil when given one
	origin  string
	timeout time.Duration
}

// Option configures a [Client] made by [New].
type Option func(*Client)

// WithHTTPClient makes the client send through hc (its Transport, Jar and
// CheckRedirect) instead of its own. hc's Timeout must be 0: a timeout
// would end every stream. Without a Jar, hc keeps no session.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.http, c.own = hc, nil }
}

// WithOrigin sends origin as the Origin header of every command, as a
// browser does; by default none is sent, as curl does, which the server
// accepts. A server behind a proxy may list origins it accepts
// (--allowed-origins).
func WithOrigin(origin string) Option { return func(c *Client) { c.origin = origin } }

// WithRequestTimeout bounds each command whose context has no deadline at
// d instead of [DefaultRequestTimeout].
func WithRequestTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// New returns a Client for the server at baseURL ("http://host:port", an
// optional path prefix allowed), with its own connection pool and an
// empty cookie jar. It fails on a URL that is not absolute http or https.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSuffix(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("tickertalk client: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("tickertalk client: base URL %q: want http(s)://host[:port][/path]", baseURL)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("tickertalk client: cookie jar: %w", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	c := &Client{base: u, http: &http.Client{Transport: tr, Jar: jar}, own: tr, timeout: DefaultRequestTimeout}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Close closes the client's idle connections (of its own pool: not those
// of a client given by [WithHTTPClient]). Streams end with their context,
// not with Close; the Client stays usable.
func (c *Client) Close() {
	if c.own != nil {
		c.own.CloseIdleConnections()
	}
}

// BaseURL is the server's URL the client was made with, without a
// trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// url returns the absolute URL of path (with its query) on the server.
func (c *Client) url(path string, q url.Values) string {
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = q.Encode()
	return u.String()
}

// do sends a command: body as JSON when not nil, and decodes a 2xx JSON
// answer into out when out is not nil and the answer has a body. It
// returns the status, and an [*APIError] (or a plain error) for any other
// answer.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) (int, error) {
	if _, ok := ctx.Deadline(); !ok && c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, fmt.Errorf("tickertalk: encode %T: %w", body, err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(path, q), rd)
	if err != nil {
		return 0, fmt.Errorf("tickertalk: %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("tickertalk: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("tickertalk: %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, responseError(method+" "+path, resp, data, false)
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("tickertalk: %s %s: decode answer: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}
