package files

import "github.com/heron-nsm/heron/internal/zeek"

// LogPath is the path of the files log stream ("files.log").
const LogPath = "files"

// Extension names of files.log's optional columns, for the logging
// framework (logging.Config.Extensions, Stream.EnableExt): the scripts
// base/files/hash and base/files/extract add them, in the order they are
// loaded.
const (
	ExtHash    = "files-hash"
	ExtExtract = "files-extract"
)

// Info is a files.log record (Zeek's Files::Info).
type Info struct {
	// TS is when the file was first seen.
	TS zeek.Time `zeek:"ts"`
	// FUID is the file's unique id ("F…").
	FUID string `zeek:"fuid"`
	// UID is the uid of the connection the file was seen on.
	UID zeek.Opt[string] `zeek:"uid"`
	// ID holds that connection's endpoints.
	ID zeek.Opt[zeek.ConnID] `zeek:"id"`
	// Source names what carried the file ("HTTP", "SMTP", "SSL", …).
	Source zeek.Opt[string] `zeek:"source"`
	// Depth is the file's depth in its source (HTTP: the MIME depth).
	Depth uint64 `zeek:"depth"`
	// Analyzers names the per-file analyzers that were attached.
	Analyzers []string `zeek:"analyzers,set"`
	// MIMEType is the sniffed (or given) MIME type.
	MIMEType zeek.Opt[string] `zeek:"mime_type"`
	// Filename is the file's name when the source gave one.
	Filename zeek.Opt[string] `zeek:"filename"`
	// Duration is the time between the first and the last activity.
	Duration float64 `zeek:"duration,interval"`
	// LocalOrig says whether the sender is in Site::local_nets (set only
	// when local_nets is not empty).
	LocalOrig zeek.Opt[bool] `zeek:"local_orig"`
	// IsOrig says whether the connection's originator sent the file.
	IsOrig zeek.Opt[bool] `zeek:"is_orig"`
	// SeenBytes counts the bytes delivered in order.
	SeenBytes uint64 `zeek:"seen_bytes"`
	// TotalBytes is the file's size when the source announced it.
	TotalBytes zeek.Opt[uint64] `zeek:"total_bytes"`
	// MissingBytes counts the bytes declared missing (gaps).
	MissingBytes uint64 `zeek:"missing_bytes"`
	// OverflowBytes counts the bytes the reassembly buffer could not hold.
	OverflowBytes uint64 `zeek:"overflow_bytes"`
	// TimedOut says whether the file's analysis timed out.
	TimedOut bool `zeek:"timedout"`
	// ParentFUID is the fuid of the file this one was extracted from.
	ParentFUID zeek.Opt[string] `zeek:"parent_fuid"`

	// MD5 is the MD5 digest in hex (base/files/hash).
	MD5 zeek.Opt[string] `zeek:"md5,ext=files-hash"`
	// SHA1 is the SHA-1 digest in hex (base/files/hash).
	SHA1 zeek.Opt[string] `zeek:"sha1,ext=files-hash"`
	// SHA256 is the SHA-256 digest in hex (base/files/hash).
	SHA256 zeek.Opt[string] `zeek:"sha256,ext=files-hash"`

	// Extracted is the name of the extracted file, relative to the
	// extraction directory (base/files/extract).
	Extracted zeek.Opt[string] `zeek:"extracted,ext=files-extract"`
	// ExtractedCutoff says whether extraction stopped at the size limit.
	ExtractedCutoff zeek.Opt[bool] `zeek:"extracted_cutoff,ext=files-extract"`
	// ExtractedSize is the size limit, set when extraction was cut off.
	ExtractedSize zeek.Opt[uint64] `zeek:"extracted_size,ext=files-extract"`
}
