package ftp

import (
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

// nvtPair is both directions' line splitters with a recording sink.
type nvtPair struct {
	n      [2]nvt
	flags  connFlags
	events []string
}

func newNVTPair() *nvtPair {
	p := &nvtPair{}
	p.n[1].init(p, true, &p.n[0], &p.flags)
	p.n[0].init(p, false, &p.n[1], &p.flags)
	return p
}

func (p *nvtPair) nvtLine(line []byte, orig bool) {
	d := "<"
	if orig {
		d = ">"
	}
	p.events = append(p.events, d+string(line))
}

func (p *nvtPair) nvtWeird(name, addl string, limit bool) {
	p.events = append(p.events, "weird "+name+" "+addl)
}

func (p *nvtPair) DeliverStream(data []byte, orig bool) { p.n[dir(orig)].deliver(data) }
func (p *nvtPair) Undelivered(uint64, int, bool)        {}
func (p *nvtPair) EndOfData(orig bool)                  { p.n[dir(orig)].end() }

func TestNVTLines(t *testing.T) {
	script := []analyzertest.Chunk{
		o("one\r\ntwo\nthr\x00ee\r\nfo\rur\r\n"),
		// IAC IAC is a 255 in the data; two- and three-byte commands and
		// a sub-negotiation vanish; a NUL after CR is dropped silently,
		// and the CR then stays in the line (Zeek forgets the CR).
		o("a\xff\xffb\xff\xf1c\xff\xfb\x18d\xff\xfa\x18\x01xyz\xff\xf0e\r\x00\n"),
		// A sub-negotiation ended by something else than SE: the new
		// IAC starts a command of its own.
		o("f\xff\xfa\x18abc\xff\xf1g\n"),
		o("no end"),
		analyzertest.End(true),
	}
	got := analyzertest.SplitEvery(t, script, newNVTPair, func(p *nvtPair) []string { return p.events })
	want := []string{
		">one", ">two", "weird NUL_in_line ", ">three", "weird line_terminated_with_single_CR ", ">fo\rur",
		">a\xffbcde\r", ">fg", ">no end",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestNVTBinaryAndEncryption(t *testing.T) {
	// WILL BINARY from the server and DO BINARY from the client turn on
	// the client's binary mode as Zeek's option bookkeeping does: its
	// data bytes are masked to 7 bits. Then the client starts encryption
	// after the server's authentication was accepted: nothing more of
	// its direction is delivered.
	script := []analyzertest.Chunk{
		r("\xff\xfb\x00"),
		o("\xff\xfd\x00"),
		o("\xc1\xc2\n"),
		r("\xc1\n"),
		o("\xff\xfd\x26"), r("\xff\xfb\x26"),
		r("\xff\xfa\x25\x02\x02\xff\xf0"),
		o("\xff\xfa\x26\x03\xff\xf0"),
		o("secret\n"),
		r("still\n"),
		analyzertest.End(true), analyzertest.End(false),
	}
	got := analyzertest.SplitEvery(t, script, newNVTPair, func(p *nvtPair) []string { return p.events })
	want := []string{">AB", "<\xc1", "<still"}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestNVTLongLine(t *testing.T) {
	p := newNVTPair()
	n := &p.n[1]
	long := strings.Repeat("x", nvtMaxLine+10)
	n.deliver([]byte(long))
	n.deliver([]byte("\n"))
	if len(p.events) != 3 || p.events[0] != "weird nvt_line_size_exceeded 16777116" ||
		len(p.events[1]) != nvtMaxLine || len(p.events[2]) != 1+9 {
		var lens []int
		for _, e := range p.events {
			lens = append(lens, len(e))
		}
		t.Fatalf("events %d with lengths %v", len(p.events), lens)
	}
}
