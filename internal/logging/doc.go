// Package logging is Heron's logging framework: Zeek's log streams, filters
// and writers.
//
// A log's record is a Go struct whose fields carry zeek tags (see package
// schema). NewStream compiles the type once and registers the stream with
// a Manager; Stream.Write copies a record into the stream's bounded queue
// and returns, so logging stays off the packet path. One goroutine per
// stream takes records off the queue and hands them to the writers, which
// encode them into reused buffers. The first record of a log creates its
// writer, so a stream that never writes leaves no file, as in Zeek.
// Manager.Close drains every queue, closes the writers (the ASCII writer
// writes #close then) and returns the first error.
//
//	m, _ := logging.NewManager(logging.DefaultConfig())
//	conns, _ := logging.NewStream[conn.Info](m, "conn")
//	conns.Write(&info)
//	...
//	err := m.Close()
//
// How records look (Format: package ascii for Zeek's TSV, package json)
// is apart from where they go (Destination: Files, for <logdir>/<path>.log
// or .log.gz); FormatWriter joins the two into a Writer. Other back ends,
// such as the cluster transport, implement Writer and come in through
// Config.NewWriter.
//
// Extensions model Zeek scripts that add fields to a log record with
// "redef record ... += {...}" (policy/protocols/conn/vlan-logging adds vlan
// and inner_vlan to conn.log): fields tagged ext=NAME appear only when the
// extension is enabled (Config.Extensions, Stream.EnableExt), after the base
// fields, in enabling order. Disabled extension fields are not visited at
// all.
//
// Field limits are Zeek's (Log::default_max_field_string_bytes,
// default_max_total_string_bytes, default_max_field_container_elements,
// default_max_total_container_elements and max_log_record_size; see
// Config and WithLimits): Stream.Write measures the record against them
// and reports each value they cut through Config.Weird, addl the stream's
// Zeek ID (WithID), before it returns; a record over the size limit is
// dropped there. The record itself is not changed: its values are cut as
// writers visit it (schema.Record.Limited), so every Writer, the file
// writers and the cluster's alike, receives the same cut values.
//
// Filter is the seam for Zeek's Log::Filter: today one filter per stream,
// with include/exclude lists, field renaming and the scope separator.
package logging
