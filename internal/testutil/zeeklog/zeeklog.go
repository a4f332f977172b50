package zeeklog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// MaxLine is the longest line Parse accepts, in bytes.
const MaxLine = 1 << 20

// Zeek's defaults for the header values, used until a header line sets them.
const (
	DefaultSeparator    = "\t"
	DefaultSetSeparator = ","
	DefaultEmptyField   = "(empty)"
	DefaultUnsetField   = "-"
)

// Log is a parsed Zeek ASCII log.
type Log struct {
	// Separator, SetSeparator, EmptyField and UnsetField are the values of
	// the last header lines of those names (unescaped), or Zeek's defaults.
	Separator    string
	SetSeparator string
	EmptyField   string
	UnsetField   string
	// Path is the value of the last #path line ("weird", "conn", …).
	Path string
	// Open and Close are the values of the last #open and #close lines.
	Open, Close string
	// Fields and Types are the column names and types of the last #fields
	// and #types lines.
	Fields []string
	Types  []string
	// Records holds one map per record line, from field name to the value
	// as written (see the package documentation).
	Records []map[string]string
}

// ErrNoFields is returned (wrapped) for a record line before any #fields
// line.
var ErrNoFields = errors.New("zeeklog: record before #fields header")

// ReadFile parses the log file at path.
func ReadFile(path string) (*Log, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("zeeklog: %w", err)
	}
	defer f.Close()
	l, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// Parse reads a Zeek ASCII log from r. It fails on a record line before
// any #fields line, on a record whose number of values differs from the
// number of fields, on a malformed header line and on a line longer than
// MaxLine.
func Parse(r io.Reader) (*Log, error) {
	l := &Log{
		Separator:    DefaultSeparator,
		SetSeparator: DefaultSetSeparator,
		EmptyField:   DefaultEmptyField,
		UnsetField:   DefaultUnsetField,
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxLine)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		var err error
		if line[0] == '#' {
			err = l.header(line)
		} else {
			err = l.record(line)
		}
		if err != nil {
			return nil, fmt.Errorf("zeeklog: line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("zeeklog: %w", err)
	}
	return l, nil
}

// header interprets one line starting with '#'.
func (l *Log) header(line string) error {
	// "#separator \x09" names the separator after a space; the other
	// header lines use the separator itself.
	if rest, ok := strings.CutPrefix(line, "#separator "); ok {
		sep := Unescape(rest)
		if sep == "" {
			return errors.New("empty #separator")
		}
		l.Separator = sep
		return nil
	}
	key, val, ok := strings.Cut(line[1:], l.Separator)
	if !ok {
		// "#close" without a value, or a comment: nothing to keep.
		return nil
	}
	switch key {
	case "set_separator":
		l.SetSeparator = Unescape(val)
	case "empty_field":
		l.EmptyField = Unescape(val)
	case "unset_field":
		l.UnsetField = Unescape(val)
	case "path":
		l.Path = val
	case "open":
		l.Open = val
	case "close":
		l.Close = val
	case "fields":
		l.Fields = strings.Split(val, l.Separator)
		l.Types = nil
	case "types":
		l.Types = strings.Split(val, l.Separator)
		if len(l.Fields) != 0 && len(l.Types) != len(l.Fields) {
			return fmt.Errorf("%d types for %d fields", len(l.Types), len(l.Fields))
		}
	}
	return nil
}

// record splits one record line by the separator.
func (l *Log) record(line string) error {
	if l.Fields == nil {
		return ErrNoFields
	}
	vals := strings.Split(line, l.Separator)
	if len(vals) != len(l.Fields) {
		return fmt.Errorf("%d values for %d fields", len(vals), len(l.Fields))
	}
	rec := make(map[string]string, len(vals))
	for i, f := range l.Fields {
		rec[f] = vals[i]
	}
	l.Records = append(l.Records, rec)
	return nil
}

// Unset reports whether v is the unset mark.
func (l *Log) Unset(v string) bool { return v == l.UnsetField }

// Empty reports whether v is the empty mark (an empty string, set or
// vector).
func (l *Log) Empty(v string) bool { return v == l.EmptyField }

// Elems returns the elements of a set or vector value v, each unescaped:
// nil for an unset value, an empty non-nil slice for an empty one.
func (l *Log) Elems(v string) []string {
	switch {
	case l.Unset(v):
		return nil
	case l.Empty(v):
		return []string{}
	}
	parts := strings.Split(v, l.SetSeparator)
	for i, p := range parts {
		parts[i] = Unescape(p)
	}
	return parts
}

// Value returns field f of rec unescaped, and whether it is set (present
// and not the unset mark). The empty mark yields "" and true.
func (l *Log) Value(rec map[string]string, f string) (string, bool) {
	v, ok := rec[f]
	if !ok || l.Unset(v) {
		return "", false
	}
	if l.Empty(v) {
		return "", true
	}
	return Unescape(v), true
}

// Where returns the records whose field f holds the value v as written.
func (l *Log) Where(f, v string) []map[string]string {
	var out []map[string]string
	for _, r := range l.Records {
		if r[f] == v {
			out = append(out, r)
		}
	}
	return out
}

// Column returns field f of every record, as written ("" where a record
// has no such field).
func (l *Log) Column(f string) []string {
	out := make([]string, len(l.Records))
	for i, r := range l.Records {
		out[i] = r[f]
	}
	return out
}

// Unescape undoes the \xNN escapes of Zeek's ASCII writer; other bytes,
// including a backslash not followed by x and two hex digits, are kept.
func Unescape(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b bytes.Buffer
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			hi, ok1 := unhex(s[i+2])
			lo, ok2 := unhex(s[i+3])
			if ok1 && ok2 {
				b.WriteByte(hi<<4 | lo)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
