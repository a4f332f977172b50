// Package pop3 is Heron's POP3 analyzer, after Zeek's
// (src/analyzer/protocol/pop3 and base/protocols/pop3). Zeek writes no
// pop3.log by default, and neither does Heron: what shows is the
// analyzer's confirmation (conn.log's service), its violations
// (analyzer.log), its weirds, the messages it sees retrieved (files.log)
// and the hand-off to SSL after STLS.
//
// POP3 has no registered port; it is found by signature (a server's
// "+OK" to a client that sends USER, APOP, CAPA, AUTH or STLS). Lines
// are split as Zeek's ContentLine does. The client's commands are queued
// (pipelining, bounded by POP3::max_pending_commands) and each is taken
// up when the previous one is answered, driving Zeek's state machine of
// session states (authorization, transaction, update) and command
// states, with Zeek's guesses when the session began unseen. Unknown
// server replies are violations ("unknown server command (X)") with the
// weird pop3_server_command_unknown; too many unknown client commands
// (POP3::max_unknown_client_commands) are a violation too.
//
// A message retrieved by RETR or TOP is parsed as MIME (package mime):
// every entity's content becomes a file (source POP3). "+OK" to STLS
// hands the rest of the connection to SSL (analyzer.Handle.Child).
//
// The analyzer is resumable at any byte. Memory is bounded: lines at
// the ContentLine limit, pending commands at POP3::max_pending_commands,
// MIME nesting and headers at Zeek's MIME limits.
//
// Buffer ownership: the analyzer copies the commands it queues; lines
// are borrowed for the call.
package pop3
