// Package signatures is Zeek's signatures framework
// (base/frameworks/signatures): it consumes the matches of signatures that
// have an event action, writes signatures.log, raises notices and watches
// for originators that trigger many signatures or one signature on many
// hosts. The signature engine that finds matches is elsewhere; it hands
// each match to Framework.Match as a Match (Zeek's signature_match event).
//
// What a match does depends on its signature's action (Config.Actions,
// default SIG_ALARM; ids matched by Config.IgnoredIDs are ignored):
//
//   - every action but SIG_IGNORE, SIG_QUIET and SIG_COUNT_PER_RESP writes a
//     Signatures::Sensitive_Signature record: src and dst as the direction
//     of the matching data, event_msg "<src>: <msg>", sub_msg the data
//     (its first 140 bytes and "..." when longer);
//   - SIG_ALARM, the first SIG_ALARM_PER_ORIG match of an originator and
//     the first SIG_ALARM_ONCE match of a signature raise a
//     Sensitive_Signature notice (the connection, src and dst of the data,
//     msg "<src>: <msg>", sub the data);
//   - SIG_COUNT_PER_RESP counts per responder and signature and raises
//     Count_Signature at each count in Config.CountThresholds (msg the
//     event message, n the count, sub "<n> matches of signature <id> on
//     host <resp>");
//   - the first SIG_SUMMARY match of an originator schedules a
//     Signature_Summary notice Config.SummaryInterval later (src the
//     originator, msg "<orig>: <msg>", n the originator's count then);
//   - all actions but SIG_FILE_BUT_NO_SCAN and SIG_SUMMARY feed the scan
//     detection: when the number of responders of an originator and
//     signature reaches a Config.HorizScanThresholds value, a
//     Multiple_Sig_Responders record and notice; when the number of
//     signatures of an originator and responder reaches a
//     Config.VertScanThresholds value, a Multiple_Signatures record and
//     notice. As in Zeek, the last threshold reported is remembered per
//     originator only, across signatures and responders.
//
// State (the counts, the scan sets, the per-originator thresholds) expires
// an hour after it was last touched, on network time, as the script's
// &read_expire tables do.
//
// # Where Heron differs from Zeek
//
//   - There is no script interpreter: the log_signature event and the
//     Signatures::log_policy hook have no counterpart, and the notices go
//     to a Noticer (the notice package's Framework) whose Go seams stand in
//     for Notice::policy.
//   - Tables expire lazily on lookup, plus a sweep every StateExpire;
//     Zeek sweeps every table_expire_interval (10 s), so its entries may
//     live up to that much longer.
//   - The tables are bounded (Config.MaxEntries); a full table refuses new
//     entries and the match skips what needed them. A scan set keeps at
//     most one element more than its largest threshold: it never shrinks,
//     so further elements change nothing that is reported.
//   - Scheduled summaries are bounded (Config.MaxPendingSummaries). They
//     fire when Advance (or Match) passes their time, with that time as
//     the notice's, and Done fires the rest, as Zeek does at termination.
//   - Signatures::ignored_ids is a Go regexp; ParsePattern translates Zeek
//     pattern literals and documents what still differs.
//
// The framework is safe for concurrent use: the analysis threads of a
// process share one, as a Zeek process has one script state.
package signatures
