// Package smtp is Heron's SMTP analyzer and smtp.log, after Zeek's
// (src/analyzer/protocol/smtp and base/protocols/smtp).
//
// It follows an SMTP session line by line in both directions (Zeek's
// content-line rules: CR, LF or CRLF end a line; NUL-sensitive; partial
// connections skipped): commands and replies, multi-line replies,
// pipelined commands paired with their replies in order, AUTH exchanges,
// TURN, message data after DATA (dot-unstuffed, up to the lone "."), and
// BDAT chunks (RFC 3030 CHUNKING) cut into lines as Zeek's SMTP_BDAT
// analyzer does. After a content gap it waits for a reply before it
// trusts its state again. After STARTTLS and a 220 reply the rest of the
// connection goes to protocol detection, where the SSL analyzer takes the
// TLS handshake (ssl.log, x509.log).
//
// Messages are parsed as MIME (package mime): every entity's decoded
// content becomes a file in the files framework (source SMTP, depth the
// session's MIME entity count, names from Content-Disposition and
// Content-Type), and with SMTP::enable_rfc822_msg_file_analysis the whole
// message is one more file, the parent of the others.
//
// The script layer (script.go) is base/protocols/smtp/{main,entities,
// files}.zeek: smtp.log records per transaction with the envelope (HELO,
// MAIL FROM, RCPT TO), the top-level headers (Date, From, To, Cc,
// Reply-To, Message-ID, In-Reply-To, Subject, X-Originating-IP, the
// Received path, the user agent), the last reply, TLS and the fuids; the
// mail-transaction checks with their weirds and the disabling of the
// analyzer past SMTP::max_invalid_mail_transactions; and, with
// policy/protocols/smtp/software, the is_webmail column. The address and
// IP extraction functions of base/utils (text.go) give Zeek's results.
//
// Weirds and violations are Zeek's: a reply without a valid code is a
// violation; smtp_invalid_bdat_command, smtp_huge_bdat_chunk,
// smtp_missing_bdat_last_chunk, smtp_bdat_* from the BDAT reader,
// smtp_nested_mail_transaction, smtp_unmatched_end_of_data,
// smtp_excessive_pending_cmds, the MIME limits and base64 complaints.
//
// The analyzer is resumable at any byte (the tests cut every conversation
// at every byte) and its memory is bounded: lines by the content-line
// limit, BDAT lines by SMTP::bdat_max_line_length, pending commands by
// 1000, MIME headers and nesting by MIME::max_header_bytes and
// MIME::max_depth, and the sets of one record by the scripts' limits
// (and by Heron's own where those are switched off).
package smtp
