package ftp

import (
	"net/netip"
	"strings"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

// lineSink discards lines.
type lineSink struct{ n int }

func (s *lineSink) nvtLine(line []byte, _ bool)   { s.n += len(line) }
func (s *lineSink) nvtWeird(string, string, bool) {}

var benchLines = []byte(strings.Repeat("227 Entering Passive Mode (10,0,0,2,195,80).\r\n", 64))

// TestNVTAllocatesNothing guards the line splitter's steady state.
func TestNVTAllocatesNothing(t *testing.T) {
	var s lineSink
	var flags connFlags
	var n nvt
	n.init(&s, false, nil, &flags)
	n.deliver(benchLines)
	if a := testing.AllocsPerRun(100, func() { n.deliver(benchLines) }); a != 0 {
		t.Fatalf("nvt.deliver allocates %v times a call", a)
	}
}

// TestDataAllocatesNothing guards the data connection's steady state:
// bytes to the files framework.
func TestDataAllocatesNothing(t *testing.T) {
	d, chunk := benchData()
	for range 8 { // past the type detection of the first bytes
		d.DeliverStream(chunk, false)
	}
	if a := testing.AllocsPerRun(100, func() { d.DeliverStream(chunk, false) }); a != 0 {
		t.Fatalf("Data.DeliverStream allocates %v times a call", a)
	}
}

func benchData() (*Data, []byte) {
	th := newTestHost()
	resp := netip.MustParseAddr("10.0.0.2")
	th.state.expect(resp, 5001, &session{}, th.t0)
	d := newData(th.dataHost(netip.MustParseAddr("10.0.0.1"), 40001, resp, 5001))
	return d, make([]byte, 1460)
}

func BenchmarkNVT(b *testing.B) {
	var s lineSink
	var flags connFlags
	var n nvt
	n.init(&s, false, nil, &flags)
	b.SetBytes(int64(len(benchLines)))
	b.ReportAllocs()
	for b.Loop() {
		n.deliver(benchLines)
	}
}

// BenchmarkSession runs a whole anonymous session with a download.
func BenchmarkSession(b *testing.B) {
	b.SetBytes(int64(at.DataLen(anonSession)))
	b.ReportAllocs()
	for b.Loop() {
		h := newHarness()
		at.Play(h, anonSession)
		h.Done()
	}
}

// BenchmarkData is the data connection: segments to the files framework.
func BenchmarkData(b *testing.B) {
	d, chunk := benchData()
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		d.DeliverStream(chunk, false)
	}
}
