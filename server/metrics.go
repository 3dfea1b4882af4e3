package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus series, on a registry of its own so
// that two servers in one process (tests) never share counters.
type metrics struct {
	registry      *prometheus.Registry
	connections   prometheus.Gauge
	published     *prometheus.CounterVec
	delivered     prometheus.Counter
	batchFrames   prometheus.Histogram
	evictions     prometheus.Counter
	replayed      prometheus.Counter
	resyncs       prometheus.Counter
	replayCapped  prometheus.Counter
	replayErrors  prometheus.Counter
	requestErrors *prometheus.CounterVec
	messages      *prometheus.CounterVec
	// streamsRefused counts streams answered 503 at a stream cap.
	streamsRefused prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tickertalk_sse_connections", Help: "Open SSE connections on this node.",
		}),
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tickertalk_events_published_total", Help: "Events handed to this node's streams, by event name.",
		}, []string{"event"}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tickertalk_events_delivered_total", Help: "Events queued to a connection (replay and live).",
		}),
		batchFrames: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "tickertalk_write_batch_frames", Help: "Live events carried by each write to a connection (one write(2) and flush).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
		}),
		evictions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tickertalk_evictions_total", Help: "Connections closed because the client did not keep up.",
		}),
		replayed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tickertalk_replayed_messages_total", Help: "Messages replayed from history on resume.",
		}),
		resyncs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tickertalk_resyncs_total", Help: "Resumes answered with resync (id malformed or too old).",
		}),
		replayCapped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tickertalk_replays_capped_total", Help: "Resumes answered with resync because the backlog was over --replay-max or --replay-max-bytes.",
		}),
		replayErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tickertalk_replay_errors_total", Help: "Replays ended, with their stream, because history could not be read.",
		}),
		requestErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tickertalk_request_errors_total", Help: "Requests answered with an error, by error code.",
		}, []string{"code"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tickertalk_messages_sent_total", Help: "POST /send outcomes: created or duplicate.",
		}, []string{"outcome"}),
		streamsRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tickertalk_streams_refused_total", Help: "Streams refused with 503 because a stream cap (total or per address) was reached.",
		}),
	}
	m.registry.MustRegister(m.connections, m.published, m.delivered, m.batchFrames, m.evictions, m.replayed,
		m.resyncs, m.replayCapped, m.replayErrors, m.requestErrors, m.messages, m.streamsRefused,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
