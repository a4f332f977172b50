package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
	"github.com/heron-nsm/heron/internal/zeek"
)

func TestParseArgs(t *testing.T) {
	cases := []struct {
		args []string
		want invocation
		err  string
	}{
		{args: []string{"-r", "t.pcap"}, want: invocation{read: "t.pcap"}},
		{args: []string{"-rt.pcap", "-bC"}, want: invocation{read: "t.pcap", bare: true, noChecksums: true}},
		{args: []string{"-bCr", "t.pcap", "base/protocols/conn"}, want: invocation{read: "t.pcap", bare: true, noChecksums: true, scripts: []string{"base/protocols/conn"}}},
		{args: []string{"base/protocols/conn", "-b", "--readfile=t.pcap"}, want: invocation{read: "t.pcap", bare: true, scripts: []string{"base/protocols/conn"}}},
		{args: []string{"-r", "t.pcap", "LogAscii::use_json=T", "Site::local_nets+={10.0.0.0/8}"}, want: invocation{read: "t.pcap", assigns: []string{"LogAscii::use_json=T", "Site::local_nets+={10.0.0.0/8}"}}},
		{args: []string{"--logdir", "out", "--seed", "7", "--networks", "n.cfg", "-r", "x"}, want: invocation{read: "x", logDir: "out", seed: "7", networks: "n.cfg"}},
		{args: []string{"--", "-r"}, want: invocation{scripts: []string{"-r"}}},
		{args: []string{"-h"}, want: invocation{help: true}},
		{args: []string{"-s", "a.sig", "--signatures=b.sig", "-r", "t"}, want: invocation{read: "t", sigFiles: []string{"a.sig", "b.sig"}}},
		{args: []string{"--help-options"}, want: invocation{helpOptions: true}},
		{args: []string{"-x"}, err: "unknown option -x"},
		{args: []string{"--frob"}, err: "unknown option --frob"},
		{args: []string{"-r"}, err: "option -r needs a value"},
		{args: []string{"--logdir"}, err: "option --logdir needs a value"},
		{args: []string{"--help=yes"}, err: "option --help takes no value"},
		{args: []string{"--progress", "sometimes"}, err: `--progress "sometimes"`},
	}
	for _, c := range cases {
		got, err := parseArgs(c.args)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("parseArgs(%q) error = %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseArgs(%q): %v", c.args, err)
			continue
		}
		if c.want.progress == "" {
			c.want.progress = "auto"
		}
		if !reflect.DeepEqual(*got, c.want) {
			t.Errorf("parseArgs(%q) = %+v, want %+v", c.args, *got, c.want)
		}
	}
}

// writeTrace writes a small valid trace: one TCP handshake and a UDP flow.
func writeTrace(t *testing.T, dir string) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, 1, pcapfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, s := pktbuild.V4("10.0.0.1"), pktbuild.V4("10.0.0.2")
	frames := [][]byte{
		pktbuild.EtherIP(pktbuild.TCPPacket(pktbuild.IP{Src: c, Dst: s}, pktbuild.TCP{SrcPort: 1234, DstPort: 80, Seq: 1, Flags: pktbuild.SYN}, nil)),
		pktbuild.EtherIP(pktbuild.TCPPacket(pktbuild.IP{Src: s, Dst: c}, pktbuild.TCP{SrcPort: 80, DstPort: 1234, Seq: 9, Ack: 2, Flags: pktbuild.SYN | pktbuild.ACK}, nil)),
		pktbuild.EtherIP(pktbuild.UDPPacket(pktbuild.IP{Src: c, Dst: s}, pktbuild.UDP{SrcPort: 999, DstPort: 53}, []byte("q"))),
	}
	ts := zeek.Time(1_600_000_000_000_000_000)
	for _, f := range frames {
		ts += zeek.Time(zeek.Millisecond)
		if err := w.WritePacket(ts, f, uint32(len(f))); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "t.pcap")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestRunWritesLogs(t *testing.T) {
	dir := t.TempDir()
	trace := writeTrace(t, dir)
	logs := filepath.Join(dir, "logs")
	code, _, stderr := runCLI("-r", trace, "--logdir", logs, "--seed", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(logs, "conn.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n10.0.0.1") + strings.Count(string(data), "\t10.0.0.1\t"); n < 2 {
		t.Errorf("conn.log has %d connections from 10.0.0.1, want 2:\n%s", n, data)
	}
	// Deterministic uids with a seed.
	logs2 := filepath.Join(dir, "logs2")
	if code, _, stderr := runCLI("-r", trace, "--logdir", logs2, "--seed", "3"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data2, _ := os.ReadFile(filepath.Join(logs2, "conn.log"))
	if uids(string(data)) != uids(string(data2)) {
		t.Errorf("same seed, different uids: %q vs %q", uids(string(data)), uids(string(data2)))
	}

	// JSON through a redef, logdir through Log::default_logdir.
	logs3 := filepath.Join(dir, "logs3")
	if code, _, stderr := runCLI("-b", "-r", trace, "base/protocols/conn", "LogAscii::use_json=T", "Log::default_logdir="+logs3); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	j, err := os.ReadFile(filepath.Join(logs3, "conn.log"))
	if err != nil || !strings.HasPrefix(string(j), `{"ts":`) {
		t.Errorf("JSON conn.log: %v %.80q", err, j)
	}
	if _, err := os.Stat(filepath.Join(logs3, "weird.log")); err == nil {
		t.Errorf("bare mode with only base/protocols/conn wrote weird.log")
	}
}

func uids(log string) string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if f := strings.Split(line, "\t"); len(f) > 1 && !strings.HasPrefix(line, "#") {
			out = append(out, f[1])
		}
	}
	return strings.Join(out, ",")
}

// TestErrors checks the one-line errors and exit codes.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	trace := writeTrace(t, dir)
	notTrace := filepath.Join(dir, "notes.txt")
	os.WriteFile(notTrace, []byte("hello, this is not a trace\n"), 0o644)
	data, _ := os.ReadFile(trace)
	truncated := filepath.Join(dir, "cut.pcap")
	os.WriteFile(truncated, data[:len(data)-7], 0o644)

	cases := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"-r", filepath.Join(dir, "missing.pcap")}, 1, "no such file"},
		{[]string{"-r", notTrace}, 1, "not a pcap or pcapng file"},
		{[]string{"-r", trace, "base/protocols/con"}, 1, "did you mean base/protocols/conn"},
		{[]string{"-r", trace, "Foo::bar=1"}, 1, `unknown option "Foo::bar"`},
		{[]string{"-r", trace, "tcp_inactivity_timeout=soon"}, 1, "tcp_inactivity_timeout"},
		{[]string{"-r", trace, "--seed", "abc"}, 1, "seed"},
		{[]string{"-r", trace, "--networks", filepath.Join(dir, "nope.cfg")}, 1, "--networks"},
		{[]string{}, 2, "nothing to do"},
		{[]string{"--bogus"}, 2, "unknown option --bogus"},
		{[]string{"-r", truncated, "--logdir", filepath.Join(dir, "cut")}, 0, "truncated"},
		{[]string{"-r", trace, "--logdir", filepath.Join(dir, "w"), "-b", "base/protocols/modbus"}, 0, "not implemented yet"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(c.args...)
		if code != c.code || !strings.Contains(stderr, c.contains) {
			t.Errorf("heron %q: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.contains)
		}
		if lines := strings.Count(strings.TrimRight(stderr, "\n"), "\n"); lines > 0 {
			t.Errorf("heron %q: %d lines on stderr, want one:\n%s", c.args, lines+1, stderr)
		}
	}
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	code, out, _ := runCLI("--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, f := range flagSpecs {
		if f.short != "" && !strings.Contains(out, "-"+f.short) {
			t.Errorf("help lacks -%s", f.short)
		}
		if f.long != "" && !strings.Contains(out, "--"+f.long) {
			t.Errorf("help lacks --%s", f.long)
		}
	}
	code, out, _ = runCLI("--help-options")
	if code != 0 || !strings.Contains(out, "LogAscii::use_json") || !strings.Contains(out, "Site::local_nets") {
		t.Errorf("--help-options: exit %d, output lacks options:\n%.300s", code, out)
	}
}

// TestPortOptions: the scripts' port sets and likely_server_ports are
// options; they decide which side of a mid-stream flow is the server.
func TestPortOptions(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	w, _ := pcapfile.NewWriter(&buf, 1, pcapfile.WriterOptions{})
	a, b := pktbuild.V4("10.0.0.1"), pktbuild.V4("10.0.0.2")
	f := pktbuild.EtherIP(pktbuild.UDPPacket(pktbuild.IP{Src: a, Dst: b}, pktbuild.UDP{SrcPort: 5353, DstPort: 40000}, []byte("x")))
	w.WritePacket(zeek.Time(1_600_000_000_000_000_000), f, uint32(len(f)))
	trace := filepath.Join(dir, "u.pcap")
	os.WriteFile(trace, buf.Bytes(), 0o644)
	orig := func(args ...string) string {
		logs := filepath.Join(dir, strings.Join(args, "_"))
		args = append([]string{"-r", trace, "--logdir", logs}, args...)
		if code, _, stderr := runCLI(args...); code != 0 {
			t.Fatalf("heron %q: %s", args, stderr)
		}
		data, _ := os.ReadFile(filepath.Join(logs, "conn.log"))
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Split(line, "\t"); len(f) > 3 && !strings.HasPrefix(line, "#") {
				return f[2] + ":" + f[3]
			}
		}
		t.Fatalf("no connection in %s", data)
		return ""
	}
	// 5353/udp (mDNS, a DNS port) is a likely server port in default mode:
	// the flow is flipped so that 10.0.0.2 is the originator.
	if got := orig(); got != "10.0.0.2:40000" {
		t.Errorf("default: originator %s, want 10.0.0.2:40000", got)
	}
	if got := orig("DNS::ports-={5353/udp}"); got != "10.0.0.1:5353" {
		t.Errorf("without 5353 in DNS::ports: originator %s, want 10.0.0.1:5353", got)
	}
	if got := orig("-b", "base/protocols/conn", "likely_server_ports+={5353/udp}"); got != "10.0.0.2:40000" {
		t.Errorf("bare with likely_server_ports: originator %s", got)
	}
}

// TestComponents: -N lists the packet sources and the analyzers of every
// kind, as zeek -N lists its plugins.
func TestComponents(t *testing.T) {
	code, out, _ := runCLI("-N")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Heron::AF_Packet - ", "Heron::PcapFile - ", "Heron::DNS - DNS analyzer (built-in)",
		"Heron::HTTP - ", "Heron::SSL - ", "Heron::Vxlan - VXLAN packet analyzer (built-in)", "Heron::MD5 - MD5 file analyzer"} {
		if !strings.Contains(out, want) {
			t.Errorf("-N lacks %q:\n%s", want, out)
		}
	}
}

// TestFanoutSelfTest runs the kernel check (root only: it makes a network
// namespace).
func TestFanoutSelfTest(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	code, out, errOut := runCLI("--fanout-selftest")
	if code != 0 || !strings.Contains(out, "passed") {
		t.Errorf("exit %d, %q %q", code, out, errOut)
	}
}

// TestJA3JA4Packages: the JA3 and JA4 fields appear in ssl.log when the
// packages are loaded as zkg installs them, and not otherwise.
func TestJA3JA4Packages(t *testing.T) {
	trace := "../../internal/analyzer/ssl/testdata/recorded/nginx-curl.pcap"
	if _, err := os.Stat(trace); err != nil {
		t.Skipf("no recorded TLS trace: %v", err)
	}
	for _, c := range []struct {
		args []string
		ja3  bool
		ja4  bool
	}{
		{nil, false, false},
		{[]string{"packages/ja3"}, true, false},
		{[]string{"packages/ja4"}, false, true},
		{[]string{"packages"}, true, true},
	} {
		dir := t.TempDir()
		args := append([]string{"-C", "-r", trace, "--logdir", dir}, c.args...)
		if code, _, errOut := runCLI(args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errOut)
		}
		l, err := zeeklog.ReadFile(filepath.Join(dir, "ssl.log"))
		if err != nil {
			t.Fatal(err)
		}
		has := func(f string) bool { return slices.Contains(l.Fields, f) }
		if has("ja3") != c.ja3 || has("ja3s") != c.ja3 || has("ja4") != c.ja4 || has("ja4s") != c.ja4 {
			t.Errorf("%v: fields %v", c.args, l.Fields)
		}
		if c.ja3 && (len(l.Records) == 0 || len(l.Records[0]["ja3"]) != 32) {
			t.Errorf("%v: ja3 %q is not an MD5", c.args, l.Records[0]["ja3"])
		}
	}
}
