// Package ftp is Heron's FTP analyzer and ftp.log, after Zeek's
// (src/analyzer/protocol/ftp, src/analyzer/protocol/file's FTP_Data and
// base/protocols/ftp).
//
// The control connection (ports 21 and 2811, or detected by signature:
// a greeting and a USER command) is split into lines as Zeek's NVT
// analyzer does — LF ends a line, Telnet commands are taken out, a NUL
// or a lone CR raises its weird with source NVT — and each client line
// is a command, each server line a reply or part of a multi-line reply.
// Malformed replies are violations ("non-numeric reply code", "invalid
// reply code", "invalid reply line"); over-long commands raise
// FTP_max_command_length_exceeded once the analyzer is confirmed.
//
// The script layer (script.go) is base/protocols/ftp/main.zeek: replies
// are paired with pending commands by Zeek's scores, the working
// directory follows CWD, CDUP and PWD, file arguments become URLs,
// passwords are hidden for non-guests, and ftp.log records the commands
// of FTP::logged_commands when the next command comes (or at once when
// several are pending, or when the connection ends).
//
// Data channels. PORT and EPRT commands and 227/229 replies announce
// data connections; the analyzer enters them in a per-thread table
// (Zeek's ftp_data_expected) and schedules the FTP_DATA analyzer for
// them (analyzer.Handle.ScheduleAnalyzer, Zeek's
// Analyzer::schedule_analyzer). A data connection that arrives gets
// FTP_DATA instead of its port's analyzers and the service ftp-data; each
// direction's bytes become one file of the files framework (source
// FTP_DATA), whose fuid and MIME type are reported back into the control
// session's ftp.log record (mime_type also from the first 1024 bytes, as
// Zeek's file_transferred does).
//
// TLS. "AUTH TLS" answered by 234 hands the rest of the connection to
// SSL (analyzer.Handle.Child). "AUTH GSSAPI" answered by 334 starts SSL
// behind Zeek's FTP_ADAT decoder: the base64 tokens of ADAT commands and
// of 334/335/235 replies are TLS records of GridFTP's GSI mechanism;
// ftp_adat_bad_first_token_encoding and base64_illegal_encoding are
// raised as Zeek raises them. gridftp.go labels GridFTP control and data
// channels as base/protocols/ftp/gridftp.zeek does.
//
// The analyzers are resumable at any byte. Memory is bounded: lines at
// just under 16 MiB (Zeek's limit, nvt_line_size_exceeded), pending
// commands at FTP::max_pending_commands, expected data channels at
// FTP::max_expected_data_channels per thread, expiring after five
// minutes unread.
//
// Buffer ownership: the analyzers copy what they keep; lines handed
// around inside the package are borrowed for the call.
package ftp
