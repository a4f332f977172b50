package scripts

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/zeek"
)

// corpusDir returns the shared Zeek corpus or skips the test.
func corpusDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(refdata.Shared(t), "zeek-corpus")
}

// mustPorts parses a comma-separated port list for tests.
func mustPorts(t testing.TB, s string) []zeek.Port {
	t.Helper()
	if s == "" {
		return []zeek.Port{}
	}
	ps, err := parsePorts(s)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(ps, comparePorts)
	return ps
}

// Port sets read off Zeek's scripts by hand (the const ... &redef sets that
// each register_for_ports call names), kept apart from the extractor so
// that each checks the other.
const (
	tunnelPorts = "2123/udp,2152/udp,3544/udp,4754/udp,4789/udp,5072/udp,6081/udp" // base/packet-protocols/{gtpv1,teredo,gre,vxlan,ayiya,geneve}
	httpPorts   = "80/tcp,81/tcp,631/tcp,1080/tcp,3128/tcp,8000/tcp,8080/tcp,8888/tcp"
	// Every base/protocols registration loaded by a default run of a Zeek
	// without Spicy, tunnels included.
	defaultPorts = tunnelPorts + "," + httpPorts + "," +
		"21/tcp,2811/tcp," + // ftp
		"22/tcp," + // ssh
		"25/tcp,587/tcp," + // smtp
		"53/tcp,53/udp,137/udp,5353/udp,5355/udp," + // dns
		"67/udp,4011/udp," + // dhcp (68/udp is a non-server port)
		"79/tcp," + // finger
		"88/tcp,88/udp," + // krb
		"123/udp," + // ntp
		"135/tcp," + // dce-rpc
		"139/tcp,445/tcp," + // smb
		"143/tcp," + // imap
		"161/udp,162/udp," + // snmp
		"443/tcp,465/tcp,563/tcp,585/tcp,614/tcp,636/tcp,989/tcp,990/tcp,992/tcp,993/tcp,995/tcp,5223/tcp," + // ssl
		"443/udp," + // dtls
		"502/tcp," + // modbus
		"514/udp,514/tcp," + // syslog
		"1434/tcp,3306/tcp," + // mysql
		"1812/udp," + // radius
		"1883/tcp," + // mqtt
		"3389/tcp,3389/udp," + // rdp, rdpeudp
		"5060/udp," + // sip
		"5222/tcp,5269/tcp," + // xmpp
		"6666/tcp,6667/tcp,6668/tcp,6669/tcp," + // irc
		"20000/tcp,20000/udp" // dnp3 registers both on its TCP analyzer
	// What a build with Spicy adds: LDAP, PostgreSQL, Redis (QUIC's 443/udp
	// is already DTLS's; its DNS-over-QUIC ports are non-server ports).
	spicyPorts = "389/tcp,3268/tcp,389/udp,5432/tcp,6379/tcp"
)

func portList(ps []zeek.Port) string { return formatPorts(ps) }

func TestLikelyServerPorts(t *testing.T) {
	for _, tc := range []struct {
		env   Env
		names []string
		want  string
	}{
		{Env{}, nil, defaultPorts},
		{Env{Spicy: true}, nil, defaultPorts + "," + spicyPorts},
		// base/init-bare loads base/packet-protocols, whose tunnel
		// decapsulators register their UDP ports: -b still has those.
		{Env{Bare: true}, nil, tunnelPorts},
		{Env{Bare: true}, []string{"base/protocols/conn"}, tunnelPorts},
		{Env{Bare: true}, []string{"base/protocols/http"}, tunnelPorts + "," + httpPorts},
		{Env{Bare: true}, []string{"base/protocols/dhcp"}, tunnelPorts + ",67/udp,4011/udp"},
		{Env{Bare: true}, []string{"base/protocols/dnp3"}, tunnelPorts + ",20000/tcp,20000/udp"},
		// Spicy-only analyzers: their packages load nothing without Spicy.
		{Env{Bare: true}, []string{"base/protocols/quic", "base/protocols/ldap", "base/protocols/redis", "base/protocols/postgresql"}, tunnelPorts},
		{Env{Bare: true, Spicy: true}, []string{"base/protocols/quic"}, tunnelPorts + ",443/udp"},
		{Env{Bare: true, Spicy: true}, []string{"base/protocols/ldap"}, tunnelPorts + ",389/tcp,3268/tcp,389/udp"},
	} {
		s, err := LoadEnv(tc.env, tc.names)
		if err != nil {
			t.Fatal(err)
		}
		got, want := s.LikelyServerPorts(), mustPorts(t, tc.want)
		if !slices.Equal(got, want) {
			t.Errorf("%+v %q:\n got %s\nwant %s", tc.env, tc.names, portList(got), portList(want))
		}
	}
	s, err := Load(false, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := s.LikelyServerPorts()
	got[0] = zeek.Port{}
	if s.LikelyServerPorts()[0] == (zeek.Port{}) {
		t.Error("LikelyServerPorts shares its slice")
	}
}

func TestAnalyzerPorts(t *testing.T) {
	find := func(regs []AnalyzerPorts, parent, analyzer string) *AnalyzerPorts {
		for i := range regs {
			if regs[i].Parent == parent && regs[i].Analyzer == analyzer {
				return &regs[i]
			}
		}
		return nil
	}
	def, err := Load(false, nil)
	if err != nil {
		t.Fatal(err)
	}
	spicy, err := LoadEnv(Env{Spicy: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		s                 *Set
		parent, analyzer  string
		server, nonServer string
	}{
		{def, "", "ANALYZER_FTP", "21/tcp,2811/tcp", ""},
		{def, "", "ANALYZER_DHCP", "67/udp,4011/udp", "68/udp"},
		{def, "", "ANALYZER_DNP3_TCP", "20000/tcp,20000/udp", ""},
		{def, "", "ANALYZER_SYSLOG_TCP", "514/tcp", ""},
		{def, "ANALYZER_UDP", "ANALYZER_VXLAN", "4789/udp", ""},
		{def, "ANALYZER_UDP", "ANALYZER_GTPV1", "2123/udp,2152/udp", ""},
		// QUIC's two calls (the second with set() as server ports) merge.
		{spicy, "", "ANALYZER_QUIC", "443/udp", "784/udp,853/udp"},
	} {
		r := find(tc.s.AnalyzerPorts(), tc.parent, tc.analyzer)
		if r == nil {
			t.Errorf("no registration of %s/%s", tc.parent, tc.analyzer)
			continue
		}
		if !slices.Equal(r.Server, mustPorts(t, tc.server)) || !slices.Equal(r.NonServer, mustPorts(t, tc.nonServer)) {
			t.Errorf("%s: server %s non-server %s; want %s and %s", tc.analyzer, portList(r.Server), portList(r.NonServer), tc.server, tc.nonServer)
		}
	}
	if find(def.AnalyzerPorts(), "", "ANALYZER_QUIC") != nil || find(def.AnalyzerPorts(), "", "ANALYZER_LDAP_TCP") != nil {
		t.Error("Spicy-only analyzers registered without Spicy")
	}
	// The union of the server ports is likely_server_ports (no script
	// redefs it directly).
	union := map[zeek.Port]bool{}
	regs := def.AnalyzerPorts()
	for _, r := range regs {
		for _, p := range r.Server {
			union[p] = true
		}
	}
	if got := sortedPorts(union); !slices.Equal(got, def.LikelyServerPorts()) {
		t.Errorf("server ports %s differ from likely_server_ports", portList(got))
	}
	if !slices.IsSortedFunc(regs, func(a, b AnalyzerPorts) int {
		return strings.Compare(a.Parent+"\x00"+a.Analyzer, b.Parent+"\x00"+b.Analyzer)
	}) {
		t.Error("AnalyzerPorts not sorted")
	}
	regs[0].Server[0] = zeek.Port{}
	if def.AnalyzerPorts()[0].Server[0] == (zeek.Port{}) {
		t.Error("AnalyzerPorts shares its slices")
	}
}

// Zeek's signatures.dpd test runs "zeek -b base/utils/addrs" and prints
// |Analyzer::all_registered_ports()|: the packet analyzers that
// base/packet-protocols registers by port are all there is in bare mode.
func TestBareRegisteredPortsMatchZeek(t *testing.T) {
	want := 6
	b, err := os.ReadFile(filepath.Join(zeekSource(), "testing/btest/Baseline/signatures.dpd/nosig-ipv4.out"))
	if err == nil {
		m := regexp.MustCompile(`\|Analyzer::all_registered_ports\(\)\|, (\d+)`).FindSubmatch(b)
		if m == nil {
			t.Fatal("signatures.dpd baseline no longer prints the count")
		}
		want, _ = strconv.Atoi(string(m[1]))
	}
	s, err := Load(true, []string{"base/utils/addrs"})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(s.AnalyzerPorts()); got != want {
		t.Errorf("bare run registers ports for %d analyzers; Zeek's baseline says %d", got, want)
	}
}

// Every port record in the embedded catalog is checked against the script
// it came from, with plain regular expressions rather than the generator's
// tokenizer, and every register_for_ports call in the tree has a record.
func TestPortRecordsMatchScripts(t *testing.T) {
	root := filepath.Join(zeekSource(), "scripts")
	if _, err := os.Stat(filepath.Join(root, "base/init-bare.zeek")); err != nil {
		t.Skipf("no Zeek scripts at %s", root)
	}
	c, err := embedded()
	if err != nil {
		t.Fatal(err)
	}
	comment := regexp.MustCompile(`#[^\n]*`)
	portRE := regexp.MustCompile(`(\d+)/(tcp|udp|icmp)`)
	portsIn := func(s string) string {
		ps := portRE.FindAllString(s, -1)
		if len(ps) == 0 {
			return "-"
		}
		return strings.Join(ps, ",")
	}
	read := func(name string) string {
		p := filepath.Join(root, name+".zeek")
		if c.scripts[name].kind == Package {
			p = filepath.Join(root, name, "__load__.zeek")
		}
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			b, err = os.ReadFile(p + ".in") // a template such as base/misc/installation.zeek.in
		}
		if err != nil {
			t.Fatal(err)
		}
		return comment.ReplaceAllString(string(b), "")
	}
	records := 0
	for _, name := range c.names {
		if strings.HasPrefix(name, "site/packages") {
			continue // Heron's own packages, not in Zeek's tree
		}
		var text string
		callsSeen := map[string]int{}
		for _, e := range c.scripts[name].edges {
			if e.pf == nil {
				continue
			}
			records++
			if text == "" {
				text = read(name)
			}
			pf := e.pf
			switch e.op {
			case edgeVar:
				short := regexp.QuoteMeta(lastPart(pf.variable))
				var re *regexp.Regexp
				if pf.op == "=" {
					re = regexp.MustCompile(`\b(?:const|global|option)\s+` + short + `\b[^;=]*(?:=\s*(\{[^}]*\}|set\([^)]*\)))?[^;]*;`)
				} else {
					re = regexp.MustCompile(`\bredef\s+(?:[\w:]*::)?` + short + `\s*` + regexp.QuoteMeta(pf.op) + `\s*(\{[^}]*\}|set\([^)]*\))`)
				}
				m := re.FindStringSubmatch(text)
				if m == nil {
					t.Errorf("%s: no declaration of %s %s in the script", name, pf.variable, pf.op)
					continue
				}
				if got := formatPorts(pf.ports); portsIn(m[1]) != got {
					t.Errorf("%s: %s %s %s, the script says %q", name, pf.variable, pf.op, got, m[1])
				}
			case edgeAnalyzer, edgePacket:
				ns, tags := "Analyzer", `Analyzer::`+pf.analyzer
				if e.op == edgePacket {
					ns, tags = "PacketAnalyzer", `PacketAnalyzer::`+pf.parent+`\s*,\s*PacketAnalyzer::`+pf.analyzer
				}
				re := regexp.MustCompile(`\b` + ns + `::register_for_ports\(\s*` + tags + `\s*,\s*([^;]*?)\)\s*;`)
				ms := re.FindAllStringSubmatch(text, -1)
				k := callsSeen[ns+pf.parent+pf.analyzer]
				callsSeen[ns+pf.parent+pf.analyzer]++
				if k >= len(ms) {
					t.Errorf("%s: no register_for_ports call for %s in the script", name, pf.analyzer)
					continue
				}
				args := strings.Split(ms[k][1], ",")
				for len(args) < 2 {
					args = append(args, "set()")
				}
				for i, a := range []portArg{pf.server, pf.nonServer} {
					src := strings.TrimSpace(args[i])
					ok := false
					if a.ref != "" {
						ok = src == a.ref || strings.HasSuffix(a.ref, "::"+src)
					} else {
						ok = strings.HasPrefix(src, "set(") || strings.HasPrefix(src, "{")
						ok = ok && portsIn(src) == formatPorts(a.ports)
					}
					if !ok {
						t.Errorf("%s: %s argument %d is %q in the script, %q in the catalog", name, pf.analyzer, i+2, src, formatArg(a))
					}
				}
			}
		}
	}
	// Completeness: count the calls in the tree.
	call := regexp.MustCompile(`\b(?:Packet)?Analyzer::register_for_ports\(`)
	calls := 0
	for _, name := range c.names {
		if strings.HasPrefix(name, "site/packages") {
			continue
		}
		calls += len(call.FindAllString(read(name), -1))
	}
	regs := 0
	for _, s := range c.scripts {
		for _, e := range s.edges {
			if e.op == edgeAnalyzer || e.op == edgePacket {
				regs++
			}
		}
	}
	if regs != calls || calls < 30 {
		t.Errorf("catalog has %d registrations, the scripts %d calls", regs, calls)
	}
	t.Logf("%d port records checked, %d calls", records, calls)
}

// connRecord is the part of a conn.log line the flip checks need.
type connRecord struct {
	origH, respH string
	origP, respP uint16
	proto        zeek.Proto
	history      string
}

// readConnLog reads a conn.log (any column order); ok is false when the log
// lacks a needed column.
func readConnLog(path string) (recs []connRecord, ok bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	col := map[string]int{}
	need := []string{"id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "history"}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "#fields\t"); ok {
			for i, name := range strings.Split(rest, "\t") {
				col[name] = i
			}
			for _, n := range need {
				if _, ok := col[n]; !ok {
					return nil, false, nil
				}
			}
			continue
		}
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		get := func(n string) string {
			if i := col[n]; i < len(f) {
				return f[i]
			}
			return ""
		}
		r := connRecord{origH: get("id.orig_h"), respH: get("id.resp_h"), history: get("history")}
		switch get("proto") {
		case "tcp":
			r.proto = zeek.ProtoTCP
		case "udp":
			r.proto = zeek.ProtoUDP
		default:
			continue
		}
		op, err1 := strconv.ParseUint(get("id.orig_p"), 10, 16)
		rp, err2 := strconv.ParseUint(get("id.resp_p"), 10, 16)
		if err1 != nil || err2 != nil {
			return nil, false, fmt.Errorf("%s: bad port in %q", path, line)
		}
		r.origP, r.respP = uint16(op), uint16(rp)
		if r.history == "-" {
			r.history = ""
		}
		recs = append(recs, r)
	}
	return recs, len(col) > 0, sc.Err()
}

// flipProblem says why a conn.log record contradicts likely_server_ports,
// or "". Zeek decides at a connection's first packet
// (src/packet_analysis/protocol/udp/UDP.cc and tcp/TCP.cc WantConnection,
// IPBasedAnalyzer::NewConn): UDP flips when the source port is a likely
// server port and the destination port is not, unless the destination is
// 255.255.255.255; TCP without a bare SYN flips when the source port is one
// and the destination is not, or both are and the packet has no SYN and the
// source port is the lower. A flip at creation starts the history with "^".
func flipProblem(r connRecord, likely map[zeek.Port]bool) string {
	h := r.history
	if i := strings.IndexByte(h, '^'); i > 0 {
		if r.proto == zeek.ProtoTCP {
			return "" // TCP's later flips do not depend on ports
		}
		// An analyzer flipped it later (DNS does for a reply seen first):
		// undo that to see the connection as it was created.
		r.origH, r.respH, r.origP, r.respP = r.respH, r.origH, r.respP, r.origP
		h = strings.ReplaceAll(h, "^", "")
	}
	o := likely[zeek.Port{Num: r.origP, Proto: r.proto}]
	s := likely[zeek.Port{Num: r.respP, Proto: r.proto}]
	if r.proto == zeek.ProtoUDP {
		if strings.HasPrefix(h, "^") {
			if !s || o {
				return "flipped, but not from a likely server port to another"
			}
			return ""
		}
		if o && !s && r.respH != "255.255.255.255" {
			return "not flipped, though sent from a likely server port to another"
		}
		return ""
	}
	switch {
	case strings.HasPrefix(h, "^h"):
		return "" // flipped on seeing traffic after a SYN-ACK, whatever the ports
	case strings.HasPrefix(h, "^"):
		// Now resp is the original source.
		if !s {
			return "flipped, but the original source port is no likely server port"
		}
		if o && r.respP > r.origP {
			return "flipped between two likely server ports from the lower"
		}
	case h == "" || h[0] == 'S':
		return "" // started with a SYN: never flipped by port
	default:
		if o && !s {
			return "not flipped, though sent from a likely server port to another"
		}
		if o && s && h[0] != 'H' && r.origP < r.respP {
			return "not flipped between two likely server ports from the lower"
		}
	}
	return ""
}

// checkConnLogs applies flipProblem to every conn.log in dirs.
func checkConnLogs(t *testing.T, logs []string, likely []zeek.Port) (checked int, problems []string) {
	t.Helper()
	set := map[zeek.Port]bool{}
	for _, p := range likely {
		set[p] = true
	}
	for _, path := range logs {
		recs, ok, err := readConnLog(path)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue
		}
		for _, r := range recs {
			checked++
			if why := flipProblem(r, set); why != "" {
				problems = append(problems, fmt.Sprintf("%s: %s:%d > %s:%d/%s %s: %s", path, r.origH, r.origP, r.respH, r.respP, r.proto, r.history, why))
			}
		}
	}
	return checked, problems
}

// The default-mode set agrees with how Zeek (built without Spicy) oriented
// every TCP and UDP connection of the parity corpus.
func TestLikelyServerPortsAgainstCorpus(t *testing.T) {
	logs, _ := filepath.Glob(filepath.Join(corpusDir(t), "baselines/default/*/conn.log"))
	if len(logs) == 0 {
		t.Skipf("no default-mode conn.logs under %s", corpusDir(t))
	}
	s, err := Load(false, nil)
	if err != nil {
		t.Fatal(err)
	}
	likely := s.LikelyServerPorts()
	checked, problems := checkConnLogs(t, logs, likely)
	for _, p := range problems {
		t.Error(p)
	}
	if checked < 1000 {
		t.Errorf("only %d connections checked", checked)
	}
	t.Logf("%d connections in %d conn.logs agree", checked, len(logs))
	// The evidence has teeth: each of these ports decides some flip in the
	// corpus, so dropping it, or adding a port that must stay out, fails.
	for _, tc := range []struct{ drop, add string }{
		{drop: "53/udp"}, {drop: "137/udp"}, {drop: "67/udp"}, {drop: "3544/udp"}, {drop: "5072/udp"},
		{drop: "20000/udp"}, {drop: "80/tcp"}, {drop: "88/tcp"}, {drop: "443/tcp"},
		{drop: "502/tcp"}, {drop: "3389/tcp"}, {drop: "5269/tcp"}, {drop: "6667/tcp"},
		{add: "68/udp"},  // DHCP's client port is a non-server port
		{add: "524/tcp"}, // NCP has an analyzer but registers no port
	} {
		var alt []zeek.Port
		if tc.drop != "" {
			p := mustPorts(t, tc.drop)[0]
			alt = slices.DeleteFunc(slices.Clone(likely), func(q zeek.Port) bool { return q == p })
		} else {
			alt = append(slices.Clone(likely), mustPorts(t, tc.add)...)
		}
		if _, problems := checkConnLogs(t, logs, alt); len(problems) == 0 {
			t.Errorf("the corpus does not notice drop %q add %q", tc.drop, tc.add)
		}
	}
}

// Zeek's own test baselines (from a build with Spicy) agree too, each with
// the scripts its test loaded.
func TestLikelyServerPortsAgainstZeekTests(t *testing.T) {
	f, err := os.Open(filepath.Join(corpusDir(t), "corpus.jsonl"))
	if err != nil {
		t.Skipf("no corpus: %v", err)
	}
	defer f.Close()
	type tcase struct {
		Test  string   `json:"test"`
		Bare  bool     `json:"bare"`
		Loads []string `json:"loads"`
	}
	checked := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var tc tcase
		if err := json.Unmarshal(sc.Bytes(), &tc); err != nil {
			t.Fatal(err)
		}
		logs, _ := filepath.Glob(filepath.Join(corpusDir(t), "baselines", tc.Test, "conn.log*"))
		if len(logs) == 0 {
			continue
		}
		s, err := LoadEnv(Env{Bare: tc.Bare, Spicy: true}, tc.Loads)
		if err != nil {
			t.Fatalf("%s: %v", tc.Test, err)
		}
		n, problems := checkConnLogs(t, logs, s.LikelyServerPorts())
		checked += n
		for _, p := range problems {
			t.Errorf("%s (bare %v, %q): %s", tc.Test, tc.Bare, tc.Loads, p)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Error("no connections checked")
	}
	t.Logf("%d connections checked", checked)
}

// writeTree writes a scripts tree for Generate.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const testPortsMain = `module P;
@load ./consts
type Info: record { a: count &default=1; };
global r: event(x: count);
function f(x: set[port]): bool { return |x| / 2 > 0; }
event zeek_init() &priority=5
	{
	local x = 1 / 2;
	Analyzer::register_for_ports(Analyzer::ANALYZER_P, ports);
@if ( have_spicy() )
	Analyzer::register_for_ports(Analyzer::ANALYZER_Q, set(), other);
@endif
	PacketAnalyzer::register_for_ports(PacketAnalyzer::ANALYZER_UDP, PacketAnalyzer::ANALYZER_T, { 7/udp });
	}
`

func testPortsTree() map[string]string {
	return map[string]string{
		"base/init-bare.zeek":                "@load base/p\nconst likely_server_ports: set[port] &redef;\n",
		"base/init-frameworks-and-bifs.zeek": "",
		"base/init-default.zeek":             "",
		"base/p/__load__.zeek":               "@load ./consts\n@load ./main\n",
		"base/p/consts.zeek": `module P;
export {
	## Ports.
	const ports = {
		21/tcp, # control
		2811/tcp,
	} &redef;
	const other: set[port] = set(5/udp) &redef;
	const s = "a { b \" }"; # a string with braces
	const pat = /[{]#"/ &redef;
	option n = 10 / 2;
}
`,
		"base/p/main.zeek": testPortsMain,
		"policy/x.zeek": `redef P::ports += { 2121/tcp };
redef P::ports -= { 21/tcp };
redef likely_server_ports += { 524/tcp };
`,
	}
}

func TestGeneratePorts(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, testPortsTree())
	got, err := Generate(os.DirFS(dir), "abc")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"S\tbase/init-bare\tfile\nL\tbase/p\nV\tlikely_server_ports\t=\t-\n",
		"S\tbase/p/consts\tfile\nV\tP::ports\t=\t21/tcp,2811/tcp\nV\tP::other\t=\t5/udp\n",
		"S\tbase/p/main\tfile\nL\tbase/p/consts\nA\tANALYZER_P\t$P::ports\t-\nA\tANALYZER_Q\t-\t$P::other\tif have_spicy()\nK\tANALYZER_UDP\tANALYZER_T\t7/udp\t-\n",
		"S\tpolicy/x\tfile\nV\tP::ports\t+=\t2121/tcp\nV\tP::ports\t-=\t21/tcp\nV\tlikely_server_ports\t+=\t524/tcp\n",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("catalog lacks\n%s\nin\n%s", want, body(got))
		}
	}
	c, err := parseCatalog(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env    Env
		names  []string
		likely string
		regs   string
	}{
		{Env{Bare: true}, nil, "21/tcp,2811/tcp,7/udp", "P:21/tcp,2811/tcp:- ANALYZER_UDP/T:7/udp:-"},
		{Env{Bare: true, Spicy: true}, nil, "21/tcp,2811/tcp,7/udp", "P:21/tcp,2811/tcp:- Q:-:5/udp ANALYZER_UDP/T:7/udp:-"},
		// Redefs apply before zeek_init, whatever the load order.
		{Env{Bare: true}, []string{"policy/x"}, "524/tcp,2121/tcp,2811/tcp,7/udp", "P:2121/tcp,2811/tcp:- ANALYZER_UDP/T:7/udp:-"},
	} {
		s, err := c.load(tc.env, tc.names)
		if err != nil {
			t.Fatal(err)
		}
		if got := portList(s.LikelyServerPorts()); got != tc.likely {
			t.Errorf("%+v %q: likely %s, want %s", tc.env, tc.names, got, tc.likely)
		}
		var regs []string
		for _, r := range s.AnalyzerPorts() {
			name := strings.TrimPrefix(r.Analyzer, "ANALYZER_")
			if r.Parent != "" {
				name = r.Parent + "/" + name
			}
			regs = append(regs, name+":"+portList(r.Server)+":"+portList(r.NonServer))
		}
		if got := strings.Join(regs, " "); got != tc.regs {
			t.Errorf("%+v %q: registrations %s, want %s", tc.env, tc.names, got, tc.regs)
		}
	}
}

func TestGeneratePortsErrors(t *testing.T) {
	const call = "Analyzer::register_for_ports(Analyzer::ANALYZER_P, ports);"
	initBody := func(stmts string) string { return "module P;\nevent zeek_init()\n\t{\n" + stmts + "\n\t}\n" }
	for _, tc := range []struct {
		name, file, text string
	}{
		{"other event", "base/p/main.zeek", "module P;\nevent new_connection(c: connection)\n\t{\n" + call + "\n\t}\n"},
		{"in a function", "base/p/main.zeek", "module P;\nfunction f() { " + call + " }\n"},
		{"runtime if", "base/p/main.zeek", initBody("if ( T ) " + call)},
		{"nested block", "base/p/main.zeek", initBody("if ( T ) { " + call + " }")},
		{"result used", "base/p/main.zeek", initBody("local ok = " + call)},
		{"undeclared set", "base/p/main.zeek", initBody("Analyzer::register_for_ports(Analyzer::ANALYZER_P, nope);")},
		{"not a port", "base/p/main.zeek", initBody("Analyzer::register_for_ports(Analyzer::ANALYZER_P, { 21/tcp, x });")},
		{"missing comma", "base/p/main.zeek", initBody("Analyzer::register_for_ports(Analyzer::ANALYZER_P, { 21/tcp 22/tcp });")},
		{"bad port", "base/p/main.zeek", initBody("Analyzer::register_for_ports(Analyzer::ANALYZER_P, { 70000/tcp });")},
		{"expression", "base/p/main.zeek", initBody("Analyzer::register_for_ports(Analyzer::ANALYZER_P, ports + other);")},
		{"bare tag", "base/p/main.zeek", initBody("Analyzer::register_for_ports(ANALYZER_P, ports);")},
		{"packet tag", "base/p/main.zeek", initBody("Analyzer::register_for_ports(PacketAnalyzer::ANALYZER_P, ports);")},
		{"one argument", "base/p/main.zeek", initBody("Analyzer::register_for_ports(Analyzer::ANALYZER_P);")},
		{"four arguments", "base/p/main.zeek", initBody("Analyzer::register_for_ports(Analyzer::ANALYZER_P, ports, ports, ports);")},
		{"packet arity", "base/p/main.zeek", initBody("PacketAnalyzer::register_for_ports(PacketAnalyzer::ANALYZER_UDP, ports);")},
		{"other module", "base/p/main.zeek", initBody("Foo::register_for_ports(Analyzer::ANALYZER_P, ports);")},
		{"unqualified", "base/p/main.zeek", initBody("register_for_ports(Analyzer::ANALYZER_P, ports);")},
		{"unterminated call", "base/p/main.zeek", initBody("Analyzer::register_for_ports(Analyzer::ANALYZER_P, ports;")},
		{"unbalanced", "base/p/main.zeek", "module P;\nevent zeek_init()\n\t{\n" + call + "\n"},
		{"stray brace", "base/p/main.zeek", "module P;\n}\n"},
		{"if inside statement", "base/p/main.zeek", initBody("Analyzer::register_for_ports(Analyzer::ANALYZER_P,\n@if ( T )\nports);\n@endif")},
		{"set from a variable", "base/p/consts.zeek", "module P;\nconst other = { 1/udp };\nconst ports = other &redef;\n"},
		{"declared twice", "policy/x.zeek", "module P;\nconst ports = { 1/udp };\n"},
		{"redef without value", "policy/x.zeek", "redef P::ports &redef;\n"},
		{"redef to a non-set", "policy/x.zeek", "redef P::ports += 1/udp;\n"},
		{"redef unterminated", "policy/x.zeek", "redef P::ports += { 1/udp }"},
		{"declared with +=", "base/p/consts.zeek", "module P;\nconst other = set(5/udp);\nconst ports += { 1/udp };\n"},
		{"undeclared likely_server_ports", "base/init-bare.zeek", "@load base/p\n"},
	} {
		dir := t.TempDir()
		tree := testPortsTree()
		tree[tc.file] = tc.text
		if tc.name == "undeclared likely_server_ports" {
			tree["policy/x.zeek"] = "redef likely_server_ports += { 524/tcp };\n"
		}
		writeTree(t, dir, tree)
		if _, err := Generate(os.DirFS(dir), ""); err == nil {
			t.Errorf("Generate accepted %s", tc.name)
		} else if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "scripts: ") {
			t.Errorf("%s: badly formed error %q", tc.name, err)
		} else {
			t.Logf("%s: %v", tc.name, err)
		}
	}
}

func TestLexZeek(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want string // kind letter and text of each token, space-separated
	}{
		{"const ports = { 21/tcp, 2811/udp, 3/icmp, 4/unknown };", "i:const i:ports p:= p:{ P:21/tcp p:, P:2811/udp p:, P:3/icmp p:, P:4/unknown p:} p:;"},
		{"x = a / b;", "i:x p:= i:a p:/ i:b p:;"},
		{"x = (a) / 2;", "i:x p:= p:( i:a p:) p:/ n:2 p:;"},
		{"x = /a{2}#b\\//i;", "i:x p:= r:/a{2}#b\\//i p:;"},
		{"x = 10.0.0.0/8;", "i:x p:= n:10.0.0.0 p:/ n:8 p:;"},
		{"x = 8/tcpx;", "i:x p:= n:8 p:/ i:tcpx p:;"},
		{"s = \"a # { \\\" }\"; # c { \n}", "i:s p:= s:\"a # { \\\" }\" p:; p:}"},
		{"  @if ( x ) { \n@load y\nz", "i:z"},
		{"a@b", "i:a p:@ i:b"},
		{"Analyzer::ANALYZER_FTP::x ::y", "i:Analyzer::ANALYZER_FTP::x p::: i:y"},
		{"a += b -= c == d", "i:a p:+= i:b p:-= i:c p:== i:d"},
		{"if ( x in /ab/ )", "i:if p:( i:x i:in r:/ab/ p:)"},
		{"x = /unterminated\ny", "i:x p:= p:/ i:unterminated i:y"},
		{"\"open\nx", "s:\"open i:x"},
		{"5 min 1.5e3 0xff", "n:5 i:min n:1.5e3 n:0xff"},
	} {
		var parts []string
		for _, tok := range lexZeek(tc.src) {
			parts = append(parts, string("?ipnsrp"[tok.kind])+":"+tok.text)
		}
		// tPort prints as "P" to tell it from punctuation.
		for i, tok := range lexZeek(tc.src) {
			if tok.kind == tPort {
				parts[i] = "P:" + tok.text
			}
		}
		if got := strings.Join(parts, " "); got != tc.want {
			t.Errorf("lexZeek(%q):\n got %s\nwant %s", tc.src, got, tc.want)
		}
	}
	toks := lexZeek("a\n\nb # c\n\"d\";\n/e/\n")
	var lines []int
	for _, tok := range toks {
		lines = append(lines, tok.line)
	}
	if !slices.Equal(lines, []int{1, 3, 4, 4, 5}) {
		t.Errorf("token lines %v", lines)
	}
}

func TestParseCatalogPortErrors(t *testing.T) {
	good := "S\tbase/init-bare\tfile\nS\tbase/init-frameworks-and-bifs\tfile\nS\tbase/init-default\tfile\nV\tX::p\t=\t1/tcp\n"
	if _, err := parseCatalog([]byte(good + "A\tANALYZER_X\t$X::p\t-\tif have_spicy()\nK\tANALYZER_UDP\tANALYZER_Y\t2/udp,3/udp\t-\n")); err != nil {
		t.Fatalf("good catalog: %v", err)
	}
	for _, bad := range []string{
		"V\tX::p\t=\t1/tcp\n" + good, // before any script
		good + "V\tX::p\t=\n",
		good + "V\tX::p\t*=\t1/tcp\n",
		good + "V\tX::p\t=\t1/tcpx\n",
		good + "V\tX::p\t=\t70000/tcp\n",
		good + "V\tX::p\t=\t-1/tcp\n",
		good + "V\tX::p\t=\t+1/tcp\n",
		good + "V\tX::p\t=\t1\n",
		good + "V\tX::p\t=\t1/tcp,\n",
		good + "V\tX::q\t+=\t1/tcp\n", // redef of an undeclared set
		good + "V\t\t=\t1/tcp\n",
		good + "A\tANALYZER_X\t$X::q\t-\n", // undeclared
		good + "A\tANALYZER_X\t$\t-\n",
		good + "A\tX\t$X::p\t-\n",
		good + "A\tANALYZER_X\t$X::p\n",
		good + "A\tANALYZER_X\t$X::p\t-\t\n",
		good + "K\tUDP\tANALYZER_Y\t-\t-\n",
		good + "K\tANALYZER_UDP\tANALYZER_Y\t-\n",
		good + "K\tANALYZER_UDP\tANALYZER_Y\t-\tx\n",
	} {
		if _, err := parseCatalog([]byte(bad)); err == nil {
			t.Errorf("parseCatalog accepted %q", bad)
		}
	}
}

func TestPortFormat(t *testing.T) {
	ps := []zeek.Port{{Num: 0, Proto: zeek.ProtoTCP}, {Num: 65535, Proto: zeek.ProtoUDP}, {Num: 8, Proto: zeek.ProtoICMP}, {Num: 1, Proto: zeek.ProtoUnknown}}
	s := formatPorts(ps)
	if s != "0/tcp,65535/udp,8/icmp,1/unknown" {
		t.Errorf("formatPorts = %q", s)
	}
	back, err := parsePorts(s)
	if err != nil || !slices.Equal(back, ps) {
		t.Errorf("parsePorts(%q) = %v, %v", s, back, err)
	}
	if got, err := parsePorts("-"); err != nil || got == nil || len(got) != 0 {
		t.Errorf("parsePorts(-) = %v, %v", got, err)
	}
}

func FuzzScanFacts(f *testing.F) {
	f.Add(testPortsMain)
	for _, s := range testPortsTree() {
		f.Add(s)
	}
	f.Add("event zeek_init() { Analyzer::register_for_ports(Analyzer::ANALYZER_X, set(), { 1/udp, }); }")
	f.Add("export { const p = { 1/tcp } &redef; } redef p += { 2/tcp }; x = /a/ / 2 ;")
	f.Fuzz(func(t *testing.T, src string) {
		toks := lexZeek(src)
		last := 1
		for _, tok := range toks {
			if tok.line < last || tok.text == "" {
				t.Fatalf("token %+v after line %d", tok, last)
			}
			last = tok.line
		}
		facts, err := scanFacts(toks)
		if err != nil {
			return
		}
		for _, d := range facts.decls {
			if d.last < d.first {
				t.Fatalf("declaration lines %d..%d", d.first, d.last)
			}
			if ref, ports, err := parsePortExpr(d.value); err == nil && ref == "" {
				if back, err := parsePorts(formatPorts(ports)); err != nil || !slices.Equal(back, ports) {
					t.Fatalf("ports %v do not round-trip: %v", ports, err)
				}
			}
		}
		for _, c := range facts.calls {
			_, _ = callFact(c, func(s string) string { return s })
		}
		if _, err := lineConds(src); err != nil {
			return
		}
	})
}

func FuzzParseCatalog(f *testing.F) {
	f.Add(string(catalogData[:4096]))
	f.Add("S\tbase/init-bare\tfile\nS\tbase/init-frameworks-and-bifs\tfile\nS\tbase/init-default\tfile\nV\tX::p\t=\t1/tcp\nA\tANALYZER_X\t$X::p\t-\tif have_spicy()\n")
	f.Fuzz(func(t *testing.T, data string) {
		c, err := parseCatalog([]byte(data))
		if err != nil {
			return
		}
		// Whatever parses, loads (unknown conditions are an error, not a panic).
		if s, err := c.load(Env{Bare: true}, nil); err == nil {
			_ = s.LikelyServerPorts()
			_ = s.AnalyzerPorts()
		}
	})
}

func TestSetPortVariable(t *testing.T) {
	s, err := Load(true, []string{"base/protocols/conn"})
	if err != nil {
		t.Fatal(err)
	}
	vars := s.PortVariables()
	vx, ok := vars["PacketAnalyzer::VXLAN::vxlan_ports"]
	if !ok || len(vx) != 1 || vx[0] != (zeek.Port{Num: 4789, Proto: zeek.ProtoUDP}) {
		t.Fatalf("vxlan_ports = %v", vx)
	}
	extra := zeek.Port{Num: 14789, Proto: zeek.ProtoUDP}
	if !s.SetPortVariable("PacketAnalyzer::VXLAN::vxlan_ports", append(vx, extra)) {
		t.Fatal("SetPortVariable refused vxlan_ports")
	}
	found := false
	for _, p := range s.LikelyServerPorts() {
		found = found || p == extra
	}
	if !found {
		t.Errorf("likely_server_ports lacks the added port")
	}
	for _, ap := range s.AnalyzerPorts() {
		if ap.Analyzer == "ANALYZER_VXLAN" && len(ap.Server) != 2 {
			t.Errorf("VXLAN registration %v", ap.Server)
		}
	}
	if s.SetPortVariable("HTTP::no_such", nil) || s.SetPortVariable("likely_server_ports", nil) {
		t.Error("SetPortVariable accepted an unknown or protected variable")
	}
}
