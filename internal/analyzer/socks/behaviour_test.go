package socks

import (
	"strings"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/zeek"
)

// TestTrailingDataDependsOnDelivery pins Zeek's datagram reading: bytes
// after a message in the same delivery are dropped, the same bytes in a
// delivery of their own reach the tunnelled protocol.
func TestTrailingDataDependsOnDelivery(t *testing.T) {
	reply := v5Message(0, 0, 1, ipv4(192, 0, 2, 31), 2688)
	script := []at.Chunk{
		at.Orig(v5Greeting(0)), at.Resp(v5Method(0)),
		at.Orig(v5Message(1, 0, 3, "www.example.com", 80)),
		at.Resp(reply + "SSH-2.0-early\r\n"),
	}
	whole := newRig()
	at.Play(whole, script)
	whole.Done()
	if whole.h.innerRec != nil {
		t.Errorf("data after the reply in its delivery reached the tunnel: %q", whole.h.innerRec.Data[0])
	}
	cut := at.DataLen(script) - len("SSH-2.0-early\r\n")
	split := newRig()
	at.PlayCuts(split, script, []int{cut})
	split.Done()
	if in := split.h.innerRec; in == nil || string(in.Data[0]) != "SSH-2.0-early\r\n" {
		t.Errorf("data after the reply in a delivery of its own did not reach the tunnel: %+v", in)
	}
}

// TestRecordTime: the record's time is that of the first SOCKS event,
// the login when there is one (as socks-auth.pcap shows in Zeek).
func TestRecordTime(t *testing.T) {
	r := newRig()
	t0 := r.h.clock
	at.Play(r, []at.Chunk{
		at.Orig(v5Greeting(2)), at.Resp(v5Method(2)),
		at.Orig(userPass("bob", "alice")), at.Resp("\x01\x00"),
		at.Orig(v5Message(1, 0, 1, ipv4(192, 168, 0, 2), 22)),
		at.Resp(v5Message(0, 0, 1, ipv4(192, 168, 0, 1), 55951)),
	})
	r.Done()
	if len(r.h.logs) != 1 {
		t.Fatalf("%d records", len(r.h.logs))
	}
	if got, want := r.h.logs[0].TS, t0+3*zeek.Time(zeek.Second); got != want {
		t.Errorf("ts %v, want the login's %v", got, want)
	}
}

// TestPartialConnection: a connection without a handshake is not parsed.
func TestPartialConnection(t *testing.T) {
	r := newRig()
	r.h.isPartial = true
	at.Play(r, conversations[0].script)
	r.Done()
	if got := r.summary(); len(got) != 0 {
		t.Errorf("partial connection analysed: %q", got)
	}
}

// TestEndOfDataParsesRest: a message still unfinished when its direction
// ends is read as Zeek reads a delivery: a SOCKS4 user id without its NUL
// ends with the data.
func TestEndOfDataParsesRest(t *testing.T) {
	req := v4Request(1, 80, [4]byte{10, 1, 2, 3}, "someone", "")
	r := newRig()
	at.Play(r, []at.Chunk{at.Orig(req[:len(req)-1]), at.End(true)})
	r.Done()
	if r.h.tunnels != 1 || !r.ended[1] {
		t.Errorf("unterminated request not taken at the end: tunnels %d", r.h.tunnels)
	}
}

// TestPendingBound: an endless SOCKS4 user id keeps at most maxPending
// bytes; at the bound it ends as the data would.
func TestPendingBound(t *testing.T) {
	r := newRig()
	head := v4Request(1, 80, [4]byte{10, 1, 2, 3}, "", "")
	head = head[:len(head)-1]
	r.DeliverStream([]byte(head), true)
	piece := []byte(strings.Repeat("u", 1460))
	for range 20 {
		r.DeliverStream(piece, true)
		if c := cap(r.pend[1]); c > 2*maxPending {
			t.Fatalf("pending buffer grew to %d", c)
		}
	}
	if r.h.tunnels != 1 {
		t.Errorf("request at the bound not taken: tunnels %d", r.h.tunnels)
	}
	if len(r.h.violations) == 0 {
		t.Error("the user id's rest, read as a new message, raised no violation")
	}
}

// TestTunnelledDataAllocs: once the handshake is over, passing data on
// allocates nothing.
func TestTunnelledDataAllocs(t *testing.T) {
	r := newRig()
	at.Play(r, conversations[0].script[:4])
	if !r.tunnelling() {
		t.Fatal("handshake not over")
	}
	r.h.innerRec = nil
	sink := &countingSink{}
	r.inner = sink
	data := []byte(httpGet)
	if n := testing.AllocsPerRun(1000, func() { r.Analyzer.DeliverStream(data, true) }); n != 0 {
		t.Errorf("%v allocations per tunnelled delivery", n)
	}
	if sink.n == 0 {
		t.Error("nothing passed on")
	}
}

type countingSink struct{ n int }

func (s *countingSink) DeliverStream(data []byte, _ bool) { s.n += len(data) }
func (s *countingSink) Undelivered(uint64, int, bool)     {}
func (s *countingSink) EndOfData(bool)                    {}
func (s *countingSink) Done()                             {}

// BenchmarkHandshake measures a SOCKS5 handshake with a login.
func BenchmarkHandshake(b *testing.B) {
	script := []at.Chunk{
		at.Orig(v5Greeting(0, 2)), at.Resp(v5Method(2)),
		at.Orig(userPass("bob", "alice")), at.Resp("\x01\x00"),
		at.Orig(v5Message(1, 0, 3, "www.example.com", 443)),
		at.Resp(v5Message(0, 0, 1, ipv4(192, 168, 0, 1), 55951)),
	}
	h := newTestHost()
	b.ReportAllocs()
	for b.Loop() {
		h.logs, h.innerRec, h.tunnels, h.confirms, h.service = h.logs[:0], nil, 0, 0, false
		a := newSOCKS(h)
		for _, c := range script {
			a.DeliverStream(c.Data, c.Orig)
		}
		a.Done()
	}
}

// BenchmarkTunnelled measures passing tunnelled data on.
func BenchmarkTunnelled(b *testing.B) {
	r := newRig()
	at.Play(r, conversations[0].script[:4])
	r.inner = &countingSink{}
	data := make([]byte, 1460)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r.Analyzer.DeliverStream(data, false)
	}
}
