package sip

import "testing"

// BenchmarkAnalyzer runs an INVITE, a provisional and a final response
// through the analyzer and its script per iteration (one connection,
// three log records handed to a host that keeps nothing).
func BenchmarkAnalyzer(b *testing.B) {
	req, trying, ok := []byte(invite()), []byte(reply("100 Trying")), []byte(reply("200 OK", "Content-Length: 0"))
	nop := &nopHost{testHost{t: t0}}
	b.SetBytes(int64(len(req) + len(trying) + len(ok)))
	b.ReportAllocs()
	for b.Loop() {
		a := newSIP(nop)
		a.DeliverPacket(req, true)
		a.DeliverPacket(trying, false)
		a.DeliverPacket(ok, false)
		a.Done()
	}
}

// BenchmarkParse runs the same messages through the flows alone, the
// part of the work that reads the wire format.
func BenchmarkParse(b *testing.B) {
	req, ok := []byte(invite()), []byte(reply("200 OK", "Content-Length: 0"))
	ev := &eventSink{}
	fr, fs := flow{ev: ev, isOrig: true}, flow{ev: ev}
	b.SetBytes(int64(len(req) + len(ok)))
	b.ReportAllocs()
	for b.Loop() {
		if fr.deliver(req) != nil || fs.deliver(ok) != nil {
			b.Fatal("parse failed")
		}
	}
}

// nopHost is a host that discards everything.
type nopHost struct{ testHost }

func (nopHost) confirm()                   {}
func (nopHost) violation(string)           {}
func (nopHost) weird(string, string)       {}
func (nopHost) scriptWeird(string, string) {}
func (nopHost) writeLog(*Info)             {}
