package bpf

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

// parityExprs are the filters TestTcpdumpParity runs through tcpdump -r
// and Heron on every packet of the corpus: hosts, nets, ports, ranges,
// protocols, VLAN/MPLS/PPPoE, TCP flags, byte offsets and arithmetic,
// and/or/not, and some that tcpdump refuses on some link types.
var parityExprs = []string{
	// hosts and nets
	"host 10.0.0.1", "src host 192.168.1.1", "dst host 192.168.1.1", "host 141.142.228.5",
	"net 10.0.0.0/8", "src net 192.168.0.0/16", "dst net 172.16.0.0 mask 255.240.0.0", "net 10.1",
	"host 2001:db8::1", "net fe80::/10", "ip6 net 2001:470::/32", "arp host 10.0.0.1",
	// ports and ranges
	"port 80", "tcp port 80", "udp port 53", "src port 443", "tcp dst port 25", "port domain", "port http",
	"portrange 1-1023", "udp portrange 1024-65535", "dst portrange 135-139", "port 80 or 443", "not port 22",
	// protocols
	"ip", "ip6", "arp", "tcp", "udp", "icmp", "icmp6", "sctp", "ip proto 47", "ip proto \\udp",
	"ip6 proto 58", "proto 50", "ether proto 0x88cc", "ether proto \\arp", "igmp", "pim",
	// link layer
	"ether host 00:00:0c:07:ac:01", "ether src 00:1a:2b:3c:4d:5e", "ether dst ff:ff:ff:ff:ff:ff",
	"broadcast", "multicast", "ip multicast", "ip6 multicast", "ip broadcast",
	"less 64", "greater 1000", "len > 1500", "len <= 60",
	// encapsulations
	"vlan", "vlan 100", "vlan and tcp", "vlan and vlan", "not vlan and ip", "mpls", "mpls and ip",
	"pppoes", "pppoes and ip6", "pppoed",
	// TCP flags, byte offsets, arithmetic
	"tcp[tcpflags] & (tcp-syn|tcp-ack) != 0", "tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack = 0",
	"tcp[13] & 2 != 0", "tcp[tcpflags] & (tcp-rst|tcp-fin) != 0", "ip[2:2] > 576", "ip[0] & 0xf != 5",
	"ip[6:2] & 0x1fff != 0", "ip[8] < 5", "ether[0] & 1 != 0", "ether[12:2] = 0x86dd",
	"icmp[icmptype] = icmp-echo or icmp[icmptype] = icmp-echoreply", "icmp6[icmp6type] = icmp6-neighborsolicit",
	"udp[8:2] = 0", "tcp[12] & 0xf0 > 0x50",
	"tcp port 80 and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)",
	// boolean structure
	"tcp and not port 80 and not port 443", "host 10.0.0.1 and (10.0.0.2 or 10.0.0.3)",
	"(tcp or udp) and not (port 53 or port 123)", "!ip6 && (udp || icmp)", "ip and not tcp and not udp",
	"src port 53 or dst 10.0.0.1",
	// refused on some or all link types
	"ip and ip6", "ether[0] = 0 and ether[0] = 1", "llc",
}

// TestTcpdumpParity checks that Heron's decision equals tcpdump's, packet
// for packet, on every trace of the shared corpus (grouped by link type),
// and that Heron refuses a filter for a link type exactly when tcpdump
// does. Without -short it also runs the synthetic packets of every link
// type.
func TestTcpdumpParity(t *testing.T) {
	tcpdumpPath(t)
	start := time.Now()
	groups := loadCorpus(t)
	corpusGroups := len(groups)
	if !testing.Short() {
		groups = append(groups, synthCorpus(t, 3000)...)
	}
	exprs := parityExprs
	if testing.Short() {
		// A deterministic sample of the filters.
		r := rand.New(rand.NewPCG(1, 2))
		exprs = nil
		for _, e := range parityExprs {
			if r.IntN(3) == 0 {
				exprs = append(exprs, e)
			}
		}
	}
	var pairs, refused, packets int
	traces := map[string]bool{}
	for _, g := range groups {
		for _, expr := range exprs {
			if knownDiff(g.linkType, expr) != "" || usesSystemNames(expr) {
				continue
			}
			want, tdErr := tcpdumpMatches(t, g.file, expr)
			prog, err := CompileOptions(expr, Options{LinkType: g.linkType, NullByteOrder: g.nullOrder()})
			if tdErr != "" || err != nil {
				if tdErr != "" && err != nil {
					refused++
					continue
				}
				t.Errorf("%s: %q: tcpdump: %q; heron: %v", g.name(), expr, tdErr, err)
				continue
			}
			pairs++
			packets += len(g.packets)
			bad := 0
			for i, p := range g.packets {
				if got := prog.Match(p.data, int(p.wireLen)); got != want[i] {
					if bad < 3 {
						t.Errorf("%s: %q: %s packet %d (%d of %d bytes): heron %v, tcpdump %v",
							g.name(), expr, p.trace, p.index, len(p.data), p.wireLen, got, want[i])
					}
					bad++
				}
			}
			if bad > 0 {
				t.Errorf("%s: %q: %d of %d packets differ", g.name(), expr, bad, len(g.packets))
			}
		}
		for tr := range g.traces {
			traces[tr] = true
		}
	}
	delete(traces, "synthetic")
	t.Logf("%d filters on %d corpus traces (%d link-type groups) and %d synthetic groups: %d filter/group pairs compared, %d packet decisions, %d refused by both; %v",
		len(exprs), len(traces), corpusGroups, len(groups)-corpusGroups, pairs, packets, refused, time.Since(start).Round(time.Millisecond))
}

// TestTcpdumpParityPerTrace runs tcpdump on some original trace files
// (not the regrouped ones TestTcpdumpParity uses), to check that
// regrouping changes nothing.
func TestTcpdumpParityPerTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; TestTcpdumpParity covers the same packets")
	}
	tcpdumpPath(t)
	groups := loadCorpus(t)
	var names []string
	for _, g := range groups {
		for tr := range g.traces {
			names = append(names, tr)
		}
	}
	sort.Strings(names)
	r := rand.New(rand.NewPCG(3, 4))
	r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	names = names[:min(len(names), 25)]
	exprs := []string{"tcp port 80", "udp", "host 10.0.0.1 or net 192.168.0.0/16", "vlan and ip", "tcp[tcpflags] & tcp-syn != 0", "ip6"}
	runs, packets := 0, 0
	for _, name := range names {
		path := filepath.Join(corpusTraces(t), name)
		frames, be := readTrace(t, path)
		if _, msg := tcpdumpOnFile(t, path, ""); msg != "" {
			continue // libpcap cannot read it (several link types, ...)
		}
		for _, expr := range exprs {
			out, tdErr := tcpdumpOnFile(t, path, expr)
			lt := uint32(0)
			if len(frames) > 0 {
				lt = frames[0].linkType
			}
			opts := Options{LinkType: lt, NullByteOrder: binary.LittleEndian}
			if be {
				opts.NullByteOrder = binary.BigEndian
			}
			prog, err := CompileOptions(expr, opts)
			if tdErr != "" || err != nil {
				if (tdErr != "") != (err != nil) && !(err != nil && errors.Is(err, ErrUnsupported)) {
					t.Errorf("%s: %q: tcpdump: %q; heron: %v", name, expr, tdErr, err)
				}
				continue
			}
			// tcpdump writes the matching packets in order: walk both.
			runs++
			packets += len(frames)
			j := 0
			for i, f := range frames {
				match := j < len(out) && bytes.Equal(out[j].data, f.data) && out[j].ts == f.ts
				if match {
					j++
				}
				if got := prog.Match(f.data, int(f.wireLen)); got != match {
					t.Errorf("%s: %q: packet %d: heron %v, tcpdump %v", name, expr, i, got, match)
					break
				}
			}
			if j != len(out) {
				t.Errorf("%s: %q: %d packets of tcpdump's output not found in the trace", name, expr, len(out)-j)
			}
		}
	}
	t.Logf("%d filter/trace runs on the original files, %d packets", runs, packets)
}

type traceFrame struct {
	data     []byte
	wireLen  uint32
	ts       int64
	linkType uint32
}

func corpusTraces(t testing.TB) string {
	t.Helper()
	return refdata.Traces(t)
}

func readTrace(t testing.TB, path string) ([]traceFrame, bool) {
	t.Helper()
	be, _ := fileBigEndian(path)
	r, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var frames []traceFrame
	var f pktsrc.Frame
	for r.Next(&f) == nil {
		frames = append(frames, traceFrame{bytes.Clone(f.Data), f.WireLen, int64(f.TS) / 1000, f.LinkType})
	}
	return frames, be
}

// tcpdumpOnFile runs tcpdump -r on a trace (decompressing it on the way if
// it is gzip-compressed) and returns the packets it writes.
func tcpdumpOnFile(t testing.TB, path, expr string) ([]traceFrame, string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var in io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		in = zr
	}
	cmd := exec.Command(tcpdumpPath(t), "-r", "-", "-w", "-", "--", expr)
	cmd.Stdin = in
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, strings.TrimSpace(stderr.String())
	}
	if stdout.Len() == 0 {
		return nil, ""
	}
	r, err := pcapfile.NewReader(&stdout, int64(stdout.Len()))
	if err != nil {
		t.Fatalf("reading tcpdump's output: %v", err)
	}
	var out []traceFrame
	var fr pktsrc.Frame
	for r.Next(&fr) == nil {
		out = append(out, traceFrame{bytes.Clone(fr.Data), fr.WireLen, int64(fr.TS) / 1000, fr.LinkType})
	}
	return out, ""
}
