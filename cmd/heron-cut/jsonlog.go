package main

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"github.com/heron-nsm/heron/internal/logging/ascii"
)

// jsonState is what the cutter keeps about JSON input.
type jsonState struct {
	p       jsonParser
	started bool     // a JSON record was seen since the last TSV header
	keys    []string // column order seen so far (no columns named, or -n)
	cols    []string // the columns printed, in order
	found   []int    // per column, the member that holds it, or -1
	top     *ascii.Escaper
	list    *ascii.Escaper
	scratch []byte
}

func (s *jsonState) init() {
	// The TSV form of a log has Zeek's default separators whatever -F says.
	s.top = ascii.NewEscaper(true, "\t")
	s.list = ascii.NewEscaper(true, "\t", ",")
}

// reset forgets the JSON columns when a TSV header takes over.
func (s *jsonState) reset() {
	s.started = false
	s.keys = s.keys[:0]
}

// maybeJSON tells whether a line starting with "{" is a JSON record rather
// than a TSV line: always when no TSV header is in force; after one only
// if the line cannot be a TSV line of it (JSON lines hold no raw tabs).
func (c *cutter) maybeJSON(line []byte) bool {
	if !c.tsvActive {
		return true
	}
	return c.ifs == '\t' && bytes.IndexByte(line, '\t') < 0
}

// jsonRecord prints one JSON record as zeek-cut would print the record's
// line in the TSV form of the same log. It returns false if the line is not
// a JSON object; it has then warned unless a TSV header is in force.
func (c *cutter) jsonRecord(line []byte) bool {
	s := &c.js
	p := &s.p
	if err := p.parse(line); err != nil {
		if !c.tsvActive {
			c.warn("skipping log line %d (%v)", c.lineNo, err)
		}
		return false
	}
	c.tsvActive = false
	newBlock := !s.started
	s.started = true
	if len(c.o.columns) == 0 || c.o.negate {
		if c.mergeKeys() {
			newBlock = true
		}
		if newBlock {
			s.cols = s.cols[:0]
			for _, k := range s.keys {
				if !c.o.negate || !contains(c.o.columns, k) {
					s.cols = append(s.cols, k)
				}
			}
		}
	} else if newBlock {
		s.cols = append(s.cols[:0], c.o.columns...)
	}
	if newBlock {
		// A JSON log has no header; a change of its columns stands for
		// the start of a new log, as a new header block would in TSV.
		if c.headersSeen < 2 {
			c.headersSeen++
		}
		if c.o.showHeader >= c.headersSeen {
			if !c.o.minimal {
				c.out.WriteString("#fields")
			}
			for i, col := range s.cols {
				if i > 0 || !c.o.minimal {
					c.out.WriteByte(c.ofs)
				}
				c.out.WriteString(col)
			}
			c.out.WriteByte('\n')
		}
	}
	c.findMembers()
	for i, col := range s.cols {
		if i > 0 {
			c.out.WriteByte(c.ofs)
		}
		c.jsonField(col, s.found[i])
	}
	c.out.WriteByte('\n')
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// mergeKeys adds the record's keys that are new to the column order, each
// after the record's key before it. It reports whether any was added.
func (c *cutter) mergeKeys() bool {
	s := &c.js
	p := &s.p
	added := false
	pos := -1 // where the previous key of the record is in s.keys
	for _, m := range p.members {
		key := p.buf[m.keyFrom:m.keyTo]
		at := -1
		for k := pos + 1; k < len(s.keys); k++ {
			if s.keys[k] == string(key) {
				at = k
				break
			}
		}
		if at < 0 {
			for k := 0; k <= pos && k < len(s.keys); k++ {
				if s.keys[k] == string(key) {
					at = k
					break
				}
			}
		}
		if at < 0 {
			at = pos + 1
			s.keys = append(s.keys, "")
			copy(s.keys[at+1:], s.keys[at:])
			s.keys[at] = string(key)
			added = true
		}
		pos = at
	}
	return added
}

// findMembers finds, for each column, the record member that holds it.
// Records of one log keep their keys in column order, so the search starts
// after the previous find.
func (c *cutter) findMembers() {
	s := &c.js
	p := &s.p
	s.found = s.found[:0]
	next := 0
	n := len(p.members)
	for _, col := range s.cols {
		idx := -1
		for k := 0; k < n; k++ {
			j := (next + k) % n
			m := &p.members[j]
			if string(p.buf[m.keyFrom:m.keyTo]) == col {
				idx = j
				next = j + 1
				break
			}
		}
		s.found = append(s.found, idx)
	}
}

// jsonField prints member idx (or unset, for -1) of column col.
func (c *cutter) jsonField(col string, idx int) {
	s := &c.js
	p := &s.p
	if idx < 0 {
		c.out.WriteString("-")
		return
	}
	v := &p.members[idx].v
	kind := columnKind(col)
	if kind == kindTime {
		if text, ok := c.jsonTime(v); ok {
			if c.o.timeConv != 0 {
				c.outputTime(text)
			} else {
				c.out.Write(text)
			}
			return
		}
	}
	s.scratch = c.appendJSONValue(s.scratch[:0], v, kind, false)
	if idx == 0 && len(s.scratch) > 0 && s.scratch[0] == '#' {
		// The TSV writer escapes the "#" that would start a data line.
		c.out.WriteString(`\x23`)
		c.out.Write(s.scratch[1:])
		return
	}
	c.out.Write(s.scratch)
}

// jsonTime returns the TSV text of a time value: a JSON::TS_EPOCH number
// (seconds), a JSON::TS_MILLIS integer, or a JSON::TS_ISO8601 string.
func (c *cutter) jsonTime(v *jvalue) ([]byte, bool) {
	s := &c.js
	p := &s.p
	switch v.kind {
	case jNumber:
		text := p.line[v.from:v.to]
		if !v.float {
			ms, err := strconv.ParseInt(string(text), 10, 64)
			if err != nil {
				return nil, false
			}
			sec, frac := ms/1000, ms%1000
			if frac < 0 {
				sec, frac = sec-1, frac+1000
			}
			b := strconv.AppendInt(s.scratch[:0], sec, 10)
			b = append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10), '0', '0', '0')
			s.scratch = b
			return b, true
		}
		d, err := strconv.ParseFloat(string(text), 64)
		if err != nil {
			return nil, false
		}
		s.scratch = ascii.AppendSeconds(s.scratch[:0], d)
		return s.scratch, true
	case jString:
		t, err := time.Parse("2006-01-02T15:04:05.000000Z", string(p.buf[v.from:v.to]))
		if err != nil {
			return nil, false
		}
		b := strconv.AppendInt(s.scratch[:0], t.Unix(), 10)
		us := t.Nanosecond() / 1000
		b = append(b, '.')
		for d := 100000; d > 0; d /= 10 {
			b = append(b, byte('0'+us/d%10))
		}
		s.scratch = b
		return b, true
	}
	return nil, false
}

// appendJSONValue appends the TSV text of a JSON value as Zeek's ASCII
// writer writes the same value: T and F for booleans, "-" for null, the
// empty mark for "" and [], set and vector elements joined with ",", and
// strings escaped as the writer escapes them.
func (c *cutter) appendJSONValue(dst []byte, v *jvalue, kind int, inList bool) []byte {
	s := &c.js
	p := &s.p
	esc := s.top
	if inList {
		esc = s.list
	}
	switch v.kind {
	case jTrue:
		return append(dst, 'T')
	case jFalse:
		return append(dst, 'F')
	case jNull:
		return esc.Append(dst, "-")
	case jNumber:
		text := p.line[v.from:v.to]
		if !v.float {
			return append(dst, text...)
		}
		d, err := strconv.ParseFloat(string(text), 64)
		if err != nil {
			return append(dst, text...)
		}
		if kind == kindDouble {
			return ascii.AppendDouble(dst, d)
		}
		return ascii.AppendSeconds(dst, d)
	case jString:
		str := p.buf[v.from:v.to]
		switch string(str) {
		case "":
			return esc.Append(dst, "(empty)")
		case "-", "(empty)":
			dst = append(dst, '\\', 'x', "0123456789abcdef"[str[0]>>4], "0123456789abcdef"[str[0]&0xf])
			return esc.Append(dst, string(str[1:]))
		}
		if plainTSV(str, inList) {
			return append(dst, str...)
		}
		return esc.Append(dst, string(str))
	case jArray:
		if v.n == 0 {
			return esc.Append(dst, "(empty)")
		}
		for k := 0; k < v.n; k++ {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = c.appendJSONValue(dst, &p.elems[v.elems+k], kind, true)
		}
		return dst
	}
	return esc.Append(dst, string(p.line[v.from:v.to]))
}

// plainTSV reports whether the ASCII writer writes s unchanged: printable
// ASCII without backslash, tab, or (in a set or vector) comma.
func plainTSV(s []byte, inList bool) bool {
	for _, c := range s {
		if c < 0x20 || c >= 0x7f || c == '\\' || (inList && c == ',') {
			return false
		}
	}
	return true
}

// Column kinds that decide how a JSON number is written in TSV.
const (
	kindOther  = iota // integers as they are; fractions as intervals (%.6f)
	kindTime          // like kindOther, and converted by -d/-u
	kindDouble        // fractions as Zeek writes doubles ("0.5", "100.0")
)

// columnKind tells the kind of a column from its name (the part after the
// last "."), since JSON logs carry no types. Zeek and Heron write time,
// interval and double values all as JSON numbers with a fraction; in TSV a
// time or an interval has six decimals and a double as few as it needs.
// The names are those of the time and double fields of Zeek's logs
// (scripts/**/*.zeek, &log fields; a test checks the lists against a Zeek
// source tree); every other fractional number is taken for an interval.
func columnKind(col string) int {
	if i := strings.LastIndexByte(col, '.'); i >= 0 {
		col = col[i+1:]
	}
	switch {
	case timeColumns[col]:
		return kindTime
	case doubleColumns[col]:
		return kindDouble
	}
	return kindOther
}

// timeColumns are the names of Zeek's logged fields of type time.
var timeColumns = map[string]bool{
	"ts": true, "accessed": true, "blocked_until": true, "changed": true,
	"compile_ts": true, "created": true, "from": true, "modified": true,
	"nextUpdate": true, "not_valid_after": true, "not_valid_before": true,
	"org_time": true, "rec_time": true, "ref_time": true, "revoketime": true,
	"thisUpdate": true, "till": true, "up_since": true, "watched_until": true,
	"xmt_time": true,
}

// doubleColumns are the names of Zeek's logged fields of type double.
var doubleColumns = map[string]bool{
	"confidence": true, "percent_lost": true, "value": true, "bounds": true,
	"values": true, "sum": true, "observations": true, "entropy": true,
	"latitude": true, "longitude": true,
}
