package bpf

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/zeek"
)

// testDirs are temporary directories removed when the tests end.
var testDirs []string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range testDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// tcpdumpPath returns tcpdump's path or skips the test.
func tcpdumpPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Skip("tcpdump is not in PATH (tools/test.sh installs it): the comparison with libpcap needs it")
	}
	return p
}

// usesSystemNames reports whether expr names services or protocols, which
// tcpdump looks up in /etc/services and /etc/protocols (Debian's netbase);
// without those files the comparison would only show that.
func usesSystemNames(expr string) bool {
	if _, err := os.Stat("/etc/services"); err == nil {
		if _, err := os.Stat("/etc/protocols"); err == nil {
			return false
		}
	}
	for _, n := range []string{"http", "domain", "ssh", "ftp", "ospf", "gre"} {
		if strings.Contains(expr, n) {
			return true
		}
	}
	return false
}

// dltNames maps the link types tests use to tcpdump's -y names.
var dltNames = map[uint32]string{
	LinkTypeNull: "NULL", LinkTypeEthernet: "EN10MB", LinkTypePPP: "PPP", LinkTypeFDDI: "FDDI",
	LinkTypeRaw: "RAW", LinkTypeIEEE80211: "IEEE802_11", LinkTypeLoop: "LOOP",
	LinkTypeLinuxSLL: "LINUX_SLL", LinkTypeRadiotap: "IEEE802_11_RADIO", LinkTypeIPv4: "IPV4",
	LinkTypeIPv6: "IPV6", LinkTypeIEEE802154: "IEEE802_15_4_NOFCS", LinkTypeNFLOG: "NFLOG",
	LinkTypeLinuxSLL2: "LINUX_SLL2",
}

// libpcapProgram compiles expr with libpcap through tcpdump -ddd, for a
// link type (-y) or for the link type and byte order of a file (-r). It
// returns the program, or the error tcpdump printed.
func libpcapProgram(t testing.TB, linkType uint32, file, expr string) ([]Instruction, string) {
	t.Helper()
	args := []string{"-ddd"}
	if file != "" {
		args = append(args, "-r", file)
	} else {
		args = append(args, "-y", dltNames[linkType])
	}
	args = append(args, "--", expr)
	cmd := exec.Command(tcpdumpPath(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, msg
	}
	return parseDDD(t, stdout.String()), ""
}

// parseDDD parses tcpdump -ddd output: a count, then "code jt jf k" lines.
func parseDDD(t testing.TB, out string) []Instruction {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	n, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || n != len(lines)-1 {
		t.Fatalf("unexpected tcpdump -ddd output %q", out)
	}
	prog := make([]Instruction, n)
	for i, l := range lines[1:] {
		var code, jt, jf, k uint64
		if _, err := fmt.Sscanf(l, "%d %d %d %d", &code, &jt, &jf, &k); err != nil {
			t.Fatalf("bad tcpdump -ddd line %q: %v", l, err)
		}
		prog[i] = Instruction{Code: uint16(code), Jt: uint8(jt), Jf: uint8(jf), K: uint32(k)}
	}
	return prog
}

// corpusPacket is one packet of the shared corpus.
type corpusPacket struct {
	data    []byte
	wireLen uint32
	trace   string
	index   int // within its trace
}

// packetGroup is the corpus's packets of one link type (and, for BSD
// loopback, one byte order), written to one pcap file for tcpdump.
type packetGroup struct {
	linkType  uint32
	bigEndian bool
	traces    map[string]bool
	packets   []corpusPacket
	file      string
}

func (g *packetGroup) name() string {
	n := dltNames[g.linkType]
	if n == "" {
		n = strconv.Itoa(int(g.linkType))
	}
	if g.bigEndian {
		n += "-be"
	}
	return n
}

func (g *packetGroup) nullOrder() binary.ByteOrder {
	if g.bigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

var (
	corpusOnce   sync.Once
	corpusGroups []*packetGroup
	corpusErr    error
	corpusDir    string
)

// loadCorpus reads every trace of the shared corpus once per test binary
// and writes each group of packets to a pcap file whose record i has the
// timestamp i seconds, so that tcpdump's output names packets exactly.
func loadCorpus(t testing.TB) []*packetGroup {
	t.Helper()
	traces := refdata.Traces(t)
	corpusOnce.Do(func() {
		corpusDir, corpusErr = os.MkdirTemp("", "heron-bpf-corpus-")
		if corpusErr != nil {
			return
		}
		testDirs = append(testDirs, corpusDir)
		corpusGroups, corpusErr = readCorpus(traces, corpusDir)
	})
	if corpusErr != nil {
		t.Fatal(corpusErr)
	}
	return corpusGroups
}

func readCorpus(dir, out string) ([]*packetGroup, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	groups := map[string]*packetGroup{}
	for _, path := range files {
		be, err := fileBigEndian(path)
		if err != nil {
			continue // not a trace
		}
		r, err := pcapfile.Open(path)
		if err != nil {
			continue
		}
		rel, _ := filepath.Rel(dir, path)
		var f pktsrc.Frame
		for i := 0; ; i++ {
			if err := r.Next(&f); err != nil {
				break
			}
			key := fmt.Sprint(f.LinkType)
			if f.LinkType == LinkTypeNull {
				key += fmt.Sprint(be)
			}
			g := groups[key]
			if g == nil {
				g = &packetGroup{linkType: f.LinkType, bigEndian: be && f.LinkType == LinkTypeNull, traces: map[string]bool{}}
				groups[key] = g
			}
			g.traces[rel] = true
			g.packets = append(g.packets, corpusPacket{data: bytes.Clone(f.Data), wireLen: f.WireLen, trace: rel, index: i})
		}
		r.Close()
	}
	var list []*packetGroup
	for _, g := range groups {
		list = append(list, g)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].name() < list[j].name() })
	for _, g := range list {
		g.file = filepath.Join(out, g.name()+".pcap")
		if err := writeGroup(g); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// fileBigEndian reads the byte order of a (possibly gzip-compressed) pcap
// or pcapng file.
func fileBigEndian(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	head, _ := r.(*bufio.Reader).Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return false, err
		}
		r = zr
	}
	var b [12]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return false, err
	}
	switch binary.BigEndian.Uint32(b[:4]) {
	case 0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34:
		return true, nil
	case 0xd4c3b2a1, 0x4d3cb2a1, 0x34cdb2a1:
		return false, nil
	case 0x0a0d0d0a:
		return binary.BigEndian.Uint32(b[8:]) == 0x1a2b3c4d, nil
	}
	return false, errors.New("not a trace")
}

func writeGroup(g *packetGroup) error {
	f, err := os.Create(g.file)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	snap := uint32(DefaultSnaplen)
	for _, p := range g.packets {
		snap = max(snap, uint32(len(p.data)))
	}
	w, err := pcapfile.NewWriter(bw, g.linkType, pcapfile.WriterOptions{BigEndian: g.bigEndian, Snaplen: snap})
	if err != nil {
		f.Close()
		return err
	}
	for i, p := range g.packets {
		wire := p.wireLen
		if wire == 0 {
			wire = uint32(len(p.data))
		}
		if err := w.WritePacket(zeek.Time(int64(i)*1e9), p.data, wire); err != nil {
			f.Close()
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// tcpdumpMatches runs tcpdump -r file -w - expr and returns the timestamps
// (in seconds: the packet numbers) of the packets it writes, or the error
// it printed.
func tcpdumpMatches(t testing.TB, file, expr string) (map[int]bool, string) {
	t.Helper()
	cmd := exec.Command(tcpdumpPath(t), "-r", file, "-w", "-", "--", expr)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, msg
	}
	got := map[int]bool{}
	r, err := pcapfile.NewReader(&stdout, int64(stdout.Len()))
	if err != nil {
		if stdout.Len() == 0 {
			return got, ""
		}
		t.Fatalf("reading tcpdump's output: %v", err)
	}
	var fr pktsrc.Frame
	for {
		if err := r.Next(&fr); err != nil {
			break
		}
		got[int(int64(fr.TS)/1e9)] = true
	}
	return got, ""
}
