package logging

import (
	"fmt"
	"os"
	"time"

	"github.com/heron-nsm/heron/internal/logging/ascii"
	"github.com/heron-nsm/heron/internal/logging/json"
	"github.com/heron-nsm/heron/internal/logging/rotate"
	"github.com/heron-nsm/heron/internal/logging/schema"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Config holds the logging settings, named after the Zeek options they
// stand for. DefaultConfig returns Zeek's defaults; a zero Config is not
// usable as is (several defaults are true or non-empty).
type Config struct {
	// LogDir is Log::default_logdir: where log files go; "" is the
	// working directory. It is created when the first file is opened.
	LogDir string
	// LogSuffix is the file extension without dot (Zeek takes it from the
	// ZEEK_LOG_SUFFIX environment variable), "log".
	LogSuffix string

	Separator    string // LogAscii::separator, "\t"
	SetSeparator string // LogAscii::set_separator, ","
	EmptyField   string // LogAscii::empty_field, "(empty)"
	UnsetField   string // LogAscii::unset_field, "-"
	MetaPrefix   string // LogAscii::meta_prefix, "#"
	IncludeMeta  bool   // LogAscii::include_meta, T (ignored with UseJSON)
	EnableUTF8   bool   // LogAscii::enable_utf_8, T

	UseJSON                bool                 // LogAscii::use_json, F
	JSONTimestamps         json.TimestampFormat // LogAscii::json_timestamps, JSON::TS_EPOCH
	JSONIncludeUnsetFields bool                 // LogAscii::json_include_unset_fields, F
	JSONStringEscapePolicy json.EscapePolicy    // LogAscii::json_string_escape_policy, HEX

	// GzipLevel is LogAscii::gzip_level: 0 writes plain files, 1–9
	// compresses them into <path>.log.<GzipFileExtension>.
	GzipLevel int
	// GzipFileExtension is LogAscii::gzip_file_extension, "gz".
	GzipFileExtension string
	// OutputToStdout is LogAscii::output_to_stdout: write every log to
	// standard output instead of files.
	OutputToStdout bool

	// FieldNameMap is Log::default_field_name_map: renames of flattened
	// column names, applied to every filter that has no map of its own.
	FieldNameMap map[string]string
	// ScopeSep is Log::default_scope_sep, ".".
	ScopeSep string

	// Extensions names the loaded scripts that add fields to log records
	// (such as "vlan-logging"), in load order. Every stream enables those
	// its record type declares, in this order, before its own EnableExt
	// calls.
	Extensions []string

	// QueueLen is the capacity of each stream's record queue; Write blocks
	// while it is full.
	QueueLen int
	// FlushInterval is how often a stream with new records flushes its
	// writers' buffers.
	FlushInterval time.Duration
	// Now returns the wall-clock time for #open and #close (time.Now).
	Now func() time.Time
	// NewWriter, if set, creates the writer for each log instead of the
	// default file writer; it is how other back ends plug in.
	NewWriter func(WriterInfo) (Writer, error)

	// MaxFieldStringBytes is Log::default_max_field_string_bytes (4096):
	// a string value longer than this is cut when its record is written.
	// 0 is no limit. The four limits apply before a record reaches any
	// Writer, so every back end writes the same values.
	MaxFieldStringBytes int
	// MaxTotalStringBytes is Log::default_max_total_string_bytes
	// (256000): the most string bytes one record may carry, counted in
	// column order; later strings are cut or written empty. 0 is no limit.
	MaxTotalStringBytes int
	// MaxFieldContainerElements is
	// Log::default_max_field_container_elements (100): a set or vector
	// keeps its first this many elements. 0 is no limit.
	MaxFieldContainerElements int
	// MaxTotalContainerElements is
	// Log::default_max_total_container_elements (500): the most set and
	// vector elements of one record. 0 is no limit.
	MaxTotalContainerElements int
	// MaxLogRecordSize is Log::max_log_record_size (64 MiB): a record
	// that measures more (see schema.Limits.RecordSize) is not written
	// and raises the weird log_record_too_large. 0 is no limit.
	MaxLogRecordSize int
	// Weird, if set, receives a net weird (no connection) for each value
	// the limits cut: name log_string_field_truncated or
	// log_container_field_truncated (and log_record_too_large for a
	// record dropped), addl the stream's Zeek ID
	// ("SMTP::LOG", see WithID). It is called from Stream.Write, on the
	// writing goroutine, before Write returns; it may write to other
	// streams.
	Weird func(name, addl string)

	// RotationInterval is Log::default_rotation_interval: when positive,
	// every log file is rotated (Manager.Rotate) on the interval's
	// boundaries, aligned as rotate.Next aligns them, and at Close. 0
	// rotates only when Manager.Rotate is called, if RotationPolicy is set.
	RotationInterval zeek.Interval
	// RotationBaseTime is log_rotate_base_time, "0:00": the time of day
	// rotations are aligned to ("" aligns them to the Unix epoch).
	RotationBaseTime string
	// RotationPolicy takes over each rotated file (rotate.Archiver
	// archives it as zeekctl does); nil leaves rotated files next to the
	// live ones under Zeek's rotated names.
	RotationPolicy rotate.Policy
	// After is the rotation timer's clock, time.After when nil; tests pair
	// it with Now.
	After func(time.Duration) <-chan time.Time
}

// DefaultConfig returns Zeek's default settings.
func DefaultConfig() Config {
	a := ascii.DefaultOptions()
	suffix := os.Getenv("ZEEK_LOG_SUFFIX")
	if suffix == "" {
		suffix = "log"
	}
	return Config{
		LogSuffix:         suffix,
		Separator:         a.Separator,
		SetSeparator:      a.SetSeparator,
		EmptyField:        a.EmptyField,
		UnsetField:        a.UnsetField,
		MetaPrefix:        a.MetaPrefix,
		IncludeMeta:       a.IncludeMeta,
		EnableUTF8:        a.EnableUTF8,
		GzipFileExtension: "gz",
		RotationBaseTime:  "0:00",
		ScopeSep:          ".",
		QueueLen:          4096,
		FlushInterval:     time.Second,
		Now:               time.Now,

		MaxFieldStringBytes:       4096,
		MaxTotalStringBytes:       256000,
		MaxFieldContainerElements: 100,
		MaxTotalContainerElements: 500,
		MaxLogRecordSize:          64 << 20,
	}
}

// validate checks c and fills in the settings that must not be empty.
func (c *Config) validate() error {
	if c.RotationInterval < 0 {
		return fmt.Errorf("logging: negative rotation interval")
	}
	if c.GzipLevel < 0 || c.GzipLevel > 9 {
		return fmt.Errorf("logging: gzip level %d out of range 0-9", c.GzipLevel)
	}
	if c.Separator == "" && !c.UseJSON && c.NewWriter == nil {
		return fmt.Errorf("logging: empty field separator (start from DefaultConfig)")
	}
	if c.MaxFieldStringBytes < 0 || c.MaxTotalStringBytes < 0 || c.MaxFieldContainerElements < 0 || c.MaxTotalContainerElements < 0 || c.MaxLogRecordSize < 0 {
		return fmt.Errorf("logging: negative log field limit")
	}
	if c.LogSuffix == "" {
		c.LogSuffix = "log"
	}
	if c.ScopeSep == "" {
		c.ScopeSep = "."
	}
	if c.QueueLen <= 0 {
		c.QueueLen = 4096
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Limits returns the log field limits c sets for every stream.
func (c *Config) Limits() schema.Limits {
	return schema.Limits{
		FieldStringBytes:       c.MaxFieldStringBytes,
		TotalStringBytes:       c.MaxTotalStringBytes,
		FieldContainerElements: c.MaxFieldContainerElements,
		TotalContainerElements: c.MaxTotalContainerElements,
		RecordSize:             c.MaxLogRecordSize,
	}
}

// ASCIIOptions returns the ASCII format options c describes.
func (c *Config) ASCIIOptions() ascii.Options {
	return ascii.Options{
		Separator:    c.Separator,
		SetSeparator: c.SetSeparator,
		EmptyField:   c.EmptyField,
		UnsetField:   c.UnsetField,
		MetaPrefix:   c.MetaPrefix,
		IncludeMeta:  c.IncludeMeta,
		EnableUTF8:   c.EnableUTF8,
	}
}

// JSONOptions returns the JSON format options c describes.
func (c *Config) JSONOptions() json.Options {
	return json.Options{
		Timestamps:   c.JSONTimestamps,
		IncludeUnset: c.JSONIncludeUnsetFields,
		EscapePolicy: c.JSONStringEscapePolicy,
		MetaPrefix:   c.MetaPrefix,
	}
}

// Format returns a new encoder for one log as c selects: JSON with
// UseJSON, else Zeek's ASCII format.
func (c *Config) Format() Format {
	if c.UseJSON {
		return json.NewEncoder(c.JSONOptions())
	}
	return ascii.NewEncoder(c.ASCIIOptions())
}

// Files returns the file destination c describes.
func (c *Config) Files() *Files {
	return &Files{
		Dir:       c.LogDir,
		Suffix:    c.LogSuffix,
		GzipLevel: c.GzipLevel,
		GzipExt:   c.GzipFileExtension,
		Stdout:    c.OutputToStdout,
	}
}
