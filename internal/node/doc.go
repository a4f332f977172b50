// Package node assembles a Heron node from its parts and runs it. For now
// that is the standalone node of `heron -r TRACE`: a packet source, the
// decoders, connection tracking, the weird framework and the logging
// framework, in one process, driven by packet time.
//
// Config gathers every setting, with Zeek's defaults; Options registers the
// Zeek options Heron implements so that `ID=VALUE` arguments can set them;
// Run reads the trace to the end, flushes every connection and closes the
// logs.
package node
