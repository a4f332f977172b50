// Package reporter is Zeek's reporter framework
// (base/frameworks/reporter): the messages a node raises about itself
// while it runs (a trace that ends inside a packet, a capture that drops,
// log records that could not be sent) go to reporter.log as well as to
// standard error.
//
// A reporter.log record has Zeek's columns: ts (the network time when the
// message was raised, or the wall clock before the first packet, as Zeek
// takes it), level (Reporter::INFO, Reporter::WARNING or
// Reporter::ERROR), message, and location (the script location in Zeek;
// Heron's messages come from the core, which Zeek logs as the empty
// string, "(empty)" in ASCII).
//
// A Reporter is created before the node's logging framework exists and is
// attached to it (Attach) once the stream may be written: on a cluster
// node the logging manager ships its records, so every node's messages
// reach the logger's reporter.log. Messages raised before the stream is
// attached (a capture's warnings while it opens) are kept, up to a bound,
// and logged when it is, at the time they were raised; every message is
// printed at once. A Reporter is safe for concurrent use and never blocks
// on the log.
package reporter
