// Package weird is Zeek's weird framework: protocol anomalies ("weirds")
// raised by decoders and analyzers are sampled as Zeek's Reporter samples
// them, filtered by the actions of base/frameworks/notice/weird.zeek
// (ignore, log, log once per connection/originator/overall, notice), and
// written to weird.log.
//
// Three kinds of weird exist, as in Zeek: connection weirds (with the
// connection's uid and id), flow weirds (a source and destination address,
// ports 0) and net weirds (no addresses). Connection weirds are sampled per
// connection by the connection tracker before they reach Reporter.Conn;
// flow and net weirds are sampled here.
package weird
