package pcapfile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/zeek"
)

// tcpdumpResult is what tcpdump reports for a trace.
type tcpdumpResult struct {
	times []zeek.Time // of every packet, nanoseconds
	err   string      // tcpdump's error, "" when it read the whole trace
}

var tcpdumpTime = regexp.MustCompile(`^(\d+)\.(\d{9}) `)

// tcpdump reads the (decompressed) trace with tcpdump at nanosecond
// precision, or skips the test when tcpdump is not installed.
func tcpdump(t *testing.T, trace []byte) tcpdumpResult {
	t.Helper()
	path := findTcpdump()
	if path == "" {
		t.Skip("tcpdump is not installed")
	}
	cmd := exec.Command(path, "-r", "-", "-tt", "-nn", "--nano")
	cmd.Stdin = bytes.NewReader(trace)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var res tcpdumpResult
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		m := tcpdumpTime.FindSubmatch(sc.Bytes())
		if m == nil {
			continue // a continuation line
		}
		sec, _ := strconv.ParseInt(string(m[1]), 10, 64)
		ns, _ := strconv.ParseInt(string(m[2]), 10, 64)
		res.times = append(res.times, zeek.Time(sec*1e9+ns))
	}
	if runErr != nil {
		res.err = strings.TrimSpace(stderr.String())
		if res.err == "" {
			res.err = runErr.Error()
		}
	}
	return res
}

// libpcapView has tcpdump read the (decompressed) trace through libpcap at
// nanosecond precision and write what it read as a classic pcap file; the
// reader's frames must equal the frames of that file. It returns the
// frames and tcpdump's error ("" when it read the whole trace).
func libpcapView(t *testing.T, tcpdumpPath string, trace []byte) ([]frame, uint32, string) {
	t.Helper()
	cmd := exec.Command(tcpdumpPath, "--nano", "-r", "-", "-w", "-")
	cmd.Stdin = bytes.NewReader(trace)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var tdErr string
	if err := cmd.Run(); err != nil {
		tdErr = strings.TrimSpace(stderr.String()) + " (" + err.Error() + ")"
	}
	if stdout.Len() == 0 {
		return nil, 0, tdErr
	}
	frames, linkType := parseLibpcapDump(t, stdout.Bytes())
	return frames, linkType, tdErr
}

// parseLibpcapDump parses the nanosecond pcap file that tcpdump -w --nano
// writes on this host, with code of its own so that the comparison does
// not depend on the reader under test.
func parseLibpcapDump(t *testing.T, b []byte) ([]frame, uint32) {
	t.Helper()
	order := binary.NativeEndian
	if len(b) < 24 || order.Uint32(b) != magicNano {
		t.Fatalf("tcpdump wrote no nanosecond pcap header: %x", b[:min(len(b), 24)])
	}
	linkType := order.Uint32(b[20:]) & 0xffff
	var out []frame
	for b = b[24:]; len(b) > 0; {
		if len(b) < 16 {
			t.Fatalf("tcpdump's output ends inside a record header")
		}
		caplen := order.Uint32(b[8:])
		if uint64(len(b)-16) < uint64(caplen) {
			t.Fatalf("tcpdump's output ends inside a record")
		}
		out = append(out, frame{
			TS:       zeek.Time(int64(order.Uint32(b))*1e9 + int64(order.Uint32(b[4:]))),
			CapLen:   caplen,
			WireLen:  order.Uint32(b[12:]),
			LinkType: linkType,
			Data:     b[16 : 16+caplen],
		})
		b = b[16+caplen:]
	}
	return out, linkType
}

func findTcpdump() string {
	if path, err := exec.LookPath("tcpdump"); err == nil {
		return path
	}
	for _, p := range []string{"/usr/bin/tcpdump", "/usr/sbin/tcpdump"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// sameFrames reports the first difference between the reader's frames and
// libpcap's, or "".
func sameFrames(got, want []frame) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d packets, libpcap %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.TS != w.TS || g.CapLen != w.CapLen || g.WireLen != w.WireLen || !bytes.Equal(g.Data, w.Data) {
			return fmt.Sprintf("packet %d: ts %d caplen %d len %d, libpcap ts %d caplen %d len %d (data equal: %v)",
				i, g.TS, g.CapLen, g.WireLen, w.TS, w.CapLen, w.WireLen, bytes.Equal(g.Data, w.Data))
		}
	}
	return ""
}

// decompress returns the trace's bytes, gunzipped when they are gzip.
func decompress(t *testing.T, b []byte) []byte {
	t.Helper()
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRealTraces reads traces from Zeek's test suite and compares packet
// counts and timestamps with tcpdump's.
func TestRealTraces(t *testing.T) {
	dir := refdata.Traces(t)
	tests := []struct {
		file     string
		linkType uint32
		pcapng   bool
		gzip     bool
		packets  int // 0: don't check
	}{
		{"pcapng-multi-interface.pcapng", 1, true, false, 6},
		{"linux_dlt_sll2.pcap", 276, false, false, 0},
		{"portmapper-many-unanswered-calls.pcapng.gz", 1, true, true, 0},
		{"irc-dcc-state-growth.pcapng", 1, true, false, 0},
		{"snap-arp.pcapng", 1, true, false, 0},
		{"vlan-pcp-dei.pcapng", 1, true, false, 0},
		{"nflog-http.pcap", linkTypeNFLOG, false, false, 0},
		{"radiotap.pcap", 127, false, false, 0},
		{"dns53.pcap", 1, false, false, 0},
		{"raw_packets.pcap", 0, false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			r, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			frames, err := readAll(t, r)
			if err != nil {
				t.Fatal(err)
			}
			if tt.linkType != 0 && r.LinkType() != tt.linkType {
				t.Errorf("LinkType() = %d, want %d", r.LinkType(), tt.linkType)
			}
			if (r.format == formatPcapNG) != tt.pcapng || (r.gz != nil) != tt.gzip {
				t.Errorf("format %d, gzip %v; want pcapng %v, gzip %v", r.format, r.gz != nil, tt.pcapng, tt.gzip)
			}
			if tt.packets != 0 && len(frames) != tt.packets {
				t.Errorf("%d packets, want %d", len(frames), tt.packets)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := tcpdump(t, decompress(t, raw))
			if want.err != "" {
				t.Fatalf("tcpdump failed: %s", want.err)
			}
			if len(frames) != len(want.times) || len(frames) == 0 {
				t.Fatalf("%d packets, tcpdump %d", len(frames), len(want.times))
			}
			first, last := frames[0].TS, frames[len(frames)-1].TS
			if first != want.times[0] || last != want.times[len(want.times)-1] {
				t.Errorf("first/last %d/%d, tcpdump %d/%d", first, last, want.times[0], want.times[len(want.times)-1])
			}
			for i := range frames {
				if frames[i].TS != want.times[i] {
					t.Fatalf("packet %d at %d, tcpdump %d", i, frames[i].TS, want.times[i])
				}
			}
			lp, lt, lpErr := libpcapView(t, findTcpdump(), decompress(t, raw))
			if lpErr != "" {
				t.Fatalf("tcpdump -w failed: %s", lpErr)
			}
			if diff := sameFrames(frames, lp); diff != "" {
				t.Error(diff)
			}
			if lt != r.LinkType() {
				t.Errorf("link type %d, libpcap %d", r.LinkType(), lt)
			}
		})
	}
}

// TestAllCorpusTraces reads every trace in the corpus to its end. Every
// trace must read without error unless tcpdump (libpcap) fails on it too,
// and when tcpdump is installed the packet counts and timestamps must
// match it.
func TestAllCorpusTraces(t *testing.T) {
	dir := refdata.Traces(t)
	tcpdumpPath := findTcpdump()
	if testing.Short() {
		tcpdumpPath = "" // comparing with libpcap takes seconds
	}
	var nPcap, nNG, nGzipPcap, nGzipNG, nPackets int
	var failures []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		r, err := Open(path)
		var frames []frame
		if err == nil {
			if r.format == formatPcap {
				nPcap++
			} else {
				nNG++
			}
			if r.gz != nil && r.format == formatPcap {
				nGzipPcap++
			} else if r.gz != nil {
				nGzipNG++
			}
			frames, err = readAll(t, r)
			r.Close()
		}
		nPackets += len(frames)
		if err != nil {
			failures = append(failures, rel+": "+err.Error())
		}
		if tcpdumpPath == "" {
			if err != nil {
				t.Errorf("%s: %v", rel, err)
			}
			return nil
		}
		raw, rerr := os.ReadFile(path)
		if rerr != nil {
			return rerr
		}
		want, _, tdErr := libpcapView(t, tcpdumpPath, decompress(t, raw))
		if (err != nil) != (tdErr != "") {
			t.Errorf("%s: error %v, tcpdump's %q", rel, err, tdErr)
		}
		if diff := sameFrames(frames, want); diff != "" {
			t.Errorf("%s: %s", rel, diff)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d pcap (%d gzip-compressed), %d pcapng (%d gzip-compressed), %d packets", nPcap, nGzipPcap, nNG, nGzipNG, nPackets)
	for _, f := range failures {
		t.Logf("error (tcpdump fails too): %s", f)
	}
	if nPcap+nNG == 0 {
		t.Fatal("no traces found")
	}
}
