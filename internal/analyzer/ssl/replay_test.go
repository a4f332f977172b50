package ssl

import (
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/x509"
	"github.com/heron-nsm/heron/internal/zeek"
)

// replayTCP feeds the TCP connections of a simple trace (Ethernet, IPv4
// or IPv6, no tunnels, connections that start with a SYN) to one harness
// each, delivering in-order payload and dropping retransmissions. It is
// a test shortcut to the engine, for comparing ssl.log fields that need
// options the node cannot switch on yet.
func replayTCP(t *testing.T, path string, opts Options) []*harness {
	t.Helper()
	r, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ a, b netip.AddrPort }
	type flow struct {
		h    *harness
		orig netip.AddrPort
		next [2]uint32
		seen [2]bool
	}
	flows := map[key]*flow{}
	var order []*flow
	var f pktsrc.Frame
	for {
		if err := r.Next(&f); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		d := f.Data
		if len(d) < 14 {
			continue
		}
		et := binary.BigEndian.Uint16(d[12:])
		d = d[14:]
		var src, dst netip.Addr
		var l4 []byte
		switch et {
		case 0x0800:
			if len(d) < 20 || d[9] != 6 {
				continue
			}
			ihl := int(d[0]&15) * 4
			total := int(binary.BigEndian.Uint16(d[2:]))
			if total > len(d) || ihl > total {
				continue
			}
			src, dst = netip.AddrFrom4([4]byte(d[12:16])), netip.AddrFrom4([4]byte(d[16:20]))
			l4 = d[ihl:total]
		case 0x86dd:
			if len(d) < 40 || d[6] != 6 {
				continue
			}
			src, dst = netip.AddrFrom16([16]byte(d[8:24])), netip.AddrFrom16([16]byte(d[24:40]))
			l4 = d[40 : 40+int(binary.BigEndian.Uint16(d[4:]))]
		default:
			continue
		}
		if len(l4) < 20 {
			continue
		}
		sp := netip.AddrPortFrom(src, binary.BigEndian.Uint16(l4[0:]))
		dp := netip.AddrPortFrom(dst, binary.BigEndian.Uint16(l4[2:]))
		seq := binary.BigEndian.Uint32(l4[4:])
		flags := l4[13]
		payload := l4[int(l4[12]>>4)*4:]
		k := key{sp, dp}
		if sp.Addr().Less(dp.Addr()) || sp.Addr() == dp.Addr() && sp.Port() < dp.Port() {
			k = key{dp, sp}
		}
		fl := flows[k]
		if fl == nil {
			if flags&0x12 != 0x02 {
				continue // not a connection start
			}
			fl = &flow{h: newHarness(opts, false), orig: sp}
			fl.h.id = &zeek.ConnID{OrigH: sp.Addr(), OrigP: zeek.Port{Num: sp.Port(), Proto: zeek.ProtoTCP},
				RespH: dp.Addr(), RespP: zeek.Port{Num: dp.Port(), Proto: zeek.ProtoTCP}}
			fl.h.now = f.TS
			flows[k] = fl
			order = append(order, fl)
		}
		fl.h.now = f.TS
		orig := sp == fl.orig
		i := dir(orig)
		if flags&0x02 != 0 {
			fl.next[i], fl.seen[i] = seq+1, true
			continue
		}
		if !fl.seen[i] || len(payload) == 0 {
			continue
		}
		if int32(seq-fl.next[i]) < 0 {
			skip := fl.next[i] - seq
			if int(skip) >= len(payload) {
				continue
			}
			payload, seq = payload[skip:], fl.next[i]
		}
		if seq != fl.next[i] {
			continue // a hole: the test traces have none
		}
		fl.next[i] += uint32(len(payload))
		fl.h.DeliverStream(payload, orig)
	}
	var out []*harness
	for _, fl := range order {
		fl.h.Done()
		out = append(out, fl.h)
	}
	return out
}

// baselineRecords returns the data lines of one of Zeek's logs in the
// shared corpus, without the uid column (the second).
func baselineRecords(t *testing.T, test, log string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(refdata.Baselines(t), test, log))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		out = append(out, l)
	}
	return out
}

func dropColumn(line string, col int) string {
	f := strings.Split(line, "\t")
	return strings.Join(append(f[:col:col], f[col+1:]...), "\t")
}

// TestCertificateRequestInfo: with policy/protocols/ssl/
// certificate-request-info, ssl.log lists the CAs the server asked for,
// as in Zeek's test of that script.
func TestCertificateRequestInfo(t *testing.T) {
	trace := refdata.FindTrace(t, "tls/certificate-request-failed.pcap")
	hs := replayTCP(t, trace, Options{DisableAfterDetection: true, MaxAlertsPerRecord: 10, CertificateRequestInfo: true})
	want := baselineRecords(t, "scripts.policy.protocols.ssl.certificate-request-info", "ssl.log")
	var got []string
	for _, h := range hs {
		for _, l := range logLines[Info]("ssl", h.ssl, "certificate-request-info") {
			if l[0] != '#' {
				got = append(got, l)
			}
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range want {
		// Zeek's test masks the time; compare everything but ts and uid.
		g, w := dropColumn(dropColumn(got[i], 1), 0), dropColumn(dropColumn(want[i], 1), 0)
		if g != w {
			t.Errorf("record %d:\n got  %s\n want %s", i, g, w)
		}
	}
}

// TestLogCertsBase64: with policy/protocols/ssl/log-certs-base64,
// x509.log carries each certificate in base64, as in Zeek's test.
func TestLogCertsBase64(t *testing.T) {
	trace := refdata.FindTrace(t, "tls/ecdhe.pcap")
	x509.LogCertsBase64 = true
	defer func() { x509.LogCertsBase64 = false }()
	hs := replayTCP(t, trace, DefaultOptions)
	want := baselineRecords(t, "scripts.policy.protocols.ssl.log-certs-base64", "x509.log")
	var recs []x509.Info
	for _, h := range hs {
		recs = append(recs, h.x509...)
	}
	var got []string
	for _, l := range logLines[x509.Info]("x509", recs, "log-certs-base64") {
		if l[0] != '#' {
			got = append(got, l)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range want {
		if g, w := dropColumn(got[i], 0), dropColumn(want[i], 0); g != w {
			t.Errorf("record %d:\n got  %s\n want %s", i, g, w)
		}
	}
}
