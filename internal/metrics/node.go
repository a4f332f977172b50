package metrics

import "time"

// NodeCounters are the values a node exposes, each read by a function at
// scrape time; a nil function leaves its metric out. The functions must
// be safe to call from the HTTP server's goroutine (read atomics, or take
// a lock briefly). Names are in docs/metrics.md.
type NodeCounters struct {
	// PacketsReceived, PacketsDropped and BytesReceived count the packet
	// source's packets and bytes (heron_net_received_packets_total,
	// heron_net_dropped_packets_total, heron_net_received_bytes_total;
	// Zeek's zeek_net_*). LinkPackets counts packets on the link before
	// filtering (heron_net_link_packets_total).
	PacketsReceived, PacketsDropped, BytesReceived, LinkPackets func() uint64
	// PacketLag is how far network time is behind the wall clock
	// (heron_net_packet_lag_seconds); NetworkTime is network time
	// (heron_net_timestamp_seconds).
	PacketLag   func() time.Duration
	NetworkTime func() time.Time
	// ActiveConnections is the number of connections being tracked
	// (heron_active_connections). ActiveSessions gives them by transport
	// protocol ("tcp", "udp", "icmp", …) as Zeek's
	// zeek_active_sessions{protocol} does (heron_active_sessions).
	ActiveConnections func() uint64
	ActiveSessions    map[string]func() uint64

	// The node's log records: written to files here (a logger, or a node
	// without a cluster), sent to the transport, acknowledged by it,
	// spooled to disk while the transport was away, and lost because the
	// spool was full (heron_log_records_{written,sent,acknowledged,
	// spooled,lost}_total).
	LogRecordsWritten, LogRecordsSent, LogRecordsAcked, LogRecordsSpooled, LogRecordsLost func() uint64
	// SpoolBytes is the size of the log spool on disk
	// (heron_log_spool_bytes).
	SpoolBytes func() uint64
	// TransportLag is how far behind the transport is: for a sender, the
	// age of the oldest record not yet acknowledged; for a logger, the
	// age of the newest batch written (heron_transport_lag_seconds).
	TransportLag func() time.Duration
	// TransportConnected reports whether the node is connected to NATS
	// (heron_transport_connected, 1 or 0).
	TransportConnected func() bool

	// Memory overrides the resident memory RegisterProcess measures
	// (process_resident_memory_bytes), for platforms without /proc.
	Memory func() uint64
}

// RegisterNode registers the node's counters with r. Call it once per
// registry; RegisterProcess adds the process metrics (memory, CPU, file
// descriptors).
func RegisterNode(r *Registry, c NodeCounters) {
	count := func(name, help string, fn func() uint64) {
		if fn != nil {
			r.CounterFunc(name, help, func() float64 { return float64(fn()) })
		}
	}
	gauge := func(name, help string, fn func() uint64, labels ...Label) {
		if fn != nil {
			r.GaugeFunc(name, help, func() float64 { return float64(fn()) }, labels...)
		}
	}
	count("heron_net_received_packets_total", "Total number of packets received", c.PacketsReceived)
	count("heron_net_dropped_packets_total", "Total number of packets dropped", c.PacketsDropped)
	count("heron_net_received_bytes_total", "Total number of bytes received", c.BytesReceived)
	count("heron_net_link_packets_total", "Total number of packets on the packet source link before filtering", c.LinkPackets)
	if fn := c.PacketLag; fn != nil {
		r.GaugeFunc("heron_net_packet_lag_seconds", "Difference of network time and wallclock time in seconds.",
			func() float64 { return fn().Seconds() })
	}
	if fn := c.NetworkTime; fn != nil {
		r.GaugeFunc("heron_net_timestamp_seconds", "The current network time.", func() float64 {
			t := fn()
			if t.IsZero() {
				return 0
			}
			return float64(t.UnixNano()) / 1e9
		})
	}
	gauge("heron_active_connections", "Connections being tracked", c.ActiveConnections)
	for proto, fn := range c.ActiveSessions {
		gauge("heron_active_sessions", "Active sessions by transport protocol", fn, Label{"protocol", proto})
	}

	count("heron_log_records_written_total", "Log records written to files by this node", c.LogRecordsWritten)
	count("heron_log_records_sent_total", "Log records handed to the cluster transport", c.LogRecordsSent)
	count("heron_log_records_acknowledged_total", "Log records the cluster transport acknowledged", c.LogRecordsAcked)
	count("heron_log_records_spooled_total", "Log records spooled to disk while the transport was unavailable", c.LogRecordsSpooled)
	count("heron_log_records_lost_total", "Log records lost because the spool was full", c.LogRecordsLost)
	gauge("heron_log_spool_bytes", "Size of the log spool on disk", c.SpoolBytes)
	if fn := c.TransportLag; fn != nil {
		r.GaugeFunc("heron_transport_lag_seconds", "How far the cluster transport is behind, in seconds",
			func() float64 { return fn().Seconds() })
	}
	if fn := c.TransportConnected; fn != nil {
		r.GaugeFunc("heron_transport_connected", "1 when the node is connected to the cluster transport", func() float64 {
			if fn() {
				return 1
			}
			return 0
		})
	}
	if c.Memory != nil {
		gauge("process_resident_memory_bytes", "Resident memory size", c.Memory)
	}
}

// RegisterVersion registers heron_version_info{version="…"} 1 (Zeek's
// zeek_version_info).
func RegisterVersion(r *Registry, version string) {
	r.GaugeFunc("heron_version_info", "The Heron version", func() float64 { return 1 }, Label{"version", version})
}
