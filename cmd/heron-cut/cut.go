package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// maxLine bounds the length of one input line, and so the memory a run
// needs. zeek-cut has no limit; a Zeek log line is rarely above a few
// kilobytes.
const maxLine = 64 << 20

// cutter holds the state of one run: the options, the layout of the TSV
// log being read (which changes at every header block), and the columns
// of JSON input.
type cutter struct {
	o      *options
	out    *bufio.Writer
	errw   io.Writer
	local  zone // for -d/-D
	status int
	lineNo int

	// TSV layout, as zeek-cut keeps it.
	ifs       byte   // input field separator (#separator)
	ofs       byte   // output field separator
	unset     []byte // #unset_field
	outIdx    []int  // input column of each output column, -1 if absent
	idxRange  int    // highest input column used, plus one
	timeCols  []bool // input columns of type time (with -d/-u)
	fields    [][]byte
	tsvActive bool // a #fields line is in force (no JSON record since)

	headersSeen    int  // header blocks seen, up to 2
	prevLineHdr    bool // the previous line was a header line
	prevFieldsLine bool // the previous line was a #fields line

	// Time conversion: the last converted second and its text.
	prevTS int64
	tbuf   []byte

	js jsonState
}

func newCutter(o *options, env envFunc, out *bufio.Writer, errw io.Writer) *cutter {
	c := &cutter{o: o, out: out, errw: errw, ifs: '\t', ofs: '\t', unset: []byte("-"), prevTS: -1}
	if o.ofs != 0 {
		c.ofs = o.ofs
	}
	if o.timeConv == 1 {
		c.local = localZone(env)
	}
	c.js.init()
	return c
}

// warn writes one "heron-cut: ..." line to standard error.
func (c *cutter) warn(format string, args ...any) {
	fmt.Fprintf(c.errw, "heron-cut: "+format+"\n", args...)
}

// process reads every line of r and returns the exit status.
func (c *cutter) process(r io.Reader) int {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			c.warn("reading gzip input: %v", err)
			return 1
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	var long []byte
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				if len(long)+len(line) > maxLine {
					c.warn("line %d is longer than %d bytes", c.lineNo+1, maxLine)
					return 1
				}
				long = append(long, line...)
			}
			line = long
		}
		if len(line) > 0 {
			if line[len(line)-1] == '\n' {
				line = line[:len(line)-1]
			}
			c.lineNo++
			if !c.line(line) {
				return 1
			}
		}
		if err != nil {
			if err != io.EOF {
				c.warn("reading input: %v", err)
				return 1
			}
			return c.status
		}
	}
}

// line handles one input line (without its newline). It returns false when
// the input cannot be read further (a bad header), as zeek-cut stops there.
func (c *cutter) line(line []byte) bool {
	if c.prevFieldsLine && !bytes.HasPrefix(line, []byte("#types")) {
		c.warn("bad log header (missing #types line)")
		return false
	}
	if len(line) == 0 || line[0] != '#' {
		c.prevLineHdr = false
		if len(line) > 0 && line[0] == '{' && c.maybeJSON(line) {
			if c.jsonRecord(line) {
				return true
			}
			if !c.tsvActive {
				return true // reported; nothing to print it with
			}
		}
		c.outputIndexes(false, line)
		return true
	}

	// A header line.
	if !c.prevLineHdr {
		c.prevLineHdr = true
		if c.headersSeen < 2 {
			c.headersSeen++
		}
	}
	switch {
	case bytes.HasPrefix(line, []byte("#separator ")):
		ifs := parseSeparator(line[len("#separator "):])
		if ifs == 0 {
			c.warn("bad log header (invalid #separator line)")
			return false
		}
		c.ifs = ifs
		if c.o.ofs != 0 {
			c.ofs = c.o.ofs
		} else {
			c.ofs = ifs
		}
	case bytes.HasPrefix(line, []byte("#unset_field")):
		if len(line) < 14 {
			c.warn("bad log header (invalid #unset_field line)")
			return false
		}
		c.unset = append(c.unset[:0], line[13:]...)
	case bytes.HasPrefix(line, []byte("#fields")):
		c.prevFieldsLine = true
		var names []byte
		if len(line) > 8 {
			names = line[8:]
		}
		c.findOutputIndexes(names)
		c.tsvActive = true
		c.js.reset()
	case bytes.HasPrefix(line, []byte("#types")):
		if !c.prevFieldsLine {
			c.warn("bad log header (missing #fields line)")
			return false
		}
		c.prevFieldsLine = false
		if c.o.timeConv != 0 {
			var types []byte
			if len(line) > 7 {
				types = line[7:]
			}
			if !c.findTimeCols(types) {
				return false
			}
		}
	}
	if c.o.showHeader >= c.headersSeen {
		isFields := bytes.HasPrefix(line, []byte("#fields"))
		isTypes := bytes.HasPrefix(line, []byte("#types"))
		switch {
		case isFields || (isTypes && !c.o.minimal):
			c.outputIndexes(true, line)
		case !c.o.minimal:
			c.out.Write(line)
			c.out.WriteByte('\n')
		}
	}
	return true
}

// parseSeparator reads the value of a #separator line: "\xNN" in hex (read
// as C's strtol does, so "\x9" and "\x0x09" work too), else its first
// byte. 0 means invalid.
func parseSeparator(s []byte) byte {
	if len(s) >= 2 && s[0] == '\\' && s[1] == 'x' {
		v, _ := strtol(s[2:], 16)
		return byte(v)
	}
	if len(s) == 0 {
		return 0
	}
	return s[0]
}

// split cuts line at the input separator into c.fields, n fields at most.
// It reports false when the line has fewer than n fields. The fields alias
// line.
func (c *cutter) split(line []byte, n int) bool {
	c.fields = c.fields[:0]
	for i := 0; i < n; i++ {
		if line == nil {
			return false
		}
		j := bytes.IndexByte(line, c.ifs)
		if j < 0 {
			c.fields = append(c.fields, line)
			line = nil
			continue
		}
		c.fields = append(c.fields, line[:j:j])
		line = line[j+1:]
		if line == nil {
			line = []byte{}
		}
	}
	return true
}

// findOutputIndexes sets the output columns from a #fields line's names.
func (c *cutter) findOutputIndexes(names []byte) {
	num := bytes.Count(names, []byte{c.ifs}) + 1
	c.outIdx = c.outIdx[:0]
	if len(c.o.columns) == 0 {
		for i := 0; i < num; i++ {
			c.outIdx = append(c.outIdx, i)
		}
		c.idxRange = num
		return
	}
	if names == nil {
		names = []byte{}
	}
	c.split(names, num)
	maxVal := 0
	if !c.o.negate {
		for _, col := range c.o.columns {
			idx := -1
			for i, f := range c.fields {
				if string(f) == col {
					idx = i
					break
				}
			}
			c.outIdx = append(c.outIdx, idx)
			maxVal = max(maxVal, idx)
		}
	} else {
		for i, f := range c.fields {
			excluded := false
			for _, col := range c.o.columns {
				if string(f) == col {
					excluded = true
					break
				}
			}
			if !excluded {
				c.outIdx = append(c.outIdx, i)
				maxVal = max(maxVal, i)
			}
		}
	}
	c.idxRange = maxVal + 1
}

// findTimeCols marks the columns whose #types entry is "time".
func (c *cutter) findTimeCols(types []byte) bool {
	if types == nil {
		types = []byte{}
	}
	if !c.split(types, c.idxRange) {
		c.warn("log header does not have enough fields")
		return false
	}
	c.timeCols = c.timeCols[:0]
	for _, f := range c.fields {
		c.timeCols = append(c.timeCols, string(f) == "time")
	}
	return true
}

// outputIndexes prints the chosen columns of a data line, or of a #fields
// or #types header line (hdr), whose first field is the "#fields" tag.
func (c *cutter) outputIndexes(hdr bool, line []byte) {
	h := 0
	if hdr {
		h = 1
	}
	if line == nil {
		line = []byte{}
	}
	if !c.split(line, c.idxRange+h) {
		c.warn("skipping log line (not enough fields)")
		return
	}
	convTime := c.o.timeConv != 0 && !hdr
	convType := c.o.timeConv != 0 && hdr && string(c.fields[0]) == "#types"
	first := false
	if hdr && !c.o.minimal {
		c.out.Write(c.fields[0])
		first = true
	}
	for _, idx := range c.outIdx {
		if first {
			c.out.WriteByte(c.ofs)
		}
		first = true
		if idx < 0 {
			continue
		}
		f := c.fields[idx+h]
		switch {
		case convTime && idx < len(c.timeCols) && c.timeCols[idx]:
			c.outputTime(f)
		case convType && string(f) == "time":
			c.out.WriteString("string")
		default:
			c.out.Write(f)
		}
	}
	c.out.WriteByte('\n')
}
