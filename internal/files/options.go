package files

import (
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Zeek's options for file analysis, settable as command-line redefs; the
// node reads them through ConfigFromOptions.
var (
	optBOFBufferSize      uint64 = 4096
	optTimeout                   = 2 * zeek.Minute
	optEnableReassembler         = true
	optReassemblyBuffer   uint64 = 524288
	optAnalyzeByMIME             = true
	optExtractPrefix             = "./extract_files/"
	optExtractLimit       uint64 = 104857600
	optExtractInclMissing        = true
)

func init() {
	options.Count("default_file_bof_buffer_size", &optBOFBufferSize,
		"Bytes at the beginning of a file used to sniff its MIME type.")
	options.Interval("default_file_timeout_interval", &optTimeout,
		"Idle time after which a file's analysis ends (files.log timedout).")
	options.Bool("Files::enable_reassembler", &optEnableReassembler,
		"Reassemble file content that arrives out of order.")
	options.Count("Files::reassembly_buffer_size", &optReassemblyBuffer,
		"Bytes of out-of-order content kept per file (0: no bound).")
	options.Bool("Files::analyze_by_mime_type_automatically", &optAnalyzeByMIME,
		"Attach the file analyzers registered for a file's MIME type.")
	options.String("FileExtract::prefix", &optExtractPrefix,
		"Directory that extracted files are written to.")
	options.Count("FileExtract::default_limit", &optExtractLimit,
		"Largest extracted file in bytes (0: no limit).")
	options.Bool("FileExtract::default_limit_includes_missing", &optExtractInclMissing,
		"Missing bytes count towards the extraction limit.")
}

// ConfigFromOptions returns DefaultConfig with the values of the options
// above as the command line set them.
func ConfigFromOptions() Config {
	c := DefaultConfig()
	c.BOFBufferSize = int(min(optBOFBufferSize, 1<<20))
	c.Timeout = optTimeout
	c.EnableReassembler = optEnableReassembler
	c.ReassemblyBufferSize = optReassemblyBuffer
	c.AnalyzeByMIME = optAnalyzeByMIME
	c.ExtractDir = optExtractPrefix
	c.ExtractLimit = optExtractLimit
	c.ExtractLimitIncludesMissing = optExtractInclMissing
	return c
}
