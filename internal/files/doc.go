// Package files is Heron's file analysis framework, Zeek's "Files"
// framework (base/frameworks/files): every file that crosses the network —
// an HTTP body or MIME part, an FTP data transfer, an SMTP attachment, a
// TLS certificate — becomes a File with a fuid, is assembled in order from
// what the protocol analyzers hand over, has its MIME type sniffed from its
// first bytes, is fed to per-file analyzers (hashes, extraction, and
// analyzers that other packages register, such as X509), and is written to
// files.log when it ends.
//
// The spec is Zeek's: src/file_analysis/{Manager,File,FileReassembler}.cc,
// src/file_analysis/analyzer/{hash,extract}, and the scripts
// base/frameworks/files/main.zeek, base/files/{hash,extract}/main.zeek and
// policy/frameworks/files/{hash,extract}-all-files.zeek.
//
// # The contract for protocol analyzers
//
// One Manager serves one analysis thread (like the connection tracker, it
// is not safe for concurrent use); analyzers reach it through their
// analyzer.Handle (Handle.Files(), nil when base/frameworks/files is not
// loaded). A file is opened with a Spec and fed through the *Transfer it
// returns — the analyzer's handle on the file over its connection:
//
//	t := fm.Open(files.Spec{
//		Handle:   "SSL|" + uid + "|cert|1", // what identifies the file for its source
//		Source:   "SSL",                    // files.log's source
//		Conn:     &files.Conn{UID: uid, ID: id},
//		IsOrig:   false,                     // sent by the responder
//		MIME:     "application/x-x509-user-cert", // optional: the analyzer knows the type
//		Observer: obs,                        // optional: per-connection callbacks
//	})
//	t.Data(der)  // bytes in order (stream offset advances)
//	t.End()      // end of file: analyzers finish, files.log is written
//
// Identity. A file's fuid ("F" and base62 digits, as Zeek prints it) is a
// keyed hash of Spec.Handle, so two Opens with the same handle — on one
// connection or on several (HTTP range requests for one URL over parallel
// connections) — reach the same file, as Zeek's get_file_handle does. An
// empty Handle makes a fresh file with a fuid of its own. Spec.ID, when
// set, is the fuid itself (a fuid obtained earlier from FUID). Lookup
// finds an open file by fuid; EndByID ends one (Zeek's EndOfFile by file
// id, which HTTP uses when an entity had no data).
//
// Feeding. Data appends bytes at the current stream offset; DataAt puts
// bytes at an absolute offset (out-of-order pieces wait in a bounded
// reassembly buffer, Files::reassembly_buffer_size, and what does not fit
// is counted in overflow_bytes); Gap(offset, n) declares n bytes that will
// never come (missing_bytes); SetTotal sets total_bytes — a file whose
// stream offset reaches its total ends by itself, as in Zeek. End ends the
// file; a file also ends when it has been idle for
// default_file_timeout_interval (files.log's timedout is then T; the node
// calls Manager.Advance with network time) and when the Manager
// terminates (Terminate, after the connections are done). Calls on an
// ended file follow Zeek: Data, DataAt, Gap or SetTotal through the same
// Transfer open a new file with the same fuid (Zeek looks files up by
// fuid on every call), while End and SetMIME on an ended file do nothing.
//
// Metadata. Spec.MIME or Transfer.SetMIME gives the type when the
// analyzer knows it (TLS certificates); it counts only before the first
// byte of data, as Zeek's SetMime. Otherwise the type is sniffed: the
// first default_file_bof_buffer_size (4096) bytes, or fewer when the file
// ends or has a gap first, are matched against Heron's file-magic rules
// (rules.go and rules_misc.go, run on the signature engine: the strongest
// match wins, ties by name, as in Zeek) and File.MIME returns the result
// ("" when nothing matched). File.SetFilename sets files.log's filename
// (Content-Disposition), SetDepth its depth, SetParent its parent_fuid.
//
// Connections. A Spec with Conn ties the file to a connection; files.log
// has one record per connection a file was seen on (Zeek 5.1 and later),
// each with that connection's uid and id. is_orig and local_orig come from
// the first connection.
//
// Observers. A protocol analyzer that needs to hear about its files sets
// Spec.Observer (an Observer): FileOverConn is called when the file is
// first seen on the observer's connection (Zeek's
// file_over_new_connection; HTTP adds the fuid to http.log there), and
// FileSniffed when the MIME type is known (Zeek's file_sniff, delivered to
// the observer of the connection the file was most recently seen on). Both
// run synchronously inside Open, Data, DataAt, Gap or End.
//
// Per-file analyzers. AddAnalyzer(name) attaches a registered per-file
// analyzer (RegisterAnalyzer: "MD5", "SHA1", "SHA256", "EXTRACT" are built
// in; other packages register their own, e.g. "X509") and adds its name to
// files.log's analyzers. Analyzers registered for MIME types
// (AnalyzerInfo.MIMETypes, Zeek's Files::register_for_mime_type) are added
// when the file's type becomes known. An Analyzer gets the content in
// order (DeliverStream), as it arrives (DeliverChunk), the gaps
// (Undelivered) and the end (EndOfFile); returning false from any of them
// detaches it. It may fill fields of the file's Info (File.Info), which is
// written to files.log after every analyzer has seen EndOfFile, and write
// logs of its own. AnalyzerInfo.HideFromLog keeps files that carry the
// analyzer out of files.log (X509::log_x509_in_files_log = F).
//
// Content codings. Inflater decodes zlib, gzip and raw DEFLATE streams
// pushed in pieces (HTTP's Content-Encoding), with zlib's error
// behaviour, in bounded memory.
//
// # Buffer ownership
//
// Every []byte passed to Data, DataAt or an analyzer's Deliver methods is
// borrowed for the duration of the call; the framework copies what it
// keeps (the first 4096 bytes for sniffing, out-of-order blocks), and an
// analyzer that needs bytes later copies them too.
//
// # Memory
//
// Per file the framework holds at most the sniffing buffer and the
// reassembly buffer (Config.ReassemblyBufferSize, Zeek's 512 KiB default);
// hashes keep constant state and extraction writes through. The number of
// open files per Manager is bounded (Config.MaxFiles): beyond it the file
// idle the longest is timed out early.
//
// # Scripts
//
// Config mirrors the script options that matter: hash-all-files adds MD5,
// SHA1 and SHA256 to every new file, extract-all-files adds EXTRACT, which
// writes the file to Config.ExtractDir under a name built from the file's
// source and fuid only (nothing from the traffic reaches a path), up to
// FileExtract::default_limit bytes, setting files.log's extracted,
// extracted_cutoff and extracted_size as base/files/extract does.
package files
