// Package metrics is a small Prometheus registry and exposition: counters
// and gauges with labels, series whose value a function gives at scrape
// time, the text exposition format (version 0.0.4) that Prometheus
// scrapes, an HTTP handler for /metrics, and the /services.json target
// list that a Heron cluster's manager serves for Prometheus' HTTP service
// discovery, as Zeek's manager does. It has no dependency beyond the
// standard library.
//
// A node builds one Registry with its name as a constant label (Zeek
// labels every metric node="<name>"), registers its counters with
// RegisterNode (plain func() values, so the code that owns a counter
// keeps it) and the process metrics with RegisterProcess, and serves them
// with Listen or Mux:
//
//	reg := metrics.NewRegistry(metrics.Label{Name: "node", Value: "worker-1"})
//	metrics.RegisterNode(reg, metrics.NodeCounters{PacketsReceived: src.Received, …})
//	metrics.RegisterProcess(reg)
//	srv, err := metrics.Listen(":9991", reg, nil) // the manager passes its services
//	defer srv.Close()
//
// Metric names follow Zeek's telemetry framework with the prefix "heron"
// in place of "zeek" (zeek_net_received_packets_total becomes
// heron_net_received_packets_total) and keep Zeek's "process_" names; the
// list is in docs/metrics.md.
//
// Updating a Counter or Gauge is one atomic operation and allocates
// nothing; look series up with With once, not per packet.
package metrics
