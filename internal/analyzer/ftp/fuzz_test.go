package ftp

import (
	"net/netip"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

// fuzzScript turns fuzz input into a conversation: chunks separated by
// 0xfe bytes, alternating originator and responder (0xff stays data:
// it is Telnet's IAC).
var fuzzScript = at.FuzzCoding{Sep: []byte{0xfe}, MaxChunks: 257}.Script

func encodeScript(script []at.Chunk) []byte {
	var b []byte
	orig := false
	for _, c := range script {
		if c.End || c.Gap > 0 {
			continue
		}
		if c.Orig != orig {
			b = append(b, 0xfe)
			orig = !orig
		}
		b = append(b, c.Data...)
		b = append(b, 0xfe)
		orig = !orig
	}
	return b
}

// FuzzAnalyzer feeds arbitrary conversations to the control analyzer,
// with a data connection for every channel it expects; nothing may
// panic, and what the analyzer keeps stays within its bounds.
func FuzzAnalyzer(f *testing.F) {
	f.Add(encodeScript(anonSession))
	f.Add([]byte("220 hi\r\n\xfeAUTH GSSAPI\r\n\xfe334 x\r\n\xfeADAT FgMBAAUBAAABeA==\r\n\xfe335 ADAT=FgMBAAUCAAABeRQDAQABAQ==\r\n"))
	f.Add([]byte("220-a\r\n220 b\r\n\xfeAUTH TLS\r\n\xfe234 ok\r\n\xfe\x16\x03\x01\x00\x01x"))
	f.Add([]byte("\xfe\xff\xfb\x00\xff\xfa\x18\x01ab\xff\xf0USER\x00 x\rY\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h := newHarness()
		at.Play(h, fuzzScript(data))
		for _, n := range h.nvt {
			if n.off > nvtMaxLine || n.size > nvtMaxLine+8 {
				t.Fatalf("line buffer beyond its bound: %d/%d", n.off, n.size)
			}
		}
		if s := h.sc.s; s != nil && uint64(len(s.pending)) > opts.maxPendingCommands+1 {
			t.Fatalf("%d pending commands", len(s.pending))
		}
		// Feed every expected channel a little data.
		for k := range h.th.state.table {
			d := newData(h.th.dataHost(netip.MustParseAddr("10.9.9.9"), 1, netip.AddrFrom16(k.h).Unmap(), k.p))
			d.DeliverStream(data, false)
			d.Undelivered(uint64(len(data))+1, 10, false)
			d.Done()
		}
		h.Done()
	})
}

// FuzzParsers checks the address and path parsers on their own.
func FuzzParsers(f *testing.F) {
	for _, s := range []string{"10,0,0,1,4,31", "|2|::1|21|", "227 Entering (1,2,3,4,5,6)", "229 (|||21|)", "/a/../b//c", `"C:\x" is cwd`, "9999999999999999999999"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, hp := range []hostPort{parsePort(b), parseExtended(b, true), parsePASV(b), parseEPSV(b)} {
			if hp.valid && !hp.h.IsValid() {
				t.Fatalf("valid result without an address for %q", b)
			}
		}
		s := string(b)
		if p := normalizePath(s); len(p) > len(s)+1 {
			t.Fatalf("normalizePath(%q) grew to %q", s, p)
		}
		if p := extractPath(s); len(p) > len(s) {
			t.Fatalf("extractPath(%q) = %q", s, p)
		}
		lastCount(s)
		_ = looksLikeReply(s)
		var w tlsWatch
		w.feed(b, true)
		w.feed(b, false)
	})
}
